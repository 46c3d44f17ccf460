"""A quiz and its answer key from one network and one sample: ``visualize.handout``.

Writes, into one folder:

- ``quiz.<fmt>``: the structure, neurons named x₁ h₁ ŷ₁ (or the caller's names),
  every number a blank ____, edges of one colour and width, nodes of one fill;
- ``key.<fmt>``: the same diagram with every number filled in.  Every table cell
  has a fixed size, so the key's nodes sit exactly where the quiz's do;
- ``answers.md``: what is given (x, t, the weights and biases, η), then the
  forward and backward equations of every neuron (``explain``), the loss, and
  with ``lr`` one SGD step w ← w − η·∂C/∂w, b ← b − η·∂C/∂b;
- ``worksheet.md``: the same text with ____ wherever answers.md has a computed number.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from neurograph import Network, write_atomic
from neurograph.engine.validation import finite_array, finite_number

from visualize.diagram import Diagram
from visualize.dot import BLANK, Options, build
from visualize.names import check_names, labels
from visualize.snapshot import Snapshot

FORMATS = ("svg", "pdf", "png")
DIGITS = 4
#: a number as ``explain`` writes it in markdown: -0.4800, 1.234\times10^{-5}
NUMBER = re.compile(r"-?\d+\.\d+(?:\\times10\^\{-?\d+\})?")


def handout(net: Network, x, t, directory: str | Path, *, lr: float | None = None,
            formats: Sequence[str] = ("svg", "pdf"),
            names: str | Mapping[int, str] | None = None) -> list[Path]:
    """Write quiz.<fmt> and key.<fmt> for each of ``formats``, worksheet.md and answers.md
    into ``directory`` (created if needed); return their paths.

    The numbers are those of one forward and backward pass of (x, t) on a copy of
    ``net`` (``net`` itself is not changed); ``lr`` adds one SGD step to the
    worksheet.  ``names``: None or "symbolic" (x₁, h₁, ŷ₁) or a dict {id: label}.
    """
    if not isinstance(net, Network):
        raise TypeError(f"handout needs a neurograph Network, got {type(net).__name__}")
    x = finite_array(x, "input x", net.n_inputs, allow_batch=False)
    t = finite_array(t, "target t", net.n_outputs, allow_batch=False)
    if lr is not None:
        lr = finite_number(lr, "learning rate lr")
        if lr <= 0:
            raise ValueError(f"learning rate lr must be > 0 (or None for no SGD step), got {lr}")
    formats = _check_formats(formats)
    check_names(names)
    if not isinstance(directory, (str, Path)) or not str(directory):
        raise TypeError(f"handout directory must be a non-empty path (str or Path), got {directory!r}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"handout directory {str(folder)!r} exists and is not a folder")

    work = net.copy()
    work.forward(x)
    work.backward(t)
    label = labels("symbolic" if names is None else names, [[n.id for n in layer] for layer in work.layers])
    quiz, key = diagrams(work, label)
    answers = Sheet(work, x, t, lr, label)
    folder.mkdir(parents=True, exist_ok=True)
    written = [d.render(folder / f"{stem}.{fmt}", format=fmt)
               for stem, d in (("quiz", quiz), ("key", key)) for fmt in formats]
    for stem, text in (("worksheet", answers.worksheet()), ("answers", answers.answers())):
        written.append(write_atomic(folder / f"{stem}.md", text.encode("utf-8"), example=f"{stem}.md"))
    return written


def _check_formats(formats) -> tuple[str, ...]:
    if isinstance(formats, str) or not isinstance(formats, Sequence) or not formats:
        raise ValueError(f"formats must be a non-empty list of {', '.join(FORMATS)}, got {formats!r}")
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"formats: {fmt!r} is not one of {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(formats))


def diagrams(net: Network, names: Mapping[int, str]) -> tuple[Diagram, Diagram]:
    """(quiz, key): the same layout, blanks in the quiz, numbers in the key (after a backward pass)."""
    snap = Snapshot.of(net)
    sizes = "-".join(str(s) for s in snap.sizes)
    title = f"{sizes} network: one sample forward and back"

    def picture(values: bool) -> Diagram:
        return Diagram(build(snap, Options(values=values, names=dict(names), fixed_cells=True, title=title)))
    return picture(False), picture(True)


class Sheet:
    """answers.md, and worksheet.md with a blank for every computed number."""

    def __init__(self, net: Network, x, t, lr: float | None, names: Mapping[int, str]):
        self.net, self.x, self.t, self.lr, self.names = net, x, t, lr, names
        self.given = self._given()
        self.work = self._work()

    @staticmethod
    def num(value: float | None) -> str:
        """The number format ``explain`` uses (fixed decimals, scientific when tiny or huge)."""
        if value is None:
            raise ValueError("a handout needs every value computed: run forward and backward first")
        v = float(value) + 0.0
        if v == 0 or 10.0 ** -(DIGITS - 1) <= abs(v) < 1e5:
            return f"{v:.{DIGITS}f}"
        mantissa, exponent = f"{v:.{DIGITS - 1}e}".split("e")
        return rf"{mantissa}\times10^{{{int(exponent)}}}"

    def _given(self) -> str:
        net, num = self.net, self.num
        inputs = ", ".join(f"{self.names[n.id]} = {num(v)}" for n, v in zip(net.inputs, self.x, strict=True))
        targets = ", ".join(f"$t_{{{n.id}}}$ = {num(v)}" for n, v in zip(net.outputs, self.t, strict=True))
        names = " · ".join(f"{self.names[n.id]} = node {n.id}" for n in net.nodes)
        lines = ["## Given", "",
                 f"Loss `{net.loss}`; the sample: {inputs}; its target: {targets}.", "",
                 f"Neurons (the diagram's names, the equations' ids): {names}.", "",
                 "| weight | edge | value |", "|---|---|---|"]
        lines += [f"| ${e.name}$ | {e.src.id} → {e.dst.id} | {num(e.weight)} |" for e in net.edges]
        biased = [n for n in net.nodes if n.has_bias]
        if biased:
            lines += ["", "| bias | node | value |", "|---|---|---|"]
            lines += [f"| $b_{{{n.id}}}$ | {n.id} | {num(n.bias)} |" for n in biased]
        if self.lr is not None:
            lines += ["", rf"Learning rate $\eta$ = {num(self.lr)}."]
        return "\n".join(lines) + "\n"

    def _work(self) -> str:
        """Every neuron's equations (forward, then backward), the loss, and the SGD step."""
        from neurograph import explain                         # loaded here: `import visualize` stays light

        net = self.net
        neurons = [n for layer in net.layers[1:] for n in layer]
        parts = ["## The loss", "", explain(net, "loss", format="markdown", t=self.t)]
        parts += ["## Every neuron", ""]
        parts += [explain(net, n.id, format="markdown", t=self.t) for n in neurons]
        if self.lr is not None:
            parts += [self._step(self.lr)]
        return "\n".join(parts)

    def _step(self, lr: float) -> str:
        r"""One SGD step by the engine, on a copy that repeats this pass:
        w ← w − η·∂C/∂w, b ← b − η·∂C/∂b; then C on the same sample."""
        before, num = self.net, self.num
        after = before.copy()
        after.forward(self.x)
        after.backward(self.t)
        after.step(lr)
        after.zero_grad()
        after.forward(self.x)
        loss = after.backward(self.t)
        lines = ["## One SGD step", "", r"$w \leftarrow w - \eta \cdot \partial C/\partial w$, "
                 r"$b \leftarrow b - \eta \cdot \partial C/\partial b$:", ""]
        lines += [rf"- ${e.name} = {num(e.weight)} - {num(lr)} \cdot {self.factor(e.grad)} = "
                  rf"{num(after.edge(e.src.id, e.dst.id).weight)}$" for e in before.edges]
        lines += [rf"- $b_{{{n.id}}} = {num(n.bias)} - {num(lr)} \cdot {self.factor(n.bias_grad)} = "
                  rf"{num(after.node(n.id).bias)}$" for n in before.nodes if n.has_bias]
        lines += ["", f"After the step the same sample gives $C = {num(loss)}$.", ""]
        return "\n".join(lines)

    def factor(self, v: float | None) -> str:
        """A number as a factor: negatives in parentheses."""
        s = self.num(v)
        return f"({s})" if s.startswith("-") else s

    def answers(self) -> str:
        return "# Answers\n\n" + self.given + "\n" + self.work

    def worksheet(self) -> str:
        return ("# Worksheet\n\nFill in every " + BLANK + " (answers.md has the numbers).\n\n"
                + self.given + "\n" + NUMBER.sub(BLANK, self.work))
