"""Compare *your* backprop with the network's: ``compare(net, X, T, mine)`` names the mistake.

``mine`` holds any subset of the user's numbers for a batch of m rows:

- ``"z"``, ``"a"``: per layer 1…L, shape (m, n_k) (an ``"a"`` list may start with layer 0 = X);
- ``"delta"``: per layer, (m, n_k), each sample's own δ = ∂C_x/∂z (never divided by m);
- ``"dW"``: per layer, the layer's weight-matrix shape in ``convention``
  (row: n_{k−1} × n_k, column: n_k × n_{k−1});
- ``"db"``: per layer, (n_k,);
- ``"loss"``: a number.

Each list has one entry per layer (None to skip one), or is a dict {layer: array}.
``reduction`` says what the user meant for dW, db and the loss over the batch:
"mean" (∂C/∂W = a_{k−1}ᵀ·δ_k / m) or "sum".  The expected numbers come from
``MatrixNetwork``; every wrong array gets a ``Finding`` named with the
vocabulary of ``neurograph.check.vocabulary``.  Tolerances follow the data's
precision (rtol = √ε: 1.5e-8 for float64, 3.5e-4 for float32) and the report
states them.  The network is never changed.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np

from neurograph.check.diagnose import diagnose
from neurograph.check.reference import QUANTITIES, Finding, Reference, Worst, tolerance
from neurograph.engine.graph import Network
from neurograph.engine.matrices import convention_name
from neurograph.engine.validation import finite_number, is_whole, lookup, sample_batches
from neurograph.explanations.tables import format_table

REDUCTIONS = {"mean": "averaged over the batch", "sum": "summed over the batch"}
_LAYERED = ("z", "a", "delta", "dW", "db")


@dataclass
class Comparison:
    """What ``compare`` found: ``.ok``, ``.findings`` (earliest cause first), ``str()``."""

    findings: list[Finding]
    checked: list[tuple[str, int | None, int]]      # (quantity, layer, number of entries)
    rtol: float
    dtype: str
    convention: str
    reduction: str
    m: int
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every quantity you gave matches (no findings)."""
        return not self.findings

    @property
    def causes(self) -> list[Finding]:
        """The findings that are not merely inherited."""
        return [f for f in self.findings if f.kind != "inherited"]

    def _summary(self) -> str:
        n = sum(c for _, _, c in self.checked)
        if self.ok:
            return f"compare OK: all {n} of your numbers match"
        wrong = len({(f.quantity, f.layer) for f in self.findings})
        return (f"compare NOT OK: {wrong} of your arrays wrong (of {len(self.checked)} checked), "
                f"{len(self.causes)} cause(s)")

    def _tolerance_line(self) -> str:
        return (f"tolerance: |yours − expected| ≤ rtol·(|expected| + max |expected| of that array), "
                f"rtol = {self.rtol:.2g} (√ε of {self.dtype})")

    def _checked_line(self) -> str:
        names = {"z": "z", "a": "a", "delta": "δ", "dW": "∂C/∂W", "db": "∂C/∂b", "loss": "C"}
        by: dict[str, list[str]] = {}
        for q, layer, _ in self.checked:
            by.setdefault(names[q], []).append("" if layer is None else str(layer))
        parts = [q if layers == [""] else f"{q} of layer{'s' if len(layers) > 1 else ''} {', '.join(layers)}"
                 for q, layers in by.items()]
        return (f"checked: {'; '.join(parts) or 'nothing'} — batch of m = {self.m}, {self.convention} "
                f"convention, reduction '{self.reduction}' ({REDUCTIONS[self.reduction]})")

    def __str__(self) -> str:
        lines = [self._summary(), "  " + self._checked_line(), "  " + self._tolerance_line()]
        lines += [f"  note: {n}" for n in self.notes]
        for i, f in enumerate(self.findings, 1):
            where = "loss C" if f.layer is None else f"{f.quantity} of layer {f.layer}"
            factor = "" if f.factor is None else f", factor {f.factor:.6g}"
            lines += ["", f"{i}. {f.kind} — {where}{factor}", f"   {f.message}"]
            if f.worst and f.kind != "inherited":
                table = format_table(["entry", "yours", "expected"],
                                     [[w.name, w.yours, w.expected] for w in f.worst], floatfmt="+.6g")
                lines += ["   " + row for row in table.splitlines()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        if self.ok:
            return f"<Comparison ok: {sum(c for _, _, c in self.checked)} numbers match, rtol={self.rtol:.2g}>"
        first = self.findings[0]
        where = "loss" if first.layer is None else f"{first.quantity} layer {first.layer}"
        text = f"<Comparison NOT ok: {len(self.findings)} findings, first {first.kind} at {where}>"
        return text[:299]

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{i}</td><td><b>{html.escape(f.kind)}</b></td><td>{html.escape(f.quantity)}</td>"
            f"<td>{'' if f.layer is None else f.layer}</td><td>{html.escape(f.message)}</td>"
            f"<td>{html.escape(', '.join(f'{w.name}: {w.yours:.6g} vs {w.expected:.6g}' for w in f.worst[:3]))}"
            f"</td></tr>" for i, f in enumerate(self.findings, 1))
        table = ("" if self.ok else "<table><tr><th>#</th><th>kind</th><th>quantity</th><th>layer</th>"
                 f"<th>what to change</th><th>worst entries (yours vs expected)</th></tr>{rows}</table>")
        return (f"<div><p><b>{html.escape(self._summary())}</b><br>{html.escape(self._checked_line())}<br>"
                f"{html.escape(self._tolerance_line())}</p>{table}</div>")


# -- reading the user's arrays -----------------------------------------------------------------
def _layers_of(value, quantity: str, L: int) -> dict[int, object]:
    """{layer: array} from a list (one entry per layer 1…L, None skips) or a dict."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        if quantity == "a" and len(value) == L + 1:
            value = value[1:]                          # a list that starts with layer 0 = X
        if len(value) != L:
            extra = " (or L + 1 starting with X)" if quantity == "a" else ""
            raise ValueError(f"mine[{quantity!r}] has {len(value)} entries; expected one per layer 1–{L}"
                             f"{extra}, None for a layer you skip")
        items = [(k + 1, v) for k, v in enumerate(value)]
    else:
        raise TypeError(f"mine[{quantity!r}] must be a list with one array per layer 1–{L} or a dict "
                        f"{{layer: array}}, got {type(value).__name__}")
    out = {}
    for k, v in items:
        if not is_whole(k, 1, L):
            raise ValueError(f"mine[{quantity!r}] has no layer {k!r}: this network has layers 1–{L} "
                             "(layer k is the k-th weight matrix)")
        if v is not None:
            out[int(k)] = v
    return out


def _array(value, what: str, shapes: list[tuple[int, ...]], dtypes: list) -> np.ndarray:
    try:
        raw = np.asarray(value)
        arr = np.array(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be an array of numbers ({exc})") from None
    if arr.shape not in shapes:
        raise ValueError(f"{what} has shape {arr.shape}; expected {shapes[0]}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{what} contains {arr[bad]} at index {bad}; every value must be finite")
    dtypes.append(raw.dtype)
    return arr


def read_mine(mine, ref: Reference, convention: str, dtypes: list) -> dict[str, dict]:
    """The user's arrays by quantity and layer, checked; ∂C/∂W turned into row layout."""
    if not isinstance(mine, dict):
        raise TypeError(f"mine must be a dict with any of {', '.join(QUANTITIES)}; got {type(mine).__name__}")
    unknown = [k for k in mine if k not in QUANTITIES]
    if unknown:
        raise ValueError(f"mine has unknown key(s) {', '.join(map(repr, unknown))}; valid keys: "
                         f"{', '.join(QUANTITIES)}")
    sizes, m, L = ref.sizes(), ref.m, ref.L
    out: dict[str, dict] = {}
    for q in _LAYERED:
        if mine.get(q) is None:
            continue
        if q == "db" and not ref.has_bias:
            raise ValueError("mine['db'] was given but this network's neurons have no biases")
        out[q] = {}
        for k, v in _layers_of(mine[q], q, L).items():
            what, n = f"mine[{q!r}] of layer {k}", sizes[k]
            if q == "dW":
                row = (sizes[k - 1], n)
                want = row if convention == "row" else row[::-1]
                arr = _array(v, f"{what} ({convention} convention: "
                             f"{'n_in × n_out' if convention == 'row' else 'n_out × n_in'})",
                             [want, want[::-1]], dtypes)
                out[q][k] = arr if convention == "row" else arr.T
            elif q == "db":
                arr = _array(v, what, [(n,), (1, n), (m, n)], dtypes)
                out[q][k] = arr.ravel() if arr.shape == (1, n) else arr
            else:
                arr = _array(v, what, [(m, n)] + ([(n,)] if m == 1 else []), dtypes)
                out[q][k] = arr.reshape(m, n)
    if mine.get("loss") is not None:
        loss = mine["loss"]
        if isinstance(loss, np.ndarray) and loss.size == 1:
            dtypes.append(loss.dtype)
            loss = loss.reshape(()).item()
        out["loss"] = {None: np.array(finite_number(loss, "mine['loss']"))}
    return out


def _precision(dtypes: list) -> np.dtype:
    """The least precise floating dtype among the data (float64 when none is floating)."""
    floats = [np.dtype(d) for d in dtypes if np.issubdtype(d, np.floating)]
    return max(floats, key=lambda d: np.finfo(d).eps, default=np.dtype(np.float64))


def reference(net: Network, X, T, reduction: str) -> tuple[Reference, list]:
    """The expected numbers of a plain layered net (one weight matrix per layer), and X's, T's dtypes."""
    if not isinstance(net, Network):
        raise TypeError(f"compare needs a neurograph Network, got {type(net).__name__}")
    lookup(REDUCTIONS, reduction, "reduction", " (what your dW, db and loss do over the batch)")
    net.to_matrices()                                 # a clear ValueError for nets without layer matrices
    for layer in net.layers[1:]:
        acts = {n.activation for n in layer}
        if len(acts) > 1:
            raise ValueError(f"nodes {layer[0].id}–{layer[-1].id} mix activations {sorted(acts)}; "
                             "compare needs one activation per layer")
    dtypes = [np.asarray(X).dtype, np.asarray(T).dtype]
    Xb, Tb = sample_batches(X, T, net.n_inputs, net.n_outputs)
    return Reference(net, Xb, Tb, reduction), dtypes


def compare(net: Network, X, T, mine: dict, *, convention: str = "row", reduction: str = "mean") -> Comparison:
    """Judge the user's numbers for the batch X, T against ``net``'s; see the module docstring.

    >>> import numpy as np, neurograph as ng
    >>> net = ng.Network.from_matrices([np.full((2, 2), 0.5)], [np.zeros(2)])
    >>> X, T = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> ng.compare(net, X, T, {"db": [np.array([0.4, -0.1])]}).findings[0].kind
    'mismatch'
    """
    convention = convention_name(convention)
    ref, dtypes = reference(net, X, T, reduction)
    given = read_mine(mine, ref, convention, dtypes)
    dtype = _precision(dtypes)
    rtol = tolerance(dtype)
    findings = diagnose(ref, given, rtol, convention)
    checked = [(q, k, int(np.size(v))) for q in QUANTITIES for k, v in given.get(q, {}).items()]
    return Comparison(findings, checked, rtol, dtype.name, convention, reduction, ref.m)


def check_backprop(fn: Callable, net: Network, X, T, *, convention: str = "row",
                   reduction: str = "mean") -> Comparison:
    """Call ``fn(weights, biases, X, T)`` on copies and compare what it returns.

    ``weights``/``biases`` are ``net.to_matrices(convention)``; ``fn`` returns a
    dict like ``mine`` of ``compare`` or a tuple ``(dW, db)``.  A function that
    changes its inputs in place gets a finding of kind ``mismatch`` whose
    quantity names the input ("weights", "biases", "X" or "T").
    """
    convention = convention_name(convention)
    weights, biases = net.to_matrices(convention)
    X0, T0 = np.array(X, copy=True), np.array(T, copy=True)
    given = ([w.copy() for w in weights], None if biases is None else [b.copy() for b in biases],
             X0.copy(), T0.copy())
    result = fn(*given)
    if isinstance(result, tuple) and len(result) == 2:
        mine = {"dW": result[0], "db": result[1]}
    elif isinstance(result, dict):
        mine = result
    else:
        raise TypeError(f"fn must return a dict like compare's mine or a tuple (dW, db), got {type(result).__name__}")
    out = compare(net, X, T, mine, convention=convention, reduction=reduction)
    out.findings[:0] = _changed_inputs(given, (weights, biases, X0, T0))
    return out


def _changed_inputs(after: tuple, before: tuple) -> list[Finding]:
    """A finding for every input array that fn changed in place."""
    found = []
    for name, new, old in zip(("weights", "biases"), after[:2], before[:2], strict=True):
        for k, (a, b) in enumerate(zip(new or [], old or [], strict=True), 1):
            if np.shape(a) != np.shape(b) or not np.array_equal(a, b):
                found.append(_changed(name, k, a, b))
    for name, a, b in zip(("X", "T"), after[2:], before[2:], strict=True):
        if np.shape(a) != np.shape(b) or not np.array_equal(a, b):
            found.append(_changed(name, None, a, b))
    return found


def _changed(name: str, layer: int | None, new, old) -> Finding:
    where = name if layer is None else f"{name} of layer {layer}"
    worst: list[Worst] = []
    if np.shape(new) == np.shape(old):
        gap = np.abs(np.asarray(new, dtype=float) - old).ravel()
        worst = [Worst(f"{name}[{np.unravel_index(i, np.shape(old))}]", float(np.ravel(new)[i]),
                       float(np.ravel(old)[i])) for i in np.argsort(-gap)[:5] if gap[i] > 0]
    return Finding("mismatch", name, layer, worst, None,
                   f"your function changed its input {where} in place (a step, or an in-place +=/-= on a view?); "
                   "a gradient function must leave W, b, X and T as they were")
