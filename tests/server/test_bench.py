"""The server benchmark's figures (issue 19, item 10): one run gives the ratio and its spread."""

from __future__ import annotations

import importlib.util

from tests.server.processes import ROOT


def test_ratio_pairs_each_served_round_with_its_raw_round():
    spec = importlib.util.spec_from_file_location(
        "server_bench", ROOT / "benchmarks/server_bench.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # The machine slowed down between rounds: the paired ratios stay near 1.
    summary = bench.ratio_summary(served=[40.0, 20.0, 30.0], raw=[40.0, 21.0, 30.0])
    assert summary["ratio_to_raw"] == 1.0
    assert summary["ratio_spread"] == [0.952, 1.0]
    assert summary["images_per_s"] == 30.0 and summary["raw_images_per_s"] == 30.0
