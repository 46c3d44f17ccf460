"""visualize.draw: real numbers in the DOT text, id order in the layout, files that open.

The expected numbers are formatted here independently of visualize.style
(sign, two decimals, Unicode minus), and the output δ is recomputed by hand
from the seeds' formula δ = (a − t)·a·(1 − a).
"""
from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import neurograph as ng
import visualize
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.commands.cli import main
from visualize import style

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")


def two(v: float) -> str:
    """+0.52 / −0.52, written out by hand."""
    return ("−" if v < 0 else "+") + f"{abs(v):.2f}"


@pytest.fixture
def trained():
    net = worked_example()
    net.forward(WORKED_X)
    loss = net.backward(WORKED_T)
    return net, loss


def plain_positions(diagram) -> dict[str, tuple[float, float]]:
    """Node name → (x, y) centre from `dot -Tplain` (y grows upwards)."""
    pos = {}
    for line in diagram.pipe("plain").decode().splitlines():
        parts = line.split()
        if parts[0] == "node":
            pos[parts[1].strip('"')] = (float(parts[2]), float(parts[3]))
    return pos


# -- the DOT text ----------------------------------------------------------------------
def test_table_labels_carry_the_real_weights_gradients_and_deltas(trained):
    net, loss = trained
    src = visualize.draw(net, loss=loss).source
    e = net.edge(1, 4)
    assert f"w<SUB>4,1</SUB> {two(e.weight)}" in src                 # table row of w_{4,1}
    assert f"∇ {two(e.grad)}" in src or f"∇ {e.grad:+.2g}".replace("-", "−") in src
    assert f"w_{{4,1}} = {e.weight!r} (edge 1 → 4)" in src            # tooltip, full precision
    assert f"∂C/∂w: {e.grad!r}" in src
    a8, t8 = net.node(8).a, WORKED_T[0]
    delta8 = (a8 - t8) * a8 * (1 - a8)                                # seed 002, by hand
    assert f"δ {two(delta8)}" in src
    assert f"δ = ∂C/∂z: {net.node(8).delta!r}" in src
    assert abs(delta8 - net.node(8).delta) < 1e-12
    assert f"b {two(net.node(9).bias)}" in src
    assert f"C = {loss:.4f}" in src
    assert "3-4-2 network" in src
    # one edge per weight, each ending at its own table row (headport)
    for edge in net.edges:
        assert f"{edge.src.id} -> {edge.dst.id}:in{edge.src.id}:w " in src


def test_edge_colour_and_width_follow_sign_and_size_of_w(trained):
    net, _ = trained
    src = visualize.draw(net).source
    wmax = max(abs(e.weight) for e in net.edges)
    strongest = max(net.edges, key=lambda e: abs(e.weight))
    line = re.search(rf"\b{strongest.src.id} -> {strongest.dst.id}:\S+ \[color=\"(#\w+)\" penwidth=([\d.]+)", src)
    assert float(line.group(2)) == pytest.approx(style.PEN_MAX)
    assert line.group(1) == (style.PUOR[-1] if strongest.weight > 0 else style.PUOR[0])
    for e in net.edges:
        m = re.search(rf"\b{e.src.id} -> {e.dst.id}:\S+ \[color=\"(#\w+)\" penwidth=([\d.]+)", src)
        width = style.PEN_MIN + (style.PEN_MAX - style.PEN_MIN) * abs(e.weight) / wmax
        assert float(m.group(2)) == pytest.approx(width, abs=0.006)
        r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (1, 3, 5))
        assert (r > b) == (e.weight < 0)          # orange (red-heavy) negative, purple positive


def test_diverging_map_ends_and_middle():
    assert style.diverging(-2.0, 1.0) == style.PUOR[0]
    assert style.diverging(1.0, 1.0) == style.PUOR[-1]
    assert style.diverging(0.0, 1.0) == "#f7f7f7"
    assert style.diverging(None, 1.0) == style.UNKNOWN_FILL
    assert style.number(-0.5234) == "−0.52" and style.number(0.0) == "+0.00"
    assert style.number(-0.0021) == "−0.0021"                          # small, never "−0.00"
    assert style.number(None) == "—"


def test_gradients_read_not_computed_yet_before_backward_never_zero():
    net = worked_example()
    net.forward(WORKED_X)
    src = visualize.draw(net).source
    assert "δ = ∂C/∂z: not computed yet" in src and "∂C/∂w: not computed yet" in src
    assert "∇ —" in src and "δ —" in src
    assert not re.search(r"[∇δ] [+−]0\.00", src)
    assert f"a {two(net.node(4).a)}" in src                           # forward values are there
    fresh = visualize.draw(worked_example()).source
    assert "a = not computed yet" in fresh and "a —" in fresh


def test_same_network_same_source(trained):
    net, loss = trained
    again = worked_example()
    again.forward(WORKED_X)
    assert visualize.draw(net, loss=loss).source == visualize.draw(again, loss=again.backward(WORKED_T)).source


def test_edge_and_none_labels(trained):
    net, _ = trained
    e = net.edge(2, 5)
    edge_src = visualize.draw(net, labels="edge").source
    assert f">{e.pretty} {two(e.weight)}</FONT>" in edge_src                # on its own tag (test_handouts)
    none_src = visualize.draw(net, labels="none").source
    assert "w<SUB>" not in none_src and "label=\"w" not in none_src
    assert f"w_{{5,2}} = {e.weight!r}" in none_src                     # tooltips stay


def test_backward_view_colours_edges_by_gradient(trained):
    net, _ = trained
    src = visualize.draw(net, show="backward").source
    gmax = max(abs(e.grad) for e in net.edges)
    e = net.edge(4, 9)
    m = re.search(r"\b4 -> 9:\S+ \[color=\"(#\w+)\"", src)
    assert m.group(1) == style.diverging(e.grad, gmax)
    forward = visualize.draw(net, show="forward").source
    assert not re.search(r"[∇δ] [+−—]", forward)


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": "boxes"}, "labels must be one of"),
    ({"show": "sideways"}, "show must be one of"),
    ({"max_per_layer": 2}, "max_per_layer must be an integer ≥ 3"),
    ({"precision": -1}, "precision must be an integer"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        visualize.draw(worked_example(), **kwargs)


def test_draw_refuses_a_non_network():
    with pytest.raises(TypeError, match="neurograph Network"):
        visualize.draw({"nodes": []})


# -- big layers ------------------------------------------------------------------------
def test_collapsed_layers_keep_true_ids_and_say_how_many_are_hidden():
    net = ng.Network.layered([784, 16, 10], seed=0)
    src = visualize.draw(net, labels="none").source
    assert "774 more (6–779)" in src and "6 more (790–795)" in src
    drawn = set(re.findall(r"^\t\t(\d+) \[", src, flags=re.M))
    assert drawn == {str(i) for i in [*range(1, 6), *range(780, 785), *range(785, 790),
                                      *range(796, 801), *range(801, 811)]}
    assert "774 edges not drawn one by one" in src                     # summary edge more0 → 785
    assert re.search(r"more0 -> 785 \[color=\"#a0a0a0\" penwidth=0.8 style=dashed", src)


def test_collapse_rows():
    rows = visualize.collapse.collapse([[1, 2, 3], list(range(4, 20))], 5)
    assert rows[0] == [1, 2, 3]
    assert rows[1][:2] == [4, 5] and rows[1][3:] == [18, 19]
    assert rows[1][2].ids == tuple(range(6, 18)) and rows[1][2].text == "12 more (6–17)"


# -- rendering (needs dot) -----------------------------------------------------------------
@needs_dot
def test_layers_left_to_right_ids_top_to_bottom(trained):
    net, loss = trained
    for labels in ("table", "none"):
        pos = plain_positions(visualize.draw(net, labels=labels, loss=loss))
        xs = []
        for index, layer in enumerate(net.layers):
            names = [f"header{index}"] + [str(n.id) for n in layer]
            ys = [pos[name][1] for name in names]
            assert ys == sorted(ys, reverse=True), (labels, names, ys)   # header on top, then id order
            assert len({round(pos[name][0], 2) for name in names}) == 1  # one column per layer
            xs.append(pos[names[1]][0])
        assert xs == sorted(xs)


@needs_dot
def test_collapsed_order_and_fast_svg(tmp_path):
    net = ng.Network.layered([784, 16, 10], seed=0)
    net.forward(np.linspace(0, 1, 784))
    loss = net.backward(np.eye(10)[3])
    diagram = visualize.draw(net, loss=loss)
    pos = plain_positions(diagram)
    order = ["1", "2", "3", "4", "5", "more0", "780", "781", "782", "783", "784"]
    ys = [pos[name][1] for name in order]
    assert ys == sorted(ys, reverse=True)
    svg = diagram.save(tmp_path / "big.svg").read_text()
    assert "774 more (6–779)" in svg and "w_{785,1} = " in svg


@needs_dot
def test_svg_png_pdf_files_open(trained, tmp_path):
    net, loss = trained
    d = visualize.draw(net, loss=loss)
    svg = d.save(tmp_path / "net.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert 'xlink:title="w_{4,1} = ' in svg                            # tooltip on the edge
    png = d.save(tmp_path / "net.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    small = Image.open(io.BytesIO(png)).size
    big = Image.open(d.save(tmp_path / "big.png", dpi=192)).size
    assert big[0] == pytest.approx(2 * small[0], rel=0.02) and small[0] > 400
    assert d.save(tmp_path / "net.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "net.dot").exists() is False
    assert d.save(tmp_path / "net.dot").read_text() == d.source
    with pytest.raises(ValueError, match="extension"):
        d.save(tmp_path / "net.bmpx")


@needs_dot
def test_notebook_display(trained):
    net, _ = trained
    bundle = visualize.draw(net)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert bundle["image/png"][:4] == b"\x89PNG"


def test_missing_dot_gives_install_advice(trained, tmp_path, monkeypatch):
    net, _ = trained
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    d = visualize.draw(net)
    assert d.source.startswith("digraph")                               # no dot needed
    with pytest.raises(visualize.GraphvizNotInstalled, match="apt-get install graphviz") as err:
        d.save(tmp_path / "net.png")
    assert "brew install graphviz" in str(err.value) and "conda" in str(err.value)
    assert isinstance(err.value, RuntimeError)
    assert d.save(tmp_path / "net.dot").read_text() == d.source
    assert "apt-get" in d._repr_mimebundle_()["text/plain"]


# -- command line ------------------------------------------------------------------------------
@needs_dot
def test_cli_draw(tmp_path, capsys):
    model = tmp_path / "model.json"
    worked_example().save(model)
    out = tmp_path / "net.svg"
    assert main(["draw", str(model), "-o", str(out), "--input", "0.05,0.1,0.2",
                 "--target", "0.01,0.99", "--labels", "edge", "--max-per-layer", "5"]) == 0
    net = worked_example()
    net.forward(WORKED_X)
    loss = net.backward(WORKED_T)
    text = out.read_text()
    assert f"C = {loss:.4f}" in text and "<svg" in text
    assert str(out) in capsys.readouterr().out


def test_cli_draw_dot_and_errors(tmp_path, capsys):
    model = tmp_path / "model.json"
    worked_example().save(model)
    assert main(["draw", str(model), "-o", str(tmp_path / "n.dot")]) == 0
    assert (tmp_path / "n.dot").read_text().startswith("digraph")
    assert main(["draw", str(model), "--target", "1,0"]) == 2
    assert "--target needs --input" in capsys.readouterr().err
    assert main(["draw", str(model), "-o", str(tmp_path / "n.dot"), "--max-per-layer", "1"]) == 2


@settings(max_examples=15)
@given(sizes=st.lists(st.integers(1, 30), min_size=2, max_size=4), max_per_layer=st.integers(3, 15))
def test_collapse_keeps_first_and_last_true_ids(sizes, max_per_layer):
    net = ng.Network.layered(sizes, seed=0)
    src = visualize.draw(net, labels="none", max_per_layer=max_per_layer).source
    drawn = {int(i) for i in re.findall(r"^\t\t(\d+) \[", src, flags=re.M)}
    k = (max_per_layer - 1) // 2
    expected, first = set(), 1
    for width in sizes:
        ids = list(range(first, first + width))
        if width > max_per_layer:
            expected |= set(ids[:k]) | set(ids[-k:])
            assert f"{width - 2 * k} more ({first + k}–{first + width - k - 1})" in src
        else:
            expected |= set(ids)
        first += width
    assert drawn == expected


def test_skip_connections_and_biasless_nodes_draw():
    g = ng.Network(loss="half_squared")
    g.add_input(1)
    g.add_input(2, activation="tanh", bias=0.25)
    g.add_neuron(3, activation="tanh", bias=None)
    g.add_neuron(4)
    g.connect(1, 3, 0.5)
    g.connect(2, 3, -0.3)
    g.connect(3, 4, 0.8)
    g.connect(1, 4, 0.2)
    g.forward([1.0, 0.5])
    g.backward([0.0])
    src = visualize.draw(g).source
    assert "1 -> 4:in1:w" in src and "w<SUB>4,1</SUB> +0.20" in src
    assert "b +0.25" in src                      # the input's bias is shown, the tanh neuron has none
    assert "node 3 (tanh neuron, layer 1)" in src and "∂C/∂b" not in tooltip_of(src, 3)


def tooltip_of(src: str, node: int) -> str:
    return re.search(rf'^\t\t{node} \[.*?tooltip="([^"]*)"', src, flags=re.M | re.S).group(1)
