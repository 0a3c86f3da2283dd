"""``python -m convert``: the same as ``aiorhuman-convert``."""

from convert.cli import main

main()
