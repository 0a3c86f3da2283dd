"""``python -m convert``: the same as ``aiorhuman-convert``."""

from aiorhuman.convert.cli import main

main()
