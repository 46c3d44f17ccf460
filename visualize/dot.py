"""Build the DOT graph of a network: layers left to right, real numbers everywhere.

Layout rules (the tests parse ``dot -Tplain`` to check them):

- ``rankdir=LR``: one rank per layer, inputs on the left;
- each rank is a ``rank=same`` group, topped by a header node ("hidden 1 /
  4 neurons"), and an invisible edge chain header → first → second → …
  keeps the neurons in id order from top to bottom (no clusters);
- node sizes never depend on the values (fixed circles, table cells with
  minimum widths), so frames of the same network keep the same positions.

Encoding (``show="both"``): edge colour = sign of w on PuOr (orange −, purple +),
width ∝ |w| / max|w|; node fill = a, ring = δ = ∂C/∂z.  ``show="forward"``
leaves δ and ∂C/∂w out; ``show="backward"`` colours edges by ∂C/∂w and fills
nodes by δ.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import graphviz

from visualize import style
from visualize.collapse import More, Slot, check_max_per_layer, collapse, stand_in
from visualize.snapshot import EdgeValues, NodeValues, Snapshot

LABELS = ("table", "edge", "none")
SHOWS = ("forward", "backward", "both")
LEGEND_WIDTH = 330   # points; wide enough for every frame caption, so frames never move
CHAR = 6.8           # estimated width (points) of one character at 10 pt, generous


@dataclass(frozen=True)
class Options:
    """What to draw; validated once here, at the boundary."""

    labels: str = "table"
    show: str = "both"
    max_per_layer: int = 12
    precision: int = 2
    title: str | None = None

    def __post_init__(self):
        if self.labels not in LABELS:
            raise ValueError(f"labels must be one of {LABELS}, got {self.labels!r}")
        if self.show not in SHOWS:
            raise ValueError(f"show must be one of {SHOWS}, got {self.show!r}")
        check_max_per_layer(self.max_per_layer)
        if isinstance(self.precision, bool) or not isinstance(self.precision, int) \
                or not 0 <= self.precision <= 8:
            raise ValueError(f"precision must be an integer from 0 to 8, got {self.precision!r}")
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a string, got {type(self.title).__name__}")

    @property
    def forward(self) -> bool:
        return self.show in ("forward", "both")

    @property
    def backward(self) -> bool:
        return self.show in ("backward", "both")


@dataclass(frozen=True)
class Step:
    """Frame decorations: which layer was just computed, and a caption."""

    layer: int | None = None
    caption: str = ""
    scale: Snapshot | None = None   # colour scales from here (all frames alike), else the drawn snapshot


class _Builder:
    """Turns one Snapshot into one graphviz.Digraph (see module docstring)."""

    def __init__(self, snap: Snapshot, opt: Options, step: Step):
        self.snap, self.opt, self.step = snap, opt, step
        self.rows = collapse(snap.layers, opt.max_per_layer)
        self.hidden = stand_in(self.rows)
        self.incoming: dict[int, list[EdgeValues]] = {i: [] for i in snap.nodes}
        for e in snap.edges:
            self.incoming[e.dst].append(e)
        ref = step.scale or snap
        self.vmax_edge = style.largest(self.edge_value(e) for e in ref.edges)
        self.vmax_fill = style.largest(self.fill_value(n) for n in ref.nodes.values())
        self.vmax_ring = style.largest(n.delta for n in ref.nodes.values())
        p = opt.precision
        self.value_width = round((p + 7) * CHAR)                       # "a −0.40", "∇ −0.0021"
        digits = max(len(str(i)) for i in snap.nodes)
        self.id_width = round(digits * CHAR + 12)
        self.name_width = round((1.6 + 1.6 * digits * 0.8 + p + 3) * CHAR)  # "w₄,₁ −0.52"

    # -- what the colours encode ---------------------------------------------
    def edge_value(self, e: EdgeValues) -> float | None:
        return e.weight if self.opt.forward else e.grad

    def fill_value(self, n: NodeValues) -> float | None:
        return n.a if self.opt.forward else n.delta

    def ring(self, n: NodeValues) -> str:
        if self.opt.show == "both" and n.delta is not None:
            return style.diverging(n.delta, self.vmax_ring)
        return style.NEUTRAL

    # -- the graph -------------------------------------------------------------
    def build(self) -> graphviz.Digraph:
        g = graphviz.Digraph("network")
        g.attr(rankdir="LR", splines="true" if self.opt.labels == "edge" else "line", ranksep="1.5", nodesep="0.22", bgcolor="white", pad="0.3",
               fontname=style.FONT, labelloc="t", fontsize="20", outputorder="edgesfirst",
               label=f"<<B>{escape(self.title())}</B>>")
        g.attr("node", fontname=style.FONT, fontsize="10")
        g.attr("edge", arrowhead="none", fontname=style.FONT)
        for index, slots in enumerate(self.rows):
            self.layer(g, index, slots)
        for edge in self.drawn_edges():
            g.edge(*edge[:2], **edge[2])
        self.legend(g)
        return g

    def title(self) -> str:
        sizes = "-".join(str(s) for s in self.snap.sizes)
        name = self.opt.title if self.opt.title is not None else f"{sizes} network ({self.snap.loss_name} loss)"
        return name + ("" if self.snap.loss is None else f"   C = {self.snap.loss:.4f}")

    def layer(self, g: graphviz.Digraph, index: int, slots: list[Slot]) -> None:
        header = f"header{index}"
        names = [header]
        with g.subgraph() as s:
            s.attr(rank="same")
            s.node(header, self.header_label(index), shape="plaintext", margin="0")
            for slot in slots:
                if isinstance(slot, More):
                    s.node(slot.name, f"⋮\n{slot.text}", shape="box", style="filled", fontsize="11",
                           color="white", fillcolor="white", margin="0.02",
                           tooltip=f"{len(slot.ids)} neurons not drawn: ids {slot.span}")
                    names.append(slot.name)
                else:
                    self.node(s, self.snap.nodes[slot])
                    names.append(str(slot))
            for a, b in zip(names, names[1:]):
                s.edge(a, b, style="invis")

    def header_label(self, index: int) -> str:
        count = len(self.snap.layers[index])
        last = len(self.snap.layers) - 1
        name = "input" if index == 0 else "output" if index == last else f"hidden {index}"
        mark = '<FONT POINT-SIZE="11">◆ just computed</FONT>' if self.step.layer == index else ""
        return (f'<<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0">'
                f'<TR><TD WIDTH="120"><B><FONT POINT-SIZE="13" COLOR="#444444">{name}</FONT></B></TD></TR>'
                f'<TR><TD><FONT POINT-SIZE="11" COLOR="#555555">{count} neuron{"s" * (count != 1)}</FONT></TD></TR>'
                f'<TR><TD HEIGHT="16">{mark}</TD></TR></TABLE>>')

    # -- neurons -----------------------------------------------------------------
    def node(self, g: graphviz.Digraph, n: NodeValues) -> None:
        fill = style.diverging(self.fill_value(n), self.vmax_fill)
        tip = self.node_tooltip(n)
        if self.opt.labels == "table" and not n.is_input:
            g.node(str(n.id), self.table(n, fill), shape="plain", tooltip=tip)
            return
        lit = self.step.layer == n.layer
        g.node(str(n.id), self.circle_label(n, fill), shape="circle", fixedsize="true",
               width="1.05", style="filled", fillcolor=fill, tooltip=tip,
               color=style.HIGHLIGHT if lit else self.ring(n), penwidth="5" if lit else "3")

    def texts(self, n: NodeValues) -> list[tuple[str, float | None]]:
        """The (symbol, value) pairs a node shows, by ``show``; b only when it has one."""
        out = []
        if self.opt.forward:
            out.append(("a", n.a))
        if self.opt.backward:
            out.append(("δ", n.delta))
        if n.bias is not None:
            out.append(("b", n.bias))
        return out

    def value(self, symbol: str, v: float | None, ink: str) -> str:
        if v is None:
            colour = style.UNKNOWN_ON_DARK if ink == "#ffffff" else style.UNKNOWN_TEXT
        else:
            colour = ink
        return f'<FONT COLOR="{colour}">{symbol} {style.number(v, self.opt.precision)}</FONT>'

    def circle_label(self, n: NodeValues, fill: str) -> str:
        ink = style.text_colour(fill)
        lines = [f'<FONT COLOR="{ink}"><B>{n.id}</B></FONT>']
        lines += [self.value(sym, v, ink) for sym, v in self.texts(n)]
        if n.is_input and n.bias is None:
            lines.append(f'<FONT COLOR="{ink}">input</FONT>')
        return "<" + "<BR/>".join(lines) + ">"

    def table(self, n: NodeValues, fill: str) -> str:
        ink = style.text_colour(fill)
        halo = style.HIGHLIGHT if self.step.layer == n.layer else "white"
        head = "".join(f'<TD WIDTH="{self.value_width}">{self.value(sym, v, ink)}</TD>'
                       for sym, v in self.texts(n))
        header = (f'<TR><TD COLSPAN="3" BGCOLOR="{fill}" PORT="out">'
                  f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0"><TR>'
                  f'<TD WIDTH="{self.id_width}"><FONT COLOR="{ink}"><B>{n.id}</B></FONT></TD>'
                  f'{head}</TR></TABLE></TD></TR>')
        rows = "".join(self.table_row(n, item) for item in self.sources(n))
        return (f'<<TABLE BORDER="3" COLOR="{halo}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                f'<TR><TD>'
                f'<TABLE BORDER="3" COLOR="{self.ring(n)}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
                f'BGCOLOR="white">{header}{rows}</TABLE></TD></TR></TABLE>>')

    def sources(self, n: NodeValues) -> list[EdgeValues | More]:
        """n's incoming edges in source-id order, hidden sources merged into their More."""
        items: list[EdgeValues | More] = []
        for e in self.incoming[n.id]:
            more = self.hidden.get(e.src)
            if more is None:
                items.append(e)
            elif more not in items:
                items.append(more)
        return items

    def table_row(self, n: NodeValues, item: EdgeValues | More) -> str:
        cells = f'<TD WIDTH="{self.name_width}" ALIGN="LEFT">{{}}</TD>'
        grad = f'<TD WIDTH="{self.value_width}" ALIGN="LEFT">{{}}</TD>' if self.opt.backward else ""
        if isinstance(item, More):
            return (f'<TR><TD PORT="{item.name}" WIDTH="14"></TD>'
                    + cells.format(f'<FONT COLOR="#666666">⋮ {len(item.ids)} more</FONT>')
                    + grad.format("") + "</TR>")
        swatch = style.diverging(self.edge_value(item), self.vmax_edge)
        name = f'w<SUB>{item.dst},{item.src}</SUB> {style.number(item.weight, self.opt.precision)}'
        return (f'<TR><TD PORT="in{item.src}" WIDTH="14" BGCOLOR="{swatch}"></TD>'
                + cells.format(name)
                + grad.format(self.value("∇", item.grad, "#333333")) + "</TR>")

    def node_tooltip(self, n: NodeValues) -> str:
        kind = "input" if n.is_input else f"{n.activation} neuron"
        parts = [f"node {n.id} ({kind}, layer {n.layer})", f"z = {style.full(n.z)}",
                 f"a = {style.full(n.a)}", f"δ = ∂C/∂z: {style.full(n.delta)}"]
        if n.bias is not None:
            parts += [f"b = {style.full(n.bias)}", f"∂C/∂b: {style.full(n.bias_grad)}"]
        return "\n".join(parts)

    # -- edges -----------------------------------------------------------------------
    def drawn_edges(self) -> list[tuple[str, str, dict[str, str]]]:
        """Every drawn edge (tail, head, attributes): real ones between drawn
        neurons, one dashed summary per (stand-in, neuron) pair otherwise."""
        drawn, summaries = [], {}
        for e in self.snap.edges:
            src, dst = self.hidden.get(e.src), self.hidden.get(e.dst)
            if src is None and dst is None:
                drawn.append((str(e.src), self.head(e.dst, f"in{e.src}"), self.edge_attrs(e)))
            else:
                # a drawn head means a hidden tail: its port is the "more" row of the table
                key = (src.name if src else str(e.src),
                       dst.name if dst else self.head(e.dst, src.name))
                summaries.setdefault(key, []).append(e)
        drawn += [(tail, head, self.summary_attrs(edges)) for (tail, head), edges in summaries.items()]
        return drawn

    def head(self, dst: int, port: str) -> str:
        table = self.opt.labels == "table" and not self.snap.nodes[dst].is_input
        return f"{dst}:{port}:w" if table else str(dst)

    def edge_attrs(self, e: EdgeValues) -> dict[str, str]:
        v = self.edge_value(e)
        known = v is not None and (self.step.layer is None or self.snap.nodes[e.dst].a is not None)
        attrs = {"color": style.diverging(v, self.vmax_edge) if known else "#dddddd",
                 "penwidth": f"{style.pen_width(v, self.vmax_edge):.2f}",
                 "tooltip": f"{e.name} = {style.full(e.weight)} (edge {e.src} → {e.dst})\n"
                            f"∂C/∂w: {style.full(e.grad)}"}
        if self.opt.labels == "edge":
            text = f"{e.pretty} {style.number(e.weight, self.opt.precision)}"
            if self.opt.backward:
                text += f"\n∇ {style.number(e.grad, self.opt.precision)}"
            attrs.update(label=text, fontsize="9", fontcolor="#333333")
        return attrs

    def summary_attrs(self, edges: list[EdgeValues]) -> dict[str, str]:
        mean = sum(abs(e.weight) for e in edges) / len(edges)
        return {"color": style.SUMMARY, "style": "dashed", "penwidth": "0.8",
                "tooltip": f"{len(edges)} edges not drawn one by one: mean |w| = {mean!r}, "
                           f"max |w| = {style.largest(e.weight for e in edges)!r}"}

    # -- legend ------------------------------------------------------------------------
    def legend(self, g: graphviz.Digraph) -> None:
        p = self.opt.precision
        what = "w" if self.opt.forward else "∂C/∂w"
        fill = "activation a" if self.opt.forward else "δ = ∂C/∂z"
        strip = "".join(f'<TD BGCOLOR="{c}" WIDTH="{LEGEND_WIDTH // len(style.PUOR)}" HEIGHT="12"></TD>' for c in style.PUOR)
        lo, hi = style.number(-self.vmax_edge, p), style.number(self.vmax_edge, p)
        n = len(style.PUOR)
        side = n // 2
        row = f'<TR><TD COLSPAN="{n}" ALIGN="LEFT">{{}}</TD></TR>'
        lines = [f"node fill = {fill}, {self.darkest(self.vmax_fill)}"]
        if self.opt.show == "both":
            lines.append(f"ring = δ = ∂C/∂z, {self.darkest(self.vmax_ring)}")
        if self.opt.labels == "table":
            head = "a δ" if self.opt.show == "both" else "a" if self.opt.forward else "δ"
            lines.append(f"table header: id {head} b")
            lines.append("table row: w<SUB>to,from</SUB> weight" + (",  ∇ = ∂C/∂w" if self.opt.backward else ""))
        if self.hidden:
            lines.append("dashed grey = the edges of the neurons not drawn")
        lines.append(f"{style.MISSING} = {style.NOT_YET}")
        lines += [f'<FONT POINT-SIZE="13"><B>{escape(text)}</B></FONT>'
                  for text in self.step.caption.splitlines()]
        label = (f'<<TABLE BORDER="1" COLOR="#cccccc" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
                 f'<TR><TD COLSPAN="{n}"><B>edge colour = sign of {what}, width ∝ |{what}|</B></TD></TR>'
                 f'<TR>{strip}</TR>'
                 f'<TR><TD COLSPAN="{side}" ALIGN="LEFT">{lo}</TD><TD COLSPAN="{n - 2 * side}">0</TD>'
                 f'<TD COLSPAN="{side}" ALIGN="RIGHT">{hi}</TD></TR>'
                 + "".join(row.format(line) for line in lines)
                 + f'<TR><TD COLSPAN="{n}" WIDTH="{LEGEND_WIDTH}"></TD></TR></TABLE>>')
        g.node("legend", label, shape="plain", fontsize="11",
               tooltip=f"colour scale: {what} from {-self.vmax_edge!r} (orange) to {self.vmax_edge!r} (purple)")
        g.edge(f"header{len(self.rows) - 1}", "legend", style="invis")

    def darkest(self, vmax: float) -> str:
        """Legend text for a colour scale whose ends are ±vmax."""
        if vmax == 0:
            return style.NOT_YET
        return f"darkest at ±{style.number(vmax, self.opt.precision)[1:]}"


def build(snap: Snapshot, opt: Options, step: Step = Step()) -> graphviz.Digraph:
    """The DOT graph of ``snap`` drawn with ``opt`` (and frame decorations ``step``)."""
    return _Builder(snap, opt, step).build()
