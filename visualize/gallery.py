"""The pictures the README shows, rebuilt with ``python -m visualize.gallery docs``.

- worked_example.svg/.png: the 3-4-2 network after one forward and backward pass, tables;
- worked_example_edges.png: the same with labels on the edges;
- worked_example_fresh.png: before any pass (a, δ, ∇ read "—": not computed yet);
- mnist_784x16x10.png/.svg: a 784-16-10 network, big layers collapsed;
- backprop.gif and backprop_frames/frame_NN.png: the passes step by step;
- handout/: quiz.png/.svg and key.png/.svg (Mazur's 2-2-2 network, one layout), worksheet.md
  and answers.md (``visualize.handout``);
- mazur_before.png / mazur_after.png: Mazur's network before and after 10,000 weights-only steps,
  drawn on one fixed scale (``scale=4``) so that the two pictures compare;
- worked_example_symbolic_tb.png: the 3-4-2 network top to bottom, neurons named x₁ h₁ ŷ₁;
- explorer_3x4x2.html and explorer_3x4x2.png: the interactive explorer and a screenshot of it
  (node 4 hovered), taken with the system Chromium through Playwright when both are there.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from neurograph import Network, examples, train
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example

from visualize import draw, frames, handout, save_frames
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
    written += teaching_pictures(folder)
    written += explorer_page(folder)
    return written


def teaching_pictures(folder: Path) -> list[Path]:
    """A quiz and its key, a before/after pair on one scale, a symbolic top-to-bottom diagram."""
    net, x, t = examples.mazur()
    written = handout(net, x, t, folder / "handout", lr=0.5, formats=("svg", "png"))
    for when in ("before", "after"):
        if when == "after":
            train(net, [x], [1], targets=(0.01, 0.99), lr=0.5, epochs=10_000, shuffle=False, biases=False,
                  progress=False)
        net.zero_grad()
        net.forward(x)
        loss = net.backward(t)
        picture = draw(net, names=examples.MAZUR_NAMES, scale=4.0, loss=loss, labels="none",
                       title=f"Mazur's 2-2-2 network, {when} 10,000 steps (one scale: ±4)")
        written.append(picture.save(folder / f"mazur_{when}.png", dpi=90))
    symbolic, x3, t3 = examples.seed002()
    symbolic.forward(x3)
    loss = symbolic.backward(t3)
    written.append(draw(symbolic, names="symbolic", rankdir="TB", loss=loss, title="3-4-2 worked example").save(
        folder / "worked_example_symbolic_tb.png", dpi=90))
    return written


def explorer_page(folder: Path) -> list[Path]:
    """The explorer of the 3-4-2 worked example, and a screenshot with node 4 hovered."""
    import shutil

    from visualize.explorer import explore

    page = explore(worked_example(), WORKED_X, WORKED_T, title="3-4-2 worked example").save(
        folder / "explorer_3x4x2.html")
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("gallery: no screenshot of the explorer (needs Playwright and chromium)", file=sys.stderr)
        return [page]
    shot = folder / "explorer_3x4x2.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        view = browser.new_page(viewport={"width": 1400, "height": 820})
        view.goto(page.resolve().as_uri())
        view.hover('[data-node="4"]')
        view.screenshot(path=str(shot), full_page=True)
        browser.close()
    return [page, shot]


if __name__ == "__main__":
    for path in make_gallery(sys.argv[1] if len(sys.argv) > 1 else "docs"):
        print(path)
