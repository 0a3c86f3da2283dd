"""The fused-convolution fix: the stock converter breaks a residual block, ours does not.

A convolution without bias feeding a residual ``Add`` (ResNet-50 V2's shortcut pattern) is
fused by the stock tensorflowjs 4.22 path into a ``_FusedConv2D`` whose bias is the rank-4
residual: wasm refuses it. An unfoldable BatchNorm + ReLU (ResNet-50 V2's pre-activation)
becomes ``_FusedBatchNormEx`` on CPUs where grappler forms it, which TF.js lacks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from aiorhuman.convert.card import file_hashes
from aiorhuman.convert.jsparity import run_tfjs
from aiorhuman.convert.serving import PIXELS_SIGNATURE, ServingModule
from aiorhuman.convert.tfjs import convert_to_tfjs
from aiorhuman.convert.unfuse import decompose_batch_norms, safe_bias_adds, unsafe_fusions
from tests.images import noisy_image, smooth_image

SIZE = 16


def _residual_model(batch_norm_after_add: bool):
    import tf_keras as keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same")(x)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
    shortcut = keras.layers.Conv2D(16, 1, use_bias=False)(x)
    branch = keras.layers.Conv2D(16, 1, activation="relu")(x)
    x = keras.layers.Add()([shortcut, branch])
    if batch_norm_after_add:
        x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.ReLU()(x))
    outputs = keras.layers.Dense(1, activation="sigmoid", bias_initializer="ones")(x)
    return keras.Model(inputs, outputs)


def _saved_model(model, out: Path) -> Path:
    module = ServingModule(model, SIZE)
    signatures = {PIXELS_SIGNATURE: module.pixels.get_concrete_function()}
    tf.saved_model.save(module, str(out), signatures=signatures)
    return out


def _as_bundle(bundle_dir: Path) -> Path:
    """The minimum of a card that the JS runner reads."""
    card = {
        "card_version": 1,
        "tfjs": {"path": "tfjs/model.json"},
        "files": file_hashes(bundle_dir),
    }
    (bundle_dir / "card.json").write_text(json.dumps(card))
    return bundle_dir


def _stock_convert(saved_model: Path, out: Path) -> None:
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    from tensorflowjs.converters import tf_saved_model_conversion_v2 as converter

    converter.convert_tf_saved_model(str(saved_model), str(out), signature_def=PIXELS_SIGNATURE)


def _pixels() -> np.ndarray:
    images = [f(i, (SIZE, SIZE)) for i in range(2) for f in (smooth_image, noisy_image)]
    return np.stack([np.asarray(im, np.float32) for im in images])


@pytest.mark.slow
def test_stock_conversion_breaks_wasm_and_ours_agrees_everywhere(tmp_path):
    saved_model = _saved_model(_residual_model(batch_norm_after_add=False), tmp_path / "sm")
    pixels = _pixels()
    loaded = tf.saved_model.load(str(saved_model)).signatures[PIXELS_SIGNATURE]
    expected = loaded(pixels=tf.constant(pixels))["probability_ai"].numpy()

    _stock_convert(saved_model, tmp_path / "stock" / "tfjs")
    stock = json.loads((tmp_path / "stock" / "tfjs" / "model.json").read_text())
    assert unsafe_fusions(stock["modelTopology"])
    broken = run_tfjs(_as_bundle(tmp_path / "stock"), pixels, ("node-wasm",), timeout=120)
    assert "rank-1 bias" in broken["node-wasm"]["error"]

    convert_to_tfjs(saved_model, tmp_path / "ours" / "tfjs", PIXELS_SIGNATURE, "none")
    results = run_tfjs(_as_bundle(tmp_path / "ours"), pixels, timeout=240)
    for backend, result in results.items():
        assert "error" not in result, (backend, result)
        np.testing.assert_allclose(result["probabilities"], expected, atol=1e-5, err_msg=backend)


@pytest.mark.slow
def test_preactivation_batch_norm_converts_and_agrees_where_stock_may_refuse(tmp_path):
    saved_model = _saved_model(_residual_model(batch_norm_after_add=True), tmp_path / "sm")
    try:
        _stock_convert(saved_model, tmp_path / "stock")
    except ValueError as error:
        assert "_FusedBatchNormEx" in str(error)
    else:
        # Grappler forms the fusion only on some CPUs (not on AVX2-only machines, seen here);
        # where it does not, the stock output must at least be free of it.
        stock = json.loads((tmp_path / "stock" / "model.json").read_text())
        assert "_FusedBatchNormEx" not in {n["op"] for n in stock["modelTopology"]["node"]}
    convert_to_tfjs(saved_model, tmp_path / "ours" / "tfjs", PIXELS_SIGNATURE, "none")
    ours = json.loads((tmp_path / "ours" / "tfjs" / "model.json").read_text())
    ops = {node["op"] for node in ours["modelTopology"]["node"]}
    assert not ops & {"_FusedBatchNormEx", "FusedBatchNormV3"}
    pixels = _pixels()
    loaded = tf.saved_model.load(str(saved_model)).signatures[PIXELS_SIGNATURE]
    expected = loaded(pixels=tf.constant(pixels))["probability_ai"].numpy()
    [result] = run_tfjs(_as_bundle(tmp_path / "ours"), pixels, ("node-wasm",), timeout=240).values()
    assert "error" not in result, result
    np.testing.assert_allclose(result["probabilities"], expected, atol=1e-5)


def _graph_of(fn, *specs) -> tf.compat.v1.GraphDef:
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    return convert_variables_to_constants_v2(
        tf.function(fn).get_concrete_function(*specs)
    ).graph.as_graph_def()


def test_safe_bias_adds_keeps_tensor_operands_as_add():
    kernel = tf.constant(np.ones((1, 1, 3, 4), np.float32))
    bias = tf.constant(np.arange(4, dtype=np.float32))
    spec = tf.TensorSpec([1, 4, 4, 3], tf.float32)

    def residual(x):
        return tf.nn.conv2d(x, kernel, 1, "SAME") + tf.nn.conv2d(x, kernel * 2, 1, "SAME")

    def biased(x):
        return tf.nn.conv2d(x, kernel, 1, "SAME") + bias

    graph = _graph_of(residual, spec)
    assert safe_bias_adds(graph) == 0
    assert "BiasAdd" not in {node.op for node in graph.node}
    graph = _graph_of(biased, spec)
    assert safe_bias_adds(graph) == 1


def test_decompose_batch_norms_is_exact():
    import tf_keras as keras

    layer = keras.layers.BatchNormalization(epsilon=1e-3)
    layer.build((None, 4, 4, 3))
    layer.set_weights(
        [
            np.float32([1.5, 0.5, 2]),
            np.float32([0.1, -0.2, 0.3]),
            np.float32([0.5, 1, -1]),
            np.float32([2, 0.5, 1]),
        ]
    )
    spec = tf.TensorSpec([2, 4, 4, 3], tf.float32)
    graph = _graph_of(lambda x: layer(x, training=False), spec)
    batch_norm = next(node.name for node in graph.node if node.op == "FusedBatchNormV3")
    assert decompose_batch_norms(graph) == 1
    assert not {node.op for node in graph.node} & {"FusedBatchNormV3"}
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        _run(graph, batch_norm, x), layer(x, training=False).numpy(), atol=1e-5
    )


def _run(graph, output: str, x: np.ndarray) -> np.ndarray:
    """Evaluate ``output`` of a frozen graph with its one placeholder fed ``x``."""
    imported = tf.Graph()
    with imported.as_default():
        tf.graph_util.import_graph_def(graph, name="")
    placeholder = next(n.name for n in graph.node if n.op == "Placeholder")
    with tf.compat.v1.Session(graph=imported) as session:
        return session.run(f"{output}:0", {f"{placeholder}:0": x})


@pytest.mark.parametrize("depthwise", [False, True])
def test_fold_conv_batch_norms_is_exact(depthwise):
    import tf_keras as keras

    from aiorhuman.convert.unfuse import fold_conv_batch_norms

    keras.utils.set_random_seed(1)
    conv = (
        keras.layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
        if depthwise
        else keras.layers.Conv2D(6, 3, use_bias=False)
    )
    norm = keras.layers.BatchNormalization(epsilon=1e-3)
    model = keras.Sequential([keras.Input((6, 6, 3)), conv, norm])
    rng = np.random.default_rng(2)
    norm.set_weights([rng.uniform(0.5, 2, 6).astype(np.float32) for _ in range(4)])
    spec = tf.TensorSpec([2, 6, 6, 3], tf.float32)
    graph = _graph_of(lambda x: model(x, training=False), spec)
    batch_norm = next(node.name for node in graph.node if node.op == "FusedBatchNormV3")
    assert fold_conv_batch_norms(graph) == 1
    x = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(
        _run(graph, batch_norm, x), model(x, training=False).numpy(), atol=1e-5
    )
