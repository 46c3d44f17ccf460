"""The expected numbers of one batch and the words of a diagnosis: ``Reference``, ``Finding``, ``Hypothesis``.

``Reference`` recomputes z, a, δ, ∂C/∂W, ∂C/∂b and C with ``MatrixNetwork``'s
public API; ``close`` is the entry-by-entry test every hypothesis must pass,
|yours − expected| ≤ rtol·(|expected| + S), with rtol = √ε of the data
(``tolerance``).  The kinds are described in ``neurograph.check.vocabulary``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from neurograph.engine.activations import Activation, get_activation
from neurograph.engine.graph import Edge, Network
from neurograph.engine.losses import Loss, get_loss
from neurograph.matrix.network import MatrixNetwork

QUANTITIES = ("z", "a", "delta", "dW", "db", "loss")
SHOW_WORST = 5


class Worst(NamedTuple):
    """One entry: its picture name, the user's value and the expected one."""

    name: str
    yours: float
    expected: float


@dataclass
class Finding:
    """One wrong quantity of one layer, named with the vocabulary of this module."""

    kind: str
    quantity: str
    layer: int | None
    worst: list[Worst]
    factor: float | None
    message: str
    source: int | None = None           # for "inherited": the layer the error comes from

    def __str__(self) -> str:
        where = "loss" if self.layer is None else f"{self.quantity} of layer {self.layer}"
        return f"{self.kind} ({where}): {self.message}"


class Hypothesis(NamedTuple):
    """What the user's array would be if they had made this mistake."""

    kind: str
    values: np.ndarray
    message: str
    factor: float | None = None


def tolerance(dtype) -> float:
    """rtol = √ε of the data's precision: 1.5e-8 for float64, 3.5e-4 for float32."""
    return float(np.sqrt(np.finfo(dtype).eps))


def close(yours: np.ndarray, expected: np.ndarray, rtol: float) -> bool:
    """Every entry within rtol·(|expected| + S), S = max(max |expected|, rtol) over the array."""
    if np.shape(yours) != np.shape(expected):
        return False
    scale = max(float(np.max(np.abs(expected), initial=0.0)), rtol)
    return bool(np.all(np.abs(yours - expected) <= rtol * (np.abs(expected) + scale)))


def nice(c: float, m: int) -> str:
    """A factor as the user would write it: 5, 1/5, 2, 0.5, or 1.37."""
    frac = Fraction(c).limit_denominator(max(2 * m, 4))
    if abs(float(frac) - c) <= 1e-9 * abs(c):
        return str(frac)
    return f"{c:.4g}"


@dataclass
class Reference:
    """The expected numbers of one batch, from MatrixNetwork, in row layout.

    ``z[k]``, ``a[k]``, ``delta[k]`` are (m, n_k) for k = 0…L (layer 0 = inputs,
    delta[0] unused); ``W[k]`` is n_{k−1} × n_k, ``dW[k]`` and ``db[k]`` follow
    ``reduction``; ``loss`` too.  Index 0 of δ, W, b, dW, db is an empty array.
    """

    net: Network
    X: np.ndarray
    T: np.ndarray
    reduction: str
    ids: list[list[int]] = field(init=False)
    acts: list[Activation] = field(init=False)
    loss_fn: Loss = field(init=False)

    def __post_init__(self) -> None:
        mx = MatrixNetwork.from_graph(self.net, convention="row")
        mx.forward(self.X)
        mean_loss = mx.backward(self.T)
        self.m = len(self.X)
        self.r = float(self.m) if self.reduction == "mean" else 1.0      # gradients are Σ / r
        self.ids = [list(ids) for ids in mx.ids]
        self.L = len(self.ids) - 1
        self.acts = [get_activation(self.net.node(ids[0]).activation) for ids in self.ids]
        self.loss_fn = get_loss(self.net.loss)
        self.has_bias = all(self.net.node(i).has_bias for i in self.ids[-1])
        z, a, delta = mx.z, mx.a, mx.delta
        assert z is not None and a is not None and delta is not None     # set by forward and backward
        self.z = [np.array(v, copy=True) for v in z]
        self.a = [np.array(v, copy=True) for v in a]
        none = np.zeros((0, 0))                                       # layer 0 has no δ, W, b
        self.delta = [none] + [np.array(delta[k], copy=True) for k in range(1, self.L + 1)]
        weights, grads = mx.weights, mx.weight_grads
        bias_grads = mx.bias_grads() if self.has_bias else {}
        to_sum = self.m / self.r
        self.W = [none] + [np.array(weights[(k - 1, k)], copy=True) for k in range(1, self.L + 1)]
        self.b = [none] + [np.array(mx.biases[k], copy=True) for k in range(1, self.L + 1)]
        self.dW = [none] + [grads[(k - 1, k)] * to_sum for k in range(1, self.L + 1)]
        self.db = [none] + [np.array([bias_grads.get(i, 0.0) for i in self.ids[k]]) * to_sum
                            for k in range(1, self.L + 1)]
        self.loss = mean_loss * to_sum

    def sizes(self) -> list[int]:
        return [len(ids) for ids in self.ids]

    # -- names of the entries, as the pictures write them ---------------------------
    def names(self, quantity: str, layer: int | None, shape: tuple[int, ...]) -> np.ndarray:
        """An array of entry names of this shape (user layout already in row layout)."""
        if quantity == "loss":
            return np.array("C")
        ids = self.ids[layer or 0]
        if quantity == "dW":                          # row layout; the other layout's shape: transposed
            names = np.array([[Edge.name_of(s, d) for d in ids] for s in self.ids[(layer or 1) - 1]])
            return names if shape == names.shape else names.T
        symbol = {"z": "z", "a": "a", "delta": "δ", "db": "b"}[quantity]
        if len(shape) == 1:
            return np.array([f"{symbol}_{i}" for i in ids])
        sample = (lambda r: f" (sample {r + 1})") if shape[0] > 1 else (lambda r: "")
        return np.array([[f"{symbol}_{i}{sample(r)}" for i in ids] for r in range(shape[0])])

    def worst(self, quantity: str, layer: int | None, yours: np.ndarray, expected: np.ndarray) -> list[Worst]:
        """Up to 5 entries with the largest |yours − expected|, by name."""
        if yours.shape != expected.shape:
            expected = expected.T if yours.shape == expected.T.shape else np.broadcast_to(expected, yours.shape)
        names = self.names(quantity, layer, yours.shape)
        gap = np.abs(yours - expected).ravel()
        order = np.argsort(-gap, kind="stable")[:SHOW_WORST]
        return [Worst(str(names.ravel()[i]), float(yours.ravel()[i]), float(expected.ravel()[i]))
                for i in order if gap[i] > 0]
