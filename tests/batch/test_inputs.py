"""What aiorhuman-predict finds to score."""

from aiorhuman.batch.inputs import find_images
from tests.images import noisy_image


def test_inputs_from_files_folders_and_a_test_csv(tmp_path):
    (tmp_path / "imgs").mkdir()
    for i in range(3):
        noisy_image(i).save(tmp_path / "imgs" / f"{i}.png")
    (tmp_path / "test.csv").write_text("id\nimgs/0.png\nimgs/1.png\n")
    from_csv = find_images([tmp_path / "test.csv"])
    assert [s.key for s in from_csv] == ["imgs/0.png", "imgs/1.png"]
    assert len(find_images([tmp_path / "imgs"])) == 3
    assert len(find_images([tmp_path / "imgs" / "2.png"])) == 1
