"""Notation: how each output format writes symbols, numbers and whole equations.

``explain`` and ``explain_matrix`` build their text from small pieces that a
style renders: ``TextStyle`` (Unicode for the terminal: z_4, w_{4,1}, δ_4,
σ′(z_4), ∂C/∂w_{4,1}), ``LatexStyle`` (the subset of LaTeX that matplotlib's
mathtext renders) and ``MarkdownStyle`` (prose with ``$…$`` math).

An equation is written once, as a ``Template`` whose sides are separated by
" = " and whose fields name what goes in: the style's symbols ({dot}, {minus},
{delta}, …) and the values the caller gives::

    HIDDEN_DELTA = Template("{delta_j} = {fprime}{dot}({sum}) = {fp}{dot}({sum_values}) = {value}")
    HIDDEN_DELTA.fill(style, delta_j=..., fprime=..., ...)   # an Eq, one string per side

``Eq`` (an equation chain) and ``Prose`` (a title, a section heading or a
paragraph) are the items a style's ``render`` lays out.
"""
from __future__ import annotations

import re
import textwrap
from collections import ChainMap
from dataclasses import dataclass

from neurograph.engine.validation import lookup, whole_number

FORMATS = ("text", "markdown", "latex")


class TextStyle:
    """Unicode math for the terminal: z_4, w_{4,1}, δ_4, σ′(z_4), ∂C/∂w_{4,1}."""

    dot, ldots, delta, arrow, larrow, eta, dash, minus = "·", "…", "δ", "→", "←", "η", " — ", " − "
    funcs = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id", "softmax": "softmax"}
    width = 76   # text equations longer than this break at each '='

    def __init__(self, digits: int):
        self.digits = digits

    # symbols
    @property
    def symbols(self) -> dict[str, str]:
        """The fields every template may use: {dot} {minus} {delta} {ldots} {arrow} {larrow} {eta} {dash}."""
        return {name: getattr(self, name) for name in ("dot", "minus", "delta", "ldots", "arrow", "larrow",
                                                        "eta", "dash")}

    def sub(self, base: str, *idx: int | str) -> str:
        return f"{base}_{idx[0]}" if len(idx) == 1 else f"{base}_{{{','.join(map(str, idx))}}}"

    def func(self, activation: str) -> str:
        return self.funcs.get(activation, activation)          # a custom activation: its own name

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
            if isinstance(item, Eq) and len(" = ".join(item.sides)) <= self.width:
                out.append("  " + " = ".join(item.sides))
            elif isinstance(item, Eq):
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


class LatexStyle(TextStyle):
    """LaTeX math kept inside matplotlib mathtext's subset (\\cdot, \\frac, \\sigma, …)."""

    dot, ldots, delta, arrow, larrow, eta = r" \cdot ", r"\ldots", r"\delta", r"\rightarrow", r"\leftarrow", r"\eta"
    dash, minus = " --- ", " - "
    funcs = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{relu}",
             "identity": r"\mathrm{id}", "softmax": r"\mathrm{softmax}"}

    def func(self, activation: str) -> str:
        return self.funcs.get(activation, rf"\mathrm{{{activation}}}")

    def sub(self, base: str, *idx: int | str) -> str:
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
        return self.joiner.join(self.layout["eq"].format(" = ".join(item.sides)) if isinstance(item, Eq)
                                else self.layout[item.kind].format(item.text) for item in items)


class MarkdownStyle(LatexStyle):
    """Markdown prose with the LaTeX math between dollars, equations as a list."""

    dash = " — "
    layout = {"eq": "- ${}$", "title": "### {}\n", "section": "\n**{}**\n", "text": "\n{}\n"}
    joiner = "\n"

    def code(self, s: str) -> str:
        return f"`{s}`"

    def render(self, items: list) -> str:
        return re.sub(r"\n{3,}", "\n\n", super().render(items)).strip() + "\n"


STYLES = {"text": TextStyle, "markdown": MarkdownStyle, "latex": LatexStyle}


@dataclass
class Eq:
    """An equation chain lhs = side₁ = side₂ = …"""

    sides: list[str]


@dataclass
class Prose:
    kind: str   # "title", "section" or "text"
    text: str


def style(format: str, digits: int) -> TextStyle:
    """The style of ``format`` ("text", "markdown" or "latex") writing numbers with ``digits`` decimals."""
    cls = lookup(STYLES, format, "format")
    return cls(whole_number(digits, "digits", 1, 12))


def shorten(items, limit: int, gap) -> list:
    """``items`` as a list, or, when there are more than ``limit``, the first limit−1 of
    them, ``gap(number left out)`` and the last one — ``limit`` entries in all."""
    if len(items) <= limit:
        return list(items)
    return [*items[:limit - 1], gap(len(items) - limit), items[-1]]


def terms(s: TextStyle, items: list[str], max_terms: int) -> str:
    """t₁ + t₂ + … ; beyond max_terms keep the first ones and the last, count the rest."""
    return " + ".join(shorten(items, max_terms, s.more))


@dataclass(frozen=True)
class Template:
    """One equation chain written once: its sides separated by " = ", fields in braces.

    ``fill(style, **values)`` puts in the style's symbols ({dot}, {minus}, {delta}, …)
    and the given values, and returns the ``Eq``.
    """

    text: str

    def fill(self, style: TextStyle, **values: str) -> Eq:
        fields = ChainMap(values, style.symbols)
        return Eq([side.format_map(fields) for side in self.text.split(" = ")])


@dataclass(frozen=True)
class ProseTemplate:
    """One sentence (or a title, ``kind="title"``, or a heading, ``kind="section"``) written once."""

    text: str
    kind: str = "text"

    def fill(self, style: TextStyle, **values: str) -> Prose:
        return Prose(self.kind, self.text.format_map(ChainMap(values, style.symbols)))
