"""Slides and handouts: visualize.handout, the draw options a slide needs, and the dpi fix.

Independent checks: node geometry parsed from the SVG files and from `dot -Tplain`, the
quiz's text searched for any decimal number, every number of answers.md matched against
values recomputed here from the engine's attributes, page sizes read from the PDF and
PNG files themselves.
"""
from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET
from io import BytesIO

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import neurograph as ng
import visualize
from neurograph.commands.cli import main
from neurograph.examples import MAZUR_NAMES
from visualize.handout import diagrams
from visualize.names import symbolic

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
#: a number as answers.md prints it: 0.1500, -0.0381, 4.386\times10^{-4}
PRINTED = r"-?\d+\.\d+(?:\\times10\^\{-?\d+\})?"


def geometry(svg: bytes | str) -> dict[str, list[tuple]]:
    """Node title → its polygons and ellipses; for a node without shapes (a layer's
    header), where its lines of text are anchored."""
    root = ET.fromstring(svg)
    out = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            shapes = [(el.tag, el.get("points"), el.get("cx"), el.get("cy"), el.get("rx"), el.get("ry"))
                      for el in g.iter() if el.tag in (SVG + "polygon", SVG + "ellipse")]
            shapes = shapes or [(el.get("text-anchor"), el.get("x"), el.get("y")) for el in g.iter(SVG + "text")]
            out[g.find(SVG + "title").text] = shapes
    return out


def svg_texts(svg: bytes | str) -> list[str]:
    """Every piece of text a reader or a tooltip can see in an SVG."""
    root = ET.fromstring(svg)
    texts = [el.text for el in root.iter() if el.tag in (SVG + "text", SVG + "title") and el.text]
    return texts + [v for el in root.iter() for k, v in el.attrib.items() if k in (XLINK + "title", "title")]


def plain(diagram) -> dict[str, tuple[float, ...]]:
    """Node name → (x, y, width, height) from `dot -Tplain`."""
    return {p[1]: tuple(map(float, p[2:6])) for p in
            (line.split() for line in diagram.pipe("plain").decode().splitlines()) if p[0] == "node"}


def network_values(net) -> list[float]:
    """Every number the network holds after a pass: w, b, z, a, δ, ∂C/∂w, ∂C/∂b."""
    values = [e.weight for e in net.edges] + [e.grad for e in net.edges]
    for n in net.nodes:
        values += [n.z, n.a, n.delta] + ([n.bias, n.bias_grad] if n.has_bias else [])
    return [v for v in values if v is not None]


@pytest.fixture
def mazur_handout(tmp_path):
    net, x, t = ng.examples.mazur()
    paths = visualize.handout(net, x, t, tmp_path / "out", lr=0.5, formats=("svg", "pdf"))
    return net, x, t, {p.name: p for p in paths}


# -- the quiz and its key -----------------------------------------------------------------
@needs_dot
def test_handout_writes_and_returns_every_file(mazur_handout):
    net, x, t, files = mazur_handout
    assert sorted(files) == ["answers.md", "key.pdf", "key.svg", "quiz.pdf", "quiz.svg", "worksheet.md"]
    assert files["quiz.pdf"].read_bytes().startswith(b"%PDF") and files["key.pdf"].stat().st_size > 1000
    fresh, _, _ = ng.examples.mazur()
    assert [e.weight for e in net.edges] == [e.weight for e in fresh.edges] and net.node(3).a is None


@needs_dot
@pytest.mark.parametrize("example", ["mazur", "seed002"])
def test_quiz_and_key_nodes_sit_at_the_same_positions(tmp_path, example):
    net, x, t = getattr(ng.examples, example)()
    files = {p.name: p for p in visualize.handout(net, x, t, tmp_path, formats=("svg",))}
    pages = [re.search(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"', files[f"{name}.svg"].read_bytes()).groups()
             for name in ("quiz", "key")]
    assert pages[0] == pages[1]                                       # one page size, so nothing moves on paper
    quiz, key = geometry(files["quiz.svg"].read_bytes()), geometry(files["key.svg"].read_bytes())
    neurons = [str(n.id) for n in net.nodes]
    assert set(neurons) <= set(quiz) and set(quiz) == set(key)
    for name in neurons + [f"header{i}" for i in range(len(net.layers))]:
        assert quiz[name] == key[name] and quiz[name], name
    assert box(quiz["legend"]) == box(key["legend"])                  # the legends differ inside, not in size


def box(shapes: list[tuple]) -> tuple[float, ...]:
    """The bounding box of a node's polygons."""
    xy = [tuple(map(float, p.split(","))) for _, points, *_ in shapes if points for p in points.split()]
    return min(x for x, _ in xy), min(y for _, y in xy), max(x for x, _ in xy), max(y for _, y in xy)


@needs_dot
@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.integers(0, 10_000))
def test_quiz_and_key_share_one_layout_on_any_small_net(sizes, seed):
    net = ng.Network.layered(sizes, seed=seed)
    rng = np.random.default_rng(seed)
    net.forward(rng.uniform(-1, 1, sizes[0]))
    net.backward(rng.uniform(0, 1, sizes[-1]))
    quiz, key = diagrams(net, symbolic([[n.id for n in layer] for layer in net.layers]))
    q, k = plain(quiz), plain(key)
    assert quiz.pipe("plain").split(b"\n")[0] == key.pipe("plain").split(b"\n")[0]   # graph size
    for n in net.nodes:
        assert q[str(n.id)] == k[str(n.id)]


@needs_dot
def test_quiz_text_holds_no_number_of_the_network(mazur_handout):
    net, x, t, files = mazur_handout
    svg = files["quiz.svg"].read_bytes()
    texts = svg_texts(svg)
    joined = "\n".join(texts)
    assert "h₁" in joined and "____" in joined and "node 3 = h₁" in joined    # names, blanks, ids in tooltips
    assert not re.search(r"\d\.\d|\.\d|\d[eE][-+]?\d", joined), [s for s in texts if re.search(r"\.\d", s)]
    worked = net.copy()
    worked.forward(x)
    worked.backward(t)
    for v in network_values(worked) + list(x) + list(t):
        for p in range(1, 9):
            assert f"{abs(v):.{p}f}".lstrip("0") not in joined.replace(" ", "")
    root = ET.fromstring(svg)
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    strokes = {(p.get("stroke"), p.get("stroke-width")) for g in edges for p in g.iter(SVG + "path")}
    assert len(edges) == len(net.edges) and len(strokes) == 1                # one colour, one width
    fills = {el.get("fill") for g in root.iter(SVG + "g") if g.get("class") == "node"
             and g.find(SVG + "title").text in {"3", "4", "5", "6"} for el in g.iter(SVG + "polygon")}
    assert fills <= {"white", "#ffffff", "#eeeeee", "none"}
    key = "\n".join(svg_texts(files["key.svg"].read_bytes()))
    assert "+0.15" in key and "+0.59" in key                                  # w₃,₁ and a₃ = 0.5933 in the key


# -- worksheet and answers -------------------------------------------------------------------
def split_given(text: str) -> tuple[str, str]:
    start = text.index("## Given")
    end = text.index("## The loss")
    return text[start:end], text[end:]


@needs_dot
def test_worksheet_blanks_line_up_one_to_one_with_the_answers(mazur_handout):
    *_, files = mazur_handout
    given_a, work_a = split_given(files["answers.md"].read_text(encoding="utf-8"))
    given_w, work_w = split_given(files["worksheet.md"].read_text(encoding="utf-8"))
    assert given_a == given_w and "0.1500" in given_w                 # the data are given in both
    lines_a, lines_w = work_a.splitlines(), work_w.splitlines()
    assert len(lines_a) == len(lines_w)
    blanks = 0
    for la, lw in zip(lines_a, lines_w, strict=True):
        pieces = lw.split("____")
        pattern = f"({PRINTED})".join(re.escape(p) for p in pieces)
        assert re.fullmatch(pattern, la), (la, lw)                    # each blank is one number, in place
        assert not re.search(PRINTED, lw)
        blanks += len(pieces) - 1
    assert blanks == len(re.findall(PRINTED, work_a)) > 100


def printed_value(text: str) -> tuple[float, float]:
    """(value, half a unit of its last printed digit)."""
    m = re.fullmatch(r"(-?\d+\.(\d+))(?:\\times10\^\{(-?\d+)\})?", text)
    exponent = int(m.group(3) or 0)
    return float(m.group(1)) * 10.0 ** exponent, 0.5 * 10.0 ** (exponent - len(m.group(2)))


def engine_numbers(net, x, t, lr: float) -> list[float]:
    """Every quantity a worked pass and step is made of, recomputed here from the engine's
    attributes: x, t, w, b, z, a, δ, ∂C/∂w, ∂C/∂b, σ′(z) = a(1 − a), Σ_k w_kj·δ_k, a − t, C,
    η, and after the engine's step the new w, b and C."""
    worked = net.copy()
    worked.forward(x)
    loss = worked.backward(t)
    values = network_values(worked) + list(x) + list(t) + [loss, lr]
    values += [n.a * (1 - n.a) for n in worked.nodes if not n.is_input]
    values += [sum(e.weight * e.dst.delta for e in n.outputs) for n in worked.nodes if n.outputs]
    values += [n.a - tk for n, tk in zip(worked.outputs, t, strict=True)]
    worked.step(lr)
    worked.zero_grad()
    worked.forward(x)
    values.append(worked.backward(t))
    values += [e.weight for e in worked.edges] + [n.bias for n in worked.nodes if n.has_bias]
    return values


@needs_dot
@pytest.mark.parametrize("example", ["mazur", "seed002"])
def test_every_number_in_the_answers_is_the_engines(tmp_path, example):
    net, x, t = getattr(ng.examples, example)()
    files = {p.name: p for p in visualize.handout(net, x, t, tmp_path, lr=0.5, formats=("svg",))}
    answers = files["answers.md"].read_text(encoding="utf-8")
    truth = engine_numbers(net, x, t, 0.5)
    printed = re.findall(PRINTED, answers)
    assert len(printed) > 100
    for text in printed:
        value, half = printed_value(text)
        assert any(abs(value - v) <= half * (1 + 1e-9) for v in truth), text
    worked = net.copy()
    worked.forward(x)
    loss = worked.backward(t)
    first = net.nodes[len(net.inputs)]                                 # the first hidden neuron, named line by line
    assert f"= {worked.node(first.id).z:.4f}$" in answers and f"C = {loss:.4f}$" not in answers.split("## Every")[1]
    assert re.search(rf"\$C = .* = {loss:.4f}\$", answers)
    if example == "mazur":                                             # Mazur's own numbers, at 4 decimals
        assert "= 0.2984$" in answers and "w_{5,3} = 0.4000 - 0.5000 \\cdot 0.0822 = 0.3589$" in answers


def test_handout_refuses_bad_arguments_and_writes_nothing(tmp_path):
    net, x, t = ng.examples.mazur()
    target = tmp_path / "out"
    cases = [
        (dict(x=[0.05], t=t), ValueError, r"input x has shape \(1,\)"),
        (dict(x=x, t=[0.1, 0.2, 0.3]), ValueError, r"target t has shape \(3,\)"),
        (dict(x=[0.05, float("nan")], t=t), ValueError, "input x contains nan"),
        (dict(lr=0), ValueError, "lr must be > 0"),
        (dict(lr="0.5"), TypeError, "learning rate lr must be a real number"),
        (dict(formats=()), ValueError, "formats must be a non-empty list"),
        (dict(formats="svg"), ValueError, "formats must be a non-empty list"),
        (dict(formats=("svg", "jpg")), ValueError, "'jpg' is not one of svg, pdf, png"),
        (dict(names="fancy"), ValueError, "names must be None, 'symbolic' or a dict"),
        (dict(names={99: "z"}), ValueError, "the network has no node 99"),
        (dict(names={3: 7}), TypeError, "the label of node 3 must be a non-empty string"),
    ]
    for kwargs, error, message in cases:
        args = {"x": x, "t": t, **kwargs}
        with pytest.raises(error, match=message):
            visualize.handout(net, args.pop("x"), args.pop("t"), target, **args)
    with pytest.raises(TypeError, match="handout needs a neurograph Network"):
        visualize.handout("net.json", x, t, target)
    for bad in (7, ""):
        with pytest.raises(TypeError, match="handout directory must be a non-empty path"):
            visualize.handout(net, x, t, bad)
    assert not target.exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        visualize.handout(net, x, t, tmp_path / "file")


@needs_dot
def test_cli_handout(tmp_path, capsys):
    net, x, t = ng.examples.mazur()
    model = tmp_path / "model.json"
    net.save(model)
    out = tmp_path / "ho"
    assert main(["handout", str(model), "--input", "0.05,0.10", "--target", "0.01,0.99", "--lr", "0.5",
                 "-o", str(out), "--formats", "svg"]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(p.split("/")[-1] for p in printed) == ["answers.md", "key.svg", "quiz.svg", "worksheet.md"]
    assert "## One SGD step" in (out / "worksheet.md").read_text(encoding="utf-8")
    assert main(["handout", str(model), "--input", "0.05", "--target", "0.01,0.99", "-o", str(out)]) == 2
    assert "input x has shape (1,)" in capsys.readouterr().err
    assert main(["handout", str(model), "--input", "0.05,0.1", "--target", "0.01,0.99", "-o", str(out),
                 "--formats", "svg,gif"]) == 2
    assert "'gif' is not one of svg, pdf, png" in capsys.readouterr().err


# -- draw options --------------------------------------------------------------------------
@pytest.fixture
def passed():
    net, x, t = ng.examples.seed002()
    net.forward(x)
    return net, net.backward(t)


def legend_of(source: str) -> str:
    return re.search(r"\n\tlegend \[.*?\]\n", source, re.S).group(0)


def test_fixed_scale_gives_identical_legends_on_two_nets(passed):
    net, loss = passed
    other = ng.Network.layered([3, 4, 2], seed=9)
    for e in other.edges:
        e.weight *= 7                                                 # a trained-looking range
    other.forward([0.3, -0.2, 0.9])
    other.backward([1.0, 0.0])
    assert legend_of(visualize.draw(net).source) != legend_of(visualize.draw(other).source)
    a, b = (legend_of(visualize.draw(n, scale=2.5).source) for n in (net, other))
    assert a == b and "−2.50" in a and "+2.50" in a and "darkest at ±1.00" in a   # a at ±1, δ and w at ±2.5
    strong = max(other.edges, key=lambda e: abs(e.weight))
    src = visualize.draw(other, scale=2.5).source                    # |w| > scale: darkest and widest, clipped
    attrs = re.search(rf"\t{strong.src.id} -> {strong.dst.id}:in{strong.src.id}:w \[(.*?)\]\n", src, re.S).group(1)
    assert 'penwidth=5.00' in attrs and ("#542788" in attrs or "#b35806" in attrs)


def test_values_false_draws_structure_only(passed):
    net, loss = passed
    src = visualize.draw(net, values=False, loss=loss).source
    assert "____" in src and "C = " not in src
    assert not re.search(r"\d\.\d", src.replace('penwidth="1.20"', "").replace("penwidth=1.20", "")
                         .replace('nodesep="0.22"', "").replace("nodesep=0.22", "").replace("width=1.05", "")
                         .replace("ranksep=1.5", "").replace("pad=0.3", "").replace("margin=0.02", ""))


def test_names_symbolic_and_dict(passed):
    net, _ = passed
    assert symbolic([[1, 2], [3], [4], [5, 6]]) == {1: "x₁", 2: "x₂", 3: "h¹₁", 4: "h²₁", 5: "ŷ₁", 6: "ŷ₂"}
    src = visualize.draw(net, names="symbolic").source
    assert "<B>h₁</B>" in src and "<B>ŷ₂</B>" in src and "from x₃" in src
    assert "node 4 = h₁ (sigmoid neuron, layer 1)" in src                   # the id stays in the tooltip
    mazur, x, t = ng.examples.mazur()
    src = visualize.draw(mazur, names=MAZUR_NAMES, labels="none").source
    assert "<B>o₂</B>" in src and "node 6 = o₂" in src
    partial = visualize.draw(mazur, names={3: "hidden"}, labels="none").source
    assert "<B>hidden</B>" in partial and "<B>5</B>" in partial


def test_labels_auto_is_tables_for_small_nets_and_circles_when_a_layer_collapses(passed):
    net, loss = passed
    assert visualize.draw(net, loss=loss).source == visualize.draw(net, labels="table", loss=loss).source
    big = ng.Network.layered([40, 5, 3], seed=1)
    assert visualize.draw(big).source == visualize.draw(big, labels="none").source
    assert "<TABLE BORDER=\"3\"" not in visualize.draw(big).source


def test_legend_false_and_rankdir(passed):
    net, _ = passed
    assert "legend" not in visualize.draw(net, legend=False).source
    src = visualize.draw(net, rankdir="TB").source
    assert "rankdir=TB" in src and ":in1:w" not in src


@needs_dot
def test_top_to_bottom_layers_run_down_and_ids_run_right(passed):
    net, _ = passed
    pos = plain(visualize.draw(net, rankdir="TB", names="symbolic"))
    ys = [[pos[str(n.id)][1] for n in layer] for layer in net.layers]
    assert all(min(a) > max(b) for a, b in zip(ys, ys[1:], strict=False))                  # layer k above layer k+1
    for layer in net.layers:
        xs = [pos[str(n.id)][0] for n in layer]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(values="no"), TypeError, "values must be True or False"),
    (dict(legend=1), TypeError, "legend must be True or False"),
    (dict(names=3), ValueError, "names must be None, 'symbolic' or a dict"),
    (dict(names={"4": "h"}), TypeError, "node ids are integers"),
    (dict(names={4: ""}), TypeError, "the label of node 4 must be a non-empty string"),
    (dict(names={40: "h"}), ValueError, "the network has no node 40"),
    (dict(scale=0), ValueError, "scale must be a positive number"),
    (dict(scale=-1.0), ValueError, "scale must be a positive number"),
    (dict(scale=float("inf")), ValueError, "scale must be a positive number"),
    (dict(scale=float("nan")), ValueError, "scale must be a positive number"),
    (dict(scale="2"), ValueError, "scale must be a positive number"),
    (dict(scale=True), ValueError, "scale must be a positive number"),
    (dict(rankdir="BT"), ValueError, r"rankdir must be one of \('LR', 'TB'\)"),
    (dict(labels="tables"), ValueError, r"labels must be one of \('auto', 'table', 'edge', 'none'\)"),
])
def test_new_draw_arguments_refuse_bad_values(passed, kwargs, error, message):
    net, _ = passed
    with pytest.raises(error, match=message):
        visualize.draw(net, **kwargs)


@needs_dot
@pytest.mark.parametrize("example", ["mazur", "seed002"])
def test_edge_labels_sit_each_on_its_own_edge_and_never_on_each_other(example):
    net, x, t = getattr(ng.examples, example)()
    net.forward(x)
    net.backward(t)
    pos = plain(visualize.draw(net, labels="edge"))
    tags = {name: pos[name] for name in pos if name.startswith("tag")}
    assert len(tags) == len(net.edges)
    for e in net.edges:
        (x0, y0, *_), (x1, y1, *_) = pos[str(e.src.id)], pos[str(e.dst.id)]
        tx, ty, w, h = tags[f"tag{e.src.id}_{e.dst.id}"]
        # the tag's centre is on the straight segment between the two neurons' centres
        cross = (x1 - x0) * (ty - y0) - (y1 - y0) * (tx - x0)
        assert abs(cross) / math.hypot(x1 - x0, y1 - y0) < 0.02               # inches: within 1.5 pt
        assert min(x0, x1) < tx < max(x0, x1)
    boxes = list(tags.values()) + [pos[str(n.id)] for n in net.nodes]
    for i, (ax, ay, aw, ah) in enumerate(boxes[:len(tags)]):
        for bx, by, bw, bh in boxes[i + 1:]:
            assert abs(ax - bx) >= (aw + bw) / 2 - 1e-6 or abs(ay - by) >= (ah + bh) / 2 - 1e-6


def test_edge_labels_without_graphviz_stay_graphviz_edge_labels(passed, tmp_path, monkeypatch):
    net, _ = passed
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    e = net.edge(2, 5)
    src = visualize.draw(net, labels="edge").source
    assert f'label="{e.pretty} {style_number(e.weight)}' in src and "tag2_5" not in src


def style_number(v: float) -> str:
    return ("−" if v < 0 else "+") + f"{abs(v):.2f}"


# -- dpi ----------------------------------------------------------------------------------------
def pdf_page(data: bytes) -> tuple[float, ...]:
    return tuple(float(v) for v in re.search(rb"/MediaBox \[\s*([\d.\s]+)\]", data).group(1).split())


@needs_dot
def test_dpi_changes_only_raster_output(passed, tmp_path):
    from PIL import Image

    net, loss = passed
    d = visualize.draw(net, loss=loss)
    plain_pdf, sharp_pdf = (d.save(tmp_path / f"n{dpi}.pdf", dpi=dpi).read_bytes() for dpi in (None, 300))
    assert pdf_page(plain_pdf) == pdf_page(sharp_pdf) and pdf_page(plain_pdf)[2] < 2000   # points, not inches·dpi
    size = [re.search(rb'<svg width="(\d+)pt" height="(\d+)pt"', d.pipe("svg", dpi=dpi)).groups()
            for dpi in (None, 300)]
    assert size[0] == size[1]
    small, big = (Image.open(BytesIO(d.pipe("png", dpi=dpi))).size for dpi in (96, 192))
    assert all(abs(b - 2 * s) <= 2 for s, b in zip(small, big, strict=True))
    width_pt = float(size[0][0])
    assert math.isclose(small[0], width_pt * 96 / 72, rel_tol=0.02)        # pixels = points · dpi / 72


def test_cli_draw_names_the_formats_it_can_write(tmp_path, capsys):
    net, _, _ = ng.examples.mazur()
    model = tmp_path / "model.json"
    net.save(model)
    assert main(["draw", str(model), "-o", str(tmp_path / "x.jpg")]) == 2
    err = capsys.readouterr().err
    assert "x.jpg" in err and all(ext in err for ext in (".svg", ".png", ".pdf", ".dot"))
    assert not (tmp_path / "x.jpg").exists()


def test_cli_draw_slide_options(tmp_path, capsys):
    net, _, _ = ng.examples.mazur()
    model = tmp_path / "model.json"
    net.save(model)
    out = tmp_path / "net.dot"
    assert main(["draw", str(model), "-o", str(out), "--names", "symbolic", "--no-values", "--no-legend",
                 "--rankdir", "TB"]) == 0
    dot = out.read_text(encoding="utf-8")
    assert "<B>h₁</B>" in dot and "____" in dot and "legend" not in dot and "rankdir=TB" in dot
    assert main(["draw", str(model), "-o", str(out), "--scale", "2"]) == 0
    assert "+2.00" in out.read_text(encoding="utf-8")
    assert main(["draw", str(model), "-o", str(out), "--scale", "-2"]) == 2
    assert "scale must be a positive number" in capsys.readouterr().err
