"""Server settings: one dataclass, read from flags and ``AIORHUMAN_*`` environment variables.

Every field is both a flag (``--max-pixels``) and an environment variable
(``AIORHUMAN_MAX_PIXELS``); a flag wins over the environment, which wins over the default.
Lists are comma-separated in the environment and repeated as flags.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "AIORHUMAN_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _opt(default, help: str, many: bool = False):
    return field(default=default, metadata={"help": help, "many": many})


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told."""

    model: Path = _opt(Path("models/default"), "model bundle folder")  # noqa: RUF009 (immutable)
    host: str = _opt("127.0.0.1", "address to listen on")
    port: int = _opt(8080, "port to listen on")
    dev: bool = _opt(False, "run Flask's development server instead of gunicorn")
    workers: int = _opt(1, "gunicorn worker processes (each loads the model and batches alone)")
    threads: int = _opt(32, "request threads per worker")
    graceful_timeout: int = _opt(30, "seconds to finish in-flight requests on SIGTERM")
    api_keys: tuple[str, ...] = _opt((), "API key accepted (repeat the flag for several)", True)
    api_keys_file: Path | None = _opt(None, "file with one API key per line")  # noqa: RUF009
    cors_origins: tuple[str, ...] = _opt((), "web origin allowed to call the API ('*': any)", True)
    cors_extension_ids: tuple[str, ...] = _opt(
        (), "browser extension id (Chrome) or internal UUID (Firefox) given CORS", True
    )
    allowed_hosts: tuple[str, ...] = _opt(
        (), "Host name answered besides loopback names when listening on loopback ('*': any)", True
    )
    allow_unprotected_public: bool = _opt(
        False, "listen on a non-loopback address without API keys and a rate limit"
    )
    rate_limit: float = _opt(0.0, "requests per minute per API key or IP on /v1/ (0: no limit)")
    rate_burst: int = _opt(10, "requests a client may make at once before the rate applies")
    trusted_proxies: int = _opt(0, "reverse proxies in front whose X-Forwarded-For is trusted")
    max_body_bytes: int = _opt(20 * 1024 * 1024, "largest request body, or fetched image")
    max_pixels: int = _opt(40_000_000, "largest image, width x height (checked before decoding)")
    max_frames: int = _opt(1000, "most frames in an animated image (only the first is scored)")
    max_files: int = _opt(16, "most images in one multipart request")
    max_request_pixels: int = _opt(
        100_000_000, "most pixels in one request, all images together (checked before decoding)"
    )
    client_pixels_per_minute: int = _opt(
        300_000_000, "pixels a client (API key or IP) may have decoded per minute (0: no limit)"
    )
    work_threads: int = _opt(
        0, "threads that may work on /v1/ at once, the rest kept for /healthz (0: threads - 4)"
    )
    read_timeout: float = _opt(30.0, "seconds for a client to send a whole request (else 408)")
    max_batch: int = _opt(8, "most images in one model call")
    max_wait_ms: float = _opt(5.0, "longest a request waits for others to share its batch")
    max_queue: int = _opt(64, "most images waiting for the model (503 beyond)")
    request_timeout: float = _opt(30.0, "longest a request waits for its scores (503 beyond)")
    fetch: bool = _opt(True, 'accept JSON {"url": ...} and fetch the image')
    fetch_allow: tuple[str, ...] = _opt(
        (), "network (CIDR) the fetcher may reach although private or local", True
    )
    fetch_timeout: float = _opt(10.0, "seconds for the whole fetch of a URL, redirects included")
    fetch_redirects: int = _opt(3, "most redirects followed when fetching a URL")
    feedback_dir: Path | None = _opt(None, "folder POST /v1/feedback stores labelled images in")  # noqa: RUF009
    feedback_max_images: int = _opt(10_000, "most images the feedback folder holds")
    trust_dir: Path | None = _opt(  # noqa: RUF009
        None, "folder of C2PA trust lists (aiorhuman-trust update); none: no signer recognised"
    )

    def __post_init__(self) -> None:
        for name in (
            "port",
            "workers",
            "threads",
            "max_body_bytes",
            "max_pixels",
            "max_frames",
            "max_files",
            "max_batch",
            "max_queue",
            "max_request_pixels",
            "feedback_max_images",
        ):
            if getattr(self, name) < (0 if name == "port" else 1):
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in (
            "rate_limit",
            "max_wait_ms",
            "rate_burst",
            "fetch_redirects",
            "client_pixels_per_minute",
            "work_threads",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("request_timeout", "fetch_timeout", "graceful_timeout", "read_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.max_files > self.max_queue:
            raise ValueError(
                f"max_files ({self.max_files}) cannot exceed max_queue ({self.max_queue})"
            )
        if self.feedback_dir is not None and not (self.api_keys or self.api_keys_file):
            raise ValueError("feedback_dir needs API keys (api_keys or api_keys_file)")
        for network in self.fetch_allow:
            ipaddress.ip_network(network, strict=False)

    @property
    def busy_threads(self) -> int:
        """Threads that may work on /v1/ at once; the others stay free for quick answers."""
        return self.work_threads or max(1, self.threads - 4)

    def all_api_keys(self) -> tuple[str, ...]:
        """Keys from flags, the environment and ``api_keys_file`` together."""
        keys = list(self.api_keys)
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text().splitlines()
            keys += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        return tuple(keys)


def flag(name: str) -> str:
    """``max_pixels`` -> ``--max-pixels``."""
    return "--" + name.replace("_", "-")


def env_name(name: str) -> str:
    """``max_pixels`` -> ``AIORHUMAN_MAX_PIXELS``."""
    return ENV_PREFIX + name.upper()


def _kind(f) -> str:
    return str(f.type).replace(" ", "")


def _convert(f, text: str):
    kind = _kind(f)
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ValueError(f"{env_name(f.name)}: expected true or false, not {text!r}")
        return lowered in _TRUE
    if f.metadata["many"]:
        return tuple(item.strip() for item in text.split(",") if item.strip())
    if kind.startswith("Path"):
        return Path(text)
    return {"int": int, "float": float}.get(kind, str)(text)


def _converter(f):
    """An argparse ``type`` for a field, named so that errors read 'invalid int value'."""

    def convert(text: str):
        return _convert(f, text)

    convert.__name__ = _kind(f).split("|")[0]
    return convert


def from_env(environ: Mapping[str, str]) -> dict:
    """Field values given by ``AIORHUMAN_*`` variables."""
    values = {}
    for f in fields(Settings):
        if env_name(f.name) in environ:
            values[f.name] = _convert(f, environ[env_name(f.name)])
    return values


def parser() -> argparse.ArgumentParser:
    """The command line of ``aiorhuman-serve``: one flag per field."""
    p = argparse.ArgumentParser(
        prog="aiorhuman-serve",
        description="Serve an AI-or-Human model bundle over HTTP (see docs/server.md).",
    )
    for f in fields(Settings):
        help_text = f"{f.metadata['help']} (env {env_name(f.name)})"
        if _kind(f) == "bool":
            p.add_argument(flag(f.name), action=argparse.BooleanOptionalAction, help=help_text)
        elif f.metadata["many"]:
            p.add_argument(flag(f.name), action="append", metavar="VALUE", help=help_text)
        else:
            p.add_argument(
                flag(f.name),
                type=_converter(f),
                metavar=f.name.upper(),
                help=f"{help_text}; default {f.default}",
            )
    return p


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the command line over the environment over the defaults."""
    values = from_env(os.environ if environ is None else environ)
    args = vars(parser().parse_args(argv))
    for name, value in args.items():
        if value is not None:
            values[name] = tuple(value) if isinstance(value, list) else value
    return Settings(**values)
