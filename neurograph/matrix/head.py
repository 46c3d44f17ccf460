"""The output layer of the matrix backend: the loss of a batch and δ_L = ∂C_x/∂z_L."""
from __future__ import annotations

import math

import numpy as np

from neurograph.engine.losses import Loss
from neurograph.matrix.buffers import KEPT_BATCH_SIZES
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
        self._kept: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

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

    def sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, d: np.ndarray, log_a: np.ndarray,
               t_sum_one: bool) -> float:
        """The same for one sample (vectors of the output layer), as few calls as the per-sample
        loop can afford; ``t_sum_one`` says Σt = 1, so that δ = a·Σt − t is a − t exactly."""
        if not self.softmax_ce:
            return self(z[None, :], a[None, :], t[None, :], d[None, :], log_a[None, :])
        if t_sum_one:
            np.subtract(a, t, out=d)                     # δ_L = a − t
        else:
            np.multiply(a, t.sum(), out=d)
            d -= t                                       # δ_L = a·Σt − t
        np.log(a, out=log_a)
        loss = -float(np.dot(t, log_a))                  # C = −Σ t·ln a
        if math.isfinite(loss):
            return loss
        return self._softmax_ce(z[None, :], a[None, :], t[None, :], d[None, :], log_a[None, :])   # ln a from z

    def sample_one_hot(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, d: np.ndarray, log_a: np.ndarray,
                       label: int) -> float:
        """``sample`` for a one-hot t (t_label = 1, every other t_i = 0): δ_L = a − t and
        C = −Σ t·ln a = −ln a_label, one logarithm instead of one per output."""
        if not self.softmax_ce:
            return self.sample(z, a, t, d, log_a, True)
        np.subtract(a, t, out=d)                         # δ_L = a − t
        p = a[label]
        if p > 0.0:
            return -math.log(p)                          # C = −ln a_label
        return self._softmax_ce(z[None, :], a[None, :], t[None, :], d[None, :], log_a[None, :])   # ln a from z

    def _softmax_ce(self, Z: np.ndarray, A: np.ndarray, T: np.ndarray, D: np.ndarray, log_a: np.ndarray) -> float:
        """Softmax + cross-entropy: δ = a·Σt − t (a − t for one-hot rows); C = −Σ t·ln a,
        with ln a = log_softmax(z) from z (exact where a underflows or rounds to 1)."""
        np.multiply(A, T.sum(axis=1, keepdims=True), out=D)
        D -= T                                           # δ_L = a·Σt − t
        self._log_softmax(Z, log_a)
        return -float(np.vdot(T, log_a))                 # Σ_rows C = −Σ t·ln a

    def _log_softmax(self, Z: np.ndarray, out: np.ndarray) -> None:
        """out = ``neurograph.engine.losses.log_softmax(Z)`` bit for bit (the same operations),
        into kept scratch arrays instead of new ones: with m = max z and
        S = Σ_{j ≠ argmax} e^{z_j − m},  ln a_i = (z_i − m) − log1p(S)."""
        rows, rest, row_sum = self._scratch(Z)
        top = Z.argmax(axis=1)
        np.subtract(Z, Z[rows, top][:, None], out=out)   # z − m
        np.exp(out, out=rest)
        rest[rows, top] = 0.0                            # leave e^{z_max − m} = 1 out of S
        np.add.reduce(rest, axis=1, keepdims=True, out=row_sum)
        np.log1p(row_sum, out=row_sum)
        out -= row_sum                                   # ln a = (z − m) − log1p(S)

    def _scratch(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row numbers, e^{z − m}, S) for a batch of Z's shape and dtype, kept per shape."""
        key = (Z.shape, Z.dtype.char)
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= KEPT_BATCH_SIZES:
                self._kept.pop(next(iter(self._kept)))
            kept = self._kept[key] = (np.arange(len(Z)), np.empty(Z.shape, Z.dtype), np.empty((len(Z), 1), Z.dtype))
        return kept
