"""ONNX out: ``net.to_onnx(path, dtype="float32")`` writes a standard ONNX model of any network.

The model maps ``x`` (batch, n_inputs) to ``y`` (batch, n_outputs), inputs
and outputs in id order as in ``net.forward``, opset 17, and opens in
onnxruntime and Netron.

- A plain layered network becomes one ``Gemm`` per layer (z = a·W + b, W of
  shape (n_in, n_out): ``W[i, j]`` is w_{j,i}, named ``W_<first id>``) and its
  activation (Sigmoid, Tanh, Relu, Softmax; nothing for the identity).
- Any other DAG (skip connections, mixed activations, input activations) is
  computed layer by layer on the activations of every node so far,
  ``A = [a of layer 0 | a of layer 1 | …]``:

      z_L = A·W_L + b_L     (W_L has a row per node so far, 0 where there is no edge)
      a_L = f(z_L)          (per activation group: Gather its columns, apply f; softmax over the group)
      A  ← Concat(A, a_L)

  so a skip connection is just a non-zero row of an earlier layer.  Adding
  the zero weights of missing edges changes nothing but the order of the sums.

``dtype="float64"`` keeps every weight exactly; ``"float32"`` rounds them once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from neurograph.engine.activations import activation_groups
from neurograph.engine.graph import Network, Node
from neurograph.engine.validation import lookup
from neurograph.io.atomic import write_atomic
from neurograph.io.dense import dense_layers, incoming, layered_reason
from neurograph.io.onnx_in import onnx_module

OPSET = 17
ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax", "identity": None}
DTYPES = {"float32": np.float32, "float64": np.float64}


class _Builder:
    """Collects ONNX nodes and initializers with unique names."""

    def __init__(self, dtype: type):
        self.onnx = onnx_module()
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def constant(self, name: str, value, dtype: Any = None) -> str:
        array = np.asarray(value, dtype=dtype or self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, name: str, **attrs) -> str:
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [output], name=name, **attrs))
        return output

    def activation(self, z: str, act: str, output: str, name: str) -> str:
        op = ACTIVATION_OPS[act]
        if op is None:
            return z
        return self.op(op, [z], output, name, **({"axis": -1} if op == "Softmax" else {}))


def _check_activations(net: Network) -> None:
    for n in net.nodes:
        if n.activation not in ACTIVATION_OPS:
            raise ValueError(f"to_onnx: node {n.id} has the activation {n.activation!r}, which has no ONNX op here; "
                             f"supported: {', '.join(ACTIVATION_OPS)}")


def _layered(b: _Builder, net: Network) -> str:
    a = "x"
    for layer, dense in zip(net.layers[1:], dense_layers(net, "to_onnx"), strict=True):
        span = f"{layer[0].id}" if len(layer) == 1 else f"{layer[0].id}_{layer[-1].id}"
        inputs = [a, b.constant(f"W_{span}", dense.W)] + ([b.constant(f"b_{span}", dense.b)] if dense.b is not None
                                                           else [])
        z = b.op("Gemm", inputs, f"z_{span}", f"dense {span}")
        a = b.activation(z, dense.activation, f"a_{span}", f"{dense.activation} {span}")
    return a


def _grouped(b: _Builder, z: str, layer: list[Node], span: str) -> tuple[str, list[int]]:
    """a = f(z) per activation group of a layer; returns the tensor and the node ids of its columns."""
    groups = {act.name: positions for act, positions in activation_groups(layer)}
    if len(groups) == 1:
        act = layer[0].activation
        return b.activation(z, act, f"a_{span}", f"{act} {span}"), [n.id for n in layer]
    parts: list[str] = []
    ids: list[int] = []
    for act, positions in groups.items():
        cols = b.op("Gather", [z, b.constant(f"cols_{span}_{act}", positions, np.int64)], f"z_{span}_{act}",
                    f"{act} nodes of {span}", axis=1)
        parts.append(b.activation(cols, act, f"a_{span}_{act}", f"{act} {span}"))
        ids.extend(layer[k].id for k in positions)
    return b.op("Concat", parts, f"a_{span}", f"layer {span}", axis=1), ids


def _dag(b: _Builder, net: Network) -> str:
    layers = net.layers
    first = layers[0]
    a, cols = "x", [n.id for n in first]
    if any(n.has_bias or n.activation != "identity" for n in first):
        z = b.op("Add", ["x", b.constant("b_inputs", [n.bias or 0.0 for n in first])], "z_inputs", "input biases")
        a, cols = _grouped(b, z, first, "inputs")
    A = a
    for depth, layer in enumerate(layers[1:], 1):
        where = {nid: k for k, nid in enumerate(cols)}
        W = np.zeros((len(cols), len(layer)))
        for j, n in enumerate(layer):
            srcs, weights = incoming(n)
            W[[where[s] for s in srcs], j] = weights
        bias = [n.bias or 0.0 for n in layer]
        z = b.op("Gemm", [A, b.constant(f"W_layer{depth}", W), b.constant(f"b_layer{depth}", bias)], f"z_layer{depth}",
                 f"dense layer {depth}")
        a, ids = _grouped(b, z, layer, f"layer{depth}")
        if depth < len(layers) - 1:
            A = b.op("Concat", [A, a], f"A_layer{depth}", f"activations up to layer {depth}", axis=1)
            cols = cols + ids
    order = [ids.index(n.id) for n in layers[-1]]                   # outputs in id order
    if order == list(range(len(order))):
        return a
    return b.op("Gather", [a, b.constant("outputs", order, np.int64)], "y_gathered", "outputs in id order", axis=1)


def to_onnx(net: Network, path=None, dtype: str = "float32") -> Any:
    """``net`` as an ONNX ``ModelProto``, written to ``path`` (atomically) unless it is None.

    ``dtype`` is "float32" (the usual ONNX type) or "float64" (every weight exact).
    """
    np_dtype = lookup(DTYPES, dtype, "dtype")
    onnx = onnx_module()
    _check_activations(net)
    b = _Builder(np_dtype)
    last = _layered(b, net) if layered_reason(net) is None else _dag(b, net)
    b.op("Identity", [last], "y", "y")
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))
    graph = onnx.helper.make_graph(
        b.nodes, "neurograph", [onnx.helper.make_tensor_value_info("x", elem, ["batch", net.n_inputs])],
        [onnx.helper.make_tensor_value_info("y", elem, ["batch", net.n_outputs])], b.initializers,
        doc_string=f"neurograph {net!r}: x holds inputs {[n.id for n in net.inputs]}, "
                   f"y outputs {[n.id for n in net.outputs]}; W[i, j] is the weight from the i-th to the j-th node")
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   producer_name="neurograph", ir_version=8)
    onnx.checker.check_model(model)
    if path is not None:
        write_atomic(path, model.SerializeToString(), example="model.onnx")
    return model
