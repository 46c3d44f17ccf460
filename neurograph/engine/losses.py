"""Loss functions C(a, t) for one sample (summed over the output nodes).

The three conventions of the seeds, named so nobody has to guess:

- ``half_squared``  C = ½·Σ(a − t)²     ∂C/∂a = a − t        (seeds 002, 003)
- ``squared``       C = Σ(a − t)²       ∂C/∂a = 2·(a − t)    (seed 000)
- ``cross_entropy`` C = −Σ t·ln a       ∂C/∂a = −t / a       (seeds 001, 004)

With a softmax output layer, cross-entropy's output δ simplifies to
δ = a·Σt − t, which is the familiar δ = a − t for one-hot (or any
probability) targets.  ``output_delta`` applies that shortcut, and otherwise
chains ∂C/∂a through the activation's own backward rule.
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.activations import Activation
from neurograph.engine.validation import lookup

#: smallest activation fed to ln, so that ln 0 never produces −inf or a warning
LOG_FLOOR = 1e-300


class Loss:
    """C(a, t) and ∂C/∂a, elementwise over the last axis."""

    name = ""

    def value(self, a: np.ndarray, t: np.ndarray, z: np.ndarray | None = None,
              activation: Activation | None = None) -> np.ndarray:
        raise NotImplementedError

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def check_output(self, activation: str, where: str = "the output layer") -> None:
        """ValueError if this loss cannot be used on an output with ``activation`` (``where`` names it)."""

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray,
                     activation: Activation) -> np.ndarray:
        """δ_out = ∂C/∂z of the output nodes: f′(z)·∂C/∂a (softmax: Jacobian)."""
        return activation.backward(z, a, self.grad(a, t))

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class HalfSquared(Loss):
    """C = ½·Σ(a − t)²."""

    name = "half_squared"

    def value(self, a, t, z=None, activation=None):
        return 0.5 * np.sum((a - t) ** 2, axis=-1)

    def grad(self, a, t):
        return a - t


class Squared(Loss):
    """C = Σ(a − t)² (no ½, as in seed 000)."""

    name = "squared"

    def value(self, a, t, z=None, activation=None):
        return np.sum((a - t) ** 2, axis=-1)

    def grad(self, a, t):
        return 2.0 * (a - t)


class CrossEntropy(Loss):
    """C = −Σ t·ln a.

    With a softmax output, δ = a·Σt − t, and once some a underflows below
    1e-300, ln a is computed as z − logsumexp(z) (exact even when a is 0).
    Otherwise ln a is floored at ln(1e-300) so a zero activation never
    produces inf.
    """

    name = "cross_entropy"

    def value(self, a, t, z=None, activation=None):
        if (z is not None and activation is not None and activation.name == "softmax"
                and not a.min() > LOG_FLOOR):              # some a underflowed: ln a from z
            zmax = np.max(z, axis=-1, keepdims=True)
            log_a = z - zmax - np.log(np.sum(np.exp(z - zmax), axis=-1, keepdims=True))
        else:
            log_a = np.log(np.maximum(a, LOG_FLOOR))
        return -np.sum(t * log_a, axis=-1)

    def grad(self, a, t):
        return -t / np.maximum(a, LOG_FLOOR)

    def check_output(self, activation, where="the output layer"):
        if activation not in ("softmax", "sigmoid"):
            raise ValueError(f"cross_entropy −Σ t·ln a needs outputs in (0, 1): use a softmax "
                             f"or sigmoid output layer, not {activation} ({where})")

    def output_delta(self, z, a, t, activation):
        if activation.name == "softmax":
            return a * np.sum(t, axis=-1, keepdims=True) - t
        self.check_output(activation.name)
        return super().output_delta(z, a, t, activation)


LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (HalfSquared, Squared, CrossEntropy)}


def get_loss(name: str) -> Loss:
    """Look a loss up by name; a clear ValueError lists the valid names."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")
