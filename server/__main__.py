"""``python -m aiorhuman.server``: the same as ``aiorhuman-serve``."""

from aiorhuman.server.cli import main

main()
