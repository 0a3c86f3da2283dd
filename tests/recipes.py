"""Command-line flags of the tiny training runs tests make (random weights, 32 px)."""

TINY_TRAINING = [
    "--backbone",
    "efficientnet_lite0",
    "--weights",
    "random",
    "--input-size",
    "32",
    "--batch-size",
    "8",
    "--val-fraction",
    "0.25",
]
