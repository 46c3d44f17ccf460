"""`neurograph demo`: the 3-4-2 worked example, one sample, every number shown."""
from __future__ import annotations

from pathlib import Path

from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.explanations.equations import explain
from neurograph.engine.graph import Network
from neurograph.explanations.tables import format_table


def add_parser(sub):
    p = sub.add_parser("demo", help="walk the 3-4-2 network through one sample",
                       description="Forward and backward pass of the seed-002 3-4-2 network on one "
                                   "sample, with every z, a, δ and ∂C/∂w, then one SGD step.")
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
    net = worked_example()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"The 3-4-2 network of seed 002: inputs 1–3, hidden 4–7, outputs 8–9, loss {net.loss}.")
    print(f"Sample x = {list(WORKED_X)}, target t = {list(WORKED_T)}\n")
    y = net.forward(WORKED_X)
    loss = net.backward(WORKED_T)
    print("Forward  z_j = Σ_i w_ji·a_i + b_j,  a_j = σ(z_j)")
    print("Backward δ_j = σ′(z_j)·Σ_k w_kj·δ_k (outputs: δ = (a − t)·σ′(z))\n")
    print(node_table(net), "\n")
    print("Edges: ∂C/∂w_ji = a_i·δ_j")
    print(edge_table(net), "\n")
    print(f"output y = {y.round(6).tolist()}   loss C = ½Σ(a − t)² = {loss:.6f}")
    for node_id in (4, 8):                 # one hidden and one output node, every term written out
        print("\n" + explain(net, node_id, t=WORKED_T))
    net.save(out / "model.json")
    _draw(net, out / "worked_example.svg", loss)
    net.step(args.lr)
    net.zero_grad()
    net.forward(WORKED_X)
    after = net.backward(WORKED_T)
    print(f"after one SGD step (lr = {args.lr}): loss C = {after:.6f}  (change {after - loss:+.6f})")
    print(f"model before the step saved to {out / 'model.json'}")
    return 0


def _draw(net: Network, path: Path, loss: float) -> None:
    import visualize
    try:
        visualize.draw(net, title="3-4-2 worked example", loss=loss).save(path)
        print(f"picture: {path}")
    except visualize.GraphvizNotInstalled as exc:   # the numbers above are the demo
        print(f"(no picture: {exc})")
