"""``python -m server``: the same as ``aiorhuman-serve``."""

from server.cli import main

main()
