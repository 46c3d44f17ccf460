"""The vocabulary of a diagnosis, and the messages that quote each formula.

The vocabulary (each with the formula it breaks; row convention, batches of m
rows, ⊙ elementwise, ``r`` = m for reduction="mean" and 1 for "sum"):

``scale``
    a constant multiple c of the expected (``factor`` = c).  c = m: summed over
    the batch instead of averaging (∂C/∂W = a_{k−1}ᵀ·δ_k / m); c = 1/m: averaged
    where a sum was meant, or δ divided by m (δ = ∂C_x/∂z is per sample); c = 2:
    C = Σ(a − t)² differentiated against ½Σ(a − t)² (the ½ cancels the 2).
    A single number (the loss) is a ``scale`` only for those factors.
``sign``
    the negation: t − a instead of a − t (δ_L = (a − t) ⊙ f′(z_L)), or a gradient
    ascent sign (the minus belongs in the step W ← W − η·∂C/∂W).
``transposed``
    the other convention's layout of ∂C/∂W (row: a_{k−1}ᵀ·δ_k, column:
    δ_kᵀ·a_{k−1}), also for square matrices whose shape gives nothing away; or δ
    sent back through W instead of Wᵀ (δ_k = (δ_{k+1}·W_{k+1}ᵀ) ⊙ f′(z_k)); or z
    formed with Wᵀ.
``missing_derivative``
    a hidden layer's δ without f′(z): δ_k = δ_{k+1}·W_{k+1}ᵀ instead of
    (δ_{k+1}·W_{k+1}ᵀ) ⊙ f′(z_k).
``derivative_at_a``
    f′ evaluated at a instead of z: σ(a)(1 − σ(a)) instead of σ′(z) = a(1 − a)
    (tanh: 1 − tanh²(a) instead of 1 − a²).
``wrong_input``
    ∂C/∂W_k formed from the wrong activations: z_{k−1}, this layer's a_k or z_k,
    or another layer's a, instead of a_{k−1}.
``bias_not_reduced``
    ∂C/∂b_k of one sample only, or one row per sample, instead of
    Σ_rows δ_k / r.
``wrong_loss_delta``
    the output δ of another loss/activation pair: a − t used with ½Σ(a − t)²
    through a sigmoid (δ_L = (a − t) ⊙ a(1 − a)), or σ′ applied again after
    softmax + cross-entropy (δ_L = a − t already includes the softmax).  At the
    output layer it takes precedence over ``missing_derivative`` (hidden layers).
``inherited``
    right formula, wrong input: this layer only repeats a wrong δ (or a, z)
    from the layer named in the message; fix that one first.
``mismatch``
    none of the above explains every entry; the worst entries are listed.
"""
from __future__ import annotations

import numpy as np

from neurograph.check.reference import Hypothesis, Reference, close, nice

KINDS = ("scale", "sign", "transposed", "missing_derivative", "derivative_at_a", "wrong_input",
         "bias_not_reduced", "wrong_loss_delta", "inherited", "mismatch")


# -- the formulas each quantity follows, quoted in the messages ---------------------------
def formula(quantity: str, layer: int | None, ref: Reference, convention: str) -> str:
    """The formula the user's array of this quantity and layer should follow, as text."""
    k, col = layer or 0, convention == "column"
    per = "/ m" if ref.reduction == "mean" else "(summed over the batch)"
    if quantity == "z":
        return f"z_{k} = W_{k}·a_{k - 1} + b_{k}" if col else f"z_{k} = a_{k - 1}·W_{k} + b_{k}"
    if quantity == "a":
        return f"a_{k} = {ref.acts[k].name}(z_{k})"
    if quantity == "delta" and k == ref.L:
        return output_delta_formula(ref)
    if quantity == "delta":
        back = f"W_{k + 1}ᵀ·δ_{k + 1}" if col else f"δ_{k + 1}·W_{k + 1}ᵀ"
        return f"δ_{k} = ({back}) ⊙ {ref.acts[k].name}′(z_{k})"
    if quantity == "dW":
        return (f"∂C/∂W_{k} = δ_{k}ᵀ·a_{k - 1} {per}" if col else f"∂C/∂W_{k} = a_{k - 1}ᵀ·δ_{k} {per}")
    if quantity == "db":
        return f"∂C/∂b_{k} = Σ_rows δ_{k} {per}"
    return {"mean": "C = (1/m)·Σ_x C_x", "sum": "C = Σ_x C_x"}[ref.reduction] + f" with {loss_formula(ref)}"


def loss_formula(ref: Reference) -> str:
    return {"half_squared": "C_x = ½Σ(a − t)²", "squared": "C_x = Σ(a − t)²",
            "cross_entropy": "C_x = −Σ t·ln a",
            "binary_cross_entropy": "C_x = −Σ[t ln a + (1 − t) ln(1 − a)]"}.get(
        ref.loss_fn.name, f"the {ref.loss_fn.name} loss")


def output_delta_formula(ref: Reference) -> str:
    act, L = ref.acts[ref.L].name, ref.L
    if ref.loss_fn.name == "cross_entropy" and act == "softmax":
        return f"δ_{L} = a_{L} − t (softmax + cross-entropy)"
    if ref.loss_fn.name == "binary_cross_entropy" and act == "sigmoid":
        return f"δ_{L} = a_{L} − t (sigmoid + binary cross-entropy)"
    grad = {"half_squared": "(a − t)", "squared": "2(a − t)", "cross_entropy": "(−t / a)"}.get(
        ref.loss_fn.name, "∂C/∂a")
    if act == "softmax":
        return f"δ_{L} = softmax Jacobian · {grad}"
    return f"δ_{L} = {grad} ⊙ {act}′(z_{L})"


def article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def a_minus_t(ref: Reference) -> str:
    """What (a − t) lacks at this output: the 2 of Σ(a − t)², f′(z), or both."""
    name, L = ref.acts[ref.L].name, ref.L
    parts = (["the 2 of Σ(a − t)² (a − t is the δ of ½Σ(a − t)²)"] if ref.loss_fn.name == "squared" else []) + \
        ([f"{name}′(z_{L})"] if name != "identity" else [])
    return " without " + " and ".join(parts) if parts else ""


def derivative_text(name: str, k: int) -> str:
    """f′(z_k) written through a_k, as the seeds write it."""
    through_a = {"sigmoid": f"a_{k} ⊙ (1 − a_{k})", "tanh": f"1 − a_{k}²", "relu": f"(z_{k} > 0)"}
    return f"{name}′(z_{k})" + (f" = {through_a[name]}" if name in through_a else "")


def differs(values: np.ndarray, *others: np.ndarray, rtol: float) -> bool:
    return all(not close(values, o, rtol) for o in others)


def generic(quantity: str, layer: int | None, yours: np.ndarray, base: np.ndarray, ref: Reference,
            rtol: float) -> Hypothesis | None:
    """sign (−base) or scale (c·base), checked entry by entry against the user's array."""
    if yours.shape != base.shape:
        return None
    what = quantity_name(quantity, layer)
    if close(yours, -base, rtol) and differs(base, -base, rtol=rtol):
        return Hypothesis("sign", -base, f"your {what} is the negative of the expected: "
                          + sign_hint(quantity, layer, ref), -1.0)
    denom = float(np.vdot(base, base))
    if denom == 0.0:
        return None
    c = float(np.vdot(yours, base)) / denom
    if not np.isfinite(c) or abs(c - 1) <= rtol or abs(c) <= rtol:
        return None
    meaningful = interpretation(c, quantity, ref, rtol)
    entries = int(np.sum(np.abs(base) > rtol * max(float(np.max(np.abs(base))), rtol)))
    if (meaningful or entries >= 2) and close(yours, c * base, rtol):
        why = meaningful or "a constant factor on every entry (a learning rate or a normalization applied twice?)"
        return Hypothesis("scale", c * base, f"your {what} is {nice(c, ref.m)} × the expected: {why}", c)
    return None


def quantity_name(quantity: str, layer: int | None) -> str:
    names = {"z": "z", "a": "a", "delta": "δ", "dW": "∂C/∂W", "db": "∂C/∂b", "loss": "loss C"}
    return names[quantity] + ("" if layer is None else f" of layer {layer}")


def sign_hint(quantity: str, layer: int | None, ref: Reference) -> str:
    if quantity in ("delta", "loss") and layer in (ref.L, None):
        return "t − a was used instead of a − t (∂C/∂a = a − t for ½Σ(a − t)², δ = a − t for softmax + CE)"
    if quantity in ("dW", "db"):
        return ("a gradient-ascent sign: the gradient itself is positive-signed "
                "(∂C/∂W = a_{k−1}ᵀ·δ_k); the minus belongs only in the step W ← W − η·∂C/∂W")
    return "a sign flipped somewhere in this layer's formula"


def interpretation(c: float, quantity: str, ref: Reference, rtol: float) -> str:
    """What a factor c usually means for this quantity ('' when it means nothing known)."""
    m = ref.m
    near = lambda v: abs(c - v) <= 10 * rtol * abs(v)        # noqa: E731
    batch = quantity in ("dW", "db", "loss")
    if m > 1 and batch and near(m) and ref.reduction == "mean":
        return f"you summed over the batch of m = {m} instead of averaging (divide by m: Δ = δ/m)"
    if m > 1 and batch and near(1 / m) and ref.reduction == "sum":
        return f"you averaged over the batch of m = {m} where reduction='sum' asks for the sum"
    if m > 1 and near(1 / m):
        return (f"divided by m = {m} once too often (δ is each sample's own ∂C_x/∂z, never divided by m; "
                "the 1/m belongs only in ∂C/∂W, ∂C/∂b and C)" if quantity == "delta"
                else f"divided by m = {m} twice")
    if near(2):
        return ("a factor 2: C = Σ(a − t)² was differentiated, but with ½Σ(a − t)² the ½ cancels "
                "the 2 (∂C/∂a = a − t)" if ref.loss_fn.name == "half_squared"
                else "a factor 2 (a ½ missing, e.g. of ½Σ(a − t)²?)")
    if near(0.5):
        return ("half the expected: ½ applied to the derivative (with C = Σ(a − t)², ∂C/∂a = 2(a − t))"
                if ref.loss_fn.name == "squared" else "half the expected: a ½ too many (∂C/∂a of ½Σ(a − t)² is a − t)")
    for v, text in ((2 * m, "2m"), (m / 2, "m/2"), (2 / m, "2/m"), (1 / (2 * m), "1/(2m)")):
        if m > 1 and near(v):
            return f"a factor {text} with m = {m}: a sum over the batch and a ½ of the loss mixed up"
    return ""
