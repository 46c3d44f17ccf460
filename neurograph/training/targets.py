"""What ``train`` and ``evaluate`` learn: classes (integer labels) or numbers (regression).

Classification — y holds one integer label per sample.  With n outputs > 1
the target is one-hot (``on`` at the label, ``off`` elsewhere) and the
prediction is argmax a; with one output the target is ``on`` for label 1 and
``off`` for 0, and the prediction is 1 when a > (off + on)/2.  Score:

    accuracy = (1/m)·Σ_x [prediction(x) = y(x)]

Regression — y holds float targets of shape (m, n_out) (or (m,) for one
output) and the loss is ``squared`` or ``half_squared``.  The targets are
used as they are, and the score is the coefficient of determination of each
output k, averaged over the outputs (as scikit-learn's ``r2_score``):

    R²_k = 1 − Σ_x (y_xk − a_xk)² / Σ_x (y_xk − ȳ_k)²      (1 if both sums are 0, 0 if only the second)

Both scores are computed from running sums (``Task.tally``), so the training
pass can add one minibatch at a time and report the score of the epoch.
"""
from __future__ import annotations

import numpy as np

from neurograph.training.datasets import one_hot

#: losses that accept real-valued targets
REGRESSION_LOSSES = ("squared", "half_squared")


class Task:
    """How labels become targets and predictions become a score."""

    metric = ""          # "accuracy" or "r2": the EpochRecord fields it fills

    def targets(self, y: np.ndarray) -> np.ndarray:
        """The target rows T the loss compares the outputs with."""
        raise NotImplementedError

    def tally(self, Y: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Running sums of a batch of outputs Y against its labels/targets y (add them up)."""
        raise NotImplementedError

    def value(self, tally: np.ndarray) -> float:
        """The score from summed tallies."""
        raise NotImplementedError

    def score(self, Y: np.ndarray, y: np.ndarray) -> float:
        return self.value(self.tally(Y, y))


class Classification(Task):
    """Integer labels, one-hot targets (``targets=(off, on)``), accuracy."""

    metric = "accuracy"

    def __init__(self, n_out: int, targets: tuple[float, float], what: str = "labels y"):
        self.n_out, self.off, self.on, self.what = n_out, targets[0], targets[1], what

    def targets(self, y: np.ndarray) -> np.ndarray:
        return one_hot(y, self.n_out, on=self.on, off=self.off, what=self.what)

    def predicted(self, Y: np.ndarray) -> np.ndarray:
        if Y.shape[1] == 1:
            return (Y[:, 0] > (self.off + self.on) / 2).astype(np.int64)
        return np.argmax(Y, axis=1)

    def tally(self, Y, y):
        return np.array([float(np.sum(self.predicted(Y) == y)), float(len(y))])   # [correct, seen]

    def value(self, tally):
        return float(tally[0] / tally[1])


class Regression(Task):
    """Real targets of shape (m, n_out) used as they are, scored by R² (mean over outputs)."""

    metric = "r2"

    def targets(self, y: np.ndarray) -> np.ndarray:
        return y

    def tally(self, Y, y):
        # per output k: [count, Σy, Σy², Σ(y − a)²]
        return np.stack([np.full(y.shape[1], float(len(y))), y.sum(axis=0), (y ** 2).sum(axis=0),
                         ((y - Y) ** 2).sum(axis=0)])

    def value(self, tally):
        n, s, s2, sse = tally
        sst = np.maximum(s2 - s * s / n, 0.0)                # Σ(y − ȳ)² = Σy² − (Σy)²/n
        r2 = np.where(sst > 0, 1.0 - sse / np.where(sst > 0, sst, 1.0), np.where(sse == 0, 1.0, 0.0))
        return float(np.mean(r2))


def task_for(y, n_out: int, loss: str, targets: tuple[float, float], what: str, rows: int) -> tuple[Task, np.ndarray]:
    """The Task that ``y`` calls for, and y checked (labels as ints, targets as (rows, n_out) floats).

    Integer y of shape (rows,) are class labels.  Float y of shape (rows, n_out),
    or (rows,) for a single output, are regression targets and need a squared loss.
    """
    y = np.asarray(y)
    if y.shape == (rows,) and np.issubdtype(y.dtype, np.integer):
        return Classification(n_out, targets, f"{what} labels y"), y
    if y.shape == (rows,) and n_out == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape != (rows, n_out):
        raise ValueError(f"{what} labels y have shape {y.shape}; expected ({rows},), one integer label per row "
                         f"of X, or ({rows}, {n_out}) float targets for regression, one column per output")
    if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
        raise ValueError(f"{what} targets y must be real numbers, got dtype {y.dtype}")
    if loss not in REGRESSION_LOSSES:
        raise ValueError(f"{what} targets y of shape {y.shape} are numbers to regress, which needs the loss "
                         f"squared or half_squared (this network's is {loss}); for classes pass integer labels "
                         f"of shape ({rows},)")
    y = y.astype(float)
    if not np.all(np.isfinite(y)):
        row = int(np.argwhere(~np.isfinite(y))[0][0])
        raise ValueError(f"{what} targets y contain NaN or inf (row {row})")
    return Regression(), y
