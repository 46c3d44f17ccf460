"""The flat parameter store: every weight of the network in one float64 array.

Neuron j's incoming weights are one contiguous block of ``weights``,

    weights[first_j : first_j + fan_in_j]      (in the order its edges were added)

and ``grads`` (∂C/∂w) and ``sources`` (the slot of each edge's source node)
have the same layout.  So a step over the whole network is one array
operation, a neuron's weighted sum z_j = Σ_i w_ji·a_i reads one view, and a
snapshot of all weights is one copy.

A block reserves ``room_j ≥ fan_in_j`` entries.  Adding an edge to a full
block moves the block to the end with twice the room, so adding N edges one
at a time costs O(N) in total.  Entries not in any block hold 0 and keep 0
through every step (their gradient is 0).

The arrays start on a 64-byte boundary and a moved block starts on the next
one (``ALIGN`` entries; why: ``neurograph.engine.aligned``).
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.aligned import ALIGN as ALIGN_BYTES, aligned_zeros

ALIGN = ALIGN_BYTES // 8                                # float64 entries: a moved block starts on 64 bytes


class ParameterStore:
    """Blocks of incoming weights, gradients and source slots, one block per node."""

    def __init__(self, capacity: int = 16):
        self.weights = aligned_zeros(capacity)          # w, all edges
        self.grads = aligned_zeros(capacity)            # ∂C/∂w, same layout
        self.sources = np.zeros(capacity, dtype=np.intp)   # slot of each edge's source
        self.end = 0                                    # entries handed out (blocks and gaps)
        self.first: list[int] = []                      # per node slot: where its block starts
        self.fan_in: list[int] = []                     # ... how many edges it holds
        self.room: list[int] = []                       # ... how many it may hold in place

    def add_node(self) -> None:
        self.first.append(self.end)
        self.fan_in.append(0)
        self.room.append(0)

    def block(self, slot: int) -> slice:
        """Where node ``slot``'s incoming edges are: weights[block] is a live view."""
        start = self.first[slot]
        return slice(start, start + self.fan_in[slot])

    def append(self, slot: int, sources, weights) -> None:
        """Add edges into node ``slot``: their source slots and weights (grads start at 0)."""
        m = len(weights)
        start, count, room = self.first[slot], self.fan_in[slot], self.room[slot]
        if count + m > room:
            if start + room == self.end:                # the last block grows in place
                room = count + m
            else:                                       # move it to the end, doubling its room
                room = max(count + m, 2 * count)
                new = -(-self.end // ALIGN) * ALIGN     # the next 64-byte boundary
                self._reserve(new + room)
                for arr in (self.weights, self.grads, self.sources):
                    arr[new:new + count] = arr[start:start + count]
                    arr[start:start + count] = 0
                start = self.first[slot] = new
            self._reserve(start + room)
            self.end = max(self.end, start + room)
            self.room[slot] = room
        at = start + count
        self.sources[at:at + m] = sources
        self.weights[at:at + m] = weights
        self.grads[at:at + m] = 0.0
        self.fan_in[slot] = count + m

    def drop_last(self, slot: int, m: int) -> None:
        """Undo the last ``m`` edges appended to node ``slot`` (their entries become 0)."""
        self.fan_in[slot] -= m
        at = self.first[slot] + self.fan_in[slot]
        for arr in (self.weights, self.grads, self.sources):
            arr[at:at + m] = 0

    def _reserve(self, n: int) -> None:
        cap = len(self.weights)
        if n <= cap:
            return
        cap = max(n, 2 * cap)
        for name in ("weights", "grads", "sources"):
            old = getattr(self, name)
            grown = aligned_zeros(cap, old.dtype)
            grown[:self.end] = old[:self.end]
            setattr(self, name, grown)

    def owner(self, index: int) -> tuple[int, int]:
        """(node slot, position in its block) of flat entry ``index``."""
        for slot, (start, count) in enumerate(zip(self.first, self.fan_in, strict=True)):
            if start <= index < start + count:
                return slot, index - start
        raise IndexError(f"entry {index} belongs to no edge")
