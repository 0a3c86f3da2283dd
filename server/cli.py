"""``aiorhuman-serve``: check the bundle, then serve it with gunicorn (or Flask's dev server)."""

from __future__ import annotations

import logging.config
import os
import sys
from collections.abc import Sequence

from aiorhuman.server import settings as settings_module
from aiorhuman.server.logs import config_dict


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and environment, refuse a bad bundle with a clear message, serve."""
    try:
        settings = settings_module.load(argv)
        settings.all_api_keys()
    except (ValueError, OSError) as exc:
        sys.exit(f"aiorhuman-serve: bad setting: {exc}")
    if not settings.model.is_dir():
        sys.exit(
            f"aiorhuman-serve: cannot serve this model bundle: {settings.model} is not a folder "
            "(give --model PATH)"
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter is not JSON
    from aiorhuman.bundle import BundleError, read_card, verify_files

    try:
        verify_files(settings.model, read_card(settings.model))
    except BundleError as exc:
        sys.exit(f"aiorhuman-serve: cannot serve this model bundle: {exc}")
    if settings.dev:
        from aiorhuman.server.app import create_app
        from aiorhuman.server.model import load_model

        logging.config.dictConfig(config_dict())
        app = create_app(settings, load_model(settings.model, settings.max_batch, False))
        app.run(settings.host, settings.port, threaded=True)
    else:
        from aiorhuman.server.gunicorn_app import GunicornServer

        GunicornServer(settings).run()
