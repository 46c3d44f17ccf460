"""The pictures the README shows, rebuilt with ``python -m visualize.gallery docs``.

- worked_example.svg/.png: the 3-4-2 network after one forward and backward pass, tables;
- worked_example_edges.png: the same with labels on the edges;
- worked_example_fresh.png: before any pass (a, δ, ∇ read "—": not computed yet);
- mnist_784x16x10.png/.svg: a 784-16-10 network, big layers collapsed;
- backprop.gif and backprop_frames/frame_NN.png: the passes step by step.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from neurograph import Network
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example

from visualize import draw, frames, save_frames
from visualize.frames import gif


def make_gallery(folder: str | Path) -> list[Path]:
    """Write every README picture into ``folder``; return the paths written."""
    folder = Path(folder)
    net = worked_example()
    written = [draw(net, title="3-4-2 worked example, before any pass").save(
        folder / "worked_example_fresh.png", dpi=110)]
    net.forward(WORKED_X)
    loss = net.backward(WORKED_T)
    tables = draw(net, title="3-4-2 worked example", loss=loss)
    written += [tables.save(folder / "worked_example.svg"),
                tables.save(folder / "worked_example.png", dpi=110),
                draw(net, labels="edge", title="3-4-2 worked example", loss=loss).save(
                    folder / "worked_example_edges.png", dpi=110)]
    big = Network.layered([784, 16, 10], seed=0)
    x = np.random.default_rng(0).uniform(0, 1, 784)
    big.forward(x)
    big_loss = big.backward(np.eye(10)[3])
    picture = draw(big, labels="none", loss=big_loss)
    written += [picture.save(folder / "mnist_784x16x10.svg"),
                picture.save(folder / "mnist_784x16x10.png", dpi=80)]
    steps = frames(net, WORKED_X, WORKED_T, title="3-4-2 worked example")
    written += save_frames(steps, folder / "backprop_frames", dpi=80)
    written.append(gif(steps, folder / "backprop.gif", dpi=80))
    return written


if __name__ == "__main__":
    for path in make_gallery(sys.argv[1] if len(sys.argv) > 1 else "docs"):
        print(path)
