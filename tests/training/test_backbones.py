"""The backbone registry, and the EfficientNet-Lite2 port on real photos."""

import pytest

from aiorhuman.training.backbones import BackboneSpec, backbone, build_backbone, registry


def test_registry_finds_every_backbone_module():
    assert set(registry()) == {"efficientnet_lite0", "efficientnet_lite2", "resnet50v2"}
    assert backbone("efficientnet_lite2").input_size == 260
    assert backbone("resnet50v2").card_weights("hub").startswith("ImageNet, TF Hub")
    with pytest.raises(ValueError, match="unknown backbone"):
        backbone("vgg16")


@pytest.mark.parametrize("name", ["efficientnet_lite0", "efficientnet_lite2"])
def test_texture_taps_match_the_built_model(name):
    entry = backbone(name)
    model = build_backbone(BackboneSpec(name, "random", pooling="head+texture"), 32)
    assert model.output_shape == (None, entry.head_features + entry.texture_features)


def test_lite2_layout_is_the_checkpoints():
    from aiorhuman.training.backbones.efficientnet_lite import LITE2

    stages = LITE2.stages()
    assert sum(repeats for *_, repeats in stages) == 21
    assert [out for _, _, _, out, _ in stages] == [16, 24, 48, 88, 120, 208, 352]


def test_lite2_port_classifies_real_photos():
    from aiorhuman.training.backbones import efficientnet_lite
    from aiorhuman.training.backbones.port import check_port
    from aiorhuman.training.backbones.torch_weights import load_state_dict

    pytest.importorskip("skimage.data")
    lite2 = efficientnet_lite.LITE2
    state_dict = load_state_dict(efficientnet_lite.pytorch_weights_path(lite2))
    model = efficientnet_lite.build(260, include_top=True, variant=lite2)
    copied = efficientnet_lite.load_pytorch_weights(model, state_dict)
    assert copied == sum(1 for k in state_dict if not k.endswith("num_batches_tracked"))
    # Raises unless chelsea is a cat and coffee an espresso (measured: Egyptian cat 0.62,
    # espresso 0.89; Lite0: 0.39, 0.94).
    lines = check_port(model, 260)
    assert lines[0].startswith("chelsea") and lines[1].startswith("coffee")


def test_input_size_defaults_to_the_backbones_native_size():
    from aiorhuman.training.train import parse_args

    config, _ = parse_args(["--data", "d", "--out", "o", "--backbone", "efficientnet_lite2"])
    assert config.input_size == 260 and config.pairs == ""
    config, _ = parse_args(["--data", "d", "--out", "o", "--input-size", "64", "--pairs", "c"])
    assert config.input_size == 64 and config.pairs == "c"
