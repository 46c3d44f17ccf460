"""Graphviz pictures of neurograph networks, with their real weights and gradients.

>>> import neurograph as ng, visualize
>>> from neurograph.engine.builders import worked_example, WORKED_X, WORKED_T
>>> net = worked_example(); _ = net.forward(WORKED_X); C = net.backward(WORKED_T)
>>> d = visualize.draw(net, loss=C)
>>> "w_{4,1}" in d.source
True

``d.save("net.svg")`` / ``d.save("net.png", dpi=150)`` render with Graphviz's
``dot``; ``d.source`` is the DOT text and needs nothing installed.
``frames``/``animate`` show the forward and backward passes step by step.
"""
from __future__ import annotations

from collections.abc import Mapping

from neurograph import Network

from visualize.boundary import boundary
from visualize.diagram import Diagram, GraphvizNotInstalled, format_of
from visualize.dot import Options, build
from visualize.frames import animate, frame_count, frames, save_frames
from visualize.handout import handout
from visualize.snapshot import Snapshot


def draw(net: Network, labels: str = "auto", show: str = "both", max_per_layer: int = 12,
         precision: int = 2, title: str | None = None, loss: float | None = None, *,
         values: bool = True, names: str | Mapping[int, str] | None = None, scale: float | None = None,
         legend: bool = True, rankdir: str = "LR") -> Diagram:
    """Draw ``net`` as it is now (its weights, and its a, δ, ∂C/∂w if computed).

    labels: "auto" (default: "table" unless a layer has more than ``max_per_layer``
    neurons, then "none"), "table" (each neuron lists its incoming w and ∂C/∂w),
    "edge" (numbers on the edges, for tiny nets) or "none" (compact circles).
    show: "both", "forward" (a and w only) or "backward" (δ and ∂C/∂w; edges coloured by ∂C/∂w).
    max_per_layer: wider layers show their first and last neurons around a "⋮ n more" node.
    precision: decimals in labels (tooltips always carry the full value).
    loss: the value C to print in the title (``net.backward`` returns it).
    values: False draws the structure only, as a quiz shows it: every number is a blank
    "____", edges have one colour and width, nodes one fill.
    names: None (node ids), "symbolic" (x₁…, h₁… or h¹₁, h²₁… for several hidden
    layers, ŷ₁…) or a dict {id: label}; the ids stay in the tooltips.
    scale: a fixed colour and width scale: w (or ∂C/∂w) and δ are darkest and widest at
    ±scale, the activations a at ±1, so that pictures of two networks compare (before
    and after training).  None: each picture spans its own largest value.
    legend: False leaves the legend out.  rankdir: "LR" (layers left to right) or "TB".
    """
    opt = Options(labels=labels, show=show, max_per_layer=max_per_layer, precision=precision,
                  title=title, values=values, names=names, scale=scale, legend=legend, rankdir=rankdir)
    return Diagram(build(Snapshot.of(net, loss=loss), opt))


def __getattr__(name: str):
    """``explore`` and ``Explorer`` load on first use (the notebook widget imports anywidget)."""
    if name in ("explore", "Explorer"):
        from visualize import explorer

        value = globals()[name] = getattr(explorer, name)
        return value
    raise AttributeError(f"module 'visualize' has no attribute {name!r}")


__all__ = ["Diagram", "Explorer", "explore", "GraphvizNotInstalled", "animate", "boundary", "draw", "format_of",
           "frame_count", "frames", "handout", "save_frames"]
