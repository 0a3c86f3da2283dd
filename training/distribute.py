"""Devices and ``tf.distribute`` strategies for training."""

from __future__ import annotations

import os

import tensorflow as tf


def configure_devices(cpu_devices: int) -> None:
    """Split the CPU into logical devices (to exercise the distributed path without GPUs)."""
    if cpu_devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(cpu_devices)]
        )


def choose_strategy(name: str):
    """The tf.distribute strategy: multi-worker from TF_CONFIG, mirrored over GPUs, or default."""
    if name == "auto":
        if "TF_CONFIG" in os.environ:
            name = "multiworker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    if name == "default":
        return tf.distribute.get_strategy()
    raise ValueError(f"unknown strategy {name!r}")
