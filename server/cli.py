"""``aiorhuman-serve``: check the bundle, then serve it with gunicorn (or Flask's dev server)."""

from __future__ import annotations

import logging.config
import os
import sys
from collections.abc import Sequence

from aiorhuman.provenance.trust import TRUST_DIR_ENV
from aiorhuman.server import settings as settings_module
from aiorhuman.server.hosts import is_loopback
from aiorhuman.server.logs import config_dict
from aiorhuman.server.settings import Settings


def exposure_problem(settings: Settings) -> str | None:
    """Why listening on this address is unsafe with these settings, or None."""
    if is_loopback(settings.host):
        return None
    missing = [
        what
        for what, present in (
            ("API keys", settings.all_api_keys()),
            ("a rate limit", settings.rate_limit > 0),
        )
        if not present
    ]
    if not missing:
        return None
    return (
        f"{settings.host} is reachable from other machines, and this server runs without "
        f"{' and '.join(missing)}: anyone who reaches it can use it (and its URL fetcher). "
        "Give --api-keys (or --api-keys-file) and --rate-limit"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and environment, refuse a bad bundle with a clear message, serve."""
    try:
        settings = settings_module.load(argv)
        settings.all_api_keys()
    except (ValueError, OSError) as exc:
        sys.exit(f"aiorhuman-serve: bad setting: {exc}")
    unsafe = exposure_problem(settings)
    if unsafe and not settings.allow_unprotected_public:
        sys.exit(f"aiorhuman-serve: refusing to start: {unsafe}, or --allow-unprotected-public.")
    if unsafe:
        print(f"aiorhuman-serve: WARNING: {unsafe}.", file=sys.stderr, flush=True)
    if not settings.model.is_dir():
        sys.exit(
            f"aiorhuman-serve: cannot serve this model bundle: {settings.model} is not a folder "
            "(give --model PATH)"
        )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ chatter is not JSON
    if settings.trust_dir is not None:  # the provenance reader (and every worker) reads it
        if not settings.trust_dir.is_dir():
            sys.exit(f"aiorhuman-serve: bad setting: --trust-dir {settings.trust_dir} is no folder")
        os.environ[TRUST_DIR_ENV] = str(settings.trust_dir)
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
