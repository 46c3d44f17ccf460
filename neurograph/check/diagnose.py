"""Name the mistake in someone's backprop: recompute the numbers with each known mistake applied.

A hypothesis is accepted only when, recomputed with that mistake, it explains
*every* entry of the user's array to tolerance — never from a ratio alone.
Backprop errors flow backward, so the layers are judged from the output down,
each against what the user's own upstream numbers imply: a layer that is
wrong only because a later layer's δ was wrong is ``inherited``.

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

When the numbers cannot tell two kinds apart, the earlier one in this order
wins: inherited, then the specific kinds (wrong_loss_delta, missing_derivative,
derivative_at_a, transposed, wrong_input, bias_not_reduced), then sign, then
scale.  So with two softmax outputs, where every δ row is ∝ (1, −1) and a bias
gradient of one sample is exactly a constant multiple of the right one, the
finding is ``bias_not_reduced``; with one-sample batches, where sum equals mean
and one sample is the whole batch, those mistakes are invisible and no finding
is made.  A constant factor on every gradient when no δ is given (a sum over
the batch everywhere, or δ_L doubled) is one ``scale`` at the output layer
with every other layer ``inherited``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from neurograph.engine.activations import Activation, get_activation
from neurograph.engine.graph import Network
from neurograph.engine.losses import Loss, get_loss
from neurograph.matrix.network import MatrixNetwork

KINDS = ("scale", "sign", "transposed", "missing_derivative", "derivative_at_a", "wrong_input",
         "bias_not_reduced", "wrong_loss_delta", "inherited", "mismatch")
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


def _nice(c: float, m: int) -> str:
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
            names = np.array([[f"w_{{{d},{s}}}" for d in ids] for s in self.ids[(layer or 1) - 1]])
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
        return _output_delta_formula(ref)
    if quantity == "delta":
        back = f"W_{k + 1}ᵀ·δ_{k + 1}" if col else f"δ_{k + 1}·W_{k + 1}ᵀ"
        return f"δ_{k} = ({back}) ⊙ {ref.acts[k].name}′(z_{k})"
    if quantity == "dW":
        return (f"∂C/∂W_{k} = δ_{k}ᵀ·a_{k - 1} {per}" if col else f"∂C/∂W_{k} = a_{k - 1}ᵀ·δ_{k} {per}")
    if quantity == "db":
        return f"∂C/∂b_{k} = Σ_rows δ_{k} {per}"
    return {"mean": "C = (1/m)·Σ_x C_x", "sum": "C = Σ_x C_x"}[ref.reduction] + f" with {_loss_formula(ref)}"


def _loss_formula(ref: Reference) -> str:
    return {"half_squared": "C_x = ½Σ(a − t)²", "squared": "C_x = Σ(a − t)²",
            "cross_entropy": "C_x = −Σ t·ln a",
            "binary_cross_entropy": "C_x = −Σ[t ln a + (1 − t) ln(1 − a)]"}.get(
        ref.loss_fn.name, f"the {ref.loss_fn.name} loss")


def _output_delta_formula(ref: Reference) -> str:
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


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _a_minus_t(ref: Reference) -> str:
    """What (a − t) lacks at this output: the 2 of Σ(a − t)², f′(z), or both."""
    name, L = ref.acts[ref.L].name, ref.L
    parts = (["the 2 of Σ(a − t)² (a − t is the δ of ½Σ(a − t)²)"] if ref.loss_fn.name == "squared" else []) + \
        ([f"{name}′(z_{L})"] if name != "identity" else [])
    return " without " + " and ".join(parts) if parts else ""


def _derivative_text(name: str, k: int) -> str:
    """f′(z_k) written through a_k, as the seeds write it."""
    through_a = {"sigmoid": f"a_{k} ⊙ (1 − a_{k})", "tanh": f"1 − a_{k}²", "relu": f"(z_{k} > 0)"}
    return f"{name}′(z_{k})" + (f" = {through_a[name]}" if name in through_a else "")


def _differs(values: np.ndarray, *others: np.ndarray, rtol: float) -> bool:
    return all(not close(values, o, rtol) for o in others)


def generic(quantity: str, layer: int | None, yours: np.ndarray, base: np.ndarray, ref: Reference,
            rtol: float) -> Hypothesis | None:
    """sign (−base) or scale (c·base), checked entry by entry against the user's array."""
    if yours.shape != base.shape:
        return None
    what = _what(quantity, layer)
    if close(yours, -base, rtol) and _differs(base, -base, rtol=rtol):
        return Hypothesis("sign", -base, f"your {what} is the negative of the expected: "
                          + _sign_hint(quantity, layer, ref), -1.0)
    denom = float(np.vdot(base, base))
    if denom == 0.0:
        return None
    c = float(np.vdot(yours, base)) / denom
    if not np.isfinite(c) or abs(c - 1) <= rtol or abs(c) <= rtol:
        return None
    meaningful = _interpretation(c, quantity, ref, rtol)
    entries = int(np.sum(np.abs(base) > rtol * max(float(np.max(np.abs(base))), rtol)))
    if (meaningful or entries >= 2) and close(yours, c * base, rtol):
        why = meaningful or "a constant factor on every entry (a learning rate or a normalization applied twice?)"
        return Hypothesis("scale", c * base, f"your {what} is {_nice(c, ref.m)} × the expected: {why}", c)
    return None


def _what(quantity: str, layer: int | None) -> str:
    names = {"z": "z", "a": "a", "delta": "δ", "dW": "∂C/∂W", "db": "∂C/∂b", "loss": "loss C"}
    return names[quantity] + ("" if layer is None else f" of layer {layer}")


def _sign_hint(quantity: str, layer: int | None, ref: Reference) -> str:
    if quantity in ("delta", "loss") and layer in (ref.L, None):
        return "t − a was used instead of a − t (∂C/∂a = a − t for ½Σ(a − t)², δ = a − t for softmax + CE)"
    if quantity in ("dW", "db"):
        return ("a gradient-ascent sign: the gradient itself is positive-signed "
                "(∂C/∂W = a_{k−1}ᵀ·δ_k); the minus belongs only in the step W ← W − η·∂C/∂W")
    return "a sign flipped somewhere in this layer's formula"


def _interpretation(c: float, quantity: str, ref: Reference, rtol: float) -> str:
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


# -- the diagnosis, layer by layer -------------------------------------------------------
class Diagnoser:
    """Judge the user's arrays (``mine[quantity][layer]``, dW in row layout) against ``ref``.

    Forward first (z, a of layers 1…L), then the loss, then backward from the
    output (δ, ∂C/∂W, ∂C/∂b of layers L…1).  ``model`` is the δ the user's
    code must have had: their own δ where given, else the hypothesis that best
    explains their ∂C/∂W and ∂C/∂b of that layer.
    """

    def __init__(self, ref: Reference, mine: dict, rtol: float, convention: str):
        self.ref, self.mine, self.rtol, self.convention = ref, mine, rtol, convention
        self.findings: list[Finding] = []
        given = lambda q, k: mine.get(q, {}).get(k)          # noqa: E731
        self.Fz = [ref.z[k] if given("z", k) is None else given("z", k) for k in range(ref.L + 1)]
        self.Fa = [ref.a[0]] + [ref.a[k] if given("a", k) is None else given("a", k) for k in range(1, ref.L + 1)]
        self.source: str | None = None          # what the numbers now being judged inherit from
        self.source_layer: int | None = None

    def run(self) -> list[Finding]:
        self._forward()
        self._loss()
        self._backward()
        return self.findings

    # -- shared pieces -------------------------------------------------------------------
    def _given(self, quantity: str, layer: int | None):
        return self.mine.get(quantity, {}).get(layer)

    def _inherited(self, quantity: str, layer: int | None, base: np.ndarray, truth: np.ndarray,
                   forward: tuple[int, ...] = ()) -> list[Hypothesis]:
        """The hypothesis 'right formula, wrong input', when some input is known to be wrong."""
        source = self.source or self._forward_source(forward)
        if source is None or close(base, truth, self.rtol):
            return []
        how = (f"carries {source}: a sum over the batch, or a scaled output δ, reaches every gradient"
               if source.startswith("the same factor") else f"follows correctly from {source}, which is wrong")
        return [Hypothesis("inherited", base, f"your {_what(quantity, layer)} {how}; fix that first "
                           f"({formula(quantity, layer, self.ref, self.convention)})")]

    def _forward_source(self, layers: tuple[int, ...]) -> str | None:
        """'your a of layer k' for the first of these layers whose given z or a is wrong."""
        for k in layers:
            for name, F, truth in (("z", self.Fz[k], self.ref.z[k]), ("a", self.Fa[k], self.ref.a[k])):
                if not close(F, truth, self.rtol):
                    self.source_layer = k
                    return f"your {name} of layer {k}"
        return None

    def _judge(self, quantity: str, layer: int | None, yours: np.ndarray, truth: np.ndarray,
               hypotheses: list[Hypothesis], base: np.ndarray) -> Finding | None:
        """None when yours matches; else the first hypothesis that explains every entry."""
        if close(yours, truth, self.rtol):
            return None
        for h in hypotheses:
            if close(yours, h.values, self.rtol):
                return self._add(h, quantity, layer, yours, truth)
        g = generic(quantity, layer, yours, base, self.ref, self.rtol)
        if g is not None:
            return self._add(g, quantity, layer, yours, truth)
        expected = formula(quantity, layer, self.ref, self.convention)
        shape = "" if np.shape(yours) == np.shape(truth) else \
            f" (and has shape {np.shape(yours)}, expected {np.shape(truth)})"
        worst = self.ref.worst(quantity, layer, np.asarray(yours), np.asarray(truth))
        listed = ", ".join(f"{w.name}: yours {w.yours:.6g}, expected {w.expected:.6g}" for w in worst[:3])
        return self._add(Hypothesis("mismatch", truth, f"your {_what(quantity, layer)} matches no known mistake"
                                    f"{shape}; expected {expected}; worst entries: {listed}"),
                         quantity, layer, yours, truth)

    def _add(self, h: Hypothesis, quantity: str, layer: int | None, yours, truth) -> Finding:
        worst = self.ref.worst(quantity, layer, np.asarray(yours, dtype=float), np.asarray(truth, dtype=float))
        f = Finding(h.kind, quantity, layer, worst, h.factor, h.message,
                    self.source_layer if h.kind == "inherited" else None)
        self.findings.append(f)
        return f

    def _blame(self, f: Finding | None, what: str) -> None:
        """A new cause becomes what later numbers inherit from."""
        if f is not None and f.kind != "inherited" and self.source is None:
            self.source, self.source_layer = f"your {what} ({f.kind})", f.layer

    # -- forward ---------------------------------------------------------------------------
    def _forward(self) -> None:
        ref = self.ref
        for k in range(1, ref.L + 1):
            W, b = ref.W[k], ref.b[k]
            z = self._given("z", k)
            if z is not None:
                base = self.Fa[k - 1] @ W + b
                hyps = self._inherited("z", k, base, ref.z[k])
                if W.shape[0] == W.shape[1]:
                    hyps.append(Hypothesis("transposed", self.Fa[k - 1] @ W.T + b,
                                           f"your z of layer {k} was formed with W_{k}ᵀ, the other convention's "
                                           f"layout: {formula('z', k, ref, self.convention)}"))
                self._blame(self._judge("z", k, z, ref.z[k], hyps, base), f"z of layer {k}")
            a = self._given("a", k)
            if a is not None:
                base = ref.acts[k](self.Fz[k])
                self._blame(self._judge("a", k, a, ref.a[k], self._inherited("a", k, base, ref.a[k]), base),
                            f"a of layer {k}")

    def _loss(self) -> None:
        ref, L = self.ref, self.ref.L
        mine = self._given("loss", None)
        if mine is None:
            return
        per_sample = ref.loss_fn.value(self.Fa[L], ref.T, self.Fz[L], ref.acts[L])
        base = np.array(float(np.sum(per_sample)) / ref.r)
        self._judge("loss", None, np.array(mine), np.array(ref.loss),
                    self._inherited("loss", None, base, np.array(ref.loss)), base)

    # -- backward --------------------------------------------------------------------------
    def _backward(self) -> None:
        ref = self.ref
        model = np.zeros((0, 0))                     # the δ of layer k + 1 the user's code had
        for k in range(ref.L, 0, -1):
            truth = ref.delta[k]
            if k == ref.L:
                base = ref.loss_fn.output_delta(self.Fz[k], self.Fa[k], ref.T, ref.acts[k])
                specific = self._output_mistakes()
            else:
                base = ref.acts[k].backward(self.Fz[k], self.Fa[k], model @ ref.W[k + 1].T)
                specific = self._hidden_mistakes(k, model)
            specific = [h for h in specific if _differs(h.values, base, rtol=self.rtol)]
            yours = self._given("delta", k)
            cause = None
            if yours is not None:
                hyps = self._inherited("delta", k, base, truth, (k,)) + specific
                f = self._judge("delta", k, yours, truth, hyps, base)
                self._blame(f, f"δ of layer {k}")
                model = yours
            else:
                cause = self._choose(k, base, specific)
                model = base if cause is None else cause.values
            if close(model, truth, self.rtol):
                self.source = self.source_layer = None
            self._gradients(k, model, cause)

    def _output_mistakes(self) -> list[Hypothesis]:
        ref, L = self.ref, self.ref.L
        a, t, act = self.Fa[L], ref.T, ref.acts[L]
        loss, name = ref.loss_fn.name, act.name
        correct = _output_delta_formula(ref)
        hyps = []
        if loss == "cross_entropy" and name == "softmax":
            hyps.append(Hypothesis("wrong_loss_delta", (a - t) * a * (1 - a),
                                   f"σ′ = a(1 − a) was applied again after softmax + cross-entropy: {correct} "
                                   "already includes the softmax's derivative"))
        else:
            hyps.append(Hypothesis("wrong_loss_delta", a - t, f"your output δ is (a − t){_a_minus_t(ref)}: with "
                                   f"{_loss_formula(ref)} through {_article(name)} {name} output, {correct}"))
            hyps.append(Hypothesis("wrong_loss_delta", (a - t) * a * (1 - a),
                                   f"your output δ is (a − t) ⊙ a(1 − a), the sigmoid + ½Σ(a − t)² formula, "
                                   f"but this network has {_loss_formula(ref)} and {_article(name)} {name} output: "
                                   f"{correct}"))
            raw = ref.loss_fn.grad(a, t)
            hyps.append(Hypothesis("wrong_loss_delta", raw,
                                   f"your output δ is ∂C/∂a without {name}′(z_{L}): {correct}"))
        if name in ("sigmoid", "tanh"):
            hyps.append(self._at_a(L, ref.loss_fn.grad(a, t)))
        return hyps

    def _at_a(self, k: int, grad_a: np.ndarray) -> Hypothesis:
        act, a = self.ref.acts[k], self.Fa[k]
        wrong = "σ(a)(1 − σ(a))" if act.name == "sigmoid" else "1 − tanh²(a)"
        right = "a(1 − a)" if act.name == "sigmoid" else "1 − a²"
        return Hypothesis("derivative_at_a", act.backward(a, act(a), grad_a),
                          f"{act.name}′ was applied to a instead of z in δ of layer {k}: you computed {wrong}, "
                          f"but {act.name}′(z) = {right} ({formula('delta', k, self.ref, self.convention)})")

    def _hidden_mistakes(self, k: int, upstream: np.ndarray) -> list[Hypothesis]:
        ref = self.ref
        act, W = ref.acts[k], ref.W[k + 1]
        g = upstream @ W.T
        right = formula("delta", k, ref, self.convention)
        hyps = [Hypothesis("missing_derivative", g, f"your δ of layer {k} lacks the {act.name}′(z_{k}) factor: "
                           f"{right}; multiply by {_derivative_text(act.name, k)}")]
        if act.name in ("sigmoid", "tanh"):
            hyps.append(self._at_a(k, g))
        if W.shape[0] == W.shape[1]:
            hyps.append(Hypothesis("transposed", act.backward(self.Fz[k], self.Fa[k], upstream @ W),
                                   f"your δ of layer {k} was sent back through W_{k + 1} instead of its "
                                   f"transpose (the other convention's layout): {right}"))
        return hyps

    def _choose(self, k: int, base: np.ndarray, specific: list[Hypothesis]) -> Hypothesis | None:
        """With no δ given: the δ mistake (if any) that explains most of this layer's ∂C/∂W, ∂C/∂b."""
        dW, db = self._given("dW", k), self._given("db", k)
        options = list(specific)
        if k == self.ref.L:
            options.append(Hypothesis("sign", -base, "your output δ is the negative of the expected: "
                                      + _sign_hint("delta", k, self.ref), -1.0))
            seen, quantity = (dW, "dW") if dW is not None else (db, "db")
            if seen is not None:
                g = generic(quantity, k, seen, self._grad(quantity, k, base), self.ref, self.rtol)
                if g is not None and g.kind == "scale" and g.factor is not None:
                    options.append(Hypothesis("scale", g.factor * base, g.message, g.factor))

        def score(values: np.ndarray) -> int:
            return sum(int(u is not None and close(u, self._grad(q, k, values), self.rtol))
                       for q, u in (("dW", dW), ("db", db)))

        best, best_score = None, score(base)
        for h in options:
            s = score(h.values)
            if s > best_score:
                best, best_score = h, s
        return best

    def _grad(self, quantity: str, k: int, delta: np.ndarray) -> np.ndarray:
        """∂C/∂W_k = a_{k−1}ᵀ·δ_k / r or ∂C/∂b_k = Σ_rows δ_k / r, from the user's a."""
        if quantity == "dW":
            return self.Fa[k - 1].T @ delta / self.ref.r
        return delta.sum(axis=0) / self.ref.r

    def _gradients(self, k: int, model: np.ndarray, cause: Hypothesis | None) -> None:
        ref, rtol = self.ref, self.rtol
        for quantity in ("dW", "db"):
            yours = self._given(quantity, k)
            if yours is None:
                continue
            truth = ref.dW[k] if quantity == "dW" else ref.db[k]
            base = self._grad(quantity, k, model)
            hyps = []
            if cause is not None and not close(base, truth, rtol):
                text = cause.message if cause.kind == "scale" else \
                    f"your {_what(quantity, k)} is built from a wrong δ of layer {k}: {cause.message}"
                hyps.append(Hypothesis(cause.kind, base, text, cause.factor))
            else:
                hyps += self._inherited(quantity, k, base, truth, (k - 1, k) if quantity == "dW" else (k,))
            hyps += self._dW_mistakes(k, model, base) if quantity == "dW" else self._db_mistakes(k, model)
            f = self._judge(quantity, k, yours, truth, hyps, base)
            if f is not None and cause is not None and f.kind == cause.kind:
                self.source = (f"the same factor {_nice(cause.factor or 1.0, ref.m)} as your {_what(quantity, k)} "
                               "(scale)" if cause.kind == "scale" else f"your δ of layer {k} ({cause.kind})")
                self.source_layer = k
                cause = None                          # the same layer's next gradient inherits it

    def _dW_mistakes(self, k: int, model: np.ndarray, base: np.ndarray) -> list[Hypothesis]:
        ref = self.ref
        right = formula("dW", k, ref, self.convention)
        other = "column" if self.convention == "row" else "row"
        hyps = [Hypothesis("transposed", base.T, f"your ∂C/∂W of layer {k} is the transpose of the expected "
                           f"(the {other} convention's layout); in the {self.convention} convention {right}")]
        width = base.shape[0]
        sources = [(f"z of layer {k - 1}", self.Fz[k - 1])] if k > 1 else []
        sources += [(f"a of layer {k}", self.Fa[k]), (f"z of layer {k}", self.Fz[k])]
        sources += [(f"a of layer {j}" if j else "the inputs X", self.Fa[j])
                    for j in range(ref.L + 1) if j not in (k - 1, k)]
        for label, S in sources:
            if S.shape[1] == width:
                hyps.append(Hypothesis("wrong_input", S.T @ model / ref.r,
                                       f"your ∂C/∂W of layer {k} was formed from {label} instead of a of "
                                       f"layer {k - 1}: {right}"))
        return hyps

    def _db_mistakes(self, k: int, model: np.ndarray) -> list[Hypothesis]:
        ref = self.ref
        right = formula("db", k, ref, self.convention)
        m = ref.m
        hyps = [Hypothesis("bias_not_reduced", model / ref.r if ref.r != 1 else model,
                           f"your ∂C/∂b of layer {k} has one row per sample: it was not reduced over the "
                           f"batch ({right})")]
        if ref.r != 1:
            hyps.append(Hypothesis("bias_not_reduced", model, hyps[0].message))
        rows = range(m) if m <= 64 else (0, m - 1)
        for i in rows:
            for values in ((model[i], model[i] / ref.r) if ref.r != 1 else (model[i],)):
                hyps.append(Hypothesis("bias_not_reduced", values,
                                       f"your ∂C/∂b of layer {k} is the δ of sample {i + 1} only: "
                                       f"the bias gradient sums every sample's δ ({right})"))
        return hyps


def diagnose(ref: Reference, mine: dict, rtol: float, convention: str) -> list[Finding]:
    """The findings for the user's arrays, earliest cause first.

    One search per layer finds one mistake per array.  When some gradient is
    still unexplained, a factor common to *every* ∂C/∂W and ∂C/∂b given (m, 1/m,
    2, ½ — a sum where a mean was meant, the ½ of the loss) is tried as a
    second, independent mistake: if dividing it out leaves no gradient
    unexplained, it is reported first, as one ``scale`` for all of them, and the
    rest is diagnosed on the rescaled arrays.
    """
    findings = Diagnoser(ref, mine, rtol, convention).run()
    grads = [(q, k) for q in ("dW", "db") for k in mine.get(q, {})]
    if not grads or not any(f.kind == "mismatch" and f.quantity in ("dW", "db") for f in findings):
        return findings
    m = ref.m
    for c in dict.fromkeys(v for v in (m, 1 / m, 2.0, 0.5, 2.0 * m, m / 2.0) if v != 1):
        scaled = {q: ({k: v / c for k, v in arrays.items()} if q in ("dW", "db") else arrays)
                  for q, arrays in mine.items()}
        trial = Diagnoser(ref, scaled, rtol, convention).run()
        if any(f.kind == "mismatch" and f.quantity in ("dW", "db") for f in trial):
            continue
        q, k = max(grads, key=lambda g: (g[0] == "dW", g[1]))   # the output layer's ∂C/∂W first
        why = _interpretation(c, q, ref, rtol) or "a constant factor on every gradient"
        truth = ref.dW[k] if q == "dW" else ref.db[k]
        worst = ref.worst(q, k, mine[q][k], truth)
        note = Finding("scale", q, k, worst, c, f"every ∂C/∂W and ∂C/∂b you gave is {_nice(c, m)} × what your δ "
                       f"implies: {why}; the findings below are for your gradients divided by {_nice(c, m)}")
        return [note] + trial
    return findings
