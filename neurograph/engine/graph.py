"""The object engine: a Node per neuron, an Edge per weight, a Network of them.

Conventions (fixed; the README's "Conventions" table)
-----------------------------------------------------
- node ids are positive integers; ``Network.layered([3, 4, 2])`` numbers the
  inputs 1–3, the hidden layer 4–7 and the outputs 8–9;
- an edge goes from a source to a destination; ``net.edge(1, 4)`` is the
  seeds' w₄,₁ (written target first), displayed ``w_{4,1}``;
- ``delta`` is δ = ∂C/∂z of a node, ``grad`` of an edge is ∂C/∂w, and
  ``bias_grad`` of a node is ∂C/∂b.  Gradients accumulate (sum) over the
  samples seen since ``zero_grad()``.

How the numbers are stored
--------------------------
Each neuron keeps its *incoming* weights and their gradients in two small
numpy arrays (one entry per incoming edge), and an ``Edge`` is a writable view
of one entry.  z, a, δ, b and ∂C/∂b of every node live in flat arrays of the
network, indexed by the node's slot.  The forward pass still walks neuron by
neuron along the edges in topological order — it never builds layer matrices
(that is ``MatrixNetwork``'s job):

    forward   z_j = Σ_i w_ji·a_i + b_j,   a_j = f(z_j)
    backward  δ_j = f′(z_j) · Σ_k w_kj·δ_k            (k runs over j's outgoing edges)
              ∂C/∂w_ji += a_i·δ_j,   ∂C/∂b_j += δ_j

The backward sum Σ_k w_kj·δ_k is gathered by letting every neuron k, once its
δ_k is known, send w_kj·δ_k back along each of its incoming edges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import networkx as nx
import numpy as np

from neurograph.engine.activations import Activation, get_activation
from neurograph.engine.losses import Loss, get_loss
from neurograph.engine.validation import boolean, edge_triple, finite_array, finite_number, node_id, sample_batches

_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


class Edge:
    """One weight w_{dst,src}: a live, writable view into the destination's arrays."""

    __slots__ = ("src", "dst", "_k")

    def __init__(self, src: "Node", dst: "Node", k: int):
        self.src, self.dst, self._k = src, dst, k

    @property
    def weight(self) -> float:
        return float(self.dst._w[self._k])

    @weight.setter
    def weight(self, value: float) -> None:
        self.dst._w[self._k] = finite_number(value, f"weight of {self.name}")
        self.dst._net._parameters_changed()

    @property
    def grad(self) -> float | None:
        """∂C/∂w summed since ``zero_grad()``; None before any backward pass."""
        return float(self.dst._g[self._k]) if self.dst._net._grads_ready else None

    @property
    def name(self) -> str:
        """The seeds' target-first name, e.g. ``w_{4,1}`` for the edge 1 → 4."""
        return f"w_{{{self.dst.id},{self.src.id}}}"

    @property
    def pretty(self) -> str:
        """Unicode form of ``name``, e.g. ``w₄,₁``."""
        return f"w{str(self.dst.id).translate(_SUBSCRIPT)},{str(self.src.id).translate(_SUBSCRIPT)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and (self.src, self.dst) == (other.src, other.dst)

    def __hash__(self) -> int:
        return hash((self.src.id, self.dst.id))

    def __repr__(self) -> str:
        return f"<Edge {self.pretty}: {self.src.id} → {self.dst.id}, w={self.weight:.6g}>"


class Node:
    """One neuron (or input).  Its numbers are views into the network's arrays."""

    __slots__ = ("_net", "id", "_slot", "_act", "has_bias", "is_input",
                 "_src", "_w", "_g", "_x", "_outs")

    def __init__(self, net: "Network", id: int, slot: int, act: Activation,
                 has_bias: bool, is_input: bool):
        self._net, self.id, self._slot, self._act = net, id, slot, act
        self.has_bias, self.is_input = has_bias, is_input
        self._src = np.zeros(0, dtype=np.intp)   # slots of the source nodes
        self._w = np.zeros(0)                    # incoming weights, one per edge
        self._g = np.zeros(0)                    # their accumulated ∂C/∂w
        self._x = np.zeros(0)                    # a of the sources, from the last forward
        self._outs: list[Node] = []              # destination nodes

    # -- identity and structure -------------------------------------------
    @property
    def activation(self) -> str:
        return self._act.name

    @property
    def layer(self) -> int:
        """0 for inputs; 1 + the deepest predecessor's layer; outputs share the last."""
        return self._net._compile().layer_of[self._slot]

    @property
    def inputs(self) -> list[Edge]:
        """Incoming edges, by source id."""
        return sorted((Edge(self._net._nodes[s], self, k) for k, s in enumerate(self._src)),
                      key=lambda e: e.src.id)

    @property
    def summed_inputs(self) -> list[Edge]:
        """Incoming edges in the order z = Σ w·a adds them up (the order they were connected);
        ``save`` writes them so, and a loaded network gives bit-identical outputs."""
        return [Edge(self._net._nodes[s], self, k) for k, s in enumerate(self._src)]

    @property
    def outputs(self) -> list[Edge]:
        """Outgoing edges, by destination id."""
        return sorted((d._edge_from(self) for d in self._outs), key=lambda e: e.dst.id)

    @property
    def is_output(self) -> bool:
        return not self.is_input and not self._outs

    def _edge_from(self, src: "Node") -> Edge:
        return Edge(src, self, int(np.flatnonzero(self._src == src._slot)[0]))

    # -- numbers -------------------------------------------------------------
    @property
    def bias(self) -> float | None:
        """b, or None for a node without a bias (a plain input, or bias=None)."""
        return float(self._net._b[self._slot]) if self.has_bias else None

    @bias.setter
    def bias(self, value: float) -> None:
        if not self.has_bias:
            raise ValueError(f"node {self.id} has no bias (it was created with bias=None)")
        self._net._b[self._slot] = finite_number(value, f"bias of node {self.id}")
        self._net._parameters_changed()

    def _state(self, array: np.ndarray, ready: bool) -> float | None:
        return float(array[self._slot]) if ready else None

    @property
    def z(self) -> float | None:
        """z = Σ w·a + b from the last forward pass (None before one)."""
        return self._state(self._net._z, self._net._forward_ready)

    @property
    def a(self) -> float | None:
        """a = f(z) from the last forward pass (None before one)."""
        return self._state(self._net._a, self._net._forward_ready)

    @property
    def delta(self) -> float | None:
        """δ = ∂C/∂z from the last backward pass (None before one)."""
        return self._state(self._net._d, self._net._backward_ready)

    @property
    def bias_grad(self) -> float | None:
        """∂C/∂b summed since ``zero_grad()`` (None before a backward pass or without bias)."""
        return self._state(self._net._bg, self._net._grads_ready and self.has_bias)

    def __repr__(self) -> str:
        kind = "input" if self.is_input else "output" if self.is_output else "hidden"
        return f"<Node {self.id} {kind} {self.activation}>"


@dataclass
class _Layer:
    """One topological layer of the compiled plan."""

    slots: np.ndarray
    neurons: list[Node]
    groups: list[tuple[Activation, np.ndarray, np.ndarray]] = field(default_factory=list)
    # each group: (activation, slots, positions of those slots within this layer)


@dataclass
class _Plan:
    layers: list[_Layer]
    layer_of: dict[int, int]
    n_slots: int


class Network:
    """A feed-forward network of Node objects joined by Edge objects (any DAG).

    >>> net = Network.layered([3, 4, 2], seed=0)
    >>> [n.id for n in net.inputs], [n.id for n in net.outputs]
    ([1, 2, 3], [8, 9])
    """

    def __init__(self, loss: str = "half_squared"):
        self._loss: Loss = get_loss(loss)
        self._nodes: list[Node] = []          # by slot (creation order)
        self._by_id: dict[int, Node] = {}
        self._plan: _Plan | None = None
        cap = 8
        self._b, self._bg, self._z, self._a, self._d, self._acc = (np.zeros(cap) for _ in range(6))
        self._forward_ready = self._backward_ready = self._grads_ready = False
        self._target: np.ndarray | None = None   # the t of the last backward pass
        self._version = self._forward_version = 0   # parameter changes so far / at the last forward

    # -- building ------------------------------------------------------------
    @property
    def loss(self) -> str:
        """Name of the loss: half_squared, squared, cross_entropy or binary_cross_entropy.

        Setting it checks the loss against the output activations (ValueError: cross_entropy
        needs softmax outputs, binary_cross_entropy sigmoid outputs)."""
        return self._loss.name

    @loss.setter
    def loss(self, name: str) -> None:
        loss = get_loss(name)
        loss.check_outputs(self.outputs)
        self._loss = loss
        self._backward_ready = False

    @property
    def target(self) -> np.ndarray | None:
        """The target t given to the last ``backward(t)`` (None before one, or after a new forward)."""
        return self._target.copy() if self._backward_ready and self._target is not None else None

    @property
    def stale(self) -> bool:
        """True when the weights or biases changed (``step()``, or an edit) after the last
        forward pass, so z, a and δ belong to the old parameters: run forward again."""
        return self._forward_ready and self._version != self._forward_version

    def _parameters_changed(self) -> None:
        self._version += 1

    def add_input(self, id: int, activation: str | None = None, bias: float | None = None) -> Node:
        """Add an input node.  Plain inputs pass x through (a = x, no bias);
        with an activation the node computes a = f(x + b) (seed 000's tanh layer)."""
        if activation is None:
            if bias is not None:
                raise ValueError(f"input {id}: a bias needs an activation (a = f(x + b))")
            return self._add_node(id, "identity", None, is_input=True)
        return self._add_node(id, activation, 0.0 if bias is None else bias, is_input=True)

    def add_neuron(self, id: int, activation: str = "sigmoid", bias: float | None = 0.0) -> Node:
        """Add a neuron computing a = f(Σ w·a + b); ``bias=None`` means no bias at all."""
        return self._add_node(id, activation, bias, is_input=False)

    def _add_node(self, id, activation, bias, is_input) -> Node:
        nid = node_id(id)
        if nid in self._by_id:
            raise ValueError(f"node {nid} already exists")
        act = get_activation(activation)
        b = None if bias is None else finite_number(bias, f"bias of node {nid}")
        slot = len(self._nodes)
        self._grow(slot + 1)
        node = Node(self, nid, slot, act, has_bias=b is not None, is_input=is_input)
        self._b[slot] = b or 0.0
        self._nodes.append(node)
        self._by_id[nid] = node
        self._structure_changed()
        return node

    def _grow(self, n: int) -> None:
        cap = len(self._b)
        if n <= cap:
            return
        new_cap = max(n, 2 * cap)
        for name in ("_b", "_bg", "_z", "_a", "_d", "_acc"):
            old = getattr(self, name)
            grown = np.zeros(new_cap)
            grown[:cap] = old
            setattr(self, name, grown)

    def connect(self, src: int, dst: int, weight: float = 0.0) -> Edge:
        """Add the edge src → dst (the seeds' w_{dst,src}) and return it."""
        self.connect_many([(src, dst, weight)])
        return self.edge(src, dst)

    def connect_many(self, edges: Iterable[tuple[int, int, float]]) -> None:
        """Add many edges at once, checked together (one cycle check for all).

        Raises ValueError naming the offending ids for an unknown node, an edge
        into an input, a self-loop, a duplicate or a cycle; then nothing is added.
        """
        new = [edge_triple(item, i) for i, item in enumerate(edges)]
        seen: set[tuple[int, int]] = set()
        existing = {(self._nodes[k].id, d) for d in {d for _, d, _ in new if d in self._by_id}
                    for k in self._by_id[d]._src}
        for s, d, _ in new:
            for i in (s, d):
                if i not in self._by_id:
                    raise ValueError(f"edge {s} → {d}: node {i} does not exist; add it first")
            if s == d:
                raise ValueError(f"edge {s} → {d} is a self-loop; networks must be acyclic")
            if self._by_id[d].is_input:
                raise ValueError(f"edge {s} → {d}: node {d} is an input and cannot receive edges")
            if (s, d) in seen or (s, d) in existing:
                raise ValueError(f"edge {s} → {d} (w_{{{d},{s}}}) already exists")
            seen.add((s, d))
        g = self._topology()
        g.add_edges_from((s, d) for s, d, _ in new)
        if not nx.is_directed_acyclic_graph(g):
            cycle = [u for u, _ in nx.find_cycle(g)]
            path = " → ".join(str(i) for i in cycle + cycle[:1])
            raise ValueError(f"these edges would close the cycle {path}; networks must be acyclic")
        by_dst: dict[int, list[tuple[int, float]]] = {}
        for s, d, w in new:
            by_dst.setdefault(d, []).append((s, w))
        for d, items in by_dst.items():
            dst = self._by_id[d]
            srcs = [self._by_id[s] for s, _ in items]
            dst._src = np.concatenate([dst._src, [n._slot for n in srcs]]).astype(np.intp)
            dst._w = np.concatenate([dst._w, [w for _, w in items]])
            dst._g = np.concatenate([dst._g, np.zeros(len(items))])
            for n in srcs:
                n._outs.append(dst)
        self._structure_changed()

    def _structure_changed(self) -> None:
        self._plan = None
        self._forward_ready = self._backward_ready = self._grads_ready = False

    def _topology(self) -> nx.DiGraph:
        """The bare topology (ids only) as a networkx DiGraph."""
        g = nx.DiGraph()
        g.add_nodes_from(n.id for n in self._nodes)
        g.add_edges_from((s.id, n.id) for n in self._nodes for s in (self._nodes[k] for k in n._src))
        return g

    # -- looking things up -----------------------------------------------------
    def node(self, id: int) -> Node:
        try:
            return self._by_id[id]
        except (KeyError, TypeError):
            raise KeyError(f"no node {id!r}; ids are {self._id_range()}") from None

    def edge(self, src: int, dst: int) -> Edge:
        """The edge src → dst, i.e. the seeds' w_{dst,src}."""
        s, d = self.node(src), self.node(dst)
        hit = np.flatnonzero(d._src == s._slot)
        if hit.size == 0:
            reverse = np.flatnonzero(s._src == d._slot).size
            hint = f"; did you mean net.edge({dst}, {src}), i.e. w_{{{src},{dst}}}?" if reverse else ""
            raise KeyError(f"no edge {src} → {dst} (w_{{{dst},{src}}}) in this network{hint}")
        return Edge(s, d, int(hit[0]))

    def _id_range(self) -> str:
        ids = sorted(self._by_id)
        return f"{ids[0]}–{ids[-1]}" if ids else "none (empty network)"

    @property
    def nodes(self) -> list[Node]:
        """All nodes in id order."""
        return sorted(self._nodes, key=lambda n: n.id)

    @property
    def edges(self) -> list[Edge]:
        """All edges, ordered by destination id, then source id (w_{4,1}, w_{4,2}, …)."""
        return [e for n in self.nodes for e in n.inputs]

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.is_input]

    @property
    def outputs(self) -> list[Node]:
        return [n for n in self.nodes if n.is_output]

    @property
    def layers(self) -> list[list[Node]]:
        """Nodes grouped by layer (see ``Node.layer``), each in id order."""
        plan = self._compile()
        return [sorted((self._nodes[s] for s in L.slots), key=lambda n: n.id) for L in plan.layers]

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __repr__(self) -> str:
        from neurograph.explanations.network_view import summary
        return summary(self, n_edges=sum(len(n._src) for n in self._nodes))

    def _repr_html_(self) -> str:
        from neurograph.explanations.network_view import network_html
        return network_html(self, n_edges=sum(len(n._src) for n in self._nodes))

    # -- the compiled plan -------------------------------------------------------
    def _compile(self) -> _Plan:
        if self._plan is not None:
            return self._plan
        if not any(n.is_input for n in self._nodes):
            raise ValueError("the network has no input nodes; add some with add_input()")
        if not any(n.is_output for n in self._nodes):
            raise ValueError("the network has no neurons to compute; add some with add_neuron()")
        depth: dict[int, int] = {}
        for nid in nx.topological_sort(self._topology()):
            node = self._by_id[nid]
            preds = [depth[self._nodes[s]._slot] for s in node._src]
            depth[node._slot] = 0 if node.is_input else 1 + max(preds, default=0)
        last = max(depth[n._slot] for n in self._nodes if n.is_output)
        for n in self._nodes:
            if n.is_output:
                depth[n._slot] = last
        layers = []
        for level in range(last + 1):
            members = sorted((n for n in self._nodes if depth[n._slot] == level), key=lambda n: n.id)
            slots = np.array([n._slot for n in members], dtype=np.intp)
            layer = _Layer(slots, [n for n in members if not n.is_input])
            for act in dict.fromkeys(n._act for n in members):
                pos = np.array([i for i, n in enumerate(members) if n._act is act], dtype=np.intp)
                layer.groups.append((act, slots[pos], pos))
            layers.append(layer)
        self._plan = _Plan(layers, depth, len(self._nodes))
        self._bias_mask = np.array([n.has_bias for n in self._nodes], dtype=float)
        return self._plan

    @property
    def n_inputs(self) -> int:
        return len(self._compile().layers[0].slots)

    @property
    def n_outputs(self) -> int:
        return len(self._compile().layers[-1].slots)

    # -- the engine ------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """Propagate x (one sample, or rows of samples) and return the outputs.

        For a batch the node values left behind are those of the last row.
        """
        plan = self._compile()
        X = finite_array(x, "input x", self.n_inputs)
        if X.ndim == 2:
            return np.stack([self._forward_one(plan, row) for row in X])
        return self._forward_one(plan, X)

    def _forward_one(self, plan: _Plan, x: np.ndarray) -> np.ndarray:
        z, a, b = self._z, self._a, self._b
        first = plan.layers[0].slots
        z[first] = x + b[first]                            # inputs: z = x (+ b)
        for layer in plan.layers:
            for node in layer.neurons:
                node._x = a[node._src]                     # a_i of every incoming edge
                z[node._slot] = node._w @ node._x + b[node._slot]   # z_j = Σ_i w_ji·a_i + b_j
            for act, slots, _ in layer.groups:
                a[slots] = act(z[slots])                   # a_j = f(z_j); softmax over its group
        self._forward_ready, self._backward_ready = True, False
        self._forward_version = self._version
        return a[plan.layers[-1].slots].copy()

    def backward(self, t) -> float:
        """Backpropagate the target t of the last forward pass; return the loss C.

        Fills every node's δ, adds a_i·δ_j to every edge's grad and δ_j to
        every bias_grad (accumulating until ``zero_grad()``).
        """
        if not self._forward_ready:
            raise RuntimeError("backward(t) needs a forward(x) first")
        plan = self._compile()
        T = finite_array(t, "target t", self.n_outputs, allow_batch=False)
        z, a, d, acc = self._z, self._a, self._d, self._acc
        acc[:] = 0.0                                       # acc_j collects Σ_k w_kj·δ_k
        out = plan.layers[-1]
        with np.errstate(over="ignore", invalid="ignore"):     # overflow is reported below
            loss = sum(float(self._loss.value(a[slots], T[pos], z[slots], act)) for act, slots, pos in out.groups)
            deltas = [self._loss.output_delta(z[slots], a[slots], T[pos], act)   # δ_out = ∂C/∂z
                      for act, slots, pos in out.groups]
        if not math.isfinite(loss) or not all(np.all(np.isfinite(dl)) for dl in deltas):
            raise ValueError(f"the loss overflowed (C = {loss}) for this input and target; "
                             "scale the inputs or weights down")
        for (_, slots, _), delta in zip(out.groups, deltas):
            d[slots] = delta
        self._send_back(out)
        for layer in reversed(plan.layers[:-1]):
            for act, slots, _ in layer.groups:
                d[slots] = act.backward(z[slots], a[slots], acc[slots])   # δ_j = f′(z_j)·Σ_k w_kj·δ_k
            self._send_back(layer)
        n = plan.n_slots
        self._bg[:n] += d[:n] * self._bias_mask            # ∂C/∂b_j = δ_j
        self._backward_ready = self._grads_ready = True
        self._target = T.copy()
        return loss

    def _send_back(self, layer: _Layer) -> None:
        d, acc = self._d, self._acc
        for node in layer.neurons:
            dj = d[node._slot]
            node._g += dj * node._x                        # ∂C/∂w_ji += a_i·δ_j
            acc[node._src] += dj * node._w                 # node i receives w_ji·δ_j

    def backward_batch(self, X, T) -> float:
        """forward + backward for each row of X, T; returns the mean loss.

        Gradients accumulate as sums over the rows (divide by len(X) for the
        batch mean that ``MatrixNetwork.backward`` reports).
        """
        X, T = sample_batches(X, T, self.n_inputs, self.n_outputs)
        total = 0.0
        for x, t in zip(X, T):
            self.forward(x)
            total += self.backward(t)
        return total / len(X)

    def step(self, lr: float, weight_decay: float = 0.0, biases: bool = True) -> None:
        """Gradient descent: w ← w − η·(∂C/∂w + λ·w), b ← b − η·∂C/∂b.

        λ is the L2 weight decay of seeds 001/002 (C + λ/2·Σw²); biases are not decayed.
        ``biases=False`` keeps every bias fixed (Mazur's step-by-step example updates only w).
        """
        lr = finite_number(lr, "learning rate lr")
        weight_decay = finite_number(weight_decay, "weight_decay")
        biases = boolean(biases, "biases")
        if lr < 0 or weight_decay < 0:
            raise ValueError(f"lr and weight_decay must be ≥ 0, got lr={lr}, weight_decay={weight_decay}")
        n = self._compile().n_slots
        for node in self._neurons():
            if weight_decay:
                node._w *= 1.0 - lr * weight_decay         # the λ·w part of the step
            node._w -= lr * node._g
        if biases:
            self._b[:n] -= lr * self._bg[:n] * self._bias_mask
        self._parameters_changed()

    def _neurons(self) -> Iterator[Node]:
        """Every non-input node (from the compiled plan when there is one)."""
        if self._plan is None:
            return (n for n in self._nodes if not n.is_input)
        return (node for layer in self._plan.layers for node in layer.neurons)

    def zero_grad(self) -> None:
        """Reset every accumulated ∂C/∂w and ∂C/∂b (they read None until the next backward)."""
        for node in self._neurons():
            node._g.fill(0.0)
        self._bg.fill(0.0)
        self._grads_ready = False

    # -- conversions (implemented in convert.py and io.py) ------------------------
    @classmethod
    def layered(cls, sizes, activation: str = "sigmoid", output_activation: str | None = None,
                loss: str = "half_squared", init="uniform", seed: int | None = None,
                input_activation: str | None = None, bias: bool = True) -> "Network":
        from neurograph.engine.builders import layered
        return layered(sizes, activation=activation, output_activation=output_activation,
                       loss=loss, init=init, seed=seed, input_activation=input_activation,
                       bias=bias)

    @classmethod
    def from_matrices(cls, weights, biases=None, *, convention: str = "row", activation: str = "sigmoid",
                      output_activation: str | None = None, loss: str = "half_squared",
                      input_activation: str | None = None) -> Network:
        """A layered Network from one weight matrix per layer (see ``neurograph.engine.matrices``)."""
        from neurograph.engine.matrices import from_matrices
        return from_matrices(weights, biases, convention=convention, activation=activation,
                             output_activation=output_activation, loss=loss, input_activation=input_activation)

    def to_matrices(self, convention: str = "row") -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """(weights, biases) per layer as fresh arrays, in the row or column layout."""
        from neurograph.engine.matrices import to_matrices
        return to_matrices(self, convention)

    def to_networkx(self) -> nx.DiGraph:
        from neurograph.io.networkx_bridge import to_networkx
        return to_networkx(self)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> "Network":
        from neurograph.io.networkx_bridge import from_networkx
        return from_networkx(graph)

    def save(self, path) -> None:
        from neurograph.io.json_file import save
        save(self, path)

    @classmethod
    def load(cls, path) -> "Network":
        from neurograph.io.json_file import load
        return load(path)

    def to_torch(self, dtype=None):
        """The same network as a torch ``nn.Module`` (see ``neurograph.io.torch_bridge``)."""
        from neurograph.io.torch_bridge import to_torch
        return to_torch(self, dtype=dtype)

    @classmethod
    def from_torch(cls, module, loss: str = "half_squared") -> "Network":
        """A Network from an ``nn.Sequential`` MLP (see ``neurograph.io.torch_bridge``)."""
        from neurograph.io.torch_bridge import from_torch
        return from_torch(module, loss=loss)

    @classmethod
    def from_sklearn(cls, model) -> Network:
        """A Network from a fitted sklearn MLPClassifier/MLPRegressor (see ``neurograph.io.sklearn_bridge``)."""
        from neurograph.io.sklearn_bridge import from_sklearn
        return from_sklearn(model)

    def to_sklearn(self):
        """The same network as a fitted sklearn MLP (see ``neurograph.io.sklearn_bridge``)."""
        from neurograph.io.sklearn_bridge import to_sklearn
        return to_sklearn(self)

    @classmethod
    def from_onnx(cls, model, output: str | None = None, loss: str | None = None) -> Network:
        """A Network from an ONNX MLP graph, a path or a ModelProto (see ``neurograph.io.onnx_in``)."""
        from neurograph.io.onnx_in import from_onnx
        return from_onnx(model, output=output, loss=loss)

    def to_onnx(self, path, dtype: str = "float32"):
        """Write the network as an ONNX model and return it (see ``neurograph.io.onnx_out``)."""
        from neurograph.io.onnx_out import to_onnx
        return to_onnx(self, path, dtype=dtype)

    def copy(self) -> "Network":
        """An independent copy with the same structure, weights and biases (no gradients)."""
        twin = Network(loss=self.loss)
        for n in self._nodes:                                  # same slots, same order
            twin._add_node(n.id, n._act, n.bias, n.is_input)
        for n, m in zip(self._nodes, twin._nodes):
            m._src, m._w, m._g = n._src.copy(), n._w.copy(), np.zeros_like(n._w)
            m._outs = [twin._nodes[d._slot] for d in n._outs]
        twin._structure_changed()
        return twin
