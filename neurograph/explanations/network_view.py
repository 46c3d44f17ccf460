"""How a Network shows itself: a bounded one-line repr and, in notebooks, a table of its layers."""
from __future__ import annotations

from typing import TYPE_CHECKING

from neurograph.explanations.html import html_table

if TYPE_CHECKING:
    from neurograph.engine.graph import Network, Node

#: layer widths listed in full up to this depth; deeper nets show the first and last few
MAX_LAYERS = 10


def _ids(nodes: list[Node]) -> str:
    ids = [n.id for n in nodes]
    if ids == list(range(ids[0], ids[0] + len(ids))):
        return f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else str(ids[0])
    return ", ".join(map(str, ids[:3])) + (f", … ({len(ids) - 4} more), {ids[-1]}" if len(ids) > 4 else
                                           "".join(f", {i}" for i in ids[3:]))


def summary(net: Network, n_edges: int) -> str:
    """``<Network [3, 4, 2] nodes=9 edges=20 loss=half_squared>``; very deep nets list their first and last widths."""
    sizes: list = [len(layer) for layer in net.layers] if net.inputs and net.outputs else []
    if len(sizes) > MAX_LAYERS:
        sizes = [*sizes[:4], f"… {len(sizes) - 8} more", *sizes[-4:]]
    shown = "[" + ", ".join(map(str, sizes)) + "]"
    return f"<Network {shown} nodes={len(net)} edges={n_edges} loss={net.loss}>"


def network_html(net: Network, n_edges: int) -> str:
    """One row per layer: its node ids, width, activations and whether its neurons have biases."""
    layers = net.layers if net.inputs and net.outputs else []
    shown = layers if len(layers) <= MAX_LAYERS else [*layers[:4], None, *layers[-4:]]
    rows: list[tuple[object, ...]] = []
    for layer in shown:
        if layer is None:
            rows.append(("…", f"{len(layers) - 8} more layers", "", "", ""))
            continue
        kind = "input" if all(n.is_input for n in layer) else "output" if all(n.is_output for n in layer) else "hidden"
        acts = ", ".join(sorted({n.activation for n in layer}))
        biases = sum(n.has_bias for n in layer)
        rows.append((f"{layer[0].layer} ({kind})", _ids(layer), len(layer), acts,
                     "all" if biases == len(layer) else "none" if biases == 0 else f"{biases} of {len(layer)}"))
    return html_table(["layer", "node ids", "width", "activation", "biases"], rows,
                      caption=f"Network: {len(net)} nodes, {n_edges} edges, loss {net.loss}")
