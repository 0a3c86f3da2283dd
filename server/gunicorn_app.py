"""Production serving: gunicorn with threaded workers, each loading the model after the fork."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from aiorhuman.server.logs import config_dict
from aiorhuman.server.settings import Settings


def bind_address(host: str, port: int) -> str:
    """``host:port`` for gunicorn, with brackets around IPv6 hosts."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _worker_exit(_server, worker) -> None:
    """Let the batcher finish what is queued before the worker goes."""
    app = getattr(worker, "wsgi", None)
    if app is not None and "aiorhuman" in getattr(app, "extensions", {}):
        app.extensions["aiorhuman"].batcher.close(timeout=10)


class GunicornServer(BaseApplication):
    """gunicorn configured from ``Settings``; SIGTERM finishes in-flight requests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        options = {
            "bind": [bind_address(s.host, s.port)],
            "workers": s.workers,
            "worker_class": "aiorhuman.server.worker.ReadingWorker",
            "threads": s.threads,
            "graceful_timeout": s.graceful_timeout,
            "timeout": max(60, int(s.request_timeout * 2)),
            "keepalive": 5,
            "preload_app": False,  # TensorFlow is not fork-safe: load in each worker
            "accesslog": None,  # the app logs one JSON line per request itself
            "logconfig_dict": config_dict(),
            "worker_exit": _worker_exit,
            "proc_name": "aiorhuman-serve",
            "control_socket_disable": True,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self):
        from aiorhuman.server.app import create_app
        from aiorhuman.server.model import load_model

        # The bundle's hashes were checked before the fork.
        model = load_model(self.settings.model, self.settings.max_batch, check_hashes=False)
        return create_app(self.settings, model)
