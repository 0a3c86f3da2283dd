"""Reading datasets in both layouts, and reporting what is wrong with them."""

import pytest

from aiorhuman.training.data import load_labelled
from tests.images import write_folder_dataset, write_kaggle_dataset


def test_kaggle_layout_with_index_column(tmp_path):
    root = write_kaggle_dataset(tmp_path, per_class=4)
    samples, report = load_labelled(root / "train.csv")
    assert len(samples) == 8 and report.problems == 0
    assert {s.label for s in samples} == {0, 1}
    assert samples[0].key.startswith("train_data/")
    # A folder holding train.csv works the same.
    assert len(load_labelled(root)[0]) == 8


def test_folder_layout(tmp_path):
    samples, report = load_labelled(write_folder_dataset(tmp_path, per_class=3))
    assert sorted(s.label for s in samples) == [0, 0, 0, 1, 1, 1]
    assert report.kept == 6


def test_bad_data_is_reported_and_skipped(tmp_path):
    root = write_kaggle_dataset(tmp_path, per_class=3)
    (root / "train_data" / "truncated.jpg").write_bytes(
        (root / "train_data" / "0_0.jpg").read_bytes()[:300]
    )
    (root / "train_data" / "text.jpg").write_text("not an image")
    (root / "train_data" / "copy.jpg").write_bytes((root / "train_data" / "1_0.jpg").read_bytes())
    with (root / "train.csv").open("a") as f:
        f.write("90,train_data/missing.jpg,1\n")
        f.write("91,train_data/truncated.jpg,0\n")
        f.write("92,train_data/text.jpg,1\n")
        f.write("93,train_data/0_1.jpg,maybe\n")
        f.write("94,train_data/0_2.jpg,0\n")  # listed twice
        f.write("95,train_data/copy.jpg,1\n")  # same bytes as 1_0.jpg
    samples, report = load_labelled(root)
    assert report.missing == ["train_data/missing.jpg"]
    assert {u.split()[0] for u in report.unreadable} == {
        "train_data/truncated.jpg",
        "train_data/text.jpg",
    }
    assert report.unknown_labels == ["train_data/0_1.jpg ('maybe')"]
    assert len(report.duplicates) == 2
    assert len(samples) == 6 + 1  # the byte-identical copy is kept, but reported
    summary = report.summary()
    assert "1 missing" in summary and "2 unreadable" in summary


def test_wrong_columns_are_a_clear_error(tmp_path):
    (tmp_path / "train.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="file_name,label"):
        load_labelled(tmp_path)
