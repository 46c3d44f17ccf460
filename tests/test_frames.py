"""visualize.frames / animate / save_frames: one picture per step of forward + backward."""
from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

import neurograph as ng
import visualize
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from test_visualize import needs_dot, tooltip_of


def test_frame_count_is_two_layers_minus_one():
    net = worked_example()
    diagrams = visualize.frames(net, WORKED_X, WORKED_T)
    assert len(net.layers) == 3
    assert visualize.frame_count(net) == len(diagrams) == 2 * 3 - 1
    deep = ng.Network.layered([2, 3, 3, 1], seed=1)
    assert len(visualize.frames(deep, [0.5, -0.5], [1.0], labels="none")) == 7


def test_frames_differ_and_reveal_values_step_by_step():
    net = worked_example()
    diagrams = visualize.frames(net, WORKED_X, WORKED_T)
    sources = [d.source for d in diagrams]
    assert len(set(sources)) == len(sources)
    assert net.node(4).a is None                                   # the caller's network is untouched
    ref = worked_example()
    ref.forward(WORKED_X)
    loss = ref.backward(WORKED_T)
    a4, a8, d4, d8 = ref.node(4).a, ref.node(8).a, ref.node(4).delta, ref.node(8).delta

    def known(src, node, what, v):
        return f"{what} {v!r}" in tooltip_of(src, node)

    # forward 1: inputs only; forward 2: hidden layer; forward 3: outputs
    assert not known(sources[0], 4, "a =", a4) and "a = not computed yet" in tooltip_of(sources[0], 4)
    assert known(sources[1], 4, "a =", a4) and "a = not computed yet" in tooltip_of(sources[1], 8)
    assert known(sources[2], 8, "a =", a8) and "δ = ∂C/∂z: not computed yet" in tooltip_of(sources[2], 8)
    # backward 1: output δ; backward 2: hidden δ
    assert known(sources[3], 8, "δ = ∂C/∂z:", d8) and "not computed yet" in tooltip_of(sources[3], 4)
    assert known(sources[4], 4, "δ = ∂C/∂z:", d4)
    assert f"C = {loss:.4f}" in sources[3] and f"C = {loss:.4f}" not in sources[2]
    # the layer just computed is announced in its header
    assert [src.count("just computed") for src in sources] == [1] * 5
    assert "step 1/5 · forward" in sources[0] and "step 5/5 · backward" in sources[4]


def test_frames_check_the_sample():
    with pytest.raises(ValueError, match="input x"):
        visualize.frames(worked_example(), [0.1, 0.2], WORKED_T)


@needs_dot
def test_every_frame_has_the_same_layout():
    diagrams = visualize.frames(worked_example(), WORKED_X, WORKED_T)
    layouts = []
    for d in diagrams:
        lines = [line.split()[:6] for line in d.pipe("plain").decode().splitlines()
                 if line.startswith(("graph", "node"))]
        layouts.append(lines)
    assert all(layout == layouts[0] for layout in layouts[1:])


@needs_dot
def test_animate_writes_one_gif_frame_per_step(tmp_path):
    net = worked_example()
    path = visualize.animate(net, WORKED_X, WORKED_T, tmp_path / "bp.gif", dpi=30, duration=500)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == visualize.frame_count(net)
        first = np.asarray(gif.convert("RGB")).copy()
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
        assert first.shape == last.shape and np.any(first != last)


@needs_dot
def test_save_frames_numbered_sequence(tmp_path):
    diagrams = visualize.frames(worked_example(), WORKED_X, WORKED_T, labels="none")
    paths = visualize.save_frames(diagrams, tmp_path / "seq", format="svg")
    assert [p.name for p in paths] == [f"frame_{i:02d}.svg" for i in range(1, 6)]
    assert all("<svg" in p.read_text() for p in paths)
    with pytest.raises(ValueError, match="format"):
        visualize.save_frames(diagrams, tmp_path, format="bmp")
