"""Looking a Network's nodes and edges up, and reading or writing all its parameters at once."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from neurograph.engine.core import _Core
from neurograph.engine.objects import Edge, Node
from neurograph.engine.validation import finite_array


class _Parameters(_Core):
    """Lookups (node, edge, nodes, edges, layers, ...) and the flat parameter arrays."""

    # -- looking things up -----------------------------------------------------
    def node(self, id: int) -> Node:
        """The node with this id (KeyError naming the valid ids otherwise)."""
        try:
            return self._by_id[id]
        except (KeyError, TypeError):
            raise KeyError(f"no node {id!r}; ids are {self._id_range()}") from None

    def edge(self, src: int, dst: int) -> Edge:
        """The edge src → dst, i.e. the seeds' w_{dst,src}."""
        s, d = self.node(src), self.node(dst)
        k = d._source_position.get(s._slot)
        if k is None:
            reverse = d._slot in s._source_position
            hint = f"; did you mean net.edge({dst}, {src}), i.e. {Edge.name_of(dst, src)}?" if reverse else ""
            raise KeyError(f"no edge {src} → {dst} ({Edge.name_of(src, dst)}) in this network{hint}")
        return Edge(s, d, k)

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
        """The input nodes (layer 0), in id order."""
        return [n for n in self.nodes if n.is_input]

    @property
    def outputs(self) -> list[Node]:
        """The output nodes (the last layer), in id order."""
        return [n for n in self.nodes if n.is_output]

    @property
    def layers(self) -> list[list[Node]]:
        """Nodes grouped by layer (see ``Node.layer``), each in id order."""
        return [[self._nodes[s] for s in layer.slots] for layer in self._compile().layers]

    @property
    def forward_ready(self) -> bool:
        """True when z and a hold the values of a forward pass on the current structure."""
        return self._forward_ready

    @property
    def backward_ready(self) -> bool:
        """True when every δ holds the value of a backward pass after the last forward."""
        return self._backward_ready

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    # -- all parameters at once ----------------------------------------------------
    def _edge_order(self) -> np.ndarray:
        """Flat-store index of every edge, in ``net.edges`` order (cached with the plan)."""
        plan = self._compile()
        if plan.edge_order is None:                         # the nodes' blocks in id order, each by source id
            slots = np.array([n._slot for n in self.nodes], dtype=np.intp)
            index, owner = self._block_entries(slots)
            ids = np.array([n.id for n in self._nodes], dtype=np.int64)       # by slot
            plan.edge_order = index[np.lexsort((ids[self._store.sources[index]], owner))].astype(np.intp)
        return plan.edge_order

    def _block_entries(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(flat-store index of every edge into the nodes ``slots``, block after block; the position
        in ``slots`` of the node each edge goes into)."""
        first, count = np.array(self._store.first)[slots], np.array(self._store.fan_in)[slots]
        index = np.arange(count.sum()) + np.repeat(first - (np.cumsum(count) - count), count)
        return index, np.repeat(np.arange(len(slots)), count)

    def _biased_in_id_order(self) -> np.ndarray:
        return np.array([n._slot for n in self.nodes if n.has_bias], dtype=np.intp)

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(source ids, destination ids, weights) of every edge, in ``net.edges`` order."""
        self._cold()
        order = self._edge_order()
        ids = np.array([n.id for n in self._nodes], dtype=np.int64)
        index, dst = self._block_entries(np.arange(len(self._nodes)))
        slot_dst = np.empty(self._store.end, dtype=np.int64)
        slot_dst[index] = dst
        return ids[self._store.sources[order]], ids[slot_dst[order]], self._store.weights[order].copy()

    def edge_grad_array(self) -> np.ndarray | None:
        """∂C/∂w of every edge in ``net.edges`` order (a new array); None before any backward pass."""
        self._cold()
        return self._store.grads[self._edge_order()] if self._grads_ready else None

    def get_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights, biases) as two new flat arrays: weights in ``net.edges`` order,
        biases of the nodes that have one, in id order."""
        self._cold()
        return self._store.weights[self._edge_order()], self._bias[self._biased_in_id_order()]

    def set_parameters(self, weights, biases) -> None:
        """Write all weights and biases at once (the layout of ``get_parameters``).

        A wrong shape or a NaN/inf raises ValueError and changes nothing.
        """
        order, slots = self._edge_order(), self._biased_in_id_order()
        w = finite_array(weights, "weights", len(order), allow_batch=False)
        b = finite_array(biases, "biases", len(slots), allow_batch=False)
        self._cold()
        self._keep_backward_weights()
        self._weight_bound = None
        self._store.weights[order] = w
        self._bias[slots] = b
        self._parameters_changed()

    def _keep_backward_weights(self) -> None:
        """Before a weight changes: keep the weights the pending plain inputs' δ will need."""
        if self._inputs_pending and self._backward_weights is None:
            self._backward_weights = self._store.weights[:self._store.end].copy()
