"""Name the mistake in someone's backprop: recompute the numbers with each known mistake applied.

A hypothesis is accepted only when, recomputed with that mistake, it explains
*every* entry of the user's array to tolerance — never from a ratio alone.
Backprop errors flow backward, so the layers are judged from the output down,
each against what the user's own upstream numbers imply: a layer that is
wrong only because a later layer's δ was wrong is ``inherited``.

The vocabulary (scale, sign, transposed, missing_derivative, derivative_at_a,
wrong_input, bias_not_reduced, wrong_loss_delta, inherited, mismatch), each
with the formula it breaks, is described in ``neurograph.check.vocabulary``;
the expected numbers come from ``neurograph.check.reference``.

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

import numpy as np

from neurograph.check.reference import Finding, Hypothesis, Reference, close, nice
from neurograph.check.vocabulary import (
    a_minus_t,
    article,
    derivative_text,
    differs,
    formula,
    generic,
    interpretation,
    loss_formula,
    output_delta_formula,
    quantity_name,
    sign_hint,
)

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
        return [Hypothesis("inherited", base, f"your {quantity_name(quantity, layer)} {how}; fix that first "
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
        return self._add(Hypothesis("mismatch", truth, f"your {quantity_name(quantity, layer)} matches no known mistake"
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
            specific = [h for h in specific if differs(h.values, base, rtol=self.rtol)]
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
        correct = output_delta_formula(ref)
        hyps = []
        if loss == "cross_entropy" and name == "softmax":
            hyps.append(Hypothesis("wrong_loss_delta", (a - t) * a * (1 - a),
                                   f"σ′ = a(1 − a) was applied again after softmax + cross-entropy: {correct} "
                                   "already includes the softmax's derivative"))
        else:
            hyps.append(Hypothesis("wrong_loss_delta", a - t, f"your output δ is (a − t){a_minus_t(ref)}: with "
                                   f"{loss_formula(ref)} through {article(name)} {name} output, {correct}"))
            hyps.append(Hypothesis("wrong_loss_delta", (a - t) * a * (1 - a),
                                   f"your output δ is (a − t) ⊙ a(1 − a), the sigmoid + ½Σ(a − t)² formula, "
                                   f"but this network has {loss_formula(ref)} and {article(name)} {name} output: "
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
                           f"{right}; multiply by {derivative_text(act.name, k)}")]
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
                                      + sign_hint("delta", k, self.ref), -1.0))
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
                    f"your {quantity_name(quantity, k)} is built from a wrong δ of layer {k}: {cause.message}"
                hyps.append(Hypothesis(cause.kind, base, text, cause.factor))
            else:
                hyps += self._inherited(quantity, k, base, truth, (k - 1, k) if quantity == "dW" else (k,))
            hyps += self._dW_mistakes(k, model, base) if quantity == "dW" else self._db_mistakes(k, model)
            f = self._judge(quantity, k, yours, truth, hyps, base)
            if f is not None and cause is not None and f.kind == cause.kind:
                self.source = (f"the same factor {nice(cause.factor or 1.0, ref.m)} as your "
                               f"{quantity_name(quantity, k)} (scale)" if cause.kind == "scale"
                               else f"your δ of layer {k} ({cause.kind})")
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
        why = interpretation(c, q, ref, rtol) or "a constant factor on every gradient"
        truth = ref.dW[k] if q == "dW" else ref.db[k]
        worst = ref.worst(q, k, mine[q][k], truth)
        note = Finding("scale", q, k, worst, c, f"every ∂C/∂W and ∂C/∂b you gave is {nice(c, m)} × what your δ "
                       f"implies: {why}; the findings below are for your gradients divided by {nice(c, m)}")
        return [note] + trial
    return findings
