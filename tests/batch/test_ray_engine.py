"""``aiorhuman-predict --engine ray`` on a local Ray cluster (loopback only) started here."""

from __future__ import annotations

import csv
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aiorhuman.batch import inputs, predict
from aiorhuman.batch.ray_engine import CRASH_ENV, parts_folder, score_with_ray
from aiorhuman.batch.ray_parts import MANIFEST, PartsMismatch, PartStore
from aiorhuman.batch.rows import COLUMNS
from aiorhuman.bundle import load_bundle
from tests.images import noisy_image, smooth_image
from tests.intake.photos import ENCODERS, first_frame_png, photo

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster():
    """One local Ray instance for the module: 2 CPUs, no dashboard, 127.0.0.1 only."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "2"}},
        )
    yield
    ray.shutdown()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but holds almost no data (a bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """24 good images (PNG, JPEG, GIF, BMP, in a subfolder too) and 4 bad ones."""
    root = tmp_path_factory.mktemp("collection")
    (root / "sub").mkdir()
    for i in range(11):
        size = (40 + 8 * (i % 4), 36 + 6 * (i % 3))
        smooth_image(i, size).save(root / f"s{i}.png")
        noisy_image(i, size).save(root / "sub" / f"n{i}.jpg", quality=85)
    smooth_image(20).save(root / "g.gif")
    noisy_image(21).save(root / "b.bmp")
    (root / "truncated.jpg").write_bytes((root / "sub" / "n0.jpg").read_bytes()[:200])
    (root / "text.png").write_text("not an image")
    (root / "empty.jpg").write_bytes(b"")
    (root / "bomb.png").write_bytes(png_header_only(11_000, 10_000))
    return root


def read_csv(path: Path) -> dict[str, dict]:
    with path.open(newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def local_out(tiny_bundle, images, tmp_path_factory) -> Path:
    """What the single-process engine writes for ``images`` (local.csv beside local.parquet)."""
    out = tmp_path_factory.mktemp("local") / "local.csv"
    predict.main(["--model", str(tiny_bundle), str(images), "--out", str(out), "--format=both"])
    return out


def assert_same(rows: dict[str, dict], expected: dict[str, dict]) -> None:
    """Same images, verdicts, errors and provenance; probabilities to float32 precision."""
    assert rows.keys() == expected.keys()
    for key, row in rows.items():
        want = expected[key]
        assert {k: v for k, v in row.items() if k != "probability_ai"} == {
            k: v for k, v in want.items() if k != "probability_ai"
        }, key
        if want["probability_ai"]:
            assert float(row["probability_ai"]) == pytest.approx(
                float(want["probability_ai"]), abs=2e-6
            )
        else:
            assert row["probability_ai"] == ""


def test_ray_matches_the_single_process_engine(
    cluster, tiny_bundle, images, local_out, tmp_path, capsys
):
    out = tmp_path / "ray.parquet"
    model, folder = str(tiny_bundle), str(images)
    predict.main(["--engine", "ray", "--model", model, folder, "--out", str(out), "--format=both"])
    assert "28 images: 28 scored" in capsys.readouterr().out
    rows = read_csv(tmp_path / "ray.csv")
    assert_same(rows, read_csv(local_out))
    errors = {Path(k).name: r["error"] for k, r in rows.items() if r["error"]}
    assert errors.keys() == {"truncated.jpg", "text.png", "empty.jpg", "bomb.png"}
    assert "at most 100000000" in errors["bomb.png"] and errors["empty.jpg"] == "empty file"
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    local = pq.read_table(local_out.with_suffix(".parquet")).sort_by("path")
    table = table.sort_by("path")
    probabilities = ("probability_ai",)
    assert table.drop(probabilities).equals(local.drop(probabilities))
    assert table["probability_ai"].to_pylist() == pytest.approx(
        local["probability_ai"].to_pylist(), abs=2e-6, nan_ok=True
    )
    assert json.loads(table["provenance"][0].as_py())["signals"] == []


def test_a_killed_worker_loses_and_repeats_nothing(
    cluster, tiny_bundle, images, local_out, tmp_path, monkeypatch
):
    monkeypatch.setenv(CRASH_ENV, "2")
    out = tmp_path / "r.csv"
    samples = inputs.load_inputs([str(images)])
    # Decoding beside the model (the GPU layout) gives the same rows too.
    summary = score_with_ray(
        tiny_bundle, samples, out, None, out, batch_size=4, decode_in="prepare"
    )
    assert (parts_folder(out) / "_crash-injected").exists()  # a worker did die
    assert (summary.images, summary.scored, summary.errors) == (28, 28, 4)
    with out.open() as f:
        keys = [row["path"] for row in csv.DictReader(f)]
    assert sorted(keys) == sorted(set(keys))
    assert_same(read_csv(out), read_csv(local_out))


def test_an_interrupted_run_resumes_where_it_stopped(
    cluster, tiny_bundle, images, local_out, tmp_path, monkeypatch
):
    out = tmp_path / "r.csv"
    samples = inputs.load_inputs([str(images)])
    commit = PartStore.commit

    def commit_then_die(store, table):
        commit(store, table)
        if len(store.parts) == 2:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(PartStore, "commit", commit_then_die)
        with pytest.raises(KeyboardInterrupt):
            score_with_ray(tiny_bundle, samples, out, None, out, batch_size=4, part_rows=4)
    folder = parts_folder(out)
    done = PartStore(folder, json.loads((folder / MANIFEST).read_text().splitlines()[0])).rows
    assert 0 < done < 28 and not out.exists()
    # A crash between a part's rename and its manifest line, and a torn line: both ignored.
    (folder / "part-000099.parquet").write_bytes(b"half")
    (folder / ".part-000100.parquet.tmp").write_bytes(b"half")
    with (folder / MANIFEST).open("a") as f:
        f.write('{"part": "part-0001')

    summary = score_with_ray(tiny_bundle, samples, out, None, out, batch_size=4, part_rows=4)
    assert (summary.skipped, summary.scored) == (done, 28 - done)
    assert not (folder / "part-000099.parquet").exists()
    assert not (folder / ".part-000100.parquet.tmp").exists()
    assert_same(read_csv(out), read_csv(local_out))
    assert pq.read_table(folder).num_rows == 28  # the parts folder is a Parquet dataset too
    # Everything is done: a third run scores nothing and writes the same table.
    again = score_with_ray(tiny_bundle, samples, out, None, out, batch_size=4)
    assert (again.skipped, again.scored) == (28, 0)
    assert_same(read_csv(out), read_csv(local_out))


def test_another_driver_joins_the_cluster_with_address(
    cluster, tiny_bundle, images, local_out, tmp_path
):
    out = tmp_path / "r.csv"
    address = ray.get_runtime_context().gcs_address
    command = [
        sys.executable,
        "-m",
        "aiorhuman.batch.predict",
        "--engine",
        "ray",
        "--address",
        address,
    ]
    command += ["--model", str(tiny_bundle), str(images), "--out", str(out)]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}
    # Ray replaces 127.0.0.1 in an address by this machine's IP, where nothing listens here,
    # unless multi-node clusters are off.
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    root = Path(__file__).resolve().parents[2]
    subprocess.run(command, cwd=root, env=env, check=True, timeout=300, capture_output=True)
    assert_same(read_csv(out), read_csv(local_out))
    assert ray.is_initialized()  # the other driver left the cluster running


def test_parts_of_another_model_are_refused(tmp_path):
    PartStore(tmp_path, {"model": "a"})
    with pytest.raises(PartsMismatch, match="remove it"):
        PartStore(tmp_path, {"model": "b"})


def test_tables_of_paths_are_inputs(images, tmp_path):
    table = pa.table({"path": [str(images / "s1.png"), "sub/n1.jpg"]})
    pq.write_table(table, tmp_path / "t.parquet")
    (tmp_path / "t.csv").write_text("path,other\nsub/n2.jpg,x\n")
    samples = inputs.load_inputs([str(tmp_path / "t.parquet"), str(tmp_path / "t.csv")])
    assert [s.key for s in samples] == [str(images / "s1.png"), "sub/n1.jpg", "sub/n2.jpg"]
    assert samples[1].path == tmp_path / "sub" / "n1.jpg"


def test_without_ray_the_error_says_what_to_install(tiny_bundle, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(SystemExit, match=r"aiorhuman\[ray\]"):
        score_with_ray(tiny_bundle, [], tmp_path / "r.csv", None, tmp_path / "r.csv")


@pytest.fixture(scope="module")
def ray_format_rows(cluster, tiny_bundle, tmp_path_factory) -> dict[str, dict]:
    """The Ray engine's rows for one file of each format the intake reads, by format name."""
    root = tmp_path_factory.mktemp("formats")
    for name, (_, encoder) in ENCODERS.items():
        (root / name).write_bytes(encoder(photo()))
    (root / "files.csv").write_text("path\n" + "\n".join(ENCODERS) + "\n")
    out = root / "ray.csv"
    model = str(tiny_bundle)
    predict.main(["--engine", "ray", "--model", model, str(root / "files.csv"), "--out", str(out)])
    return read_csv(out)


@pytest.mark.parametrize("name", list(ENCODERS))
def test_ray_scores_each_format_as_its_pixels(ray_format_rows, tiny_bundle, name):
    row = ray_format_rows[name]
    assert row["error"] == ""
    data = ENCODERS[name][1](photo())
    expected = float(load_bundle(tiny_bundle).predict_bytes([first_frame_png(data)])[0])
    tolerance = 2e-3 if name == "jpeg" else 1e-5
    assert float(row["probability_ai"]) == pytest.approx(expected, abs=tolerance)
