"""Training settings are declared once: every TrainConfig field is an aiorhuman-train flag."""

from __future__ import annotations

from dataclasses import fields

from aiorhuman.training.config import TrainConfig
from aiorhuman.training.train import parse_args


def test_defaults_on_the_command_line_are_the_config_defaults():
    config, args = parse_args(["--data", "d", "--out", "o"])
    assert config == TrainConfig(data="d")
    assert str(args.out) == "o" and args.cpu_devices == 1


def test_every_field_is_a_flag_that_reaches_the_config():
    flags = {
        "--epochs": "3",
        "--label-smoothing": "0.1",
        "--backbone": "efficientnet_lite2",
        "--pooling": "head+texture",
        "--pairs": "p",
    }
    argv = ["--data", "d", "--out", "o", *(x for pair in flags.items() for x in pair)]
    config, _ = parse_args(
        [*argv, "--holdout-source", "a", "--holdout-source", "b", "--no-augment", "--train-on-test"]
    )
    assert config.epochs == 3 and config.label_smoothing == 0.1
    assert config.holdout_sources == ["a", "b"] and not config.augment.enabled
    assert config.input_size == 260  # the backbone's native size unless --input-size
    assert config.pooling == "head+texture" and config.pairs == "p" and config.train_on_test
    assert all(f.metadata.get("help") for f in fields(TrainConfig))


def test_a_saved_config_loads_back():
    config, _ = parse_args(["--data", "d", "--out", "o", "--input-size", "64", "--no-augment"])
    assert TrainConfig.from_json(config.to_json()) == config
