"""Plain MLPs as a list of dense layers, in the row convention, and back.

The bridges to scikit-learn, ONNX and PyTorch all meet here.  A dense layer
is ``DenseLayer(W, b, activation)`` with W of shape (n_in, n_out):

    z = a_prev · W + b,   a = f(z)          (row convention, one sample per row)

so ``W[i, j]`` is the weight of the edge from the i-th node of the layer
before to the j-th node of this layer (the seeds' w_{j,i}), nodes in id order.
``dense_network`` numbers the nodes layer by layer from 1, as
``Network.layered`` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from neurograph.engine.graph import Network, Node
from neurograph.engine.losses import get_loss


@dataclass
class DenseLayer:
    """One fully connected layer: z = a_prev·W + b, a = f(z); ``b`` None means no bias."""

    W: np.ndarray
    b: np.ndarray | None
    activation: str


def incoming(node: Node) -> tuple[list[int], list[float]]:
    """Source ids and weights of a node's incoming edges, by source id."""
    edges = node.inputs
    return [e.src.id for e in edges], [e.weight for e in edges]


def layered_reason(net: Network) -> str | None:
    """Why ``net`` is not a plain MLP, or None when it is one: plain inputs, every
    neuron fed by the whole previous layer, one activation and one bias habit per layer."""
    layers = net.layers
    for n in layers[0]:
        if n.has_bias or n.activation != "identity":
            return f"input {n.id} has an activation or a bias (a = f(x + b))"
    for prev, layer in zip(layers, layers[1:], strict=False):
        prev_ids = [n.id for n in prev]
        span = f"layer {layer[0].id}–{layer[-1].id}"
        if len({n.activation for n in layer}) != 1:
            return f"{span} mixes activations ({', '.join(sorted({n.activation for n in layer}))})"
        if len({n.has_bias for n in layer}) != 1:
            return f"{span} has neurons with and without a bias"
        for n in layer:
            if incoming(n)[0] != prev_ids:
                return f"node {n.id} is not fed by exactly the whole layer before (skip connections?)"
    return None


def dense_layers(net: Network, what: str = "this conversion") -> list[DenseLayer]:
    """The layers of a plain MLP as ``DenseLayer`` s (row convention); a ValueError
    naming the first obstacle when ``net`` is not one (see ``layered_reason``)."""
    reason = layered_reason(net)
    if reason is not None:
        raise ValueError(f"{what} needs a plain layered network, but {reason}")
    layers = net.layers
    out = []
    for layer in layers[1:]:
        W = np.array([incoming(n)[1] for n in layer], dtype=np.float64).T     # W[i, j] = w_{j,i}
        b = np.array([n.bias for n in layer], dtype=np.float64) if layer[0].has_bias else None
        out.append(DenseLayer(W, b, layer[0].activation))
    return out


def dense_network(layers: Sequence[DenseLayer], loss: str = "half_squared") -> Network:
    """A ``Network`` with the given layers; ids run layer by layer from 1.

    ``W`` of each layer must have as many rows as the layer before has nodes
    (ValueError naming the layer otherwise), and the loss must suit the output
    activation (``Loss.check_outputs``); every value is copied as float64.
    """
    if not layers:
        raise ValueError("a network needs at least one dense layer")
    for k, layer in enumerate(layers):
        W = np.asarray(layer.W)
        if W.ndim != 2 or (k and W.shape[0] != np.asarray(layers[k - 1].W).shape[1]):
            raise ValueError(f"dense layer {k + 1}: W has shape {W.shape}, expected (n_in, n_out) with "
                             f"n_in = the width of the layer before")
        if layer.b is not None and np.shape(layer.b) != (W.shape[1],):
            raise ValueError(f"dense layer {k + 1}: b has shape {np.shape(layer.b)}, expected ({W.shape[1]},)")
    net = Network(loss=loss)
    prev = [net.add_input(i + 1).id for i in range(np.shape(layers[0].W)[0])]
    edges: list[tuple[int, int, float]] = []
    for layer in layers:
        W = np.asarray(layer.W, dtype=np.float64)
        start = prev[-1] + 1
        current = [net.add_neuron(start + j, activation=layer.activation,
                                  bias=None if layer.b is None else float(layer.b[j])).id
                   for j in range(W.shape[1])]
        edges.extend((s, d, float(W[i, j])) for j, d in enumerate(current) for i, s in enumerate(prev))
        prev = current
    net.connect_many(edges)
    get_loss(loss).check_outputs(net.outputs)           # e.g. cross_entropy needs outputs in (0, 1)
    return net
