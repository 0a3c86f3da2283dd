"""Command-line runs show no TensorFlow native log lines unless asked to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = "import aiorhuman, tensorflow as tf; print(int(tf.constant(1) + 1))"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AIORHUMAN"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**environment, **env},
    )


def test_tensorflow_imports_quietly_and_logs_on_request():
    quiet = run(SCRIPT)
    assert quiet.returncode == 0 and quiet.stdout == "2\n"
    assert quiet.stderr == ""
    loud = run(SCRIPT, AIORHUMAN_TF_LOGS="1")
    if loud.stderr == "":
        pytest.skip("this TensorFlow build logs nothing at start-up")
    assert loud.returncode == 0 and loud.stdout == "2\n"


def test_what_a_failing_block_wrote_is_shown():
    code = (
        "import os\n"
        "from aiorhuman.quiet import quiet_native_logs\n"
        "try:\n"
        "    with quiet_native_logs():\n"
        "        os.write(2, b'native detail\\n')\n"
        "        raise ImportError('boom')\n"
        "except ImportError:\n"
        "    pass\n"
        "with quiet_native_logs():\n"
        "    os.write(2, b'start-up noise\\n')\n"
    )
    result = run(code)
    assert result.returncode == 0
    assert "native detail" in result.stderr and "start-up noise" not in result.stderr
    assert "start-up noise" in run(code, AIORHUMAN_TF_LOGS="1").stderr
