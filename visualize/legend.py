"""The legend node of a picture: what colour, width, fill, ring and table cells encode.

One HTML-like table (Graphviz ``shape=plain``): the edge colour strip from −vmax to +vmax,
then one line per encoding.  With ``values=False`` (a quiz) it keeps the same rows with the
numbers left out, so a quiz and its key have legends of one size.
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from visualize import style

if TYPE_CHECKING:
    from visualize.options import Options

BLANK = "____"       # where a quiz leaves a number out
LEGEND_WIDTH = 330   # points; wide enough for every frame caption, so frames never move


def darkest(vmax: float, precision: int) -> str:
    """Legend text for a colour scale whose ends are ±vmax."""
    if vmax == 0:
        return style.NOT_YET
    return f"darkest at ±{style.number(vmax, precision)[1:]}"


def legend_table(opt: Options, vmax: tuple[float, float, float], table_lines: list[str], hidden: bool,
                 caption: str) -> tuple[str, str]:
    """(label, tooltip) of the legend; ``vmax`` = the largest |value| of edges, fills and rings."""
    vmax_edge, vmax_fill, vmax_ring = vmax
    p = opt.precision
    what = "w" if opt.forward else "∂C/∂w"
    fill = "activation a" if opt.forward else "δ = ∂C/∂z"
    n = len(style.PUOR)
    strip = "".join(f'<TD BGCOLOR="{c}" WIDTH="{LEGEND_WIDTH // n}" HEIGHT="12"></TD>' for c in style.PUOR)
    lo, hi = style.number(-vmax_edge, p), style.number(vmax_edge, p)
    side = n // 2
    row = f'<TR><TD COLSPAN="{n}" ALIGN="LEFT">{{}}</TD></TR>'
    if opt.values:
        lines = [f"node fill = {fill}, {darkest(vmax_fill, p)}"]
        if opt.show == "both":
            lines.append(f"ring = δ = ∂C/∂z, {darkest(vmax_ring, p)}")
        top = (f'<TR><TD COLSPAN="{n}"><B>edge colour = sign of {what}, width ∝ |{what}|</B></TD></TR>'
               f'<TR>{strip}</TR>'
               f'<TR><TD COLSPAN="{side}" ALIGN="LEFT">{lo}</TD><TD COLSPAN="{n - 2 * side}">0</TD>'
               f'<TD COLSPAN="{side}" ALIGN="RIGHT">{hi}</TD></TR>')
        tip = f"colour scale: {what} from {-vmax_edge!r} (orange) to {vmax_edge!r} (purple)"
    else:    # the same rows as above, so that a quiz and its key have legends of one size
        lines = ["node fill: the same for every neuron"]
        if opt.show == "both":
            lines.append("ring: the same for every neuron")
        blank = "".join(f'<TD WIDTH="{LEGEND_WIDTH // n}" HEIGHT="12"></TD>' for _ in style.PUOR)
        top = (f'<TR><TD COLSPAN="{n}"><B>structure only: the numbers are left out</B></TD></TR>'
               f'<TR>{blank}</TR>'
               f'<TR><TD COLSPAN="{n}" ALIGN="LEFT">edges: one colour and one width</TD></TR>')
        tip = "structure only"
    lines += table_lines
    if hidden:
        lines.append("dashed grey = the edges of the neurons not drawn")
    lines.append(f"{style.MISSING} = {style.NOT_YET}" if opt.values else f"{BLANK} = a number to work out")
    lines += [f'<FONT POINT-SIZE="13"><B>{escape(text)}</B></FONT>' for text in caption.splitlines()]
    label = ('<<TABLE BORDER="1" COLOR="#cccccc" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
             + top + "".join(row.format(line) for line in lines)
             + f'<TR><TD COLSPAN="{n}" WIDTH="{LEGEND_WIDTH}"></TD></TR></TABLE>>')
    return label, tip
