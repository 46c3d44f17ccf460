"""Building a Network: the loss, its nodes and its edges (kept in topological order), and copies."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np

from neurograph.engine.activations import Activation, get_activation
from neurograph.engine.core import _NODE_ARRAYS
from neurograph.engine.losses import Loss, get_loss
from neurograph.engine.objects import Edge, Node
from neurograph.engine.parameters import _Parameters
from neurograph.engine.aligned import aligned_zeros
from neurograph.engine.validation import edge_triple, finite_array, finite_number, node_id

if TYPE_CHECKING:
    from neurograph.engine.graph import Network


class _Structure(_Parameters):
    """The loss, add_input/add_neuron, connect/connect_many/wire, and copy."""

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
        self._cold()
        self._loss = loss
        self._plan = None                                  # generated code depends on the loss
        self._backward_ready = False

    @property
    def target(self) -> np.ndarray | None:
        """The target t given to the last ``backward(t)`` (None before one, or after a new forward)."""
        return np.array(self._target, dtype=float) if self._backward_ready and self._target is not None else None

    @property
    def stale(self) -> bool:
        """True when the weights or biases changed (``step()``, or an edit) after the last
        forward pass, so z, a and δ belong to the old parameters: run forward again."""
        return self._forward_ready and self._version != self._forward_version

    @property
    def loss_function(self) -> Loss:
        """The Loss object itself (its value and output δ), for the other engines."""
        return self._loss

    def add_input(self, id: int, activation: str | Activation | None = None, bias: float | None = None) -> Node:
        """Add an input node.  Plain inputs pass x through (a = x, no bias);
        with an activation the node computes a = f(x + b) (seed 000's tanh layer)."""
        if activation is None:
            if bias is not None:
                raise ValueError(f"input {id}: a bias needs an activation (a = f(x + b))")
            return self._add_node(id, "identity", None, is_input=True)
        return self._add_node(id, activation, 0.0 if bias is None else bias, is_input=True)

    def add_neuron(self, id: int, activation: str | Activation = "sigmoid", bias: float | None = 0.0) -> Node:
        """Add a neuron computing a = f(Σ w·a + b); ``bias=None`` means no bias at all."""
        return self._add_node(id, activation, bias, is_input=False)

    def _add_node(self, id, activation, bias, is_input) -> Node:
        self._cold()
        nid = node_id(id)
        if nid in self._by_id:
            raise ValueError(f"node {nid} already exists")
        act = get_activation(activation)
        b = None if bias is None else finite_number(bias, f"bias of node {nid}")
        slot = len(self._nodes)
        self._grow(slot + 1)
        node = Node(cast("Network", self), nid, slot, act, has_bias=b is not None, is_input=is_input)
        self._bias[slot] = b or 0.0
        self._nodes.append(node)
        self._by_id[nid] = node
        self._store.add_node()
        self._order.add_node()
        self._structure_changed()
        return node

    def _grow(self, n: int) -> None:
        cap = len(self._bias)
        if n <= cap:
            return
        for name in _NODE_ARRAYS:
            grown = aligned_zeros(max(n, 2 * cap))
            grown[:cap] = getattr(self, name)
            setattr(self, name, grown)

    def connect(self, src: int, dst: int, weight: float = 0.0) -> Edge:
        """Add the edge src → dst (the seeds' w_{dst,src}) and return it."""
        self.connect_many([(src, dst, weight)])
        s, d = self._by_id[src], self._by_id[dst]
        return Edge(s, d, d._source_position[s._slot])

    def connect_many(self, edges: Iterable[tuple[int, int, float]]) -> None:
        """Add many edges at once, checked together.

        Raises ValueError naming the offending ids for an unknown node, an edge
        into an input, a self-loop, a duplicate or a cycle; then nothing is added.
        Each edge costs O(1) unless it goes against the current topological
        order (see ``neurograph.engine.order``).
        """
        self._cold()
        new = [edge_triple(item, i) for i, item in enumerate(edges)]
        seen: set[tuple[int, int]] = set()
        for s, d, _ in new:
            for i in (s, d):
                if i not in self._by_id:
                    raise ValueError(f"edge {s} → {d}: node {i} does not exist; add it first")
            if s == d:
                raise ValueError(f"edge {s} → {d} is a self-loop; networks must be acyclic")
            if self._by_id[d].is_input:
                raise ValueError(f"edge {s} → {d}: node {d} is an input and cannot receive edges")
            if (s, d) in seen or self._by_id[s]._slot in self._by_id[d]._source_position:
                raise ValueError(f"edge {s} → {d} ({Edge.name_of(s, d)}) already exists")
            seen.add((s, d))
        self._attach([(self._by_id[s], self._by_id[d], w) for s, d, w in new])

    def connect_arrays(self, src: np.ndarray, dst: np.ndarray, weights: np.ndarray) -> None:
        """``connect_many`` for edges given as three equal-length arrays (ids, ids, weights),
        checked in bulk with numpy — ``Network.load`` of a 784-100-10 model uses it.

        Edges are added in the given order (z_dst sums its inputs in that order).
        Anything the bulk checks do not clear (a bad id or weight, a duplicate, an
        edge into an input or against the topological order, a cycle) goes through
        ``connect_many``, which adds the edges or names the one that is wrong.
        """
        self._cold()
        s, d, w = np.asarray(src), np.asarray(dst), np.asarray(weights)
        if not (s.ndim == d.ndim == w.ndim == 1 and len(s) == len(d) == len(w) and len(s)
                and s.dtype.kind == d.dtype.kind == "i" and w.dtype.kind == "f"):
            self.connect_many(zip(s.tolist(), d.tolist(), w.tolist(), strict=True))
            return
        ids = np.array([n.id for n in self._nodes], dtype=np.int64)
        order = np.argsort(ids)
        slot_s = order[np.clip(np.searchsorted(ids, s, sorter=order), 0, len(ids) - 1)]
        slot_d = order[np.clip(np.searchsorted(ids, d, sorter=order), 0, len(ids) - 1)]
        rank = np.array(self._order.rank)
        is_input = np.array([n.is_input for n in self._nodes])
        pair = np.sort(slot_d * len(ids) + slot_s)
        fresh = np.array(self._store.fan_in)[slot_d] == 0
        if (np.array_equal(ids[slot_s], s) and np.array_equal(ids[slot_d], d) and np.isfinite(w).all()
                and not is_input[slot_d].any() and (rank[slot_s] < rank[slot_d]).all()
                and fresh.all() and not (pair[1:] == pair[:-1]).any()):
            self._attach_fresh(slot_s, slot_d, w)
        else:
            self.connect_many(zip(s.tolist(), d.tolist(), w.tolist(), strict=True))

    def wire(self, dst: int, sources: Sequence[int], weights) -> None:
        """Add the edges s → dst for every s in ``sources``, with ``weights`` (one per source).

        The quick way to give one neuron all its incoming edges (builders,
        ``MatrixNetwork.to_graph`` and ``copy`` use it); the checks are those of
        ``connect_many``, done in bulk.  z_dst sums its inputs in this order.
        """
        w = finite_array(weights, f"weights into node {dst}", len(sources), allow_batch=False)
        if type(dst) is int and set(map(type, sources)) <= {int}:          # ids as ints: in bulk
            try:
                s, d = np.array(sources, dtype=np.int64), np.full(len(sources), dst, dtype=np.int64)
            except OverflowError:                  # no such node: connect_many names it
                pass
            else:
                self.connect_arrays(s, d, w)
                return
        self.connect_many(zip(sources, [dst] * len(sources), w.tolist(), strict=True))

    def _attach(self, new: list[tuple[Node, Node, float]]) -> None:
        """Join the checked edges, keeping the topological order; undo all of them on a cycle.

        Edges that already go forward in the order are appended in bulk; one
        edge against it re-ranks only the nodes between its ends; many re-rank
        everything once.
        """
        rank = self._order.rank
        self._attach_in_order(new)
        if all(rank[s._slot] < rank[d._slot] for s, d, _ in new):
            return
        if len(new) == 1:
            s, d, _ = new[0]
            cycle = self._order.add_edge(s._slot, d._slot, self._targets_of, self._sources_of)
        else:
            cycle = self._order.rebuild(self._sources_of, self._targets_of)
        if cycle is not None:
            for s, d, _ in reversed(new):
                self._store.drop_last(d._slot, 1)
                del d._source_position[s._slot]
                s._targets.pop()
            ids = [self._nodes[k].id for k in cycle]
            start = ids.index(min(ids))
            ids = ids[start:] + ids[:start]
            path = " → ".join(str(i) for i in ids + ids[:1])
            raise ValueError(f"these edges would close the cycle {path}; networks must be acyclic")

    def _attach_in_order(self, new: list[tuple[Node, Node, float]]) -> None:
        by_dst: dict[Node, list[tuple[Node, float]]] = {}
        for s, d, w in new:
            by_dst.setdefault(d, []).append((s, w))
        for d, items in by_dst.items():
            count = self._store.fan_in[d._slot]
            self._store.append(d._slot, [s._slot for s, _ in items], [w for _, w in items])
            for k, (s, _) in enumerate(items, start=count):
                d._source_position[s._slot] = k
                s._targets.append(d)
        self._structure_changed()

    def _attach_fresh(self, slot_s: np.ndarray, slot_d: np.ndarray, w: np.ndarray) -> None:
        """``_attach_in_order`` for checked edges (slot arrays) into nodes that have no edges yet, in bulk.

        The same result edge for edge: each destination, in the order it first appears, gets its
        edges in the given order (one store append), and each source's targets grow in that order.
        """
        by_dst = np.argsort(slot_d, kind="stable")            # edge indices grouped by destination
        grouped = slot_d[by_dst]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        ends = np.r_[starts[1:], len(by_dst)]
        first_seen = np.argsort(by_dst[starts], kind="stable")   # the groups in order of first appearance
        runs = [by_dst[starts[g]:ends[g]] for g in first_seen.tolist()]
        nodes = self._nodes
        for run in runs:
            d, sources = nodes[int(slot_d[run[0]])], slot_s[run]
            self._store.append(d._slot, sources, w[run])
            d._source_position.update(zip(sources.tolist(), range(len(run)), strict=True))
        joined = np.concatenate(runs)                          # the order the edges were joined in
        froms, tos = slot_s[joined].tolist(), slot_d[joined].tolist()
        for s, d in zip(map(nodes.__getitem__, froms), map(nodes.__getitem__, tos), strict=True):
            s._targets.append(d)
        self._structure_changed()

    def _targets_of(self, slot: int) -> list[int]:
        return [d._slot for d in self._nodes[slot]._targets]

    def _sources_of(self, slot: int) -> Iterable[int]:
        return self._nodes[slot]._source_position.keys()

    def _structure_changed(self) -> None:
        self._plan, self._weight_bound = None, None
        self._forward_ready = self._backward_ready = self._grads_ready = False
        self._inputs_pending = False

    def copy(self) -> Network:
        """An independent copy with the same structure, weights and biases (no gradients)."""
        from neurograph.engine.graph import Network
        twin = Network(loss=self.loss)
        for n in self._nodes:                                  # same slots, same order
            twin._add_node(n.id, n._activation, n.bias, n.is_input)
        twin._order.rank[:] = self._order.rank
        self._cold()
        for n in self._nodes:
            block = self._store.block(n._slot)
            sources = [self._nodes[s].id for s in self._store.sources[block]]
            twin.wire(n.id, sources, self._store.weights[block])
        return twin
