"""What ``explain`` returns: the text, which a notebook shows as Markdown or LaTeX.

``Explanation`` is a ``str`` (the text exactly as before, so printing,
joining and ``in`` keep working) that also knows how to write itself in the
other formats.  Jupyter picks ``_repr_markdown_`` (math rendered by MathJax);
nbconvert to PDF uses ``_repr_latex_``; the plain-text view is the text
itself, not a quoted string full of ``'\\n'``.

The other formats are written on first use (a notebook asks at once, when the
cell finishes), from the network's numbers at that moment.
"""
from __future__ import annotations

from collections.abc import Callable


class Explanation(str):
    """The equations as text in one format (``.output_format``), with the others on demand."""

    output_format: str
    _render: Callable[[str], str] | None
    _other: dict[str, str]

    def __new__(cls, text: str, format: str = "text", render: Callable[[str], str] | None = None) -> Explanation:
        self = super().__new__(cls, text)
        self.output_format, self._render, self._other = format, render, {}
        return self

    @property
    def text(self) -> str:
        """The plain ``str`` (the same characters)."""
        return str.__str__(self)

    def as_format(self, format: str) -> str:
        """The same explanation written as ``"text"``, ``"markdown"`` or ``"latex"``."""
        if format == self.output_format:
            return self.text
        if self._render is None:
            raise ValueError(f"this explanation exists only as {self.output_format}; "
                             f"re-run explain(…, format={format!r})")
        if format not in self._other:
            self._other[format] = str.__str__(self._render(format))
        return self._other[format]

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer, cycle: bool) -> None:     # IPython's plain-text view
        printer.text(self.as_format("text"))

    def _repr_markdown_(self) -> str:
        return self.as_format("markdown")

    def _repr_latex_(self) -> str:
        return self.as_format("latex")
