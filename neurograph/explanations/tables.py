"""Plain-text tables for the terminal (the demo, reports, histories)."""
from __future__ import annotations

from collections.abc import Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], floatfmt: str = "+.4f") -> str:
    """Align ``rows`` under ``headers``; floats use ``floatfmt``, None shows as '—'."""
    def cell(v: object) -> str:
        if v is None:
            return "—"
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["─" * w for w in widths])] + [line(r) for r in text])
