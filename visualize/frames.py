"""Step-by-step pictures: the forward pass layer by layer, then the backward pass.

For a network with L layers (inputs included) and one sample (x, t):

- forward frames k = 0 … L−1: after frame k, a and z of layers 0…k are known
  (frame 0 shows the inputs a = x; frame k computes z = Σ w·a + b, a = f(z));
- backward frames k = L−1 … 1: δ = ∂C/∂z of layer k and ∂C/∂w = a·δ of the
  edges into it become known (the output layer from the loss, then
  δ = f′(z)·Σ w·δ layer by layer).

So there are ``frame_count(net) = 2·L − 1`` frames (5 for the 3-4-2 network).
Each frame highlights the layer just computed and shows "—" for everything not
known yet.  Node and cell sizes never depend on the values, so every frame
has the same layout and an animation does not jump.
"""
from __future__ import annotations

import io
from pathlib import Path

from neurograph import Network, write_atomic
from neurograph.engine.validation import finite_array

from visualize.diagram import Diagram
from visualize.dot import Options, Step, build
from visualize.snapshot import Snapshot


def frame_count(net: Network) -> int:
    """Number of frames ``frames`` makes: 2·L − 1 for L layers (inputs included)."""
    return 2 * len(net.layers) - 1


def frames(net: Network, x, t, labels: str = "table", max_per_layer: int = 12,
           precision: int = 2, title: str | None = None) -> list[Diagram]:
    """One Diagram per step of forward + backward on (x, t); ``net`` itself is not changed
    (the passes run on ``net.copy()``)."""
    opt = Options(labels=labels, show="both", max_per_layer=max_per_layer,
                  precision=precision, title=title)
    work = net.copy()
    work.forward(finite_array(x, "input x", work.n_inputs, allow_batch=False))
    loss = work.backward(t)
    full = Snapshot.of(work, loss=loss)
    last = len(full.layers) - 1
    total = frame_count(work)
    out = []
    for k in range(last + 1):
        what = "inputs: a = x" if k == 0 else f"layer {k}: a = f(Σ w·a + b)"
        step = Step(k, f"step {k + 1}/{total} · forward\n{what}", full)
        out.append(Diagram(build(full.known(forward=k, backward=None), opt, step)))
    for k in range(last, 0, -1):
        what = (f"output δ = ∂C/∂z from C = {loss:.4f}" if k == last
                else f"layer {k}: δ = f′(z)·Σ w·δ") + ", ∇ = a·δ"
        step = Step(k, f"step {len(out) + 1}/{total} · backward\n{what}", full)
        out.append(Diagram(build(full.known(forward=last, backward=k), opt, step)))
    return out


def save_frames(diagrams: list[Diagram], folder: str | Path, format: str = "png",
                prefix: str = "frame", dpi: float | None = None) -> list[Path]:
    """Write frame_01.png, frame_02.png, … (or .svg/.pdf) into ``folder``; return the paths."""
    if format not in ("png", "svg", "pdf"):
        raise ValueError(f"format must be png, svg or pdf, got {format!r}")
    folder = Path(folder)
    width = len(str(len(diagrams)))
    return [d.render(folder / f"{prefix}_{i:0{max(2, width)}d}.{format}", format=format, dpi=dpi)
            for i, d in enumerate(diagrams, start=1)]


def animate(net: Network, x, t, path: str | Path, duration: int = 1500, dpi: float = 96,
            **options) -> Path:
    """An animated GIF of ``frames(net, x, t, **options)``, ``duration`` ms per frame."""
    return gif(frames(net, x, t, **options), path, duration, dpi)


def gif(diagrams: list[Diagram], path: str | Path, duration: int = 1500, dpi: float = 96) -> Path:
    """Write ``diagrams`` as an animated GIF, ``duration`` ms per frame; return the path."""
    from PIL import Image

    images = [Image.open(io.BytesIO(d.pipe("png", dpi=dpi))).convert("RGB") for d in diagrams]
    size = (max(im.width for im in images), max(im.height for im in images))
    canvas = []
    for im in images:   # same canvas for every frame, so nothing shifts
        page = Image.new("RGB", size, "white")
        page.paste(im, (0, 0))
        canvas.append(page)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image_format = Image.registered_extensions().get(path.suffix.lower())
    if image_format is None:                            # what Pillow says when it is given the path itself
        raise ValueError(f"unknown file extension: {path.suffix}")
    data = io.BytesIO()
    canvas[0].save(data, format=image_format, save_all=True, append_images=canvas[1:], duration=duration, loop=0)
    return write_atomic(path, data.getvalue(), example="net.gif")
