"""A naive pure-Python object engine: the yardstick for the object engine's speed.

This is what one writes first when following the seeds literally: a ``Neuron``
object per neuron, an ``Edge`` object per weight holding a plain float, and
Python loops over the Edge objects.  It is written honestly (``__slots__``,
edge lists built once, no needless allocation), so that "faster than naive"
means something.

    forward   z_j = Σ_i w_ji·a_i + b_j,   a_j = σ(z_j)
    backward  δ_j = σ′(z_j) · Σ_k w_kj·δ_k,   δ_out = (a − t)·σ′(z)   (C = ½Σ(a − t)²)
    step      w ← w − η·∂C/∂w,   b ← b − η·∂C/∂b
"""
from __future__ import annotations

from itertools import pairwise
import math
import random
from collections.abc import Sequence


class Edge:
    """One weight w_{dst,src} as a plain float, with its gradient."""

    __slots__ = ("src", "dst", "w", "g")

    def __init__(self, src: Neuron, dst: Neuron, w: float):
        self.src, self.dst, self.w, self.g = src, dst, w, 0.0


class Neuron:
    """One sigmoid neuron (or an input when it has no incoming edges)."""

    __slots__ = ("b", "bg", "z", "a", "delta", "inputs", "outputs")

    def __init__(self):
        self.b = self.bg = self.z = self.a = self.delta = 0.0
        self.inputs: list[Edge] = []
        self.outputs: list[Edge] = []


def _sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^−z), written so that large |z| never overflows."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class NaiveNetwork:
    """A fully connected sigmoid network with half-squared loss, one sample at a time."""

    def __init__(self, sizes: Sequence[int], seed: int = 0):
        rng = random.Random(seed)
        self.layers = [[Neuron() for _ in range(n)] for n in sizes]
        self.edges: list[Edge] = []
        for prev, layer in pairwise(self.layers):
            r = math.sqrt(6.0 / (len(prev) + len(layer)))      # uniform ±√(6/(n_in+n_out))
            for dst in layer:
                for src in prev:
                    e = Edge(src, dst, rng.uniform(-r, r))
                    dst.inputs.append(e)
                    src.outputs.append(e)
                    self.edges.append(e)

    def forward(self, x: Sequence[float]) -> list[float]:
        for neuron, value in zip(self.layers[0], x, strict=True):
            neuron.a = value
        for layer in self.layers[1:]:
            for n in layer:
                z = n.b
                for e in n.inputs:
                    z += e.w * e.src.a                         # z_j = Σ w_ji·a_i + b_j
                n.z = z
                n.a = _sigmoid(z)
        return [n.a for n in self.layers[-1]]

    def backward(self, t: Sequence[float]) -> float:
        loss = 0.0
        for n, target in zip(self.layers[-1], t, strict=True):
            diff = n.a - target
            loss += 0.5 * diff * diff                          # C = ½Σ(a − t)²
            n.delta = diff * n.a * (1.0 - n.a)                 # δ = (a − t)·σ′(z)
        for layer in reversed(self.layers[1:-1]):
            for n in layer:
                s = 0.0
                for e in n.outputs:
                    s += e.w * e.dst.delta                     # Σ_k w_kj·δ_k
                n.delta = s * n.a * (1.0 - n.a)
        for layer in self.layers[1:]:
            for n in layer:
                d = n.delta
                n.bg += d                                      # ∂C/∂b = δ
                for e in n.inputs:
                    e.g += e.src.a * d                         # ∂C/∂w_ji += a_i·δ_j
        return loss

    def step(self, lr: float) -> None:
        for e in self.edges:
            e.w -= lr * e.g
            e.g = 0.0
        for layer in self.layers[1:]:
            for n in layer:
                n.b -= lr * n.bg
                n.bg = 0.0
