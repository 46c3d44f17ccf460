"""A short tour of backpropagation on the 3-4-2 network of seed 002.

Run it with ``python examples/tutorial.py [output folder]`` (default: the
current folder).  It goes:

1. forward and backward on one sample (x, t), node by node;
2. the equations of node 4 (hidden) and node 8 (output) with the numbers put in;
3. the same layer as matrices, z = W·a + b, with node ids on rows and columns;
4. step-by-step pictures of both passes (needs Graphviz's ``dot``);
5. the cross-check of the graph engine against the matrix backend.

Step 4 is skipped, with a message, when the visualize package or Graphviz is
missing.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import neurograph as ng
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def main(out: Path) -> None:
    section("1. The 3-4-2 network: inputs 1–3, hidden 4–7, outputs 8–9")
    net = worked_example()
    y = net.forward(WORKED_X)                 # z_j = Σ_i w_ji·a_i + b_j, a_j = σ(z_j), node by node
    loss = net.backward(WORKED_T)             # δ_j = σ′(z_j)·Σ_k w_kj·δ_k, ∂C/∂w_ji = a_i·δ_j
    print(f"x = {list(WORKED_X)}, t = {list(WORKED_T)} → y = {np.round(y, 4).tolist()}, "
          f"C = ½Σ(a − t)² = {loss:.4f}")

    section("2. Node 4 and node 8, every term written out")
    print(ng.explain(net, 4))
    print()
    print(ng.explain(net, 8, t=WORKED_T))
    print("\nThe same in LaTeX (paste into a document):\n")
    print(ng.explain(net, 4, format="latex").split("\n\n")[2])

    section("3. The hidden layer as matrices (column convention, z = W·a + b)")
    m = ng.MatrixNetwork.from_graph(net, convention="column")
    m.forward(np.array([WORKED_X]))
    print(ng.explain_matrix(m, 1))

    section("4. The passes step by step")
    try:
        import visualize
        pictures = visualize.frames(net, WORKED_X, WORKED_T)
        paths = visualize.save_frames(pictures, out / "frames", format="svg")
        print(f"{len(paths)} frames: {paths[0]} … {paths[-1]}")
    except Exception as exc:   # optional: the visualize package or Graphviz may be missing
        print(f"(skipped: {type(exc).__name__}: {exc})")

    section("5. Cross-check: graph engine vs matrix backend vs finite differences")
    print(ng.crosscheck(net, np.array([WORKED_X]), np.array([WORKED_T])))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
