"""Loss functions C(a, t) for one sample (summed over the output nodes).

The conventions of the seeds, named so nobody has to guess:

- ``half_squared``  C = ½·Σ(a − t)²     ∂C/∂a = a − t        (seeds 002, 003)
- ``squared``       C = Σ(a − t)²       ∂C/∂a = 2·(a − t)    (seed 000)
- ``cross_entropy`` C = −Σ t·ln a       ∂C/∂a = −t / a       (seeds 001, 004; softmax outputs)
- ``binary_cross_entropy``
                    C = −Σ[t·ln a + (1 − t)·ln(1 − a)]
                                        ∂C/∂a = (a − t) / (a·(1 − a))   (sigmoid outputs)

With a softmax output layer, cross-entropy's output δ simplifies to
δ = a·Σt − t, which is the familiar δ = a − t for one-hot (or any
probability) targets; with sigmoid outputs binary cross-entropy gives
δ = a − t as well.  ``output_delta`` applies these shortcuts, and otherwise
chains ∂C/∂a through the activation's own backward rule.

Given z, both cross-entropies compute ln a from z rather than from a
(ln a = z − logsumexp(z) for softmax, ln σ(z) = −ln(1 + e^−z) for sigmoid),
so the loss stays exact for every |z| up to 1e3 and beyond, where a itself
rounds to 0 or 1.  A loss that cannot be computed on an output activation
(cross-entropy −Σ t·ln a on sigmoid or relu outputs, ...) is refused with
``check_output``/``check_outputs``, where the loss and the output layer meet.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from neurograph.engine.activations import Activation
from neurograph.engine.validation import lookup

if TYPE_CHECKING:
    from neurograph.engine.graph import Node

#: smallest activation fed to ln when z is not at hand, so that ln 0 never produces −inf
LOG_FLOOR = 1e-300


def log_softmax(z: np.ndarray) -> np.ndarray:
    """ln softmax(z) over the last axis, exact where a underflows to 0 or rounds to 1.

    With m = max z:  ln a_i = (z_i − m) − ln(1 + S),  S = Σ_{j ≠ argmax} e^{z_j − m},
    and ln(1 + S) is log1p(S), so the largest a keeps its tiny ln a ≈ −S too.
    """
    top = np.argmax(z, axis=-1)[..., None]
    shifted = z - np.take_along_axis(z, top, axis=-1)
    rest = np.exp(shifted)
    np.put_along_axis(rest, top, 0.0, axis=-1)                       # leave e^{z_max − m} = 1 out of S
    return shifted - np.log1p(np.sum(rest, axis=-1, keepdims=True))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """ln σ(z) = −ln(1 + e^−z), exact for every z (ln(1 − σ(z)) is log_sigmoid(−z))."""
    return -np.logaddexp(0.0, -z)


def _floored_log(a: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(a, LOG_FLOOR))


class Loss:
    """C(a, t) and ∂C/∂a, elementwise over the last axis."""

    name = ""

    def value(self, a: np.ndarray, t: np.ndarray, z: np.ndarray | None = None,
              activation: Activation | None = None) -> np.ndarray:
        raise NotImplementedError

    def grad(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray,
                     activation: Activation) -> np.ndarray:
        """δ_out = ∂C/∂z of the output nodes: f′(z)·∂C/∂a (softmax: Jacobian)."""
        return activation.backward(z, a, self.grad(a, t))

    def refusal(self, activation: str) -> str | None:
        """Why this loss cannot be computed on outputs with this activation (None: it can)."""
        return None

    def check_output(self, activation: str, where: str = "the output layer") -> None:
        """ValueError if this loss cannot be used on an output with ``activation`` (``where`` names it)."""
        reason = self.refusal(activation)
        if reason:
            raise ValueError(f"{reason} ({where})")

    def check_outputs(self, outputs: Iterable[Node]) -> None:
        """``check_output`` for every output node, naming the first one that cannot have this loss."""
        for node in outputs:
            self.check_output(node.activation, f"output node {node.id}")

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class HalfSquared(Loss):
    """C = ½·Σ(a − t)²."""

    name = "half_squared"

    def value(self, a, t, z=None, activation=None):
        d = a - t
        return 0.5 * np.add.reduce(d * d, axis=-1)        # np.sum's own reduction, without its dispatch

    def grad(self, a, t):
        return a - t


class Squared(Loss):
    """C = Σ(a − t)² (no ½, as in seed 000)."""

    name = "squared"

    def value(self, a, t, z=None, activation=None):
        d = a - t
        return np.add.reduce(d * d, axis=-1)

    def grad(self, a, t):
        return 2.0 * (a - t)


class CrossEntropy(Loss):
    """C = −Σ t·ln a, for a softmax output layer: δ = a·Σt − t.

    Given z, ln a = z − logsumexp(z) (exact even when a is 0); otherwise ln a
    is floored at ln(1e-300) so a zero activation never produces inf.
    """

    name = "cross_entropy"

    def value(self, a, t, z=None, activation=None):
        from_z = z is not None and activation is not None and activation.name == "softmax"
        log_a = log_softmax(z) if from_z else _floored_log(a)
        return -np.sum(t * log_a, axis=-1)

    def grad(self, a, t):
        return -t / np.maximum(a, LOG_FLOOR)

    def refusal(self, activation):
        if activation == "softmax":
            return None
        if activation == "sigmoid":
            return ("cross_entropy −Σ t·ln a on sigmoid outputs gives every sample with t = 0 zero loss "
                    "(training learns 'always 1'); use loss='binary_cross_entropy', "
                    "−Σ[t ln a + (1 − t) ln(1 − a)], for sigmoid outputs")
        return (f"cross_entropy −Σ t·ln a needs outputs in (0, 1): use a softmax output layer "
                f"(or sigmoid outputs with loss='binary_cross_entropy'), not {activation}")

    def output_delta(self, z, a, t, activation):
        if activation.name != "softmax":
            self.check_output(activation.name)
        return a * np.sum(t, axis=-1, keepdims=True) - t            # δ = a·Σt − t


class BinaryCrossEntropy(Loss):
    """C = −Σ[t·ln a + (1 − t)·ln(1 − a)], for sigmoid outputs: δ = a − t.

    Given z, C = −Σ[t·ln σ(z) + (1 − t)·ln σ(−z)] (exact where a rounds to 0
    or 1); otherwise ln a and ln(1 − a) are floored at ln(1e-300).
    """

    name = "binary_cross_entropy"

    def value(self, a, t, z=None, activation=None):
        if z is not None and activation is not None and activation.name == "sigmoid":
            log_a, log_1_minus_a = log_sigmoid(z), log_sigmoid(-z)  # ln(1 − σ(z)) = ln σ(−z)
        else:
            log_a, log_1_minus_a = _floored_log(a), _floored_log(1.0 - a)
        return -np.sum(t * log_a + (1.0 - t) * log_1_minus_a, axis=-1)

    def grad(self, a, t):
        return -t / np.maximum(a, LOG_FLOOR) + (1.0 - t) / np.maximum(1.0 - a, LOG_FLOOR)

    def refusal(self, activation):
        if activation == "sigmoid":
            return None
        hint = " (for a softmax layer use loss='cross_entropy')" if activation == "softmax" else ""
        return (f"binary_cross_entropy −Σ[t ln a + (1 − t) ln(1 − a)] needs sigmoid outputs, "
                f"not {activation}{hint}")

    def output_delta(self, z, a, t, activation):
        if activation.name != "sigmoid":
            self.check_output(activation.name)
        return a - t                                                # δ = σ′(z)·∂C/∂a = a − t


LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (HalfSquared, Squared, CrossEntropy, BinaryCrossEntropy)}


def get_loss(name: str | Loss) -> Loss:
    """Look a loss up by name; a clear ValueError lists the valid names."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")
