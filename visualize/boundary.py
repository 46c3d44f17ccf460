"""A decision-boundary picture for 2-D data, like TensorFlow Playground's output panel.

``boundary(net, X, y, "moons.png")`` evaluates the network on a grid that
covers the samples (plus a margin), colours each point of the plane by what
the network predicts there, and draws the samples on top, coloured by their
labels.  With one output the shading is the output a itself (0 … 1) and the
boundary is the line a = ½; with several outputs each region is the class
argmax a.  The title gives the accuracy on the samples shown.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from neurograph import Network, write_atomic

#: picture formats chosen by the file extension
FORMATS = {".png": "png", ".svg": "svg"}


def boundary(net: Network, X, y, path: str | Path, resolution: int = 200, margin: float = 0.5,
             title: str | None = None, dpi: float = 100) -> Path:
    """Save the regions ``net`` predicts over the plane of the 2-D samples X, with the samples (labels y)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or net.n_inputs != 2:
        raise ValueError(f"boundary needs 2-D samples and a network with 2 inputs; got X of shape {X.shape} "
                         f"and {net.n_inputs} inputs")
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(f"boundary needs one integer label per sample: y has shape {y.shape} ({y.dtype})")
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"boundary saves {' or '.join(FORMATS)} pictures, not {path.name!r}")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise RuntimeError("visualize.boundary needs matplotlib: pip install 'neurograph[plot]'") from None
    from neurograph import MatrixNetwork                     # loaded here: `import visualize` stays light
    from neurograph.training.targets import Classification
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    model = MatrixNetwork.from_graph(net)
    grid = model.forward(np.c_[gx.ravel(), gy.ravel()])
    rule = Classification(net.n_outputs, (0.0, 1.0))
    accuracy = rule.score(model.forward(X), y)
    fig = Figure(figsize=(5, 5), dpi=dpi)
    ax = fig.subplots()
    extent = (low[0], high[0], low[1], high[1])
    if net.n_outputs == 1:
        a = grid[:, 0].reshape(gx.shape)
        shade = ax.imshow(a, origin="lower", extent=extent, cmap="RdBu", vmin=0, vmax=1, alpha=0.7, aspect="auto")
        ax.contour(gx, gy, a, levels=[0.5], colors="k", linewidths=1)
        fig.colorbar(shade, ax=ax, fraction=0.046, pad=0.04, label="output a")
        colors = np.where(y == 1, "#08519c", "#cb181d")
        ax.scatter(X[:, 0], X[:, 1], c=colors, edgecolors="white", linewidths=0.6, s=22)
    else:
        classes = rule.predicted(grid).reshape(gx.shape)
        ax.imshow(classes, origin="lower", extent=extent, cmap="tab10", vmin=0, vmax=9, alpha=0.35,
                  aspect="auto", interpolation="nearest")
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", vmin=0, vmax=9, edgecolors="k", linewidths=0.5, s=22)
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="x₁", ylabel="x₂")
    ax.set_title(f"{title or 'decision boundary'}\naccuracy on these {len(X)} samples: {accuracy:.3f}", fontsize=10)
    fig.tight_layout()
    picture = io.BytesIO()
    fig.savefig(picture, format=FORMATS[path.suffix.lower()])
    return write_atomic(path, picture.getvalue(), example="boundary.png")   # through symlinks, keeping the mode
