"""The output layer of the matrix backend: the loss of a batch and δ_L = ∂C_x/∂z_L."""
from __future__ import annotations

import numpy as np

from neurograph.engine.losses import Loss, log_softmax
from neurograph.matrix.layout import Group


class OutputHead:
    """Σ_rows C_x and δ_L of the output layer, for the network's loss.

    The common classifier head, one softmax over the whole output layer with
    cross-entropy, runs as a few whole-batch calls; any other loss goes group by
    group through the loss object (``Loss.value`` and ``Loss.output_delta``).
    """

    def __init__(self, loss: Loss, groups: list[Group]):
        self.loss, self.groups = loss, groups
        self.softmax_ce = (loss.name == "cross_entropy" and len(groups) == 1
                           and groups[0].act.name == "softmax")

    def __call__(self, Z: np.ndarray, A: np.ndarray, T: np.ndarray, D: np.ndarray, log_a: np.ndarray) -> float:
        """Write δ_L into D; return Σ_rows C_x."""
        if self.softmax_ce:
            return self._softmax_ce(Z, A, T, D, log_a)
        total = 0.0
        for act, cols, _, _ in self.groups:
            zc, ac, tc = Z[:, cols], A[:, cols], T[:, cols]
            total += float(self.loss.value(ac, tc, zc, act).sum())
            D[:, cols] = self.loss.output_delta(zc, ac, tc, act)       # δ_L = ∂C_x/∂z_L
        return total

    @staticmethod
    def _softmax_ce(Z: np.ndarray, A: np.ndarray, T: np.ndarray, D: np.ndarray, log_a: np.ndarray) -> float:
        """Softmax + cross-entropy: δ = a·Σt − t (a − t for one-hot rows); C = −Σ t·ln a,
        with ln a = log_softmax(z) from z (exact where a underflows or rounds to 1)."""
        np.multiply(A, T.sum(axis=1, keepdims=True), out=D)
        D -= T                                           # δ_L = a·Σt − t
        log_a[...] = log_softmax(Z)
        return -float(np.vdot(T, log_a))                 # Σ_rows C = −Σ t·ln a
