"""Small HTML tables for notebook display (``_repr_html_``); values escaped, floats formatted."""
from __future__ import annotations

import html
from collections.abc import Sequence


def html_table(headers: Sequence[str], rows: Sequence[Sequence[object]], floatfmt: str = ".4g",
               caption: str = "") -> str:
    """An HTML <table>: one header row, ``rows`` below; floats use ``floatfmt``, None shows as '—'."""
    def cell(v: object) -> str:
        if v is None:
            return "—"
        return html.escape(format(v, floatfmt) if isinstance(v, float) else str(v))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
