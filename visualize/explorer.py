"""The interactive explorer: one self-contained HTML page where every number is a hover away.

``explore(net, x, t)`` draws the network with Graphviz (circles with a, δ, b; collapsed
layers as in the pictures), marks every neuron ``data-node="<id>"`` and every edge
``data-edge="<src>-><dst>"``, and inlines the SVG, the CSS and the JavaScript engine
(``explorer.js``) into one file: no request to any other file or host.  In the page,
hovering a neuron or an edge shows its values at full precision and its equations with the
numbers put in (neurograph.explain's text); weights, biases, inputs and targets can be
edited and everything recomputes; "next step" walks the forward pass layer by layer and
then the backward pass (the phases of ``visualize.frames``); "SGD step" applies
w ← w − η·∂C/∂w.  ``window.neurograph`` gives scripts the same controls:
``state()``, ``setWeight(src, dst, v)``, ``setBias(id, v)``, ``setInput(id, v)``,
``setTarget(id, v)``, ``step(lr)``, ``reset()``, ``phase(k)``.

>>> import visualize
>>> from neurograph.engine.builders import worked_example, WORKED_X, WORKED_T
>>> page = visualize.explore(worked_example(), WORKED_X, WORKED_T).html()
>>> 'data-edge="1->4"' in page and "<script src" not in page
True
"""
from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from neurograph import Network, write_atomic
from neurograph.engine.validation import finite_array

from visualize import style
from visualize.diagram import Diagram
from visualize.dot import Options, build
from visualize.snapshot import Snapshot

#: decimals and sum length of the equations, as neurograph.explain's defaults
DIGITS, MAX_TERMS = 4, 6


def _asset(name: str) -> str:
    return resources.files("visualize").joinpath(name).read_text(encoding="utf-8")


def model_data(net: Network, x, t) -> dict[str, Any]:
    """The plain data the page computes from: nodes with their incoming (source, weight)
    pairs in the engine's order, the loss, the sample, and the picture's colour scale."""
    if not isinstance(net, Network):
        raise TypeError(f"expected a neurograph Network, got {type(net).__name__}")
    n_in, n_out = len(net.inputs), len(net.outputs)
    xs = [0.0] * n_in if x is None else [float(v) for v in finite_array(x, "input x", n_in, allow_batch=False)]
    ts = None if t is None else [float(v) for v in finite_array(t, "target t", n_out, allow_batch=False)]
    nodes = [{"id": n.id, "layer": n.layer, "activation": n.activation, "bias": n.bias,
              "in": [[e.src.id, e.weight] for e in n.inputs]} for n in net.nodes]
    return {"nodes": nodes, "inputs": [n.id for n in net.inputs], "outputs": [n.id for n in net.outputs],
            "loss": net.loss, "x": xs, "t": ts, "digits": DIGITS, "max_terms": MAX_TERMS,
            "palette": list(style.PUOR), "pen": [style.PEN_MIN, style.PEN_MAX],
            "unknown_fill": style.UNKNOWN_FILL}


_NODE = re.compile(r'<g id="(node\d+)" class="node">\s*<title>(\d+)</title>')
_EDGE = re.compile(r'<g id="(edge\d+)" class="edge">\s*<title>(\d+)&#45;&gt;(\d+)(?::[^<]*)?</title>')


def mark_svg(svg: str) -> str:
    """Add data-node / data-edge to Graphviz's <g> of every drawn neuron and edge."""
    svg = _NODE.sub(lambda m: f'<g id="{m[1]}" class="node" data-node="{m[2]}">\n<title>{m[2]}</title>', svg)
    svg = _EDGE.sub(lambda m: f'<g id="{m[1]}" class="edge" data-edge="{m[2]}->{m[3]}">\n'
                              f'<title>{m[2]}&#45;&gt;{m[3]}</title>', svg)
    return svg[svg.index("<svg"):]            # drop the XML prolog and DOCTYPE


def drawn_ids(svg: str) -> list[int]:
    return [int(v) for v in re.findall(r'data-node="(\d+)"', svg)]


def _svg(net: Network, x, t, title: str | None, max_per_layer: int) -> str:
    work = net.copy()
    loss = None
    if x is not None:
        work.forward(x)
        if t is not None:
            loss = work.backward(t)
    opt = Options(labels="none", show="both", max_per_layer=max_per_layer, title=title)
    return mark_svg(Diagram(build(Snapshot.of(work, loss=loss), opt)).pipe("svg").decode("utf-8"))


_BODY = """<div class="ng-explorer" id="{root}">
<header><h1>{title}</h1>
<div class="ng-toolbar" role="toolbar" aria-label="passes and training">
<button type="button" class="ng-prev">◀ previous step</button>
<button type="button" class="ng-next">next step ▶</button>
<span class="ng-phase" aria-live="polite"></span>
<label>learning rate η <input class="ng-lr" type="number" step="any" value="0.5" size="6"></label>
<button type="button" class="ng-step">SGD step</button>
<button type="button" class="ng-reset">reset</button>
<span class="ng-loss" aria-live="polite"></span>
</div></header>
<div class="ng-main">
<div class="ng-svg" aria-label="the network: hover or focus a neuron or an edge">{svg}</div>
<aside class="ng-panel" role="region" aria-label="details of the selected neuron or edge" aria-live="polite">
<h2 class="ng-panel-title">hover a neuron or an edge</h2>
<pre class="ng-facts"></pre>
<div class="ng-edit"></div>
<pre class="ng-equations"></pre>
<h2>sample</h2>
<div class="ng-samples" role="group" aria-label="inputs x and targets t"></div>
</aside></div></div>"""


def _widget_base() -> type:
    """anywidget.AnyWidget when the notebook extra is installed, else a plain object."""
    try:
        import anywidget
    except ImportError:
        return object
    return anywidget.AnyWidget


_Base: Any = _widget_base()
WIDGET = _Base is not object

#: the widget's front end: the page's script, mounted in the notebook cell
_WIDGET_ENTRY = """
export default {
  render({ model, el }) {
    el.innerHTML = model.get("body");
    const api = neurographExplorer(el.querySelector(".ng-explorer"), model.get("data"),
      { changed: (params) => model.send({ type: "params", ...params }) });
    el.neurograph = api;
  },
};
"""


class Explorer(_Base):
    """The explorer of one network and one sample.

    ``.save(path)`` writes the self-contained page; ``.html()`` returns it.  In a notebook
    it is a widget (anywidget, ``pip install '.[notebook]'``): every edit made in the cell
    is written back to ``net``, so ``explorer.net`` holds the edited weights and biases and
    ``explorer.x`` / ``explorer.t`` the edited sample.  A plain HTML export of the notebook,
    or a kernel without anywidget, shows the static page instead.
    """

    if WIDGET:
        import traitlets

        _esm = _asset("explorer.js") + _WIDGET_ENTRY
        _css = _asset("explorer.css")
        data = traitlets.Dict().tag(sync=True)
        body = traitlets.Unicode().tag(sync=True)

    def __init__(self, net: Network, x=None, t=None, *, title: str | None = None, max_per_layer: int = 12):
        if t is not None and x is None:
            raise ValueError("a target t needs an input x: pass x too")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string, got {type(title).__name__}")
        data = model_data(net, x, t)
        svg = _svg(net, x, t, title, max_per_layer)
        data["drawn"] = drawn_ids(svg)
        heading = title or f"{'-'.join(str(len(layer)) for layer in net.layers)} network"
        body = _BODY.format(root="ng-root", title=html.escape(heading), svg=svg)
        if WIDGET:
            super().__init__(data=data, body=body)
            self.on_msg(self._on_message)
        else:
            self.data, self.body = data, body
        self.net, self.x, self.t, self.title = net, data["x"], data["t"], title

    def html(self) -> str:
        """One self-contained page: SVG, CSS and JS inline, nothing fetched."""
        payload = json.dumps(self.data).replace("</", "<\\/")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(self.title or 'neurograph explorer')}</title>"
                f"<style>{_asset('explorer.css')}</style></head><body>\n{self.body}\n"
                f"<script>\n{_asset('explorer.js')}\n"
                f"window.neurograph = neurographExplorer(document.getElementById('ng-root'), {payload});\n"
                "</script></body></html>\n")

    def save(self, path: str | Path) -> Path:
        """Write the page (atomically, ``neurograph.write_atomic``) and return its path."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"the explorer is an HTML page: give a .html path, got {str(path)!r}")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot save the explorer to {path}: the folder {path.parent} does not exist")
        return write_atomic(path, self.html().encode("utf-8"), example="explorer.html")

    def apply(self, params: dict) -> None:
        """Write the page's numbers back: ``{"weights": {"1->4": w, …}, "biases": {"4": b, …},
        "x": […], "t": […] or None}`` (what the widget sends after every edit)."""
        weights = {tuple(int(v) for v in k.split("->")): float(w) for k, w in params["weights"].items()}
        biases = {int(k): b for k, b in params["biases"].items() if b is not None}
        for (src, dst) in weights:
            self.net.edge(src, dst)                       # KeyError before anything changes
        for nid in biases:
            self.net.node(nid)
        for (src, dst), w in weights.items():
            self.net.edge(src, dst).weight = w
        for nid, b in biases.items():
            self.net.node(nid).bias = float(b)
        self.x, self.t = list(params["x"]), None if params["t"] is None else list(params["t"])

    def _on_message(self, _widget: Any, content: dict, _buffers: list) -> None:
        if isinstance(content, dict) and content.get("type") == "params":
            self.apply(content)

    def _repr_html_(self) -> str:
        """The static page in a sandboxed iframe (its script cannot touch the notebook)."""
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" style="width:100%;height:640px;'
                'border:1px solid #ddd" sandbox="allow-scripts" title="neurograph explorer"></iframe>')

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget where the front end runs it, the static page everywhere else."""
        widget = super()._repr_mimebundle_(**kwargs) if WIDGET else None
        data, metadata = widget if isinstance(widget, tuple) else (widget or {}, None)
        data = {**data, "text/html": self._repr_html_()}
        return data if metadata is None else (data, metadata)


def explore(net: Network, x=None, t=None, *, title: str | None = None, max_per_layer: int = 12) -> Explorer:
    """The interactive explorer of ``net`` on the sample (x, t); see the module docstring."""
    return Explorer(net, x, t, title=title, max_per_layer=max_per_layer)
