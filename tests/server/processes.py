"""Run the real server (``python -m aiorhuman.server``, gunicorn) as a child process on
127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).parents[2]
START_TIMEOUT = 120


@dataclass
class Running:
    url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "aiorhuman.server", *args]


def start_server(bundle: Path, log: Path, *args: str) -> Running:
    """Start the server on a free port (not waiting for it)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command("--model", str(bundle), "--port", str(port), *args),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
    return Running(f"http://127.0.0.1:{port}", process, log)


def wait_ready(running: Running) -> None:
    """Wait until ``/healthz`` answers; fail with the server's log if it exits or hangs."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if running.process.poll() is not None:
            raise RuntimeError(f"server exited: {running.log.read_text()[-3000:]}")
        try:
            if requests.get(f"{running.url}/healthz", timeout=2).ok:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {running.log.read_text()[-3000:]}")
        time.sleep(0.25)


@contextmanager
def running_servers(bundle: Path, logs: Path, **configs: tuple[str, ...]) -> Iterator[dict]:
    """Start several servers at once (their start-ups overlap), stop them all after."""
    servers = {}
    try:
        for name, args in configs.items():
            servers[name] = start_server(bundle, logs / f"{name}.log", *args)
        for running in servers.values():
            wait_ready(running)
        yield servers
    finally:
        for running in servers.values():
            stop(running.process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it does not go within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
