"""The object ``draw`` returns: DOT text always, pictures when Graphviz's ``dot`` is installed."""
from __future__ import annotations

from pathlib import Path

import graphviz

from neurograph import write_atomic

#: picture formats ``save`` picks from the file extension (.dot/.gv write the DOT text)
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
#: bitmap formats: the only ones whose size ``dpi`` changes (SVG and PDF keep their size in points)
RASTER = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")

INSTALL_HINT = ("the Graphviz program 'dot' was not found on PATH, so neurograph can write the "
                "DOT text (Diagram.source, or save('net.dot')) but cannot render it. Install "
                "Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install "
                "graphviz' (macOS), 'conda install -c conda-forge graphviz' or "
                "https://graphviz.org/download/ (Windows); then check with 'dot -V'.")


def format_of(path: str | Path) -> str:
    """The format ``save`` writes for ``path`` ("svg" for net.svg …), or a ValueError naming
    the extensions it knows."""
    format = FORMATS.get(Path(path).suffix.lower())
    if format is None:
        raise ValueError(f"cannot tell the format of {Path(path).name!r} from its extension: neurograph "
                         "writes .svg, .png and .pdf pictures, and the DOT text as .dot or .gv")
    return format


class GraphvizNotInstalled(RuntimeError):
    """Raised when a picture is requested but the ``dot`` executable is missing."""


class Diagram:
    """A drawn network.

    >>> import visualize
    >>> from neurograph import Network
    >>> d = visualize.draw(Network.layered([3, 4, 2], seed=0))
    >>> d.source.split()[0]               # DOT text, no Graphviz program needed
    'digraph'

    Saving needs Graphviz's ``dot`` program:

    >>> d.save("net.svg"); d.save("net.png", dpi=200)   # doctest: +SKIP
    """

    def __init__(self, graph: graphviz.Digraph):
        self._graph = graph

    @property
    def source(self) -> str:
        """The DOT text (deterministic for the same network and options)."""
        return self._graph.source

    def pipe(self, format: str = "svg", dpi: float | None = None) -> bytes:
        """Render with ``dot`` and return the bytes (svg, png, pdf, plain, …).

        ``dpi`` sets the resolution of bitmap formats (Graphviz's default is 96): pixels
        = points · dpi/72.  It does not change vector formats: an SVG or PDF keeps its
        physical size in points whatever ``dpi`` says (Graphviz would scale the page).
        """
        graph = self._graph
        if dpi is not None and (isinstance(dpi, bool) or not isinstance(dpi, (int, float))
                                or not 10 <= dpi <= 1200):
            raise ValueError(f"dpi must be a number from 10 to 1200, got {dpi!r}")
        if dpi is not None and format in RASTER:
            graph = graph.copy()
            graph.graph_attr["dpi"] = f"{dpi:g}"
        try:
            return graph.pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotInstalled(INSTALL_HINT) from None

    def render(self, path: str | Path, format: str | None = None, dpi: float | None = None) -> Path:
        """Write the picture to ``path`` in ``format`` (default: from the extension), atomically
        (``neurograph.write_atomic``: through a symlink, keeping the file's mode)."""
        path = Path(path)
        if format is None:
            format = format_of(path)
        data = self.source.encode("utf-8") if format == "dot" else self.pipe(format, dpi=dpi)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, data, example=f"net.{format}")

    def save(self, path: str | Path, dpi: float | None = None) -> Path:
        """Write svg/png/pdf/dot, chosen by the extension of ``path``."""
        return self.render(path, dpi=dpi)

    # -- notebooks ----------------------------------------------------------------
    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        return self.pipe("png")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """SVG for notebooks that show it, PNG as fallback; the DOT text without ``dot``."""
        try:
            bundle = {"image/svg+xml": self._repr_svg_(), "image/png": self._repr_png_()}
        except GraphvizNotInstalled as exc:
            return {"text/plain": f"{exc}\n\n{self.source}"}
        bundle["text/plain"] = repr(self)
        return {k: v for k, v in bundle.items()
                if (include is None or k in include) and (exclude is None or k not in exclude)}

    def __repr__(self) -> str:
        return f"<Diagram: {self.source.count(chr(10))} lines of DOT>"
