"""``aiorhuman-predict`` end to end on small real images with a bundle."""

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.images import noisy_image, write_kaggle_dataset


def test_predict_writes_results_errors_and_a_submission(tiny_bundle, tmp_path):
    data = write_kaggle_dataset(tmp_path / "kaggle", per_class=3)
    (data / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    test_csv = data / "test.csv"
    test_csv.write_text("id\ntrain_data/1_0.jpg\ntrain_data/0_0.jpg\nbroken.jpg\nnothere.jpg\n")
    out = tmp_path / "pred.csv"
    command = [sys.executable, "-m", "aiorhuman.batch.predict", "--model", str(tiny_bundle)]
    result = subprocess.run(
        [*command, str(test_csv), "--out", str(out)], capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader(out.open()))
    assert [r["path"] for r in rows] == [
        "train_data/1_0.jpg",
        "train_data/0_0.jpg",
        "broken.jpg",
        "nothere.jpg",
    ]
    assert rows[0]["verdict"] in {"ai", "human", "unsure"} and rows[0]["error"] == ""
    assert rows[2]["error"] and rows[3]["error"] and rows[2]["probability_ai"] == ""
    submission = list(csv.DictReader(out.with_suffix(".submission.csv").open()))
    assert [r["id"] for r in submission][:2] == ["train_data/1_0.jpg", "train_data/0_0.jpg"]
    assert {r["label"] for r in submission} <= {"0", "1"}
    assert "2 errors" in result.stdout


def test_a_training_run_is_refused_with_what_to_do(tiny_run, tmp_path: Path):
    noisy_image(0).save(tmp_path / "image.png")
    command = [sys.executable, "-m", "aiorhuman.batch.predict", "--model", str(tiny_run)]
    result = subprocess.run(
        [*command, str(tmp_path), "--out", str(tmp_path / "p.csv")],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode != 0 and "aiorhuman-convert" in result.stderr


def test_trust_dir_decides_which_c2pa_signers_count(tiny_bundle, tmp_path):
    from tests.provenance.make_fixtures import fixtures, make_signer

    (tmp_path / "image.jpg").write_bytes(fixtures()["c2pa_ai.jpg"])
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "test-ca.pem").write_bytes(make_signer()[1])
    reasons = {}
    for name, extra in (("trusting", ["--trust-dir", str(trust)]), ("untrusting", [])):
        out = tmp_path / f"{name}.csv"
        command = [sys.executable, "-m", "aiorhuman.batch.predict", "--model", str(tiny_bundle)]
        result = subprocess.run(
            [*command, str(tmp_path / "image.jpg"), "--out", str(out), *extra],
            capture_output=True,
            text=True,
            timeout=240,
            env={k: v for k, v in os.environ.items() if k != "AIORHUMAN_TRUST_DIR"},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        [row] = csv.DictReader(out.open())
        reasons[name] = (row["verdict"], row["reason"])
    assert reasons["trusting"] == ("ai", "metadata")
    assert reasons["untrusting"][1] == "model"
