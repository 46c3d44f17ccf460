"""Activation functions, each a tiny object with the value and the backward rule.

Every activation works elementwise on the last axis, so the same object serves
the graph engine (one layer's nodes as a 1-D array) and the matrix backend
(a batch as a 2-D array, rows are samples).

``backward(z, a, grad_a)`` turns ∂C/∂a into δ = ∂C/∂z.  For elementwise
activations that is δ = f′(z)·∂C/∂a; softmax is a *group* over its layer and
uses the full Jacobian: δ_i = a_i·(∂C/∂a_i − Σ_j a_j·∂C/∂a_j).
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.validation import lookup


class Activation:
    """An elementwise activation a = f(z) with derivative f′ written via z or a."""

    name = ""
    is_group = False

    def __call__(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """δ = f′(z) · ∂C/∂a."""
        return self.derivative(z, a) * grad_a

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Sigmoid(Activation):
    """σ(z) = 1 / (1 + e^−z), σ′(z) = σ(z)·(1 − σ(z)).

    Computed as exp(−log(1 + e^−z)) so that |z| up to 1e308 never overflows.
    """

    name = "sigmoid"

    def __call__(self, z):
        return np.exp(-np.logaddexp(0.0, -z))

    def derivative(self, z, a):
        return a * (1.0 - a)


class Tanh(Activation):
    """tanh(z), tanh′(z) = 1 − tanh²(z)."""

    name = "tanh"

    def __call__(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1.0 - a * a


class ReLU(Activation):
    """relu(z) = max(z, 0), relu′(z) = 1 if z > 0 else 0."""

    name = "relu"

    def __call__(self, z):
        return np.maximum(z, 0.0)

    def derivative(self, z, a):
        return (z > 0.0).astype(float)


class Identity(Activation):
    """a = z, derivative 1."""

    name = "identity"

    def __call__(self, z):
        return np.array(z, dtype=float, copy=True)

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, grad_a):
        return np.array(grad_a, dtype=float, copy=True)


class Softmax(Activation):
    """a_i = e^{z_i} / Σ_j e^{z_j} over one layer (computed with max subtraction).

    ∂a_j/∂z_i = a_j·(1[i=j] − a_i), hence δ_i = a_i·(g_i − Σ_j a_j·g_j) for
    g = ∂C/∂a.
    """

    name = "softmax"
    is_group = True

    def __call__(self, z):
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    def derivative(self, z, a):
        raise TypeError("softmax has no elementwise derivative; use backward()")

    def backward(self, z, a, grad_a):
        return a * (grad_a - np.sum(a * grad_a, axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    cls.name: cls() for cls in (Sigmoid, Tanh, ReLU, Identity, Softmax)
}


def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by name; a clear ValueError lists the valid names.

    An ``Activation`` object is accepted too: a built-in one (``Sigmoid()``) is the
    registry's own, a custom one needs a name of its own, since a saved model names
    its activations and would load a custom "sigmoid" back as the built-in.
    """
    if isinstance(name, Activation):
        return _custom(name)
    return lookup(ACTIVATIONS, name, "activation")


def _custom(act: Activation) -> Activation:
    label = act.name
    if not isinstance(label, str) or not label:
        raise ValueError(f"the custom activation {type(act).__name__} needs a name of its own "
                         f"(set its class attribute name, e.g. name = 'swish')")
    builtin = ACTIVATIONS.get(label)
    if builtin is None:
        return act
    if type(act) is type(builtin):
        return builtin
    raise ValueError(f"the custom activation {type(act).__name__} shadows the built-in name {label!r}: a saved "
                     f"model would load it back as the built-in {label}; give it a name of its own "
                     f"(e.g. name = 'my_{label}')")


def activation_groups(nodes) -> list[tuple[Activation, list[int]]]:
    """The positions of ``nodes`` (one layer) grouped by activation, in order of first appearance.

    Each group is computed as one: a = f(z) elementwise, or the softmax over its members.
    """
    groups: dict[Activation, list[int]] = {}
    for k, n in enumerate(nodes):
        groups.setdefault(n.activation_function, []).append(k)
    return list(groups.items())
