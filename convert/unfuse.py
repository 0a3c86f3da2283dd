"""Graph fixes for TF.js: keep Grappler from fusing what the TF.js backends run wrongly.

tensorflowjs 4.22 turns every ``Add`` that follows a Conv2D/MatMul into a ``BiasAdd``, even
when the other operand is a tensor (ResNet-50 V2's residual), and Grappler's remapper then
fuses it into a ``_FusedConv2D`` with a rank-4 "bias": the wasm backend throws and webgl
computes garbage. The remapper also fuses an unfoldable ``FusedBatchNormV3`` + ``Relu``
(ResNet-50 V2's pre-activation) into ``_FusedBatchNormEx``, which TF.js lacks. Our
replacement for the converter's bias-add step runs just before the remapper and:

1. turns ``Add`` into ``BiasAdd`` only when the other operand is a rank-1 constant;
2. rewrites each remaining inference ``FusedBatchNorm*`` into ``x * scale + offset``.

``checked_fusions`` then refuses a converted model with any fused op that still has a
non-constant bias, so a silently wrong model cannot leave the converter.
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


def _const_value(nodes: dict[str, node_def_pb2.NodeDef], tensor: str) -> np.ndarray | None:
    """The value of a constant tensor (looking through ``Identity``), else None."""
    node = nodes.get(_name(tensor))
    while node is not None and node.op == "Identity":
        node = nodes.get(_name(node.input[0]))
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
    consumers: dict[str, int] = {}
    for node in graph.node:
        for tensor in node.input:
            consumers[_name(tensor)] = consumers.get(_name(tensor), 0) + 1
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


def decompose_batch_norms(graph: graph_pb2.GraphDef) -> int:
    """Rewrite inference ``FusedBatchNorm*`` with constant statistics as ``x * s + o``."""
    nodes = {node.name: node for node in graph.node}
    # Only the normalised output (:0) can be rebuilt; leave a node whose statistics are read.
    reads_statistics = {
        _name(t) for n in graph.node for t in n.input if ":" in t and not t.endswith(":0")
    }
    added, changed = [], 0
    for node in graph.node:
        if node.op not in BATCH_NORMS or node.attr["is_training"].b:
            continue
        if node.name in reads_statistics:
            continue
        values = [_const_value(nodes, t) for t in node.input[1:5]]
        if any(v is None for v in values):
            continue
        gamma, beta, mean, variance = values
        scale = gamma / np.sqrt(variance + node.attr["epsilon"].f)
        offset = beta - mean * scale
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
        name = node.name
        node.Clear()
        node.name, node.op = name, "AddV2"
        node.input.extend([multiply.name, f"{name}/folded_offset"])
        node.attr["T"].type = tf.float32.as_datatype_enum
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
    """Run the tensorflowjs converter with ``prepare_for_remap`` as its bias-add step."""
    from tensorflowjs.converters import normalize_bias_add

    original = normalize_bias_add.normalize_bias_add_op
    normalize_bias_add.normalize_bias_add_op = prepare_for_remap
    try:
        yield
    finally:
        normalize_bias_add.normalize_bias_add_op = original


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
