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

Options a slide or a quiz needs: ``values=False`` draws the structure only (no
number anywhere, edges and fills uniform); ``names`` writes x₁, h₁, ŷ₁ (or the
caller's labels) instead of ids; ``scale`` fixes the colour and width range so
that two pictures compare; ``legend=False``; ``rankdir="TB"``; ``labels="auto"``
picks tables unless a layer collapses, then compact circles.
"""
from __future__ import annotations

from itertools import pairwise
from html import escape

import graphviz
import numpy as np

from visualize import edge_labels, style
from visualize.collapse import More, Slot, collapse, stand_in
from visualize.legend import BLANK, legend_table
from visualize.names import resolve
from visualize.options import Options, Step
from visualize.snapshot import EdgeValues, NodeValues, Snapshot

CELL_HEIGHT = 16     # points; the height of a value cell when cells are fixed (handouts)
CHAR = 6.8           # estimated width (points) of one character at 10 pt, generous


class _Builder:
    """Turns one Snapshot into one graphviz.Digraph (see module docstring)."""

    def __init__(self, snap: Snapshot, opt: Options, step: Step):
        self.snap, self.opt, self.step = snap, opt, step
        self.rows = collapse(snap.layers, opt.max_per_layer)
        self.hidden = stand_in(self.rows)
        self.labels = opt.labels if opt.labels != "auto" else "none" if self.hidden else "table"
        self.names = resolve(opt.names, snap.layers)
        self.tags = False          # labels="edge": lay out without labels, then place tags on the edges
        self.pins: dict[str, edge_labels.Box] = {}   # node name → where the layout put it
        self.drawn, self.summarised = self.split_edges()
        ref = step.scale or snap
        self.vmax_edge = ref.edge_scale(opt.forward)
        self.vmax_fill = style.largest(self.fill_value(n) for n in ref.nodes.values())
        self.vmax_ring = style.largest(n.delta for n in ref.nodes.values())
        if opt.scale is not None:            # one fixed range: a (sigmoid, tanh) in ±1, w, ∂C/∂w and δ in ±scale
            self.vmax_edge = self.vmax_ring = float(opt.scale)
            self.vmax_fill = 1.0 if opt.forward else float(opt.scale)
        p = opt.precision
        self.value_width = round((p + (9 if opt.fixed_cells else 7)) * CHAR)   # "a −0.40", "∇ −0.0021"
        digits = max(len(self.label_of(i)) for i in snap.nodes)
        self.id_width = round(digits * CHAR + 12)
        self.name_width = round((1.6 + 1.6 * digits * 0.8 + p + 3) * CHAR if self.names is None   # "w₄,₁ −0.52"
                                else (digits + p + 8) * CHAR)                                   # "from x₁ −0.52"

    # -- names and what the colours encode -------------------------------------
    def label_of(self, node: int) -> str:
        """What the picture calls a neuron: its id, or its name (``names``)."""
        return str(node) if self.names is None else self.names[node]

    def edge_value(self, e: EdgeValues) -> float | None:
        return e.weight if self.opt.forward else e.grad

    def fill_value(self, n: NodeValues) -> float | None:
        return n.a if self.opt.forward else n.delta

    def ring(self, n: NodeValues) -> str:
        if self.opt.values and self.opt.show == "both" and n.delta is not None:
            return style.diverging(n.delta, self.vmax_ring)
        return style.NEUTRAL

    # -- the graph -------------------------------------------------------------
    def build(self) -> graphviz.Digraph:
        """The graph; with labels="edge" and Graphviz installed, laid out twice (see edge_labels)."""
        if self.labels == "edge":
            self.tags = True
            nodes = edge_labels.layout(self.graph())
            if nodes is not None:
                self.pins = nodes
                return self.tagged(self.graph())
            self.tags = False                    # no Graphviz: ordinary edge labels
        return self.graph()

    def tagged(self, g: graphviz.Digraph) -> graphviz.Digraph:
        """``g`` drawn where the first layout put its nodes, with a tag on every drawn edge."""
        g.engine = "neato"
        g.attr(inputscale="72", splines="line", overlap="true")
        edges = [self.snap.edge(i) for i in self.drawn]
        wanted = [(f"tag{e.src}_{e.dst}", str(e.src), str(e.dst), edge_labels.tag_size(self.edge_label(e)))
                  for e in edges]
        for e, (name, box) in zip(edges, edge_labels.place(self.pins, wanted).items(), strict=True):
            g.node(name, self.tag(e), shape="plain", pos=f"{box.x:.2f},{box.y:.2f}!",
                   tooltip=self.edge_attrs(e)["tooltip"])
        return g

    def tag(self, e: EdgeValues) -> str:
        """An edge's label as a white tag framed in the edge's colour."""
        rows = "".join(f'<TR><TD><FONT POINT-SIZE="9" COLOR="#333333">{escape(line)}</FONT></TD></TR>'
                       for line in self.edge_label(e).split("\n"))
        return (f'<<TABLE BORDER="1" COLOR="{self.edge_attrs(e)["color"]}" BGCOLOR="white" CELLBORDER="0" '
                f'CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>')

    def pin(self, name: str) -> dict[str, str]:
        """``pos`` for a node of the second, pinned drawing (nothing otherwise)."""
        box = self.pins.get(name)
        return {} if box is None else {"pos": f"{box.x:.2f},{box.y:.2f}!"}

    def graph(self) -> graphviz.Digraph:
        g = graphviz.Digraph("network")
        g.attr(rankdir=self.opt.rankdir, splines="true" if self.labels == "edge" and not self.tags else "line",
               ranksep="3" if self.tags else "1.5", nodesep="0.22", bgcolor="white", pad="0.3",
               fontname=style.FONT, labelloc="t", fontsize="20", outputorder="edgesfirst",
               label=f"<<B>{escape(self.title())}</B>>")
        g.attr("node", fontname=style.FONT, fontsize="10")
        g.attr("edge", arrowhead="none", fontname=style.FONT)
        for index, slots in enumerate(self.rows):
            self.layer(g, index, slots)
        for edge in self.drawn_edges():
            g.edge(*edge[:2], **edge[2])
        if self.opt.legend:
            self.legend(g)
        return g

    def title(self) -> str:
        sizes = "-".join(str(s) for s in self.snap.sizes)
        name = self.opt.title if self.opt.title is not None else f"{sizes} network ({self.snap.loss_name} loss)"
        loss = self.snap.loss
        if loss is None or not self.opt.values:
            return name
        return name + (f"   C = {loss:.4f}" if loss == 0 or loss >= 1e-3 else f"   C = {loss:.3g}")

    def layer(self, g: graphviz.Digraph, index: int, slots: list[Slot]) -> None:
        header = f"header{index}"
        names = [header]
        with g.subgraph() as s:
            s.attr(rank="same")
            s.node(header, self.header_label(index), shape="plaintext", margin="0", **self.pin(header))
            for slot in slots:
                if isinstance(slot, More):
                    s.node(slot.name, f"⋮\n{slot.text}", shape="box", style="filled", fontsize="11",
                           color="white", fillcolor="white", margin="0.02",
                           tooltip=f"{len(slot.ids)} neurons not drawn: ids {slot.span}", **self.pin(slot.name))
                    names.append(slot.name)
                else:
                    self.node(s, self.snap.nodes[slot])
                    names.append(str(slot))
            for a, b in pairwise(names):
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
        fill = style.diverging(self.fill_value(n), self.vmax_fill) if self.opt.values else style.QUIZ_FILL
        tip = self.node_tooltip(n)
        if self.labels == "table" and not n.is_input:
            g.node(str(n.id), self.table(n, fill), shape="plain", tooltip=tip, **self.pin(str(n.id)))
            return
        lit = self.step.layer == n.layer
        g.node(str(n.id), self.circle_label(n, fill), shape="circle", fixedsize="true",
               width="1.05", style="filled", fillcolor=fill, tooltip=tip,
               color=style.HIGHLIGHT if lit else self.ring(n), penwidth="5" if lit else "3", **self.pin(str(n.id)))

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
        if not self.opt.values:
            return f'<FONT COLOR="{ink}">{symbol} {BLANK}</FONT>'
        unknown = style.UNKNOWN_ON_DARK if ink == "#ffffff" else style.UNKNOWN_TEXT
        colour = unknown if v is None else ink
        return f'<FONT COLOR="{colour}">{symbol} {style.number(v, self.opt.precision)}</FONT>'

    def circle_label(self, n: NodeValues, fill: str) -> str:
        ink = style.text_colour(fill)
        lines = [f'<FONT COLOR="{ink}"><B>{escape(self.label_of(n.id))}</B></FONT>']
        lines += [self.value(sym, v, ink) for sym, v in self.texts(n)]
        if n.is_input and n.bias is None:
            lines.append(f'<FONT COLOR="{ink}">input</FONT>')
        return "<" + "<BR/>".join(lines) + ">"

    def table(self, n: NodeValues, fill: str) -> str:
        ink = style.text_colour(fill)
        halo = style.HIGHLIGHT if self.step.layer == n.layer else "white"
        head = "".join(f'<TD{self.size(self.value_width)}>{self.value(sym, v, ink)}</TD>'
                       for sym, v in self.texts(n))
        header = (f'<TR><TD COLSPAN="3" BGCOLOR="{fill}" PORT="out">'
                  f'<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0"><TR>'
                  f'<TD{self.size(self.id_width)}><FONT COLOR="{ink}"><B>{escape(self.label_of(n.id))}</B></FONT></TD>'
                  f'{head}</TR></TABLE></TD></TR>')
        rows = "".join(self.table_row(n, item) for item in self.sources(n))
        return (f'<<TABLE BORDER="3" COLOR="{halo}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
                f'<TR><TD>'
                f'<TABLE BORDER="3" COLOR="{self.ring(n)}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
                f'BGCOLOR="white">{header}{rows}</TABLE></TD></TR></TABLE>>')

    def sources(self, n: NodeValues) -> list[EdgeValues | More]:
        """n's incoming edges in source-id order, hidden sources merged into their More."""
        items: list[EdgeValues | More] = []
        for i in self.snap.incoming(n.id):
            more = self.hidden.get(int(self.snap.src[i]))
            if more is None:
                items.append(self.snap.edge(i))
            elif more not in items:
                items.append(more)
        return items

    def size(self, width: int) -> str:
        """A cell's WIDTH; with ``fixed_cells`` its exact size, whatever it holds."""
        if self.opt.fixed_cells:
            return f' WIDTH="{width}" HEIGHT="{CELL_HEIGHT}" FIXEDSIZE="TRUE"'
        return f' WIDTH="{width}"'

    def table_row(self, n: NodeValues, item: EdgeValues | More) -> str:
        cells = f'<TD{self.size(self.name_width)} ALIGN="LEFT">{{}}</TD>'
        grad = f'<TD{self.size(self.value_width)} ALIGN="LEFT">{{}}</TD>' if self.opt.backward else ""
        if isinstance(item, More):
            return (f'<TR><TD PORT="{item.name}" WIDTH="14"></TD>'
                    + cells.format(f'<FONT COLOR="#666666">⋮ {len(item.ids)} more</FONT>')
                    + grad.format("") + "</TR>")
        swatch = style.diverging(self.edge_value(item), self.vmax_edge) if self.opt.values else style.UNKNOWN_FILL
        number = style.number(item.weight, self.opt.precision) if self.opt.values else BLANK
        name = f"{self.weight_name(item)} {number}"
        return (f'<TR><TD PORT="in{item.src}" WIDTH="14" BGCOLOR="{swatch}"></TD>'
                + cells.format(name)
                + grad.format(self.value("∇", item.grad, "#333333")) + "</TR>")

    def weight_name(self, e: EdgeValues) -> str:
        """w<SUB>4,1</SUB> (target first, by id), or "from x₁" when the neurons have names."""
        if self.names is None:
            return f"w<SUB>{e.dst},{e.src}</SUB>"
        return f"from {escape(self.names[e.src])}"

    def node_tooltip(self, n: NodeValues) -> str:
        kind = "input" if n.is_input else f"{n.activation} neuron"
        name = "" if self.names is None else f" = {self.names[n.id]}"
        parts = [f"node {n.id}{name} ({kind}, layer {n.layer})"]
        if not self.opt.values:
            return parts[0]
        parts += [f"z = {style.full(n.z)}", f"a = {style.full(n.a)}", f"δ = ∂C/∂z: {style.full(n.delta)}"]
        if n.bias is not None:
            parts += [f"b = {style.full(n.bias)}", f"∂C/∂b: {style.full(n.bias_grad)}"]
        return "\n".join(parts)

    # -- edges -----------------------------------------------------------------------
    def split_edges(self) -> tuple[list[int], list[np.ndarray]]:
        """(indices of the edges between drawn neurons, the other edges grouped by the pair of
        ends they are summarised between: a stand-in or a drawn neuron at each end), in edge
        order, each group in the order its first edge comes.  Works on the columns: only the
        drawn edges and one edge per group are ever read one by one."""
        snap = self.snap
        if not self.hidden:
            return list(range(len(snap.src))), []
        ids = np.array(sorted(snap.nodes), dtype=np.int64)
        code = np.arange(len(ids))                          # each end: its node's position, or its stand-in's
        hidden = np.searchsorted(ids, np.array(list(self.hidden), dtype=np.int64))
        code[hidden] = len(ids) + np.array([m.layer for m in self.hidden.values()])
        src, dst = code[np.searchsorted(ids, snap.src)], code[np.searchsorted(ids, snap.dst)]
        inside = (src < len(ids)) & (dst < len(ids))
        rest = np.flatnonzero(~inside)
        key = src[rest] * (len(ids) + len(snap.layers)) + dst[rest]
        by_key = rest[np.argsort(key, kind="stable")]     # grouped, each group in edge order
        cuts = np.flatnonzero(np.diff(np.sort(key))) + 1
        groups = np.split(by_key, cuts) if len(rest) else []
        groups.sort(key=lambda group: group[0])
        return np.flatnonzero(inside).tolist(), groups

    def drawn_edges(self) -> list[tuple[str, str, dict[str, str]]]:
        """Every drawn edge (tail, head, attributes): real ones between drawn
        neurons, one dashed summary per (stand-in, neuron) pair otherwise."""
        drawn: list[tuple[str, str, dict[str, str]]] = []
        for i in self.drawn:
            e = self.snap.edge(i)
            drawn.append((self.tail(e.src), self.head(e.dst, f"in{e.src}"), self.edge_attrs(e)))
        for group in self.summarised:
            e = self.snap.edge(int(group[0]))
            src, dst = self.hidden.get(e.src), self.hidden.get(e.dst)
            # a drawn head means a hidden tail: its port is the "more" row of the table
            tail = src.name if src else str(e.src)
            drawn.append((tail, dst.name if dst else self.head(e.dst, tail), self.summary_attrs(group)))
        return drawn

    def tail(self, src: int) -> str:
        """The tail of an edge: the neuron (top to bottom: its bottom side), or with ``fixed_cells``
        the right side of its table's header."""
        if self.opt.rankdir == "TB":
            return f"{src}:s"
        table = self.labels == "table" and not self.snap.nodes[src].is_input
        return f"{src}:out:e" if table and self.opt.fixed_cells else str(src)

    def head(self, dst: int, port: str) -> str:
        """The head of an edge: the table row of its source (left to right), else the neuron
        (top to bottom: its top side)."""
        if self.opt.rankdir == "TB":
            return f"{dst}:n"
        table = self.labels == "table" and not self.snap.nodes[dst].is_input
        return f"{dst}:{port}:w" if table else str(dst)

    def edge_attrs(self, e: EdgeValues) -> dict[str, str]:
        where = f"edge {e.src} → {e.dst}" + ("" if self.names is None
                                              else f", {self.names[e.src]} → {self.names[e.dst]}")
        if not self.opt.values:
            attrs = {"color": style.QUIZ_EDGE, "penwidth": "1.20", "tooltip": f"{e.name} ({where})"}
        else:
            v = self.edge_value(e)
            known = v is not None and (self.step.layer is None or self.snap.nodes[e.dst].a is not None)
            attrs = {"color": style.diverging(v, self.vmax_edge) if known else "#dddddd",
                     "penwidth": f"{style.pen_width(v, self.vmax_edge):.2f}",
                     "tooltip": f"{e.name} = {style.full(e.weight)} ({where})\n"
                                f"∂C/∂w: {style.full(e.grad)}"}
        if self.labels == "edge" and not self.tags:
            attrs.update(label=self.edge_label(e), fontsize="9", fontcolor="#333333")
        return attrs

    def edge_label(self, e: EdgeValues) -> str:
        """w₄,₁ +0.15 (and ∇ ∂C/∂w below it); "x₁→h₁ …" when the neurons have names."""
        name = e.pretty if self.names is None else f"{self.names[e.src]}→{self.names[e.dst]}"
        p = self.opt.precision
        text = f"{name} {style.number(e.weight, p) if self.opt.values else BLANK}"
        if self.opt.backward:
            text += f"\n∇ {style.number(e.grad, p) if self.opt.values else BLANK}"
        return text

    def summary_attrs(self, edges: np.ndarray) -> dict[str, str]:
        """A dashed edge standing for the edges ``edges`` (indices): mean |w| (summed in edge order), max |w|."""
        tip = f"{len(edges)} edges not drawn one by one"
        if self.opt.values:
            size = np.abs(self.snap.weight[edges])
            mean = sum(size.tolist()) / len(edges)
            tip += f": mean |w| = {mean!r}, max |w| = {float(size.max())!r}"
        return {"color": style.SUMMARY, "style": "dashed", "penwidth": "0.8", "tooltip": tip}

    # -- legend ------------------------------------------------------------------------
    def legend(self, g: graphviz.Digraph) -> None:
        label, tip = legend_table(self.opt, (self.vmax_edge, self.vmax_fill, self.vmax_ring),
                                  self.label_lines(), bool(self.hidden), self.step.caption)
        g.node("legend", label, shape="plain", fontsize="11", tooltip=tip, **self.pin("legend"))
        g.edge(f"header{len(self.rows) - 1}", "legend", style="invis")

    def label_lines(self) -> list[str]:
        """The legend's key to the table cells (tables only)."""
        if self.labels != "table":
            return []
        head = "a δ" if self.opt.show == "both" else "a" if self.opt.forward else "δ"
        who = "id" if self.names is None else "name"
        row = "w<SUB>to,from</SUB> weight" if self.names is None else "from (source), weight w"
        return [f"table header: {who} {head} b",
                f"table row: {row}" + (",  ∇ = ∂C/∂w" if self.opt.backward else "")]


NO_STEP = Step()    # a still picture: no layer highlighted, no caption


def build(snap: Snapshot, opt: Options, step: Step = NO_STEP) -> graphviz.Digraph:
    """The DOT graph of ``snap`` drawn with ``opt`` (and frame decorations ``step``)."""
    return _Builder(snap, opt, step).build()
