"""The objects a Network hands out: ``Edge`` (one weight) and ``Node`` (one neuron or input).

Both are live views: reading ``edge.weight`` or ``node.a`` reads the network's
flat arrays, and writing ``edge.weight`` or ``node.bias`` writes them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from neurograph.engine.activations import Activation
from neurograph.engine.validation import finite_number

if TYPE_CHECKING:
    from neurograph.engine.graph import Network

_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


class Edge:
    """One weight w_{dst,src}: a live, writable view of one entry of the flat store."""

    __slots__ = ("src", "dst", "_position")

    def __init__(self, src: Node, dst: Node, position: int):
        self.src, self.dst, self._position = src, dst, position   # position in dst's block

    def _index(self) -> int:
        """Where the weight is in the flat store (after the generated code, if running, wrote it back)."""
        self.dst._net._cold()
        return self.dst._net._store.first[self.dst._slot] + self._position

    @property
    def weight(self) -> float:
        """w_{dst,src}: a live view of this edge's entry in the network's flat weight array."""
        return float(self.dst._net._store.weights[self._index()])

    @weight.setter
    def weight(self, value: float) -> None:
        value = finite_number(value, f"weight of {self.name}")
        index = self._index()
        net = self.dst._net
        net._keep_backward_weights()
        if net._weight_bound is not None:
            net._weight_bound = max(net._weight_bound, abs(value))
        net._store.weights[index] = value
        self.dst._net._parameters_changed()

    @property
    def grad(self) -> float | None:
        """∂C/∂w summed since ``zero_grad()``; None before any backward pass."""
        net, index = self.dst._net, self._index()
        return float(net._store.grads[index]) if net._grads_ready else None

    @property
    def name(self) -> str:
        """The seeds' target-first name, e.g. ``w_{4,1}`` for the edge 1 → 4."""
        return Edge.name_of(self.src.id, self.dst.id)

    @property
    def pretty(self) -> str:
        """Unicode form of ``name``, e.g. ``w₄,₁``."""
        return Edge.pretty_of(self.src.id, self.dst.id)

    @staticmethod
    def name_of(src: int, dst: int) -> str:
        """``name`` of the edge src → dst without the Edge: ``Edge.name_of(1, 4) == "w_{4,1}"``."""
        return f"w_{{{dst},{src}}}"

    @staticmethod
    def pretty_of(src: int, dst: int) -> str:
        """``pretty`` of the edge src → dst: ``Edge.pretty_of(1, 4) == "w₄,₁"``."""
        return f"w{str(dst).translate(_SUBSCRIPT)},{str(src).translate(_SUBSCRIPT)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and (self.src, self.dst) == (other.src, other.dst)

    def __hash__(self) -> int:
        return hash((self.src.id, self.dst.id))

    def __repr__(self) -> str:
        return f"<Edge {self.pretty}: {self.src.id} → {self.dst.id}, w={self.weight:.6g}>"


class Node:
    """One neuron (or input).  Its numbers are views into the network's arrays."""

    __slots__ = ("_net", "id", "_slot", "_activation", "has_bias", "is_input", "_source_position", "_targets")

    def __init__(self, net: Network, id: int, slot: int, act: Activation, has_bias: bool, is_input: bool):
        self._net, self.id, self._slot, self._activation = net, id, slot, act
        self.has_bias, self.is_input = has_bias, is_input
        self._source_position: dict[int, int] = {}   # source slot → position in this node's block
        self._targets: list[Node] = []               # destination nodes, in the order they were joined

    # -- identity and structure -------------------------------------------
    @property
    def activation(self) -> str:
        """The activation's name ("sigmoid", "tanh", …)."""
        return self._activation.name

    @property
    def activation_function(self) -> Activation:
        """The Activation object itself (f and its backward rule), for the other engines."""
        return self._activation

    @property
    def layer(self) -> int:
        """0 for inputs; 1 + the deepest predecessor's layer; outputs share the last."""
        return self._net._compile().layer_of[self._slot]

    @property
    def inputs(self) -> list[Edge]:
        """Incoming edges, by source id."""
        nodes = self._net._nodes
        return sorted((Edge(nodes[s], self, k) for s, k in self._source_position.items()),
                      key=lambda e: e.src.id)

    @property
    def outputs(self) -> list[Edge]:
        """Outgoing edges, by destination id."""
        return sorted((Edge(self, d, d._source_position[self._slot]) for d in self._targets),
                      key=lambda e: e.dst.id)

    @property
    def summed_inputs(self) -> list[Edge]:
        """Incoming edges in the order z = Σ w·a adds them up (the order they were connected);
        ``save`` writes them so, and a loaded network gives bit-identical outputs."""
        block = self._net._store.block(self._slot)
        nodes = self._net._nodes
        return [Edge(nodes[s], self, k) for k, s in enumerate(self._net._store.sources[block])]

    @property
    def is_output(self) -> bool:
        """True for the nodes of the last layer (no outgoing edges)."""
        return not self.is_input and not self._targets

    # -- numbers -------------------------------------------------------------
    @property
    def bias(self) -> float | None:
        """b, or None for a node without a bias (a plain input, or bias=None)."""
        self._net._cold()
        return float(self._net._bias[self._slot]) if self.has_bias else None

    @bias.setter
    def bias(self, value: float) -> None:
        if not self.has_bias:
            raise ValueError(f"node {self.id} has no bias (it was created with bias=None)")
        self._net._cold()
        self._net._bias[self._slot] = finite_number(value, f"bias of node {self.id}")
        self._net._parameters_changed()

    def _state(self, name: str, ready: bool) -> float | None:
        self._net._cold()
        return float(getattr(self._net, name)[self._slot]) if ready else None

    @property
    def z(self) -> float | None:
        """z = Σ w·a + b from the last forward pass (None before one)."""
        return self._state("_z", self._net._forward_ready)

    @property
    def a(self) -> float | None:
        """a = f(z) from the last forward pass (None before one)."""
        return self._state("_a", self._net._forward_ready)

    @property
    def delta(self) -> float | None:
        """δ = ∂C/∂z from the last backward pass (None before one)."""
        if self.is_input:
            self._net._settle_inputs()         # a plain input's δ is gathered when first read
            if self._net._inputs_unknown and not self.has_bias:
                return None
        return self._state("_delta", self._net._backward_ready)

    @property
    def bias_grad(self) -> float | None:
        """∂C/∂b summed since ``zero_grad()`` (None before a backward pass or without bias)."""
        return self._state("_bias_grad", self._net._grads_ready and self.has_bias)

    def __repr__(self) -> str:
        kind = "input" if self.is_input else "output" if self.is_output else "hidden"
        return f"<Node {self.id} {kind} {self.activation}>"
