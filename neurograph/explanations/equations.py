"""Explain one node, one edge or the loss: the equations written out, numbers put in.

``explain(net, 4)`` after a forward and a backward pass prints, for node 4 of
the 3-4-2 network::

    z_4 = w_{4,1}·a_1 + w_{4,2}·a_2 + w_{4,3}·a_3 + b_4          (forward)
        = (-0.4800)·0.0500 + (-0.4000)·0.1000 + 0.6300·0.2000 + (-0.1500)
        = -0.0880
    a_4 = σ(z_4) = σ(-0.0880) = 0.4780
    δ_4 = σ′(z_4)·(w_{8,4}·δ_8 + w_{9,4}·δ_9)                     (backward)
    ∂C/∂w_{4,1} = a_1·δ_4 = …

Every number comes from the engine (``node.z``, ``node.a``, ``node.delta``,
``edge.grad``) or from the engine's own activation and loss functions, so the
explanation can never drift from what the network computed.

Three output formats share one builder: ``"text"`` (Unicode, for the
terminal), ``"markdown"`` (prose with ``$…$`` math) and ``"latex"`` (one
``\\[ … \\]`` display equation per line, in the subset of LaTeX that
matplotlib's mathtext also renders).
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import numpy as np

from neurograph.engine.activations import get_activation
from neurograph.engine.graph import Edge, Network, Node
from neurograph.engine.losses import get_loss
from neurograph.engine.validation import finite_array, lookup, node_id, whole_number
from neurograph.explanations.explanation import Explanation

FORMATS = ("text", "markdown", "latex")


# -- notation: how each format writes symbols and numbers ---------------------------

class _TextStyle:
    """Unicode math for the terminal: z_4, w_{4,1}, δ_4, σ′(z_4), ∂C/∂w_{4,1}."""

    dot, ldots, delta, arrow, larrow, eta, dash, minus = "·", "…", "δ", "→", "←", "η", " — ", " − "
    funcs = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id", "softmax": "softmax"}
    width = 76   # text equations longer than this break at each '='

    def __init__(self, digits: int):
        self.digits = digits

    # symbols
    def sub(self, base: str, *idx: int) -> str:
        return f"{base}_{idx[0]}" if len(idx) == 1 else f"{base}_{{{','.join(map(str, idx))}}}"

    def func(self, activation: str) -> str:
        return self.funcs[activation]

    def prime(self, f: str) -> str:
        return f + "′"

    def partial(self, x: str) -> str:
        return f"∂C/∂{x}"

    def sq(self, x: str) -> str:
        return f"({x})²"

    def half(self, x: str) -> str:
        return f"½·{x}"

    def frac(self, a: str, b: str) -> str:
        return f"{a} / ({b})" if " " in b else f"{a} / {b}"

    def annotate(self, label: str, value: str) -> str:
        return f" ({label}: {value})"

    def exp(self, x: str) -> str:
        return f"exp({x})"

    def ln(self, x: str) -> str:
        return f"ln({x})"

    def indicator(self, x: str) -> str:
        return f"1[{x} > 0]"

    def sum_k(self, term: str) -> str:
        return f"Σ_k {term}"

    def more(self, n: int) -> str:
        return f"… (+ {n} more terms)"

    # numbers
    def num(self, v: float) -> str:
        """Fixed decimals for ordinary sizes, scientific for tiny or huge ones."""
        v = float(v) + 0.0                                   # no "-0.0000"
        if v == 0 or 10.0 ** -(self.digits - 1) <= abs(v) < 1e5:
            return f"{v:.{self.digits}f}"
        return f"{v:.{self.digits - 1}e}"

    def fac(self, v: float) -> str:
        """A number used as a factor or summand: negatives in parentheses."""
        s = self.num(v)
        return f"({s})" if s.startswith("-") else s

    # prose
    def code(self, s: str) -> str:
        return s

    def inline(self, math: str) -> str:
        return math

    def render(self, items: list) -> str:
        """Equations on one line when short, else as chains aligned on '=', one side per line."""
        out = []
        for item in items:
            if isinstance(item, _Eq) and len(" = ".join(item.sides)) <= self.width:
                out.append("  " + " = ".join(item.sides))
            elif isinstance(item, _Eq):
                pad = " " * (len(item.sides[0]) + 3)
                out.append(f"  {item.sides[0]} = {item.sides[1]}")
                out.extend(f"  {pad[:-2]}= {s}" for s in item.sides[2:])
            elif item.kind == "title":
                out.append(item.text)
                out.append("─" * min(len(item.text), 78))
            elif item.kind == "section":
                out.append(f"\n{item.text}")
            else:
                out.append(textwrap.fill(item.text, self.width + 2, initial_indent="  ", subsequent_indent="  "))
        return "\n".join(out)


class _LatexStyle(_TextStyle):
    """LaTeX math kept inside matplotlib mathtext's subset (\\cdot, \\frac, \\sigma, …)."""

    dot, ldots, delta, arrow, larrow, eta = r" \cdot ", r"\ldots", r"\delta", r"\rightarrow", r"\leftarrow", r"\eta"
    dash, minus = " --- ", " - "
    funcs = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}",
             "identity": r"\mathrm{id}", "softmax": r"\mathrm{softmax}"}

    def sub(self, base: str, *idx: int) -> str:
        return f"{base}_{{{','.join(map(str, idx))}}}"

    def prime(self, f: str) -> str:
        return f + r"^{\prime}"

    def partial(self, x: str) -> str:
        return rf"\frac{{\partial C}}{{\partial {x}}}"

    def sq(self, x: str) -> str:
        return f"({x})^{{2}}"

    def half(self, x: str) -> str:
        return rf"\frac{{1}}{{2}}{x}"

    def frac(self, a: str, b: str) -> str:
        return rf"\frac{{{a}}}{{{b}}}"

    def annotate(self, label: str, value: str) -> str:
        return rf"\ (\mathrm{{{label}}}\ {value})"

    def exp(self, x: str) -> str:
        return f"e^{{{x}}}"

    def ln(self, x: str) -> str:
        return rf"\ln({x})"

    def indicator(self, x: str) -> str:
        return rf"\mathbf{{1}}[{x} > 0]"

    def sum_k(self, term: str) -> str:
        return rf"\sum_{{k}} {term}"

    def more(self, n: int) -> str:
        return rf"\ldots\ (+{n}\ \mathrm{{more\ terms}})"

    def num(self, v: float) -> str:
        s = super().num(v)
        if "e" not in s:
            return s
        mantissa, exponent = s.split("e")
        return rf"{mantissa}\times10^{{{int(exponent)}}}"

    def code(self, s: str) -> str:
        return r"\texttt{" + s.replace("_", r"\_") + "}"

    def inline(self, math: str) -> str:
        return f"${math}$"

    #: how each kind of item is written, and what goes between items
    layout = {"eq": r"\[ {} \]", "title": r"\paragraph{{{}}}", "section": r"\textbf{{{}}}", "text": "{}"}
    joiner = "\n\n"

    def render(self, items: list) -> str:
        """Prose as paragraphs, each equation chain as one display line."""
        return self.joiner.join(self.layout["eq"].format(" = ".join(item.sides)) if isinstance(item, _Eq)
                                else self.layout[item.kind].format(item.text) for item in items)


class _MarkdownStyle(_LatexStyle):
    """Markdown prose with the LaTeX math between dollars, equations as a list."""

    dash = " — "
    layout = {"eq": "- ${}$", "title": "### {}\n", "section": "\n**{}**\n", "text": "\n{}\n"}
    joiner = "\n"

    def code(self, s: str) -> str:
        return f"`{s}`"

    def render(self, items: list) -> str:
        return re.sub(r"\n{3,}", "\n\n", super().render(items)).strip() + "\n"


_STYLES = {"text": _TextStyle, "markdown": _MarkdownStyle, "latex": _LatexStyle}


@dataclass
class _Eq:
    """An equation chain lhs = side₁ = side₂ = …"""

    sides: list[str]


@dataclass
class _Prose:
    kind: str   # "title", "section" or "text"
    text: str


def _style(format: str, digits: int) -> _TextStyle:
    style = lookup(_STYLES, format, "format")
    return style(whole_number(digits, "digits", 1, 12))


def _shorten(items, limit: int, gap) -> list:
    """``items`` as a list, or, when there are more than ``limit``, the first limit−1 of
    them, ``gap(number left out)`` and the last one — ``limit`` entries in all."""
    if len(items) <= limit:
        return list(items)
    return [*items[:limit - 1], gap(len(items) - limit), items[-1]]


def _terms(s: _TextStyle, terms: list[str], max_terms: int) -> str:
    """t₁ + t₂ + … ; beyond max_terms keep the first ones and the last, count the rest."""
    return " + ".join(_shorten(terms, max_terms, s.more))


# -- public entry point ------------------------------------------------------------

def explain(net: Network, target, format: str = "text", *, t=None,
            digits: int = 4, max_terms: int = 6) -> Explanation:
    """The equations behind one node, one edge or the loss, with the numbers put in.

    ``target`` is a node id (``4``), an edge as ``(src, dst)`` (``(1, 4)`` is
    w_{4,1}) or ``"loss"``.  Run ``net.forward(x)`` first; after
    ``net.backward(t)`` the backward equations (δ = ∂C/∂z, ∂C/∂w = a·δ) are
    shown too.  The loss and the output δ need the target t: pass ``t=`` or
    let it be recovered from the output δ of the last backward pass (the
    network does not store t).  ``format`` is "text", "markdown" or "latex";
    numbers use ``digits`` decimals; sums longer than ``max_terms`` are
    shortened with "…" and a count of the terms left out.
    """
    s = _style(format, digits)
    ex = _Explainer(net, s, t, whole_number(max_terms, "max_terms", 2))
    if isinstance(target, str):
        if target != "loss":
            raise ValueError(f"target {target!r} is not understood; give a node id, (src, dst) or 'loss'")
        items = ex.loss()
    elif isinstance(target, (tuple, list)):
        if len(target) != 2:
            raise ValueError(f"an edge target is (src, dst), e.g. (1, 4) for w_{{4,1}}; got {target!r}")
        items = ex.edge(_lookup(net.edge, node_id(target[0], "edge source id"),
                                node_id(target[1], "edge destination id")))
    else:
        items = ex.node(_lookup(net.node, node_id(target)))
    return Explanation(s.render(items), format,
                       lambda other: explain(net, target, other, t=t, digits=digits, max_terms=max_terms))


def _lookup(getter, *ids):
    """net.node / net.edge, with their KeyError turned into a ValueError naming the id."""
    try:
        return getter(*ids)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None


def _kind(node: Node) -> str:
    return "input" if node.is_input else "output" if node.is_output else "hidden"


# -- the builder ---------------------------------------------------------------------

class _Explainer:
    """Builds the list of equations and prose for one target, in one style."""

    def __init__(self, net: Network, style: _TextStyle, t, max_terms: int):
        if not net.forward_ready:
            raise RuntimeError("nothing to explain yet: run net.forward(x) first "
                               "(and net.backward(t) for δ and the gradients)")
        self.net, self.s, self.max_terms = net, style, max_terms
        self.loss_fn = get_loss(net.loss)
        self.outputs = net.outputs
        if t is not None:
            self.t, self.t_given = finite_array(t, "target t", len(self.outputs), allow_batch=False), True
        else:
            self.t, self.t_given = self._recover_t(), False

    # small helpers ----------------------------------------------------------
    def terms(self, items: list[str]) -> str:
        return _terms(self.s, items, self.max_terms)

    def prose(self, text: str, kind: str = "text") -> _Prose:
        return _Prose(kind, text)

    def m(self, math: str) -> str:
        return self.s.inline(math)

    def no_delta_yet(self, j: int) -> _Prose:
        """The note shown in place of the backward pass before net.backward(t) has run."""
        s = self.s
        return self.prose(f"{self.m(s.sub(s.delta, j))} not computed yet{s.dash}"
                          f"run {s.code('backward(t)')} after the forward pass.")

    def groups(self, node: Node) -> list[Node]:
        """The nodes sharing node's softmax group: same layer, same activation."""
        return [n for n in self.net.layers[node.layer] if n.activation == node.activation]

    def t_of(self, node: Node) -> float:
        return float(self.t[self.outputs.index(node)])

    # targets ------------------------------------------------------------------
    def _recover_t(self) -> np.ndarray | None:
        """t from the output δ of the last backward pass, when the loss can be inverted.

        half_squared δ = (a − t)·f′ ⇒ t = a − δ/f′;  squared t = a − δ/(2f′);
        cross_entropy t = −a·δ/f′;  softmax + cross_entropy t = a − δ (taking Σt = 1).
        """
        if not self.net.backward_ready:
            return None
        t = np.empty(len(self.outputs))
        for i, node in enumerate(self.outputs):
            act = get_activation(node.activation)
            a, d = node.a, node.delta
            if act.is_group:
                if self.loss_fn.name != "cross_entropy":
                    return None
                t[i] = a - d
                continue
            fp = float(act.derivative(np.array([node.z]), np.array([a]))[0])
            if fp == 0:
                return None
            g = d / fp                                           # ∂C/∂a
            t[i] = {"half_squared": a - g, "squared": a - g / 2, "cross_entropy": -a * g}[self.loss_fn.name]
        return t

    def _need_t(self, what: str) -> None:
        if self.t is None:
            raise ValueError(f"{what} needs the target t: pass t=[...] (one value per output node "
                             f"{', '.join(str(n.id) for n in self.outputs)})")

    def _t_note(self) -> list[_Prose]:
        if self.t_given:
            return []
        return [self.prose(f"The target t was recovered from the output {self.m(self.s.delta)} of the "
                           f"last backward pass; pass {self.s.code('t=[...]')} to state it.")]

    # node ---------------------------------------------------------------------
    def node(self, node: Node) -> list:
        items = [self.prose(f"Node {node.id} ({_kind(node)}, layer {node.layer}, {node.activation})", "title")]
        items.append(self.prose("Forward pass", "section"))
        items += self.forward(node)
        items.append(self.prose("Backward pass", "section"))
        if not self.net.backward_ready:
            items.append(self.no_delta_yet(node.id))
            return items
        items += self.output_delta(node) if node.is_output else self.hidden_delta(node)
        items += self.parameter_grads(node)
        return items

    def forward(self, node: Node) -> list:
        s, j = self.s, node.id
        if node.is_input:
            if not node.has_bias:
                return [_Eq([s.sub("a", j), s.sub("x", j), s.num(node.a)])]        # a = x
            x = node.z - node.bias                                                  # z = x + b
            eqs = [_Eq([s.sub("z", j), f"{s.sub('x', j)} + {s.sub('b', j)}",
                        f"{s.fac(x)} + {s.fac(node.bias)}", s.num(node.z)])]
        else:
            edges = node.inputs
            sym = [f"{e.name}{s.dot}{s.sub('a', e.src.id)}" for e in edges]        # z = Σ w·a + b
            val = [f"{s.fac(e.weight)}{s.dot}{s.fac(e.src.a)}" for e in edges]
            sym, val = self.terms(sym), self.terms(val)
            if node.has_bias:
                sym += f" + {s.sub('b', j)}"
                val += f" + {s.fac(node.bias)}"
            eqs = [_Eq([s.sub("z", j), sym, val, s.num(node.z)])]
        return eqs + [self.activation_eq(node)]

    def activation_eq(self, node: Node) -> _Eq:
        """a_j = f(z_j); softmax: a_j = e^{z_j} / Σ_k e^{z_k} over its group."""
        s, j = self.s, node.id
        if node.activation == "softmax":
            group = self.groups(node)
            denom = self.terms([s.exp(s.num(n.z)) for n in group])
            return _Eq([s.sub("a", j), s.frac(s.exp(s.sub("z", j)), s.sum_k(s.exp(s.sub("z", "k")))),
                        s.frac(s.exp(s.num(node.z)), denom), s.num(node.a)])
        f = s.func(node.activation)
        return _Eq([s.sub("a", j), f"{f}({s.sub('z', j)})", f"{f}({s.num(node.z)})", s.num(node.a)])

    def derivative_eq(self, node: Node) -> tuple[str, float, _Eq]:
        """f′(z_j) in the form the seeds use: σ′ = σ(1 − σ), tanh′ = 1 − tanh², relu′ = 1[z > 0]."""
        s, j = self.s, node.id
        act = get_activation(node.activation)
        fp = float(act.derivative(np.array([node.z]), np.array([node.a]))[0])
        name = f"{s.prime(s.func(node.activation))}({s.sub('z', j)})"
        a_j = s.sub("a", j)
        forms = {
            "sigmoid": [f"{a_j}{s.dot}(1{s.minus}{a_j})", f"{s.fac(node.a)}{s.dot}(1{s.minus}{s.fac(node.a)})"],
            "tanh": [f"1{s.minus}{s.sq(a_j)}", f"1{s.minus}{s.sq(s.num(node.a))}"],
            "relu": [s.indicator(s.sub("z", j)), s.indicator(s.num(node.z))],
            "identity": [],
        }[node.activation]
        return name, fp, _Eq([name] + forms + [s.num(fp)])

    def downstream(self, node: Node) -> tuple[str, str, float]:
        """Σ_k w_kj·δ_k over node's outgoing edges: symbols, numbers, value."""
        s, out = self.s, node.outputs
        sym = self.terms([f"{e.name}{s.dot}{s.sub(s.delta, e.dst.id)}" for e in out])
        val = self.terms([f"{s.fac(e.weight)}{s.dot}{s.fac(e.dst.delta)}" for e in out])
        return sym, val, self.downstream_value(node)

    @staticmethod
    def downstream_value(node: Node) -> float:
        """The value of Σ_k w_kj·δ_k alone (= ∂C/∂a_j)."""
        return float(sum(e.weight * e.dst.delta for e in node.outputs))

    def hidden_delta(self, node: Node) -> list:
        """δ_j = f′(z_j)·Σ_k w_kj·δ_k (softmax group: δ_j = a_j·(g_j − Σ_k a_k·g_k))."""
        s, j = self.s, node.id
        sym, val, total = self.downstream(node)
        if node.activation == "softmax":
            g_sym = s.partial(s.sub("a", j))
            g = {n.id: self.downstream_value(n) for n in self.groups(node)}
            return [_Eq([g_sym, sym, val, s.num(total)])] + self.softmax_delta(node, g)[0]
        if node.activation == "identity":                       # f′ = 1: δ is the sum itself
            return [_Eq([s.sub(s.delta, j), sym, val, s.num(node.delta)])]
        name, fp, d_eq = self.derivative_eq(node)
        return [d_eq, _Eq([s.sub(s.delta, j), f"{name}{s.dot}({sym})", f"{s.fac(fp)}{s.dot}({val})",
                           f"{s.fac(fp)}{s.dot}{s.fac(total)}", s.num(node.delta)])]

    def softmax_delta(self, node: Node, g: dict[int, float]) -> tuple[list, float]:
        """Jacobian form δ_j = a_j·(g_j − Σ_k a_k·g_k), g = ∂C/∂a over the softmax group;
        returns the items and the value of δ_j."""
        s, j = self.s, node.id
        group = self.groups(node)
        mean = sum(n.a * g[n.id] for n in group)
        terms = self.terms([f"{s.fac(n.a)}{s.dot}{s.fac(g[n.id])}" for n in group])
        g_j = s.sub("g", j)
        value = node.a * (g[j] - mean)
        return [self.prose(f"softmax couples its group, so with {self.m(g_j + ' = ' + s.partial(s.sub('a', j)))}:"),
                _Eq([s.sub(s.delta, j), f"{s.sub('a', j)}{s.dot}({g_j}{s.minus}{s.sum_k(s.sub('a', 'k') + s.dot + s.sub('g', 'k'))})",
                     f"{s.fac(node.a)}{s.dot}({s.fac(g[j])}{s.minus}({terms}))", s.num(value)])], value

    def output_delta(self, node: Node) -> list:
        """δ of an output node from the loss: ∂C/∂z_j = f′(z_j)·∂C/∂a_j."""
        s, j = self.s, node.id
        if self.t is None:
            return [self.prose(f"{self.m(s.sub(s.delta, j) + ' = ' + s.num(node.delta))} comes from the loss "
                               f"{s.code(self.net.loss)}; pass {s.code('t=[...]')} to see the target substituted."),
                    self.prose("(t cannot be recovered from this output layer.)")]
        return self._t_note() + self._output_delta_eqs(node)

    def _output_delta_eqs(self, node: Node) -> list:
        s, j = self.s, node.id
        a, t, a_j, t_j = node.a, self.t_of(node), s.sub("a", j), s.sub("t", j)
        loss = self.loss_fn.name
        if node.activation == "softmax":
            if loss == "cross_entropy":                                     # δ = a·Σt − t = a − t
                t_sum = float(np.sum(self.t))
                value = a * t_sum - t
                a_sum = (a_j, s.fac(a)) if t_sum == 1 else (f"{a_j}{s.dot}{s.sum_k(s.sub('t', 'k'))}",
                                                           f"{s.fac(a)}{s.dot}{s.fac(t_sum)}")
                return [_Eq([s.sub(s.delta, j), f"{a_sum[0]}{s.minus}{t_j}", f"{a_sum[1]}{s.minus}{s.fac(t)}",
                             s.num(value)])] + self._check(node, value)
            g = {n.id: float(self.loss_fn.grad(np.array([n.a]), np.array([self.t_of(n)]))[0])
                 for n in self.groups(node)}
            d_sym, d_val = self._dC_da(node)
            items, value = self.softmax_delta(node, g)
            return [_Eq([s.partial(a_j), d_sym, d_val, s.num(g[j])])] + items + self._check(node, value)
        name, fp, d_eq = self.derivative_eq(node)
        d_sym, d_val = self._dC_da(node)
        value = float(self.loss_fn.grad(np.array([a]), np.array([t]))[0]) * fp
        return [d_eq, _Eq([s.sub(s.delta, j), f"{d_sym}{s.dot}{name}", f"{d_val}{s.dot}{s.fac(fp)}",
                           s.num(value)])] + self._check(node, value)

    def _dC_da(self, node: Node) -> tuple[str, str]:
        """∂C/∂a_j of the loss, as symbols and with numbers."""
        s, j = self.s, node.id
        a, t, a_j, t_j = node.a, self.t_of(node), s.sub("a", j), s.sub("t", j)
        return {
            "half_squared": (f"({a_j}{s.minus}{t_j})", f"({s.fac(a)}{s.minus}{s.fac(t)})"),
            "squared": (f"2{s.dot}({a_j}{s.minus}{t_j})", f"2{s.dot}({s.fac(a)}{s.minus}{s.fac(t)})"),
            "cross_entropy": (f"-({s.frac(t_j, a_j)})", f"-({s.frac(s.fac(t), s.fac(a))})"),
        }[self.loss_fn.name]

    def _check(self, node: Node, value: float) -> list:
        """Warn when the δ computed from the given t is not the engine's δ."""
        d = node.delta
        if d is None or abs(value - d) <= 1e-9 * (1 + abs(d)):
            return []
        return [self.prose(f"Note: the last backward pass left {self.m(self.s.sub(self.s.delta, node.id))} = "
                           f"{self.m(self.s.num(d))}; it was run with a different target t.")]

    def parameter_grads(self, node: Node) -> list:
        """∂C/∂b_j = δ_j and ∂C/∂w_ji = a_i·δ_j for every incoming edge."""
        s, j = self.s, node.id
        items = []
        if node.has_bias:
            items.append(_Eq([s.partial(s.sub("b", j)), s.sub(s.delta, j), s.num(node.delta)]))
        edges = node.inputs
        if not edges:
            return items
        items.append(self.prose(
            f"Incoming weights, {self.m(s.partial('w') + ' = ' + s.sub('a', 'src') + s.dot + s.sub(s.delta, 'dst'))}; "
            f"{s.code('edge.grad')} is the sum since {s.code('zero_grad()')}, equal to "
            f"{self.m('a' + s.dot + s.delta)} after a single backward pass:"))

        def gap(hidden: int) -> _Prose:
            return self.prose(f"{self.m(s.ldots)} ({hidden} more incoming edges)")
        return items + [e if isinstance(e, _Prose) else self.edge_grad_eq(e)
                        for e in _shorten(edges, self.max_terms, gap)]

    def edge_grad_eq(self, e: Edge) -> _Eq:
        s = self.s
        a, d = e.src.a, e.dst.delta
        sides = [s.partial(e.name), f"{s.sub('a', e.src.id)}{s.dot}{s.sub(s.delta, e.dst.id)}",
                 f"{s.fac(a)}{s.dot}{s.fac(d)}", s.num(a * d)]
        if abs(e.grad - a * d) > 1e-12 * (1 + abs(a * d)):
            sides[-1] += s.annotate("accumulated", s.num(e.grad))
        return _Eq(sides)

    # edge -----------------------------------------------------------------------
    def edge(self, e: Edge) -> list:
        s, i, j = self.s, e.src.id, e.dst.id
        items = [self.prose(f"Edge {i} {self.m(s.arrow)} {j}: the weight {self.m(e.name)}", "title"),
                 _Eq([e.name, s.num(e.weight)]),
                 self.prose("Forward pass", "section"),
                 self.prose(f"It carries {self.m(s.sub('a', i))} into node {j}, one of the "
                            f"{len(e.dst.inputs)} weighted inputs of {self.m(s.sub('z', j) + ' = ' + s.num(e.dst.z))}:"),
                 _Eq([f"{e.name}{s.dot}{s.sub('a', i)}", f"{s.fac(e.weight)}{s.dot}{s.fac(e.src.a)}",
                      s.num(e.weight * e.src.a)]),
                 self.prose("Backward pass", "section")]
        if not self.net.backward_ready:
            return items + [self.no_delta_yet(j)]
        items += [self.prose(f"It sends {self.m(e.name + s.dot + s.sub(s.delta, j))} back into the sum "
                             f"{self.m(s.sum_k(s.sub('w', 'k', i) + s.dot + s.sub(s.delta, 'k')))} of node {i}:"),
                  _Eq([f"{e.name}{s.dot}{s.sub(s.delta, j)}", f"{s.fac(e.weight)}{s.dot}{s.fac(e.dst.delta)}",
                       s.num(e.weight * e.dst.delta)]),
                  self.prose(f"Its gradient ({s.code('edge.grad')} is the sum since {s.code('zero_grad()')}):"),
                  self.edge_grad_eq(e),
                  self.prose(f"{s.code('net.step(lr)')} then moves it downhill: "
                             f"{self.m(f'{e.name} {s.larrow} {e.name}{s.minus}{s.eta}{s.dot}{s.partial(e.name)}')}.")]
        return items

    # loss -----------------------------------------------------------------------
    def loss(self) -> list:
        self._need_t("explain(net, 'loss')")
        s, outs = self.s, self.outputs
        name = self.loss_fn.name
        items = [self.prose(f"The loss {s.code(name)} for the last sample", "title")] + self._t_note()
        if name == "cross_entropy":
            sym = "-" + s.sum_k(f"{s.sub('t', 'k')}{s.dot}{s.ln(s.sub('a', 'k'))}")
            val = f"-({self.terms([f'{s.fac(self.t_of(n))}{s.dot}{s.ln(s.num(n.a))}' for n in outs])})"
        else:
            sym = s.sum_k(s.sq(f"{s.sub('a', 'k')}{s.minus}{s.sub('t', 'k')}"))
            val = self.terms([s.sq(f"{s.fac(n.a)}{s.minus}{s.fac(self.t_of(n))}") for n in outs])
            sym, val = (s.half(sym), s.half(f"({val})")) if name == "half_squared" else (sym, val)
        items.append(_Eq(["C", sym, val, s.num(self._loss_value())]))
        items.append(self.prose("Output deltas", "section"))
        for n in outs:
            items += self._output_delta_eqs(n)
        return items

    def _loss_value(self) -> float:
        """C summed over the output groups with the engine's loss (exact softmax log)."""
        total = 0.0
        for group in dict.fromkeys(tuple(self.groups(n)) for n in self.outputs):
            a = np.array([n.a for n in group])
            z = np.array([n.z for n in group])
            t = np.array([self.t_of(n) for n in group])
            total += float(self.loss_fn.value(a, t, z, get_activation(group[0].activation)))
        return total
