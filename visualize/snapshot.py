"""The numbers a picture shows, read once from a Network through its public API.

A ``Snapshot`` is a plain copy of every node's z, a, δ, b, ∂C/∂b and every
edge's w and ∂C/∂w.  Values that the network has not computed yet stay None
(never 0), and ``Snapshot.known`` blanks out exactly what a step-by-step frame
should not reveal yet.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from neurograph import Edge, Network
from neurograph.engine.validation import finite_number


@dataclass(frozen=True)
class NodeValues:
    id: int
    layer: int
    is_input: bool
    activation: str
    bias: float | None       # None: the node has no bias
    z: float | None          # None: no forward pass yet
    a: float | None
    delta: float | None      # δ = ∂C/∂z; None: no backward pass yet
    bias_grad: float | None  # ∂C/∂b


@dataclass(frozen=True)
class EdgeValues:
    src: int
    dst: int
    weight: float
    grad: float | None       # ∂C/∂w; None: no backward pass yet

    @property
    def name(self) -> str:
        """The seeds' target-first name, w_{4,1} (formatted only for the edges a picture draws)."""
        return Edge.name_of(self.src, self.dst)

    @property
    def pretty(self) -> str:
        """The same in Unicode, w₄,₁."""
        return Edge.pretty_of(self.src, self.dst)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The edges are kept as columns (a 784-100-10 net has 79,400 of them and a picture draws a
    few hundred): ``edge(i)`` reads one as EdgeValues, ``edges`` all of them."""

    nodes: dict[int, NodeValues]
    layers: list[list[int]]       # node ids per layer, each in id order
    loss_name: str
    loss: float | None            # the value C, when the caller knows it
    src: np.ndarray               # the edges, by destination id, then source id: source ids,
    dst: np.ndarray               # destination ids,
    weight: np.ndarray            # w,
    grad: np.ndarray              # ∂C/∂w (0.0 where not known),
    grad_known: np.ndarray        # and whether it is known (False: EdgeValues.grad is None)

    @classmethod
    def of(cls, net: Network, loss: float | None = None) -> Snapshot:
        if not isinstance(net, Network):
            raise TypeError(f"expected a neurograph Network, got {type(net).__name__}")
        nodes = {n.id: NodeValues(n.id, n.layer, n.is_input, n.activation, n.bias,
                                  n.z, n.a, n.delta, n.bias_grad) for n in net.nodes}
        src, dst, weights = net.edge_arrays()                   # in net.edges order, in bulk
        grads = net.edge_grad_array()                           # all edges have ∂C/∂w, or none
        known = np.full(len(src), grads is not None)
        layers = [[n.id for n in layer] for layer in net.layers]
        value = None if loss is None else finite_number(loss, "loss C")
        return cls(nodes, layers, net.loss, value, src, dst, weights,
                   np.zeros(len(src)) if grads is None else grads, known)

    @property
    def sizes(self) -> list[int]:
        return [len(layer) for layer in self.layers]

    def edge(self, i: int) -> EdgeValues:
        """Edge ``i`` (in ``edges`` order) as plain numbers."""
        return EdgeValues(int(self.src[i]), int(self.dst[i]), float(self.weight[i]),
                          float(self.grad[i]) if self.grad_known[i] else None)

    @property
    def edges(self) -> list[EdgeValues]:
        """Every edge, by destination id, then source id."""
        return [self.edge(i) for i in range(len(self.src))]

    def incoming(self, node: int) -> range:
        """Indices of the edges into ``node``, by source id (the edges are sorted by destination)."""
        return range(int(np.searchsorted(self.dst, node, "left")), int(np.searchsorted(self.dst, node, "right")))

    def edge_scale(self, forward: bool) -> float:
        """max |w| (forward) or max |∂C/∂w| over the known ones (backward); 0.0 when there are none."""
        values = self.weight if forward else self.grad[self.grad_known]
        return float(np.abs(values).max()) if len(values) else 0.0

    def layer_of(self, ids: np.ndarray) -> np.ndarray:
        """The layer of each node id in ``ids``."""
        known = np.array(list(self.nodes), dtype=np.int64)
        layer = np.array([n.layer for n in self.nodes.values()], dtype=np.int64)
        order = np.argsort(known)
        return layer[order][np.searchsorted(known, ids, sorter=order)]

    def known(self, forward: int, backward: int | None) -> Snapshot:
        """What is known after the forward pass reached layer ``forward`` and the
        backward pass reached layer ``backward`` (None: backward not started).

        a and z are known for layers ≤ forward; δ, ∂C/∂b and the ∂C/∂w of the
        edges *into* a node are known for layers ≥ backward; C is known once
        the backward pass has started (it is computed from the outputs).
        """
        def fwd(layer: int) -> bool:
            return layer <= forward

        def bwd(layer: int) -> bool:
            return backward is not None and layer >= backward

        nodes = {i: replace(n, z=n.z if fwd(n.layer) else None, a=n.a if fwd(n.layer) else None,
                            delta=n.delta if bwd(n.layer) else None,
                            bias_grad=n.bias_grad if bwd(n.layer) else None)
                 for i, n in self.nodes.items()}
        if backward is None:
            grad_known = np.zeros_like(self.grad_known)
        else:
            grad_known = self.grad_known & (self.layer_of(self.dst) >= backward)
        return replace(self, nodes=nodes, grad_known=grad_known, loss=self.loss if backward is not None else None)
