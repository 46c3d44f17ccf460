"""The matrix backend's per-batch arrays, allocated once per batch size and reused.

A training loop calls forward, backward and step once per minibatch; every z, a
and δ it writes goes into the same arrays each time, so no minibatch allocates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurograph.engine.aligned import aligned_zeros

KEPT_BATCH_SIZES = 4        # buffers are kept for this many different batch sizes


@dataclass
class Buffers:
    """Every per-batch array of one batch size m: one (m, n_l) array per layer l."""

    z: list[np.ndarray]
    a: list[np.ndarray]
    delta: list[np.ndarray]
    grad_a: list[np.ndarray]      # Σ_l δ_l·W_{l,k}ᵀ, i.e. ∂C_x/∂a_k
    log_a: np.ndarray             # ln a of the output layer (softmax + cross-entropy head)


class BufferCache:
    """Buffers by batch size; the oldest size is dropped once ``KEPT_BATCH_SIZES`` are kept."""

    def __init__(self, sizes: list[int], dtype: np.dtype):
        self.sizes, self.dtype = sizes, dtype
        self._by_batch: dict[int, Buffers] = {}

    def get(self, m: int) -> Buffers:
        buf = self._by_batch.get(m)
        if buf is None:
            if len(self._by_batch) >= KEPT_BATCH_SIZES:
                self._by_batch.pop(next(iter(self._by_batch)))
            buf = Buffers(self._layers(m), self._layers(m), self._layers(m), self._layers(m),
                          aligned_zeros((m, self.sizes[-1]), self.dtype))
            self._by_batch[m] = buf
        return buf

    def _layers(self, m: int) -> list[np.ndarray]:
        return [aligned_zeros((m, n), self.dtype) for n in self.sizes]
