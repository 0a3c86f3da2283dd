"""``aiorhuman-predict --engine ray``: score large image collections on Ray Data from a bundle.

The pipeline streams; nothing holds the whole collection but the list of paths::

    paths (blocks of rows) -> prepare: read + check [+ decode]  (tasks)
                           -> score: the bundle, loaded once per actor (actor pool)
                           -> driver: commits parts of rows (batch/ray_parts.py)

``prepare`` reads each file with the single-process reader (size and pixel limits). With GPUs
it also decodes, with the preprocessing the SavedModel's bytes signature traces, so that CPUs
decode while the GPU runs the ``pixels`` signature; on CPUs the actor runs the single-process
engine's own batch step on the bytes (decoding inside the graph, nothing big to ship). Either
way rows come from the same functions as the single-process engine's (``add_provenance``,
``result_row``). A file that cannot be read or decoded becomes an error row. Workers that die
are restarted and their batches retried (Ray); what was committed before an interruption is
skipped when the same command runs again.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiorhuman.batch.inputs import Input

# Fault injection for tests: the Nth batch of a model worker kills its process, once per run.
CRASH_ENV = "AIORHUMAN_RAY_CRASH_AT_BATCH"
TASK_RETRIES = 3  # a batch that kills its worker this often fails the job (resumable)


@dataclass
class Summary:
    """What a run did: ``images`` in the input, ``skipped`` (already committed), ``scored``
    now, ``errors`` among all rows, ``seconds`` of scoring, of which ``startup`` went by
    before the first batch came back (workers starting, the model loading)."""

    images: int
    skipped: int
    scored: int
    errors: int
    seconds: float
    startup: float = 0.0

    @property
    def rate(self) -> float:
        return self.scored / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (
            f"{self.images} images: {self.scored} scored in {self.seconds:.1f} s "
            f"({self.rate:.1f} images/s, {self.startup:.1f} s of it starting), "
            f"{self.skipped} already done, {self.errors} errors"
        )


def parts_folder(out: Path) -> Path:
    """Where the committed parts of ``out`` live."""
    return out.with_name(out.name + ".parts")


def score_with_ray(
    model: Path,
    samples: Sequence[Input],
    out: Path,
    parquet: Path | None,
    csv: Path | None,
    address: str | None = None,
    batch_size: int = 64,
    workers: int | None = None,
    part_rows: int = 4096,
    decode_in: str | None = None,
    report: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> Summary:
    """Score ``samples`` with the bundle at ``model`` on Ray; write ``parquet`` and/or ``csv``.

    Parts of about ``part_rows`` rows are committed in ``parts_folder(out)``; a second call
    with the same arguments scores only what the first did not commit. Uses the Ray instance
    this process is connected to, else ``address``, else a new local one on 127.0.0.1.
    Images are decoded in ``decode_in``: ``"prepare"`` (beside the model: the default with
    GPUs) or ``"model"`` (in the model's own graph: the default on CPUs, nothing to ship).
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import ray
    except ImportError as exc:
        raise SystemExit(
            f"--engine ray needs Ray Data ({exc.name} is missing): pip install 'aiorhuman[ray]'"
        ) from exc
    from aiorhuman.batch.ray_parts import PartStore
    from aiorhuman.bundle import read_card
    from aiorhuman.bundle.preprocess import PREPROCESSING_SPEC

    if not (model / "card.json").is_file():
        raise SystemExit(f"--engine ray scores bundles: {model} has no card.json")
    card = read_card(model)
    if card.get("preprocessing") != PREPROCESSING_SPEC:
        raise SystemExit(
            f"{model}: its preprocessing differs from this aiorhuman's; use --engine local"
        )
    header = {"model": f"{card['name']}@{card.get('version', '?')}", "card_sha256": _sha(model)}
    store = PartStore(parts_folder(out), header)

    keys, files, seen = [], [], set()
    for sample in samples:  # a key is scored once, however often it is listed
        if sample.key not in seen:
            seen.add(sample.key)
            keys.append(sample.key)
            files.append(str(sample.path))
    todo = pa.table({"key": keys, "file": files})
    if store.rows:
        todo = todo.filter(pc.invert(pc.is_in(todo["key"], value_set=store.keys())))
    skipped = len(keys) - todo.num_rows
    if skipped:
        report(f"resuming: {skipped} images already scored, {todo.num_rows} to go")

    start = time.monotonic()
    startup = 0.0
    if todo.num_rows:
        connected = ray.is_initialized()
        if not connected:
            _connect(ray, address)
        try:
            crash = (int(os.environ.get(CRASH_ENV, "0")), str(store.folder / "_crash-injected"))
            size = int(card["input_size"])
            dataset = _pipeline(ray, todo, model, size, batch_size, workers, crash, decode_in)
            startup = _commit_all(dataset, store, todo.num_rows, part_rows, report)
        finally:
            if not connected:
                ray.shutdown()
    seconds = time.monotonic() - start
    store.export(parquet, csv)
    errors = store.rows - sum(table["error"].null_count for table in store.tables())
    return Summary(len(keys), skipped, todo.num_rows, errors, seconds, startup)


def _commit_all(dataset, store, total: int, part_rows: int, report: Callable[[str], None]) -> float:
    """Commit what ``dataset`` yields in parts of ``part_rows``; the seconds to the first batch."""
    import pyarrow as pa

    start = last = time.monotonic()
    startup, scored, buffer = 0.0, 0, []
    for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
        buffer.append(table)
        if sum(t.num_rows for t in buffer) >= part_rows:
            store.commit(pa.concat_tables(buffer))
            buffer = []
        scored += table.num_rows
        now = time.monotonic()
        startup = startup or now - start
        if now - last > 10 or scored == total:
            last = now
            report(f"scoring: {scored}/{total} ({scored / max(now - start, 1e-9):.1f}/s)")
    if buffer:
        store.commit(pa.concat_tables(buffer))
    return startup


def _sha(model: Path) -> str:
    return hashlib.sha256((model / "card.json").read_bytes()).hexdigest()


def _connect(ray, address: str | None) -> None:
    """Join the cluster at ``address``, or start a local one that listens on loopback only."""
    from aiorhuman.provenance.trust import TRUST_DIR_ENV

    env_vars = {"TF_CPP_MIN_LOG_LEVEL": "2"}
    if TRUST_DIR_ENV in os.environ:  # the workers read provenance with the same trust lists
        env_vars[TRUST_DIR_ENV] = os.environ[TRUST_DIR_ENV]
    worker_env = {"env_vars": env_vars}
    if address:
        ray.init(address=address, runtime_env=worker_env, log_to_driver=False)
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(
            address="local",
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            runtime_env=worker_env,
            log_to_driver=False,
        )


def _pipeline(
    ray,
    todo,
    model: Path,
    size: int,
    batch_size: int,
    workers: int | None,
    crash: tuple[int, str],
    decode_in: str | None,
):
    """The Ray Data plan: blocks of paths -> prepare (tasks) -> score (actor pool)."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    gpus = int(ray.cluster_resources().get("GPU", 0))
    cpus = int(ray.cluster_resources().get("CPU", 1))
    if workers is None:  # one per GPU, else half the CPUs (the other half prepares)
        workers = gpus or max(1, cpus // 2)
    if not gpus and workers >= cpus:
        raise SystemExit(
            f"{workers} workers leave none of the {cpus} CPUs for reading: pass fewer --workers "
            "or use --engine local"
        )
    decode_in = decode_in or ("prepare" if gpus else "model")
    # CPU workers share the cores out instead of each running TensorFlow on all of them.
    threads = 0 if gpus else max(1, cpus // workers)
    # Enough blocks for parallelism, few enough (<= ~2000) for the driver to hand out.
    per_block = batch_size * max(1, math.ceil(todo.num_rows / (batch_size * 2000)))
    blocks = [todo.slice(i, per_block) for i in range(0, todo.num_rows, per_block)]
    resources = {"num_gpus": 1} if gpus else {"num_cpus": 1}
    return (
        ray.data.from_arrow(blocks)
        .map_batches(
            _prepare,
            batch_size=batch_size,
            batch_format="numpy",
            fn_kwargs={"size": size if decode_in == "prepare" else 0},
        )
        .map_batches(
            _ModelWorker,
            fn_constructor_kwargs={"model": str(model), "crash": crash, "threads": threads},
            batch_size=batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            max_task_retries=TASK_RETRIES,
            **resources,
        )
    )


@functools.cache
def decoder(size: int):
    """The bundle's bytes-signature preprocessing, as a batched function."""
    import tensorflow as tf

    from aiorhuman.bundle.preprocess import preprocess_bytes

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def decode(images: tf.Tensor) -> tf.Tensor:
        return tf.map_fn(
            lambda data: preprocess_bytes(data, size),
            images,
            fn_output_signature=tf.TensorSpec([size, size, 3], tf.float32),
        )

    return decode


def _decode(datas: list[bytes], size: int) -> list[np.ndarray | None]:
    """Pixels of each image, None where it does not decode (found one by one, as in
    ``aiorhuman.bundle.scoring``)."""
    import tensorflow as tf

    try:
        return list(decoder(size)(tf.constant(datas, tf.string)).numpy())
    except tf.errors.InvalidArgumentError:
        if len(datas) == 1:
            return [None]
        return [pixels for data in datas for pixels in _decode([data], size)]


def _prepare(batch: dict[str, np.ndarray], size: int) -> dict[str, np.ndarray]:
    """Read a batch: adds ``data`` (the file, b"" when unread), ``model`` (what the bundle is
    given of it, the image intake's) and ``error`` ("" when none); with a
    ``size``, decodes too: ``pixels`` (zeros where there is an error)."""
    from aiorhuman.batch.scoring import model_bytes, read_file
    from aiorhuman.bundle.scoring import UNDECODABLE

    n = len(batch["key"])
    datas, models, errors = [b""] * n, [b""] * n, [""] * n
    for i, (key, file) in enumerate(zip(batch["key"], batch["file"], strict=True)):
        try:
            datas[i] = read_file(Input(Path(file), key))
            models[i] = model_bytes(datas[i])
        except (OSError, ValueError) as exc:
            errors[i] = str(exc)
    prepared = {"key": batch["key"], "file": batch["file"]}
    if size:
        prepared["pixels"] = np.zeros((n, size, size, 3), np.float32)
        readable = [i for i in range(n) if not errors[i]]
        decoded = _decode([models[i] for i in readable], size) if readable else []
        for i, pixels in zip(readable, decoded, strict=True):
            if pixels is None:
                errors[i] = UNDECODABLE
            else:
                prepared["pixels"][i] = pixels
    prepared["data"] = np.array(datas, dtype=object)
    prepared["model"] = np.array(models, dtype=object)
    prepared["error"] = np.array(errors, dtype=object)
    return prepared


class _ModelWorker:
    """One model per actor: scores prepared batches into result rows."""

    def __init__(self, model: str, crash: tuple[int, str], threads: int) -> None:
        import tensorflow as tf

        from aiorhuman.batch.scoring import open_bundle

        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.scorer = open_bundle(model)
        self.crash_at, self.crash_marker = crash  # see CRASH_ENV
        self.batches = 0

    def __call__(self, batch: dict[str, np.ndarray]):
        import pyarrow as pa

        from aiorhuman.batch.rows import result_row, result_schema
        from aiorhuman.batch.scoring import add_provenance
        from aiorhuman.bundle import verdict
        from aiorhuman.bundle.scoring import Scored, score_batch

        self.batches += 1
        if self.batches == self.crash_at:
            self._crash_once()
        samples = [
            Input(Path(file), str(key))
            for key, file in zip(batch["key"], batch["file"], strict=True)
        ]
        datas = [bytes(data) for data in batch["data"]]
        results = {i: Scored(samples[i], error=str(e)) for i, e in enumerate(batch["error"]) if e}
        ok = [i for i in range(len(samples)) if i not in results]
        if ok and "pixels" in batch:  # decoded in prepare
            probabilities = self.scorer.bundle.predict_pixels(batch["pixels"][ok])
            for i, p in zip(ok, map(float, probabilities), strict=True):
                results[i] = Scored(samples[i], p, verdict(p, self.scorer.unsure_band))
        elif ok:  # the single-process engine's own batch step
            models = [bytes(batch["model"][i]) for i in ok]
            scored = score_batch(
                self.scorer, list(zip([samples[i] for i in ok], models, strict=True))
            )
            results.update(zip(ok, scored, strict=True))
        rows = [
            result_row(add_provenance(results[i], datas[i] or None)) for i in range(len(samples))
        ]
        return pa.Table.from_pylist(rows, schema=result_schema())

    def _crash_once(self) -> None:
        """Exit the process without cleanup, the first time any worker gets here."""
        try:
            os.close(os.open(self.crash_marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return
        os._exit(1)
