"""The numbers a picture shows, read once from a Network through its public API.

A ``Snapshot`` is a plain copy of every node's z, a, δ, b, ∂C/∂b and every
edge's w and ∂C/∂w.  Values that the network has not computed yet stay None
(never 0), and ``Snapshot.known`` blanks out exactly what a step-by-step frame
should not reveal yet.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

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


@dataclass(frozen=True)
class Snapshot:
    nodes: dict[int, NodeValues]
    edges: list[EdgeValues]       # by destination id, then source id
    layers: list[list[int]]       # node ids per layer, each in id order
    loss_name: str
    loss: float | None            # the value C, when the caller knows it

    @classmethod
    def of(cls, net: Network, loss: float | None = None) -> Snapshot:
        if not isinstance(net, Network):
            raise TypeError(f"expected a neurograph Network, got {type(net).__name__}")
        nodes = {n.id: NodeValues(n.id, n.layer, n.is_input, n.activation, n.bias,
                                  n.z, n.a, n.delta, n.bias_grad) for n in net.nodes}
        src, dst, weights = net.edge_arrays()                   # in net.edges order, in bulk
        known = len(src) and net.edge(int(src[0]), int(dst[0])).grad is not None   # all edges or none have ∂C/∂w
        grads = [e.grad for e in net.edges] if known else [None] * len(src)
        edges = [EdgeValues(*values) for values in zip(src.tolist(), dst.tolist(), weights.tolist(), grads,
                                                        strict=True)]
        layers = [[n.id for n in layer] for layer in net.layers]
        value = None if loss is None else finite_number(loss, "loss C")
        return cls(nodes, edges, layers, net.loss, value)

    @property
    def sizes(self) -> list[int]:
        return [len(layer) for layer in self.layers]

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
        edges = [replace(e, grad=e.grad if bwd(self.nodes[e.dst].layer) else None) for e in self.edges]
        return replace(self, nodes=nodes, edges=edges, loss=self.loss if backward is not None else None)
