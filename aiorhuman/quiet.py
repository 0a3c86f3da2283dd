"""Keep TensorFlow's C++ start-up log lines ("Unable to register cuDNN factory", "computation
placer already registered", ...) out of what users see. ``AIORHUMAN_TF_LOGS=1`` shows them.

The lines are written to file descriptor 2 by native code while ``tensorflow`` is first
imported, before any Python logging exists, so the import itself runs with fd 2 captured;
what was captured is replayed only if the import fails.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

LOGS_ENV = "AIORHUMAN_TF_LOGS"


@contextlib.contextmanager
def _stderr_captured() -> Iterator[None]:
    """Send fd 2 to a temporary file; replay it to the real stderr if the block raises."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            capture.seek(0)
            os.write(2, capture.read())
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Keep what native code writes to stderr inside the block out of sight (replayed if the
    block raises), unless ``AIORHUMAN_TF_LOGS`` is set: e.g. Grappler's lines while a graph
    is optimised for TF.js."""
    if os.environ.get(LOGS_ENV):
        yield
        return
    with _stderr_captured():
        yield


class _QuietLoader(importlib.abc.Loader):
    """Runs the real loader with stderr captured; everything else goes to the real loader."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = module.__spec__.loader = self._loader
        with _stderr_captured():
            self._loader.exec_module(module)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual, once, and wraps its loader."""

    def find_spec(self, name, path, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow() -> None:
    """Silence TensorFlow's native logs from here on, unless ``AIORHUMAN_TF_LOGS`` is set."""
    if os.environ.get(LOGS_ENV) or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not any(isinstance(finder, _QuietFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder())
