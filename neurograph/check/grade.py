"""Grade hand-derived numbers for one sample: ``grade(net, x, t, answers, lr=None)``.

Answers are named as the pictures and ``explain`` write them — ``z_4``, ``a_4``,
``delta_4`` or ``δ_4``, ``dw_{4,1}`` or ``∂C/∂w_{4,1}`` (the edge 1 → 4),
``db_4`` or ``∂C/∂b_4``, ``w_{4,1}`` and ``b_4`` after one step with ``lr``, and
``C`` for the loss.  Each answer is judged at the precision it was written
with: −0.0223 is right for −0.022314…, and for −0.022386… both −0.0224
(rounded) and −0.0223 (truncated) are accepted.  A float's digits are
read from its shortest repr (write a string to keep trailing zeros, "0.2500").
An answer must also carry at least one significant digit of the true value v:
its last digit's place value u (0.0223 → 0.0001, 0 → 1) must satisfy u ≤ |v|.
A coarser answer cannot be judged (``C = 0`` would pass for 0.1796) and is
wrong, with the hint "write more digits"; 0 stays right for a v that is
exactly 0 or at most √ε ≈ 1.5e-8.  The rules are in ``neurograph.check.precision``.
A wrong answer gets a hint from the vocabulary of ``neurograph.check.vocabulary``
when one of its mistakes, recomputed for that number, gives what was written.
The network is never changed (everything runs on a copy).
"""
from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from neurograph.check.precision import at_digits, coarse_hint, right_at_precision, written
from neurograph.engine.graph import Edge, Network, Node
from neurograph.engine.validation import finite_array, finite_number
from neurograph.explanations.tables import format_table

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_PATTERNS = [
    ("dw", re.compile(r"(?:dw|dW|∂C/∂w|dC/dw)_?\{?(\d+),(\d+)\}?")),
    ("db", re.compile(r"(?:db|∂C/∂b|dC/db)_?\{?(\d+)\}?")),
    ("delta", re.compile(r"(?:delta|δ)_?\{?(\d+)\}?")),
    ("z", re.compile(r"z_?\{?(\d+)\}?")),
    ("a", re.compile(r"a_?\{?(\d+)\}?")),
    ("w", re.compile(r"w_?\{?(\d+),(\d+)\}?")),
    ("b", re.compile(r"b_?\{?(\d+)\}?")),
    ("C", re.compile(r"C|loss")),
]
NAME_HELP = ("z_4, a_4, delta_4 or δ_4, dw_{4,1} or ∂C/∂w_{4,1}, db_4 or ∂C/∂b_4, "
             "w_{4,1} or b_4 after one step (needs lr), C")


@dataclass
class Answer:
    """One graded answer."""

    name: str
    yours: str
    expected: float
    verdict: str | None            # 'rounded', 'truncated' or None (wrong)
    kind: str | None = None        # the diagnosis vocabulary, for a wrong answer that fits a mistake
    hint: str = ""
    coarse: bool = False           # wrong only because it has no significant digit of the value

    @property
    def ok(self) -> bool:
        return self.verdict is not None


@dataclass
class Grade:
    """Every answer with its verdict; ``.ok``, ``.hints``, ``str()`` and ``_repr_html_``."""

    answers: list[Answer]
    lr: float | None

    @property
    def ok(self) -> bool:
        """True when every answer is right at the precision it was written."""
        return all(a.ok for a in self.answers)

    @property
    def hints(self) -> list[str]:
        """The hints for the wrong answers, one line each."""
        return [f"{a.name}: {a.hint}" for a in self.answers if a.hint]

    def _rows(self) -> list[list[object]]:
        return [[a.name, a.yours, f"{a.expected:.6g}", "right" if a.ok else "WRONG",
                 "" if a.ok else ("too coarse" if a.coarse else a.kind or "mismatch")] for a in self.answers]

    def __str__(self) -> str:
        right = sum(a.ok for a in self.answers)
        lines = [f"grade: {right} of {len(self.answers)} right (each judged at the digits written; "
                 "rounding or truncation)",
                 format_table(["answer", "yours", "expected", "verdict", "diagnosis"], self._rows())]
        lines += [f"  hint — {h}" for h in self.hints]
        return "\n".join(lines)

    def __repr__(self) -> str:
        wrong = [a.name for a in self.answers if not a.ok]
        return (f"<Grade {len(self.answers) - len(wrong)}/{len(self.answers)} right"
                + (f", wrong: {', '.join(wrong)}" if wrong else "") + ">")[:299]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("answer", "yours", "expected", "verdict", "diagnosis", "hint"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row + [a.hint]) + "</tr>"
                       for row, a in zip(self._rows(), self.answers, strict=True))
        return f"<table><tr>{head}</tr>{body}</table>"


def read_answers(source) -> dict[str, object]:
    """A dict as given, or a CSV file with a ``name,value`` header (values kept as written)."""
    if isinstance(source, dict):
        return dict(source)
    path = Path(source)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["name", "value"]:
        raise ValueError(f"{path}: line 1 must be the header 'name,value'")
    out: dict[str, object] = {}
    for line, row in enumerate(rows[1:], 2):
        if not row or not "".join(row).strip():
            continue
        if len(row) == 3 and _is_name(f"{row[0]},{row[1]}"):
            row = [f"{row[0]},{row[1]}", row[2]]           # w_{8,4},0.12 written without quotes
        if len(row) != 2:
            raise ValueError(f"{path}: line {line} has {len(row)} fields; expected name,value")
        name = row[0].strip()
        if name in out:
            raise ValueError(f"{path}: line {line} repeats the answer {name}")
        out[name] = row[1].strip()
    return out


class _Sample:
    """The true numbers of one sample, from the graph engine on a copy of the net."""

    def __init__(self, net: Network, x, t):
        self.net = net.copy()
        self.x = finite_array(x, "input x", net.n_inputs, allow_batch=False)
        self.t = finite_array(t, "target t", net.n_outputs, allow_batch=False)
        self.net.forward(self.x)
        self.loss = self.net.backward(self.t)
        self.outputs = {n.id: i for i, n in enumerate(self.net.outputs)}

    def node(self, nid: int, name: str) -> Node:
        try:
            return self.net.node(nid)
        except (KeyError, ValueError):
            raise ValueError(f"answer {name}: there is no node {nid} in this network") from None

    def value(self, what: str, ids: tuple[int, ...], name: str, lr: float | None) -> float:
        n = self.node(ids[0], name)
        if what in ("w", "b") and lr is None:
            raise ValueError(f"answer {name} is a value after one step: pass lr (e.g. lr=0.5)")
        if what in ("dw", "w"):
            edge = self._edge(ids, name)
            return _num(edge.grad) if what == "dw" else edge.weight - (lr or 0.0) * _num(edge.grad)
        if what in ("db", "b"):
            if not n.has_bias:
                raise ValueError(f"answer {name}: node {n.id} has no bias")
            return _num(n.bias_grad) if what == "db" else _num(n.bias) - (lr or 0.0) * _num(n.bias_grad)
        if n.is_input and what == "delta":
            raise ValueError(f"answer {name}: node {n.id} is an input, it has no δ")
        return float(getattr(n, what))

    def _edge(self, ids: tuple[int, ...], name: str):
        dst, src = ids
        try:
            return self.net.edge(src, dst)
        except (KeyError, ValueError):
            raise ValueError(f"answer {name}: there is no edge {src} → {dst} ({Edge.name_of(src, dst)})") from None


def _is_name(text: str) -> bool:
    try:
        parse_name(text)
    except ValueError:
        return False
    return True


def parse_name(name: str) -> tuple[str, tuple[int, ...]]:
    """('delta', (4,)) for 'δ_4', ('dw', (4, 1)) for 'dw_{4,1}' …, or a ValueError listing the forms."""
    text = str(name).strip().replace(" ", "").translate(_SUBSCRIPTS)
    for what, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return what, tuple(int(g) for g in match.groups())
    raise ValueError(f"answer name {name!r} is not one of: {NAME_HELP}")


def grade(net: Network, x, t, answers, *, lr: float | None = None) -> Grade:
    """Judge hand-derived numbers for the sample (x, t); see the module docstring.

    >>> import neurograph as ng
    >>> from neurograph.engine.builders import worked_example, WORKED_X, WORKED_T
    >>> g = ng.grade(worked_example(), WORKED_X, WORKED_T, {"delta_4": -0.0223, "C": "0.1796", "δ_8": "0.4898"})
    >>> [a.ok for a in g.answers], g.answers[2].kind
    ([True, True, False], 'wrong_loss_delta')
    """
    if not isinstance(net, Network):
        raise TypeError(f"grade needs a neurograph Network, got {type(net).__name__}")
    lr = None if lr is None else finite_number(lr, "learning rate lr")
    given = read_answers(answers)
    sample = _Sample(net, x, t)
    parsed = {name: (parse_name(name), written(v, name)) for name, v in given.items()}
    truth = {name: (sample.loss if what == "C" else sample.value(what, ids, name, lr))
             for name, ((what, ids), _) in parsed.items()}
    student = _StudentValues(parsed)
    hints = _Hints(sample, student, lr)
    out = []
    for name, ((what, ids), d) in parsed.items():
        verdict = right_at_precision(d, truth[name])
        coarse = verdict is None and at_digits(d, truth[name]) is not None
        kind, hint = (None, "") if verdict else (None, coarse_hint(d, truth[name])) if coarse \
            else hints.explain(what, ids, d)
        out.append(Answer(name, str(given[name]) if isinstance(given[name], str) else str(d),
                          truth[name], verdict, kind, hint, coarse))
    return Grade(out, lr)


def _num(value: float | None) -> float:
    """A node's or edge's number after the forward and backward pass (never None then)."""
    assert value is not None, "grade runs forward and backward before reading any number"
    return float(value)


class _StudentValues:
    """The student's own numbers by (quantity, ids), for the 'inherited' hints."""

    def __init__(self, parsed: dict):
        self.values = {(what, ids): float(d) for (what, ids), d in parsed.values()}

    def get(self, what: str, ids: tuple[int, ...]) -> float | None:
        return self.values.get((what, ids))


class _Hints:
    """Known mistakes recomputed for one answer; the first that gives what was written names it."""

    def __init__(self, sample: _Sample, student: _StudentValues, lr: float | None):
        self.s, self.student, self.lr = sample, student, lr

    def explain(self, what: str, ids: tuple[int, ...], d: Decimal) -> tuple[str | None, str]:
        for kind, value, text in self._candidates(what, ids):
            if np.isfinite(value) and right_at_precision(d, value):
                return kind, text
        return None, ""

    def _candidates(self, what: str, ids: tuple[int, ...]) -> list[tuple[str, float, str]]:
        if what == "C":
            return self._loss()
        if what in ("z", "a"):
            return self._forward(what, ids[0])
        if what == "delta":
            return self._delta(ids[0])
        if what in ("dw", "db"):
            return self._gradient(what, ids)
        return self._step(what, ids)

    def _loss(self) -> list[tuple[str, float, str]]:
        s, net = self.s, self.s.net
        out = [("scale", 2 * s.loss, "C is 2 × the expected: ½Σ(a − t)² without its ½"),
               ("scale", s.loss / 2, "C is ½ × the expected: a ½ too many")]
        mine = [self.student.get("a", (n.id,)) for n in net.outputs]
        if net.loss in ("half_squared", "squared") and all(v is not None for v in mine):
            a = np.array(mine, dtype=float)
            half = 0.5 if net.loss == "half_squared" else 1.0
            out.insert(0, ("inherited", half * float(np.sum((a - s.t) ** 2)),
                           "C follows from your own (wrong) output a values"))
        return out

    def _forward(self, what: str, nid: int) -> list[tuple[str, float, str]]:
        n = self.s.net.node(nid)
        if n.is_input:
            return []
        if what == "a":
            z = self.student.get("z", (nid,))
            if z is None or n.activation == "softmax":
                return []
            from neurograph.engine.activations import get_activation
            return [("inherited", float(get_activation(n.activation)(np.array([z]))[0]),
                     f"a_{nid} = {n.activation}(z_{nid}) of your own (wrong) z_{nid}")]
        total = sum(e.weight * (self.student.get("a", (e.src.id,)) or _num(e.src.a)) for e in n.inputs)
        return [("inherited", total + (n.bias or 0.0), f"z_{nid} follows from your own (wrong) a of its inputs")]

    def _fprime(self, n: Node) -> tuple[float, float, str]:
        """(f′(z), f′ evaluated at a, the formula's text) of one node."""
        a = _num(n.a)
        if n.activation == "sigmoid":
            sa = 1 / (1 + np.exp(-a))
            return a * (1 - a), float(sa * (1 - sa)), f"σ′(z_{n.id}) = a(1 − a)"
        if n.activation == "tanh":
            return 1 - a * a, float(1 - np.tanh(a) ** 2), f"tanh′(z_{n.id}) = 1 − a²"
        if n.activation == "relu":
            return float(_num(n.z) > 0), float(a > 0), f"relu′(z_{n.id})"
        return 1.0, 1.0, f"{n.activation}′(z_{n.id})"

    def _delta(self, nid: int) -> list[tuple[str, float, str]]:
        n, s = self.s.net.node(nid), self.s
        true = _num(n.delta)
        fp, fp_at_a, fp_text = self._fprime(n)
        out: list[tuple[str, float, str]] = []
        if nid in s.outputs:
            a, t = _num(n.a), float(s.t[s.outputs[nid]])
            if s.net.loss == "cross_entropy" and n.activation == "softmax":
                out.append(("wrong_loss_delta", (a - t) * a * (1 - a),
                            f"δ_{nid} has σ′ = a(1 − a) applied again after softmax + cross-entropy; δ = a − t"))
            else:
                out.append(("wrong_loss_delta", a - t, f"δ_{nid} is (a − t) without {fp_text} = {fp:.4f}"))
                out.append(("derivative_at_a", (a - t) * fp_at_a,
                            f"δ_{nid} used f′ at a instead of z: {fp_text} = {fp:.4f}"))
                out.append(("scale", 2 * true, f"δ_{nid} is 2 × the expected: C = Σ(a − t)² without the ½"))
            out.append(("sign", -true, f"δ_{nid} has the wrong sign: a − t, not t − a"))
            return out
        back_true = sum(e.weight * _num(e.dst.delta) for e in n.outputs)
        mine = [self.student.get("delta", (e.dst.id,)) for e in n.outputs]
        if any(v is not None and not right_at_precision(Decimal(repr(v)), _num(e.dst.delta))
               for v, e in zip(mine, n.outputs, strict=True)):
            back_mine = sum(e.weight * (v if v is not None else _num(e.dst.delta))
                            for v, e in zip(mine, n.outputs, strict=True))
            out.append(("inherited", fp * back_mine,
                        f"δ_{nid} follows correctly from your own (wrong) δ of the next layer; fix those first"))
        out.append(("missing_derivative", back_true, f"δ_{nid} is Σ w·δ without {fp_text} = {fp:.4f}"))
        out.append(("derivative_at_a", fp_at_a * back_true, f"δ_{nid} used f′ at a instead of z: {fp_text}"))
        out.append(("sign", -true, f"δ_{nid} has the wrong sign"))
        return out

    def _gradient(self, what: str, ids: tuple[int, ...]) -> list[tuple[str, float, str]]:
        """∂C/∂w_{j,i} = a_i·δ_j and ∂C/∂b_j = δ_j, with each δ mistake carried through."""
        j = ids[0]
        n = self.s.net.node(j)
        src = self.s.net.node(ids[1]) if what == "dw" else None
        factor = 1.0 if src is None else _num(src.a)
        label = f"∂C/∂{Edge.name_of(ids[1], j)} = a_{ids[1]}·δ_{j}" if src is not None else f"∂C/∂b_{j} = δ_{j}"
        out: list[tuple[str, float, str]] = []
        mine = self.student.get("delta", (j,))
        if mine is not None:
            out.append(("inherited", factor * mine, f"{label} from your own (wrong) δ_{j}"))
        out += [(kind, factor * v, f"{text} ({label})") for kind, v, text in self._delta(j) if kind != "inherited"]
        if src is not None:
            delta = _num(n.delta)
            out.append(("wrong_input", _num(n.a) * delta,
                        f"{label}: you used a_{j} (this node's a) instead of a_{ids[1]}"))
            if not src.is_input:
                out.append(("wrong_input", _num(src.z) * delta, f"{label}: you used z_{ids[1]} instead of a_{ids[1]}"))
        return out

    def _step(self, what: str, ids: tuple[int, ...]) -> list[tuple[str, float, str]]:
        lr = self.lr or 0.0
        grad_name = "dw" if what == "w" else "db"
        if what == "w":
            edge = self.s.net.edge(ids[1], ids[0])
            old, g = edge.weight, _num(edge.grad)
        else:
            node = self.s.net.node(ids[0])
            old, g = _num(node.bias), _num(node.bias_grad)
        rule = f"new = old − η·gradient with η = {lr:g}"
        out = [("sign", old + lr * g, f"the gradient was added: {rule}"),
               ("scale", old - g, f"the learning rate is missing: {rule}")]
        mine = self.student.get(grad_name, ids)
        if mine is not None:
            out.insert(0, ("inherited", old - lr * mine, f"follows from your own (wrong) gradient: {rule}"))
        return out
