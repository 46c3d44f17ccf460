"""Hand-written numpy backprop in both conventions, with one switchable mistake each.

Independent of neurograph: plain numpy, written as a student would, so the
tests can hold ``ng.compare``'s diagnosis against bugs whose kind and layer are
known.  Row convention: W_k is n_{k−1} × n_k, rows are samples, Z = A·W + b.
Column convention: W_k is n_k × n_{k−1}, columns are samples, Z = W·A + b.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


#: hidden activations: (f, f′ written through a = f(z))
HIDDEN = {"sigmoid": (sigmoid, lambda a: a * (1 - a)), "tanh": (np.tanh, lambda a: 1 - a * a)}


def softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


#: bug name -> (diagnosis kind, where: "output" | "hidden" | "any" (one gradient) | "all")
BUGS = {
    "sum_not_mean": ("scale", "all"),          # every dW and db summed over the batch
    "double_delta": ("scale", "output"),       # δ_L = 2(a − t)σ′: the ½ of ½Σ(a − t)² forgotten
    "grad_times_two": ("scale", "any"),        # one layer's dW doubled
    "t_minus_a": ("sign", "output"),           # δ_L from t − a
    "ascent_dW": ("sign", "any"),              # one layer's dW negated
    "dW_transposed": ("transposed", "any"),    # one layer's dW in the other layout
    "no_fprime": ("missing_derivative", "hidden"),
    "fprime_at_a": ("derivative_at_a", "hidden"),
    "dW_from_z": ("wrong_input", "any"),       # dW_k = z_{k−1}ᵀ·δ_k (k ≥ 2)
    "db_one_sample": ("bias_not_reduced", "any"),
    "loss_delta": ("wrong_loss_delta", "output"),   # a − t through a sigmoid / σ′ again after softmax
    "noise": ("mismatch", "any"),              # one layer's dW plus noise
}


def backprop(W, b, X, T, *, convention="row", head="sigmoid", reduction="mean", bug=None,  # noqa: C901
             layer=None, everything=False, hidden="sigmoid"):
    """(dW, db), or a dict with z, a, delta, dW, db and loss when ``everything``.

    head: "sigmoid" (sigmoid outputs, C = ½Σ(a − t)²) or "softmax" (softmax + C = −Σ t·ln a).
    Hidden layers are ``hidden`` (sigmoid or tanh).  ``layer`` is the (1-based) layer a one-layer bug hits.
    (One ``if`` per bug, on purpose: each mistake is written where a student would make it.)
    """
    col = convention == "column"
    L, m = len(W), len(X)
    A, Z = [X.T if col else X], [None]
    for k in range(L):
        z = W[k] @ A[-1] + b[k][:, None] if col else A[-1] @ W[k] + b[k]
        Z.append(z)
        last = k == L - 1
        f = (lambda v: softmax(v, 0 if col else 1)) if head == "softmax" else sigmoid
        A.append(f(z) if last else HIDDEN[hidden][0](z))
    a, t = A[L], (T.T if col else T)
    if head == "softmax":
        loss = -np.sum(t * np.log(a))
        delta_L = a - t
        if bug == "loss_delta":
            delta_L = (a - t) * a * (1 - a)
    else:
        loss = 0.5 * np.sum((a - t) ** 2)
        delta_L = (a - t) * a * (1 - a)
        if bug == "loss_delta":
            delta_L = a - t
    if bug == "double_delta":
        delta_L = 2 * delta_L
    if bug == "t_minus_a":
        delta_L = -delta_L
    D = [None] * (L + 1)
    D[L] = delta_L
    for k in range(L - 1, 0, -1):
        g = W[k].T @ D[k + 1] if col else D[k + 1] @ W[k].T
        f, derivative = HIDDEN[hidden]
        fprime = derivative(A[k])                          # f′(z) = σ(1 − σ) or 1 − tanh²
        if k == layer and bug == "no_fprime":
            fprime = 1.0
        if k == layer and bug == "fprime_at_a":
            fprime = derivative(f(A[k]))                   # f′ evaluated at a instead of z
        D[k] = g * fprime
    r = m if reduction == "mean" else 1
    dW, db = [], []
    for k in range(1, L + 1):
        source = Z[k - 1] if (bug == "dW_from_z" and k == layer) else A[k - 1]
        dW.append((D[k] @ source.T if col else source.T @ D[k]) / r)
        db.append(D[k].sum(axis=1 if col else 0) / r)
    if bug == "sum_not_mean":
        dW, db = [g * m for g in dW], [g * m for g in db]
    if layer is not None:
        i = layer - 1
        if bug == "grad_times_two":
            dW[i] = 2 * dW[i]
        if bug == "ascent_dW":
            dW[i] = -dW[i]
        if bug == "dW_transposed":
            dW[i] = dW[i].T.copy()
        if bug == "db_one_sample":
            db[i] = (D[layer][:, 0] if col else D[layer][0]).copy()
        if bug == "noise":
            dW[i] = dW[i] + np.random.default_rng(0).normal(size=dW[i].shape) * 0.1 * (np.abs(dW[i]).max() + 1e-3)
    if not everything:
        return dW, db
    rows = (lambda v: v.T) if col else (lambda v: v)
    return {"z": [rows(v) for v in Z[1:]], "a": [rows(v) for v in A[1:]], "delta": [rows(v) for v in D[1:]],
            "dW": dW, "db": db, "loss": loss / r}


# -- the cases and the referee, shared by tests/test_compare.py and benchmarks/diagnosis_score.py ------
def problem(sizes, m, head, seed, convention="row", hidden="sigmoid"):
    """A random network (via neurograph.Network.from_matrices), its matrices in ``convention``, X and T."""
    import neurograph as ng
    rng = np.random.default_rng(seed)
    W_row = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    b = [rng.normal(size=n) * 0.3 for n in sizes[1:]]
    loss, out = ("cross_entropy", "softmax") if head == "softmax" else ("half_squared", None)
    net = ng.Network.from_matrices(W_row, b, loss=loss, activation=hidden, output_activation=out or "sigmoid")
    X = rng.normal(size=(m, sizes[0]))
    T = rng.uniform(size=(m, sizes[-1]))
    if head == "softmax":
        T = np.eye(sizes[-1])[rng.integers(sizes[-1], size=m)]
    W = W_row if convention == "row" else [w.T.copy() for w in W_row]
    return net, W, b, X, T


def bug_layer(bug, sizes):
    """The layer a one-layer bug hits: a square one for transposed, ≥ 2 for dW_from_z."""
    where = BUGS[bug][1]
    L = len(sizes) - 1
    if where in ("output", "all"):
        return L
    if where == "hidden":
        return L - 1
    if bug == "dW_transposed":
        square = [k for k in range(1, L + 1) if sizes[k - 1] == sizes[k]]
        return square[0] if square else 1
    return 2 if bug == "dW_from_z" else 1


def as_dict(result):
    return result if isinstance(result, dict) else {"dW": result[0], "db": result[1]}


def differing(buggy, right):
    """{(quantity, layer)} whose arrays differ (shape or values) — plain numpy, no neurograph."""
    out = set()
    for q, values in buggy.items():
        if q == "loss":
            if not np.isclose(values, right[q], rtol=1e-9, atol=0):
                out.add((q, None))
            continue
        for k, (u, e) in enumerate(zip(values, right[q], strict=True), 1):
            if np.shape(u) != np.shape(e) or not np.allclose(u, e, rtol=1e-9, atol=1e-12 * np.abs(e).max()):
                out.add((q, k))
    return out


def diagnose_case(net, W, b, X, T, convention, head, bug, everything, reduction="mean", hidden="sigmoid"):
    """(the Comparison, None when the diagnosis is exactly right, else what is wrong with it).

    Right means: exactly the arrays that differ from the correct code are flagged; the
    first finding has the bug's kind at the bug's layer; every other finding is
    "inherited" from that layer (or, for a sum over the batch with δ given, its own
    "scale" with factor m); correct code (bug=None, or a bug that changes no number)
    gives no finding at all.
    """
    import neurograph as ng
    sizes = [X.shape[1]] + [len(v) for v in b]
    layer = bug_layer(bug, sizes) if bug else None
    kw = dict(convention=convention, head=head, reduction=reduction, everything=everything, hidden=hidden)
    buggy = as_dict(backprop(W, b, X, T, bug=bug, layer=layer, **kw))
    right = as_dict(backprop(W, b, X, T, **kw))
    c = ng.compare(net, X, T, buggy, convention=convention, reduction=reduction)
    wrong = differing(buggy, right)
    flagged = {(f.quantity, f.layer) for f in c.findings}
    if flagged != wrong:
        return c, f"flagged {sorted(flagged, key=str)} but {sorted(wrong, key=str)} differ"
    if not wrong:
        return c, None if c.ok else "findings on correct numbers"
    first, kind = c.findings[0], BUGS[bug][0]
    if (first.kind, first.layer) != (kind, layer):
        return c, f"first finding {first.kind} at layer {first.layer}, expected {kind} at layer {layer}"
    causes = [f for f in c.findings if f.kind != "inherited"]
    if BUGS[bug][1] == "all" and everything:        # δ given: every summed array is its own cause
        if {f.kind for f in causes} != {"scale"} or any(abs(f.factor - len(X)) > 1e-6 * len(X) for f in causes):
            return c, "a sum over the batch not named scale m everywhere"
    elif causes != [first]:
        return c, f"more than one cause: {[(f.kind, f.quantity, f.layer) for f in causes]}"
    if any(f.layer > layer or f.source != layer for f in c.findings if f.kind == "inherited"):
        return c, "an inherited finding does not point at the cause's layer"
    return c, None
