"""Graph fixes for TF.js: keep Grappler from fusing what the TF.js backends run wrongly.

tensorflowjs 4.22 turns every ``Add`` that follows a Conv2D/MatMul into a ``BiasAdd``, even
when the other operand is a tensor (ResNet-50 V2's residual), and Grappler's remapper then
fuses it into a ``_FusedConv2D`` with a rank-4 "bias": the wasm backend throws and webgl
computes garbage. The remapper also fuses an unfoldable ``FusedBatchNormV3`` + ``Relu``
(ResNet-50 V2's pre-activation) into ``_FusedBatchNormEx``, which TF.js lacks. Our
replacement for the converter's bias-add step runs just before the remapper and:

1. turns ``Add`` into ``BiasAdd`` only when the other operand is a rank-1 constant;
2. rewrites each remaining inference ``FusedBatchNorm*`` into ``x * scale + offset``.

``unsafe_fusions`` then finds any fused op that still has a non-constant bias, so that a
silently wrong model cannot leave the converter.

Speed: the converter folds Conv + BatchNorm by scaling each weight in a Python loop (40 s
for ResNet-50 V2); ``fold_conv_batch_norms`` does the same with numpy first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import graph_pb2, node_def_pb2

CONTRACTIONS = ("Conv2D", "DepthwiseConv2dNative", "MatMul")
BATCH_NORMS = ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3")
FUSED_OPS = ("_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul")


def _name(tensor: str) -> str:
    return tensor.lstrip("^").split(":")[0]


def _resolve(nodes: dict[str, node_def_pb2.NodeDef], tensor: str) -> node_def_pb2.NodeDef | None:
    """The node producing ``tensor``, looking through ``Identity``."""
    node = nodes.get(_name(tensor))
    while node is not None and node.op == "Identity":
        node = nodes.get(_name(node.input[0]))
    return node


def _const_value(nodes: dict[str, node_def_pb2.NodeDef], tensor: str) -> np.ndarray | None:
    """The value of a constant tensor (looking through ``Identity``), else None."""
    node = _resolve(nodes, tensor)
    if node is None or node.op != "Const":
        return None
    return tf.make_ndarray(node.attr["value"].tensor)


def _const_node(name: str, value: np.ndarray) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=name, op="Const")
    node.attr["dtype"].type = tf.float32.as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value.astype(np.float32)))
    return node


def safe_bias_adds(graph: graph_pb2.GraphDef) -> int:
    """Turn ``Add(contraction, rank-1 constant)`` into ``BiasAdd``; return how many."""
    nodes = {node.name: node for node in graph.node}
    consumers = _consumers(graph)
    changed = 0
    for node in graph.node:
        if node.op not in ("Add", "AddV2") or len(node.input) != 2:
            continue
        parent = nodes.get(_name(node.input[0]))
        bias = _const_value(nodes, node.input[1])
        if (
            parent is not None
            and parent.op in CONTRACTIONS
            and consumers.get(parent.name) == 1
            and bias is not None
            and bias.ndim == 1
        ):
            node.op = "BiasAdd"
            node.attr["data_format"].s = b"NHWC"
            changed += 1
    return changed


def _consumers(graph: graph_pb2.GraphDef) -> dict[str, int]:
    """How many data inputs (not control dependencies) read each node."""
    counts: dict[str, int] = {}
    for node in graph.node:
        for tensor in node.input:
            if not tensor.startswith("^"):
                counts[_name(tensor)] = counts.get(_name(tensor), 0) + 1
    return counts


def _inference_batch_norms(graph: graph_pb2.GraphDef, nodes: dict) -> Iterator[tuple]:
    """``(node, scale, offset)`` of each inference BatchNorm with constant statistics.

    Only the normalised output (:0) can be rebuilt, so a node whose statistics are read is
    left alone.
    """
    reads_statistics = {
        _name(t) for n in graph.node for t in n.input if ":" in t and not t.endswith(":0")
    }
    for node in list(graph.node):
        if node.op not in BATCH_NORMS or node.attr["is_training"].b:
            continue
        if node.name in reads_statistics:
            continue
        values = [_const_value(nodes, t) for t in node.input[1:5]]
        if any(v is None for v in values):
            continue
        gamma, beta, mean, variance = values
        scale = gamma / np.sqrt(variance + node.attr["epsilon"].f)
        yield node, scale, beta - mean * scale


def _replace(node: node_def_pb2.NodeDef, op: str, inputs: list[str]) -> None:
    """Turn ``node`` into a float32 ``op`` of ``inputs``, keeping its name (and consumers)."""
    name = node.name
    node.Clear()
    node.name, node.op = name, op
    node.input.extend(inputs)
    node.attr["T"].type = tf.float32.as_datatype_enum


def fold_conv_batch_norms(graph: graph_pb2.GraphDef) -> int:
    """Fold ``BatchNorm(Conv2D | DepthwiseConv2dNative)`` into the kernel plus a ``BiasAdd``."""
    nodes = {node.name: node for node in graph.node}
    consumers = _consumers(graph)
    added, changed = [], 0
    for node, scale, offset in _inference_batch_norms(graph, nodes):
        conv = nodes.get(_name(node.input[0]))
        if conv is None or conv.op not in CONTRACTIONS[:2] or consumers.get(conv.name) != 1:
            continue
        if conv.attr["data_format"].s not in (b"", b"NHWC"):
            continue
        kernel_node = _resolve(nodes, conv.input[1])
        shared = {
            consumers.get(_name(conv.input[1])),
            consumers.get(getattr(kernel_node, "name", "")),
        }
        if kernel_node is None or kernel_node.op != "Const" or shared != {1}:
            continue
        kernel = tf.make_ndarray(kernel_node.attr["value"].tensor)
        if conv.op == "Conv2D":
            kernel = kernel * scale
        else:  # depthwise kernel: [h, w, in, multiplier], output channel = in * mult + m
            kernel = kernel * scale.reshape(kernel.shape[2], kernel.shape[3])
        kernel_node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(kernel.astype(np.float32)))
        added.append(_const_node(f"{node.name}/folded_offset", offset))
        _replace(node, "BiasAdd", [conv.name, f"{node.name}/folded_offset"])
        node.attr["data_format"].s = b"NHWC"
        changed += 1
    graph.node.extend(added)
    return changed


def decompose_batch_norms(graph: graph_pb2.GraphDef) -> int:
    """Rewrite inference ``FusedBatchNorm*`` with constant statistics as ``x * s + o``."""
    nodes = {node.name: node for node in graph.node}
    added, changed = [], 0
    for node, scale, offset in _inference_batch_norms(graph, nodes):
        data = node.input[0]
        added += [
            _const_node(f"{node.name}/folded_scale", scale),
            _const_node(f"{node.name}/folded_offset", offset),
        ]
        multiply = node_def_pb2.NodeDef(
            name=f"{node.name}/folded_mul", op="Mul", input=[data, f"{node.name}/folded_scale"]
        )
        multiply.attr["T"].type = tf.float32.as_datatype_enum
        multiply.device = node.device
        added.append(multiply)
        _replace(node, "AddV2", [multiply.name, f"{node.name}/folded_offset"])
        changed += 1
    graph.node.extend(added)
    return changed


def prepare_for_remap(graph: graph_pb2.GraphDef) -> graph_pb2.GraphDef:
    """Our replacement for ``normalize_bias_add.normalize_bias_add_op``."""
    decompose_batch_norms(graph)
    safe_bias_adds(graph)
    return graph


@contextlib.contextmanager
def safe_fusion() -> Iterator[None]:
    """Run the tensorflowjs converter with ``prepare_for_remap`` as its bias-add step and
    ``fold_conv_batch_norms`` ahead of its own BatchNorm folding."""
    from tensorflowjs.converters import fold_batch_norms, normalize_bias_add

    original_normalize = normalize_bias_add.normalize_bias_add_op
    original_fold = fold_batch_norms.fold_batch_norms

    def fold(graph: graph_pb2.GraphDef) -> graph_pb2.GraphDef:
        fold_conv_batch_norms(graph)
        return original_fold(graph)

    normalize_bias_add.normalize_bias_add_op = prepare_for_remap
    fold_batch_norms.fold_batch_norms = fold
    try:
        yield
    finally:
        normalize_bias_add.normalize_bias_add_op = original_normalize
        fold_batch_norms.fold_batch_norms = original_fold


def unsafe_fusions(topology: dict) -> list[str]:
    """Names of fused nodes of a TF.js model.json whose extra arguments are not weights."""
    nodes = {node["name"]: node for node in topology["node"]}
    bad = []
    for node in topology["node"]:
        if node["op"] not in FUSED_OPS:
            continue
        extra = [t for t in node["input"][2:] if not t.startswith("^")]
        if any(nodes.get(_name(t), {}).get("op") != "Const" for t in extra):
            bad.append(node["name"])
    return bad
