"""Benchmark ``aiorhuman-predict --engine ray`` against single-process scoring (not a test).

On the same images, in one run: the cost of each stage in this process (read, decode and
preprocess, model), the raw SavedModel loop (``predict_bytes`` on bytes already in memory),
single-process batch prediction (``score_files``, as ``aiorhuman-predict`` runs it), and
Ray Data on a local loopback-only cluster with ``--cpus`` CPUs, decoding in the model worker
(the CPU default) and in the prepare tasks (the GPU default): steady state after the first
batch, and end to end. Images are read once first so that every contender finds
them in the page cache.

    python benchmarks/ray_bench.py --model models/default \\
        --images path/to/webmix-dev/train_data --count 400
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from aiorhuman.batch.inputs import IMAGE_SUFFIXES, Input
from aiorhuman.batch.ray_engine import decoder, score_with_ray
from aiorhuman.batch.scoring import model_bytes, open_bundle, read_file, score_files


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def stage_costs(bundle, samples: list[Input], batch: int) -> dict[str, float]:
    """Milliseconds per image of reading, decoding + preprocessing (the image intake's header
    check, then the bundle's preprocessing), and the model alone."""
    datas = [read_file(s) for s in samples]
    decode = decoder(bundle.input_size)
    batches = [datas[i : i + batch] for i in range(0, len(datas), batch)]
    decode([model_bytes(d) for d in batches[0]])
    bundle.predict_pixels(np.zeros((batch, bundle.input_size, bundle.input_size, 3), np.float32))
    read_s = timed(lambda: [read_file(s) for s in samples])
    pixels = []
    decode_s = timed(
        lambda: pixels.extend(decode([model_bytes(d) for d in b]).numpy() for b in batches)
    )
    model_s = timed(lambda: [bundle.predict_pixels(p) for p in pixels])
    return {
        "read": 1e3 * read_s / len(samples),
        "decode + preprocess": 1e3 * decode_s / len(samples),
        "model": 1e3 * model_s / len(samples),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=Path("models/default"))
    p.add_argument("--images", type=Path, required=True)
    p.add_argument("--count", type=int, default=400)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray cluster")
    p.add_argument("--workers", type=int, help="Ray model workers (default: the engine's)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of the in-process contenders")
    args = p.parse_args()

    files = sorted(f for f in args.images.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
    samples = [Input(f, str(f)) for f in files[: args.count]]
    n = len(samples)
    scorer = open_bundle(args.model)
    bundle = scorer.bundle

    costs = stage_costs(bundle, samples, args.batch_size)
    print(f"{n} images, batch {args.batch_size}, {os.cpu_count()} CPUs")
    for stage, ms in costs.items():
        print(f"  {stage:<20} {ms:6.2f} ms/image")

    datas = [model_bytes(read_file(s)) for s in samples]
    batches = [datas[i : i + args.batch_size] for i in range(0, n, args.batch_size)]

    def single_process() -> None:
        score_files(scorer, samples, args.batch_size)

    raw = local = 0.0
    for _ in range(args.rounds):  # the best round of each: the machine may be shared
        raw = max(raw, n / timed(lambda: [bundle.predict_bytes(b) for b in batches]))
        local = max(local, n / timed(single_process))

    import ray

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(
        num_cpus=args.cpus,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}},
    )
    summaries = {}
    try:
        for decode_in in ("model", "prepare"):
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "r.parquet"
                summaries[decode_in] = score_with_ray(
                    args.model, samples, out, out, None, None, args.batch_size, args.workers,
                    decode_in=decode_in,
                )  # fmt: skip
    finally:
        ray.shutdown()

    print(f"  {'raw SavedModel loop':<34} {raw:6.1f} images/s (bytes in memory)")
    print(f"  {'single process':<34} {local:6.1f} images/s (aiorhuman-predict)")
    for decode_in, summary in summaries.items():
        # Steady state: after the first batch, once the workers are up.
        after = summary.seconds - summary.startup
        steady = (summary.scored - args.batch_size) / after
        print(
            f"  {f'Ray Data, decode in {decode_in}':<34} {steady:6.1f} images/s steady "
            f"(overhead {100 * (1 - steady / local):+.0f}% against the single process); "
            f"{summary.rate:.1f} images/s end to end ({summary.seconds:.1f} s, "
            f"{summary.startup:.1f} s to the first batch)"
        )


if __name__ == "__main__":
    main()
