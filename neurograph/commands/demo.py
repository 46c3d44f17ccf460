"""`neurograph demo`: a worked example, one sample, every number shown.

``--example seed002`` (default) is the 3-4-2 network of seed 002; ``--example mazur``
is Matt Mazur's 2-2-2 step-by-step example, printed beside his published numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

import numpy as np

from neurograph import examples
from neurograph.explanations.equations import explain
from neurograph.engine.graph import Network
from neurograph.explanations.tables import format_table


@dataclass(frozen=True)
class Example:
    """How the demo walks one of ``neurograph.examples``."""

    make: Callable[[], tuple[Network, np.ndarray, np.ndarray]]
    title: str
    about: str
    explained: tuple[int, int]      # one hidden and one output node, every term written out
    biases: bool                    # does the source's SGD step move the biases?
    digits: int = 6                 # decimals of the printed loss
    published: tuple[tuple[str, float], ...] = ()   # the source's own numbers, printed beside ours
    note: str = ""


EXAMPLES = {
    "seed002": Example(examples.seed002, "3-4-2 worked example",
                       "The 3-4-2 network of seed 002: inputs 1–3, hidden 4–7, outputs 8–9", (4, 8), True),
    "mazur": Example(examples.mazur, "Mazur's 2-2-2 example",
                     "Matt Mazur's 2-2-2 step-by-step example: inputs i₁ i₂ = 1 2, hidden h₁ h₂ = 3 4, "
                     "outputs o₁ o₂ = 5 6 (w1…w8 = 0.15 … 0.55)", (3, 5), False, 9,
                     (("error before the step", 0.298371109), ("w5 after the step", 0.35891648),
                      ("w1 after the step", 0.149780716), ("error after the step", 0.291027924)),
                     "Mazur's error after the step comes from his rounded intermediate values "
                     "(he uses lr 0.5)."),
}


def add_parser(sub):
    p = sub.add_parser("demo", help="walk a worked example through one sample",
                       description="Forward and backward pass of a worked example on one sample, with "
                                   "every z, a, δ and ∂C/∂w, then one SGD step. Example: "
                                   "neurograph demo --example mazur --out out/mazur")
    p.add_argument("--example", choices=tuple(EXAMPLES), default="seed002",
                   help="seed002: the 3-4-2 network of seed 002 (default); mazur: Matt Mazur's 2-2-2 "
                        "step-by-step example, beside his published numbers")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate of the SGD step (default 0.5)")
    p.add_argument("--out", default=".", help="folder for worked_example.svg and model.json (default: .)")
    return p


def node_table(net: Network) -> str:
    rows = [(n.id, n.layer, n.activation, n.bias, n.z, n.a, n.delta) for n in net.nodes]
    return format_table(["node", "layer", "f", "b", "z", "a", "δ=∂C/∂z"], rows)


def edge_table(net: Network) -> str:
    rows = [(e.pretty, f"{e.src.id}→{e.dst.id}", e.weight, e.grad) for e in net.edges]
    return format_table(["w", "edge", "weight", "∂C/∂w"], rows)


def run(args) -> int:
    ex = EXAMPLES[args.example]
    net, x, t = ex.make()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{ex.about}, loss {net.loss}.")
    print(f"Sample x = {x.tolist()}, target t = {t.tolist()}\n")
    y = net.forward(x)
    loss = net.backward(t)
    print("Forward  z_j = Σ_i w_ji·a_i + b_j,  a_j = σ(z_j)")
    print("Backward δ_j = σ′(z_j)·Σ_k w_kj·δ_k (outputs: δ = (a − t)·σ′(z))\n")
    print(node_table(net), "\n")
    print("Edges: ∂C/∂w_ji = a_i·δ_j")
    print(edge_table(net), "\n")
    print(f"output y = {y.round(6).tolist()}   loss C = ½Σ(a − t)² = {loss:.{ex.digits}f}")
    for node_id in ex.explained:
        print("\n" + explain(net, node_id, t=t))
    net.save(out / "model.json")
    _draw(net, out / "worked_example.svg", ex.title, loss)
    net.step(args.lr, biases=ex.biases)
    net.zero_grad()
    net.forward(x)
    after = net.backward(t)
    kept = "" if ex.biases else ", biases kept fixed"
    print(f"after one SGD step (lr = {args.lr}{kept}): loss C = {after:.{ex.digits}f}  "
          f"(change {after - loss:+.{ex.digits}f})")
    if ex.published:
        ours = {"error before the step": loss, "error after the step": after}
        ours.update({f"{name} after the step": net.edge(*edge).weight
                     for name, edge in examples.MAZUR_WEIGHTS.items()})
        rows = [(what, f"{ours[what]:.9f}", str(value)) for what, value in ex.published]
        print(format_table(["", "neurograph", "published"], rows))
        print(ex.note)
    print(f"model before the step saved to {out / 'model.json'}")
    return 0


def _draw(net: Network, path: Path, title: str, loss: float) -> None:
    import visualize
    try:
        visualize.draw(net, title=title, loss=loss).save(path)
        print(f"picture: {path}")
    except visualize.GraphvizNotInstalled as exc:   # the numbers above are the demo
        print(f"(no picture: {exc})")
