"""Weight initialisation schemes of the seeds, by name, plus any callable.

An initializer is called as ``init(n_in, n_out, rng)`` and returns an
``(n_out, n_in)`` array: row j holds the incoming weights of the j-th neuron
of the layer (the column convention W·x of seeds 002/003).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurograph.engine.validation import lookup

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """U(−r, r) with r = √(6 / (n_in + n_out)) (seed 000, Glorot/Xavier)."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, size=(n_out, n_in))


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, σ²) with σ = n_in^−0.5 (seed 003's scheme, using the fan-in)."""
    return rng.normal(0.0, n_in ** -0.5, size=(n_out, n_in))


def small_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, 0.01²): the 0.01·randn habit of many numpy tutorials."""
    return 0.01 * rng.standard_normal(size=(n_out, n_in))


def he(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """N(0, 2/n_in) for ReLU layers (He et al.; seed 001's ReLU network)."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


INITIALIZERS: dict[str, Initializer] = {
    f.__name__: f for f in (uniform, normal, small_normal, he)
}


def get_initializer(init: str | Initializer) -> Initializer:
    """A named scheme or a callable ``init(n_in, n_out, rng)``."""
    if callable(init):
        return init
    return lookup(INITIALIZERS, init, "init",
                  " or pass a callable init(n_in, n_out, rng) -> (n_out, n_in) array")
