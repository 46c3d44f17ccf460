"""explain(): the printed equations must carry the engine's own numbers.

The text is parsed back (every equation chain ``lhs = s1 = s2 = …`` becomes a
list of sides) and compared with node.z, node.a, node.delta, edge.grad at the
printed precision; substituted sums are re-added from the printed terms, and
the worked example is checked against values computed by hand.
"""
from __future__ import annotations

import math
import re
import runpy
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from matplotlib import mathtext

import neurograph as ng
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.commands.cli import main
from neurograph.matrix.network import MatrixNetwork

NUM = re.compile(r"-?\d+\.\d+(?:e[+-]\d+)?")
ROOT = Path(__file__).resolve().parents[1]


# -- parsing helpers ------------------------------------------------------------------

def chains(text: str) -> dict[str, list[str]]:
    """{lhs: [side1, side2, …]} from the text format (continuation lines start with '= ')."""
    eqs: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("= ") and eqs:
            eqs[-1] += " " + s
        elif " = " in s and not s.endswith(":"):
            eqs.append(s)
    out = {}
    for eq in eqs:
        lhs, *sides = eq.split(" = ")
        out[lhs] = sides
    return out


def value(side: str) -> float:
    """The number a side ends with (the result of the chain)."""
    return float(NUM.findall(side)[-1])


def printed_close(side: str, expected: float, digits: int = 4) -> bool:
    """The printed number equals ``expected`` to the precision it was printed with."""
    shown = NUM.findall(side)[-1]
    tol = 0.5 * 10 ** -digits if "e" not in shown else 0.5 * 10 ** -(digits - 1) * abs(expected)
    return abs(float(shown) - expected) <= tol * 1.000001 + 1e-15


def products(side: str) -> list[tuple[float, float]]:
    """Every 'x·y' factor pair of a substituted sum, negatives in parentheses."""
    factor = r"\(?(-?\d+\.\d+(?:e[+-]\d+)?)\)?"
    return [(float(a), float(b)) for a, b in re.findall(factor + "·" + factor, side)]


def ran(net, x, t):
    net.forward(x)
    net.backward(t)
    return net


def check_node(net, node, text, digits=4):
    """Every number of explain(net, node) against the engine."""
    eq = chains(text)
    j = node.id
    if not node.is_input:
        z_sides = eq[f"z_{j}"]
        assert printed_close(z_sides[-1], node.z, digits)
        pairs = products(z_sides[1])
        edges = node.inputs
        if len(edges) <= 6:
            assert len(pairs) == len(edges)
            half_unit = 0.5 * 10 ** -digits * 1.000001
            for (w, a), e in zip(pairs, edges, strict=True):
                assert abs(w - e.weight) <= half_unit and abs(a - e.src.a) <= half_unit
            bias = float(NUM.findall(z_sides[1])[-1]) if node.has_bias else 0.0
            assert abs(bias - (node.bias or 0.0)) <= half_unit
            resum = sum(w * a for w, a in pairs) + bias          # re-add the printed terms
            assert abs(resum - node.z) <= 2 * len(pairs) * 10 ** -digits + 1e-9
    assert printed_close(eq[f"a_{j}"][-1], node.a, digits)
    if node.delta is not None:
        assert printed_close(eq[f"δ_{j}"][-1], node.delta, digits)
        for e in node.inputs[:5]:
            assert printed_close(eq[f"∂C/∂{e.name}"][-1], e.grad, digits)
        if node.has_bias:
            assert printed_close(eq[f"∂C/∂b_{j}"][-1], node.bias_grad, digits)


# -- the worked example, against hand computation ---------------------------------------

@pytest.fixture
def worked():
    return ran(worked_example(), WORKED_X, WORKED_T)


def test_node_4_by_hand(worked):
    text = ng.explain(worked, 4)
    eq = chains(text)
    # z_4 = w41·x1 + w42·x2 + w43·x3 + b4 with the worked example's round numbers
    z4 = -0.48 * 0.05 + -0.40 * 0.10 + 0.63 * 0.20 + -0.15
    a4 = 1 / (1 + math.exp(-z4))
    assert eq["z_4"] == ["w_{4,1}·a_1 + w_{4,2}·a_2 + w_{4,3}·a_3 + b_4",
                         "(-0.4800)·0.0500 + (-0.4000)·0.1000 + 0.6300·0.2000 + (-0.1500)", f"{z4:.4f}"]
    assert eq["a_4"] == ["σ(z_4)", f"σ({z4:.4f})", f"{a4:.4f}"]
    assert eq["σ′(z_4)"][-1] == f"{a4 * (1 - a4):.4f}"
    assert eq["δ_4"][0] == "σ′(z_4)·(w_{8,4}·δ_8 + w_{9,4}·δ_9)"
    # δ_4 by hand from the outputs: δ_k = (a_k − t_k)·a_k(1 − a_k)
    a = {n.id: n.a for n in worked.outputs}
    d8 = (a[8] - 0.01) * a[8] * (1 - a[8])
    d9 = (a[9] - 0.99) * a[9] * (1 - a[9])
    d4 = a4 * (1 - a4) * (-0.13 * d8 + 0.93 * d9)
    assert eq["δ_4"][-1] == f"{d4:.4f}"
    assert eq["∂C/∂w_{4,3}"] == ["a_3·δ_4", f"0.2000·({d4:.4f})", f"{0.2 * d4:.4f}"]
    assert "not computed" not in text


def test_node_8_output_delta_from_loss(worked):
    eq = chains(ng.explain(worked, 8, t=WORKED_T))
    n8 = worked.node(8)
    assert eq["δ_8"][0] == "(a_8 − t_8)·σ′(z_8)"
    assert eq["δ_8"][1] == f"({n8.a:.4f} − 0.0100)·{n8.a * (1 - n8.a):.4f}"
    assert printed_close(eq["δ_8"][-1], (n8.a - 0.01) * n8.a * (1 - n8.a))
    check_node(worked, n8, ng.explain(worked, 8))


def test_every_node_of_the_worked_example(worked):
    for node in worked.nodes:
        check_node(worked, node, ng.explain(worked, node.id))


def test_the_target_backward_stored_gives_the_same_equations(worked):
    assert ng.explain(worked, "loss") == ng.explain(worked, "loss", t=WORKED_T)


def test_edge_explanation(worked):
    e = worked.edge(1, 4)
    eq = chains(ng.explain(worked, (1, 4)))
    assert eq["w_{4,1}"] == ["-0.4800"]
    assert eq["w_{4,1}·a_1"][-1] == f"{-0.48 * 0.05:.4f}"
    assert printed_close(eq["w_{4,1}·δ_4"][-1], e.weight * worked.node(4).delta)
    assert printed_close(eq["∂C/∂w_{4,1}"][-1], e.grad)
    assert printed_close(eq["∂C/∂w_{4,1}"][-1], 0.05 * worked.node(4).delta)


def test_loss_explanation(worked):
    loss = ran(worked_example(), WORKED_X, WORKED_T).backward(WORKED_T)
    eq = chains(ng.explain(worked, "loss", t=WORKED_T))
    a8, a9 = (n.a for n in worked.outputs)
    by_hand = 0.5 * ((a8 - 0.01) ** 2 + (a9 - 0.99) ** 2)
    assert eq["C"][0] == "½·Σ_k (a_k − t_k)²"
    assert printed_close(eq["C"][-1], by_hand) and printed_close(eq["C"][-1], loss)
    for n in worked.outputs:
        assert printed_close(eq[f"δ_{n.id}"][-1], n.delta)


def test_cross_entropy_softmax_loss_and_delta():
    net = ran(ng.Network.layered([3, 4, 3], activation="tanh", output_activation="softmax",
                                 loss="cross_entropy", seed=1), [0.3, -0.2, 0.5], [0, 1, 0])
    text = ng.explain(net, "loss")
    eq = chains(text)
    a = [n.a for n in net.outputs]
    assert printed_close(eq["C"][-1], -math.log(a[1]))
    assert eq["δ_9"][0] == "a_9 − t_9"
    for n in net.outputs:
        check_node(net, n, ng.explain(net, n.id))
    ran(net, [0.3, -0.2, 0.5], [0, 0.5, 1])          # Σt = 1.5: δ = a·Σt − t, not a − t
    eq = chains(ng.explain(net, 9, t=[0, 0.5, 1]))
    assert eq["δ_9"][0] == "a_9·Σ_k t_k − t_9"
    assert printed_close(eq["δ_9"][-1], net.node(9).a * 1.5 - 0.5)
    assert printed_close(eq["δ_9"][-1], net.node(9).delta)


def test_softmax_without_cross_entropy_uses_the_jacobian():
    net = ran(ng.Network.layered([3, 4, 3], activation="softmax", output_activation="softmax",
                                 loss="squared", seed=3), [0.3, -0.2, 0.5], [0, 1, 0])
    text = ng.explain(net, 9, t=[0, 1, 0])
    assert "δ_9 = a_9·(g_9 − Σ_k a_k·g_k)" in text.replace("\n", " ").replace("      ", "")
    for node in net.nodes:
        check_node(net, node, ng.explain(net, node.id, t=[0, 1, 0]))
    # without t the target backward was given is used
    assert ng.explain(net, 9) == text
    assert ng.explain(net, "loss") == ng.explain(net, "loss", t=[0, 1, 0])
    net.forward([0.3, -0.2, 0.5])                           # a new forward: no target until backward
    with pytest.raises(ValueError, match=r"needs the target t: run net\.backward\(t\) first or pass t="):
        ng.explain(net, "loss")


ACTS = st.sampled_from(["sigmoid", "tanh", "relu", "identity"])


@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4), act=ACTS, out_act=ACTS,
       loss=st.sampled_from(["half_squared", "squared"]), seed=st.integers(0, 10_000),
       in_act=st.sampled_from([None, "tanh"]))
def test_printed_numbers_equal_the_engine(sizes, act, out_act, loss, seed, in_act):
    rng = np.random.default_rng(seed)
    net = ng.Network.layered(sizes, activation=act, output_activation=out_act, loss=loss,
                             seed=seed, input_activation=in_act)
    for n in net.nodes:
        if n.has_bias:
            n.bias = float(rng.uniform(-1, 1))
    t = rng.uniform(0, 1, sizes[-1])
    ran(net, rng.uniform(-1, 1, sizes[0]), t)
    for node in net.nodes:
        check_node(net, node, ng.explain(net, node.id, t=t))


# -- shortening, accumulation, formats -----------------------------------------------------

def test_long_fan_in_is_shortened():
    net = ng.Network.layered([784, 3, 2], seed=0)
    x = np.linspace(0, 1, 784)
    ran(net, x, [1, 0])
    text = ng.explain(net, 785)
    eq = chains(text)
    assert "+ 778 more terms" in eq["z_785"][0] and "+ 778 more terms" in eq["z_785"][1]
    assert eq["z_785"][0].startswith("w_{785,1}·a_1 + w_{785,2}·a_2")
    assert "w_{785,784}·a_784 + b_785" in eq["z_785"][0]
    assert len(products(eq["z_785"][1])) == 6
    assert printed_close(eq["z_785"][-1], net.node(785).z)
    assert "778 more incoming edges" in text
    assert text.count("∂C/∂w_{785,") == 6
    check_node(net, net.node(785), text)
    assert "more terms" not in ng.explain(net, 785, max_terms=1000)


def test_accumulated_gradients_are_labelled():
    net = worked_example()
    ran(net, WORKED_X, WORKED_T)
    ran(net, [0.5, -0.2, 0.1], WORKED_T)             # no zero_grad: grads are sums of two samples
    side = chains(ng.explain(net, 4, t=WORKED_T))["∂C/∂w_{4,1}"][-1]
    single, accumulated = NUM.findall(side)
    assert printed_close(single, 0.5 * net.node(4).delta)
    assert printed_close(accumulated, net.edge(1, 4).grad)


def test_wrong_target_is_flagged(worked):
    assert "it was run with a different target t" in " ".join(ng.explain(worked, 8, t=[0.5, 0.5]).split())


def _math_lines(text: str, fmt: str) -> list[str]:
    if fmt == "latex":
        return [line[2:-2].strip() for line in text.split("\n\n") if line.startswith(r"\[")]
    return re.findall(r"\$([^$]+)\$", text)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _shapes(lines: list[str]) -> list[str]:
    """One line per equation shape (numbers masked): mathtext parsing is slow."""
    plain = re.compile(r"-?\d+\.\d+(?!\\times)")
    return list({plain.sub("0", line): line for line in lines}.values())


@pytest.fixture(scope="module")
def explained_nets():
    net = ran(ng.Network.layered([3, 4, 3], activation="tanh", output_activation="softmax",
                                 loss="cross_entropy", seed=1), [0.3, -0.2, 0.5], [0, 1, 0])
    worked = ran(worked_example(), WORKED_X, WORKED_T)
    big = ran(ng.Network.layered([784, 2, 2], seed=0), np.full(784, 1e-5), [1, 0])
    return [(worked, 4), (worked, 8), (worked, (1, 4)), (worked, "loss"), (worked, 1),
            (net, 5), (net, 9), (net, "loss"), (big, 785)]


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_latex_is_well_formed_and_renders(fmt, explained_nets):
    texts = [ng.explain(n, target, fmt) for n, target in explained_nets]
    lines = []
    for text in texts:
        assert _balanced(text)
        assert "σ" not in text and "δ" not in text.replace("`", "")     # all Greek is LaTeX
        found = _math_lines(text, fmt)
        assert found and all(_balanced(line) for line in found)
        lines += found
    shapes = _shapes(lines)
    assert any(r"\times10^{" in line for line in shapes)                 # a scientific number
    parser = mathtext.MathTextParser("path")
    for line in shapes if fmt == "latex" else shapes[:3]:
        parser.parse(f"${line}$")                                          # raises on bad math
    mathtext.math_to_image(f"${shapes[0]}$", BytesIO(), format="png")
    with pytest.raises(ValueError):
        parser.parse(r"$\frac{a}{b$")                                       # the check can fail
    latex = ng.explain(explained_nets[0][0], 4, "latex")
    assert r"\frac{\partial C}{\partial w_{4,1}} = a_{1} \cdot \delta_{4}" in latex


def test_markdown_is_a_readable_list(worked):
    md = ng.explain(worked, 4, "markdown")
    assert md.startswith("### Node 4")
    assert "- $z_{4} = w_{4,1} \\cdot a_{1}" in md


# -- errors -------------------------------------------------------------------------------

def test_errors_name_the_problem():
    net = worked_example()
    with pytest.raises(RuntimeError, match="forward"):
        ng.explain(net, 4)
    net.forward(WORKED_X)
    assert "δ_4 not computed yet — run backward(t)" in ng.explain(net, 4)
    assert "not computed yet" in ng.explain(net, (1, 4))
    with pytest.raises(ValueError, match="no node 99"):
        ng.explain(net, 99)
    with pytest.raises(ValueError, match="1 → 8"):
        ng.explain(net, (1, 8))
    with pytest.raises(ValueError, match="node id"):
        ng.explain(net, 0)
    with pytest.raises(ValueError, match="format"):
        ng.explain(net, 4, "html")
    with pytest.raises(ValueError, match="'lost'"):
        ng.explain(net, "lost")
    with pytest.raises(ValueError, match="target t"):
        ng.explain(net, "loss")
    with pytest.raises(ValueError, match="target t has shape"):
        ng.explain(net, "loss", t=[1, 2, 3])


# -- the matrix view --------------------------------------------------------------------------

def _table_rows(block: str) -> dict[str, list[float]]:
    rows = {}
    for line in block.splitlines()[2:]:
        label, *cells = line.split()
        rows[label] = [float(c) for c in cells if c not in ("…",)]
    return rows


@pytest.mark.parametrize("convention", ["column", "row"])
def test_explain_matrix_matches_both_engines(convention, worked):
    m = MatrixNetwork.from_graph(worked, convention=convention)
    m.forward(np.array([WORKED_X, [0.9, 0.9, 0.9]]))
    text = ng.explain_matrix(m, 1)
    blocks = text.split("\n\n")
    W = _table_rows(blocks[1].split(":\n", 1)[1])
    for e in worked.edges:
        if e.dst.id in (4, 5, 6, 7):
            r, c = (e.dst.id, e.src.id) if convention == "column" else (e.src.id, e.dst.id)
            cols = [4, 5, 6, 7] if convention == "row" else [1, 2, 3]
            assert W[str(r)][cols.index(c)] == pytest.approx(e.weight, abs=5e-5)
    z_block = next(b for b in blocks if b.startswith("z = "))
    z_vals = (_table_rows(z_block.split(":\n", 1)[1])["z"] if convention == "row" else
              [v[0] for v in _table_rows(z_block.split(":\n", 1)[1]).values()])
    for nid, z in zip([4, 5, 6, 7], z_vals, strict=True):
        assert z == pytest.approx(worked.node(nid).z, abs=5e-5)       # the graph engine's z
    last = text.splitlines()[-1]
    assert last.startswith("z_4 = ")
    assert printed_close(last.split("(node")[0], worked.node(4).z)
    assert ("z = W·a + b" if convention == "column" else "z = a·W + b") in text


def test_explain_matrix_errors_and_big_layers():
    m = MatrixNetwork.from_graph(ng.Network.layered([784, 16, 10], seed=0))
    with pytest.raises(RuntimeError, match="forward"):
        ng.explain_matrix(m, 1)
    m.forward(np.full(784, 0.1))
    text = ng.explain_matrix(m, 1)
    assert "W (16×784" in text and "…" in text and "⋮" in text and "784" in text
    assert "+ 776 more terms" in text
    with pytest.raises(ValueError, match="layer"):
        ng.explain_matrix(m, 5)


# -- the command line, the demo and the tutorial -----------------------------------------------

def test_cli_explain(tmp_path, capsys):
    path = tmp_path / "model.json"
    worked_example().save(path)
    assert main(["explain", str(path), "--node", "4", "--edge", "1,4", "--loss"]) == 0
    out = capsys.readouterr().out
    assert "default sample" in out
    eq = chains(out)
    net = ran(worked_example(), WORKED_X, WORKED_T)
    assert printed_close(eq["δ_4"][-1], net.node(4).delta)
    assert printed_close(eq["∂C/∂w_{4,1}"][-1], net.edge(1, 4).grad)
    assert printed_close(eq["C"][-1], 0.5 * sum((n.a - t) ** 2 for n, t in zip(net.outputs, WORKED_T, strict=True)))

    assert main(["explain", str(path), "--node", "8", "--input", "0.5,0.1,0.9", "--target", "1,0",
                 "--format", "latex"]) == 0
    latex = capsys.readouterr().out
    assert r"\delta_{8}" in latex and "default sample" not in latex
    net = ran(worked_example(), [0.5, 0.1, 0.9], [1, 0])
    assert f"{net.node(8).delta:.4f}" in latex

    assert main(["explain", str(path), "--node", "4", "--input", "0.5,0.1,0.9"]) == 0
    assert "not computed yet" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--node", "99"], "no node 99"),
    (["--edge", "1,8"], "no edge 1 → 8"),
    (["--edge", "1-8"], "SRC,DST"),
    ([], "choose what to explain"),
    (["--node", "4", "--input", "1,2"], "shape"),
])
def test_cli_explain_errors(tmp_path, capsys, argv, message):
    path = tmp_path / "model.json"
    worked_example().save(path)
    assert main(["explain", str(path)] + argv) == 2
    assert message in capsys.readouterr().err


def test_demo_explains_nodes_4_and_8(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Node 4 (hidden, layer 1, sigmoid)" in out and "Node 8 (output, layer 2, sigmoid)" in out
    net = ran(worked_example(), WORKED_X, WORKED_T)
    assert printed_close(chains(out)["δ_8"][-1], net.node(8).delta)


def test_tutorial_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(ROOT / "examples" / "tutorial.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Node 4" in out and "Node 8" in out and "W (4×3" in out


# -- shared checks and the shortened lists ------------------------------------------------------

def test_cli_prints_a_seven_value_sample_in_full(tmp_path, capsys):
    """Seven values fit in the 7-entry limit: all of them are printed, none is silently dropped."""
    path = tmp_path / "model.json"
    ng.Network.layered([7, 3, 7], seed=7).save(path)
    assert main(["explain", str(path), "--node", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("Sample x = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95], "
                            "target t = [1, 0, 0, 0, 0, 0, 0]")
    assert "more)" not in first

    ng.Network.layered([8, 3, 8], seed=8).save(path)
    assert main(["explain", str(path), "--node", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "x = [0.05, 0.1786, 0.3071, 0.4357, 0.5643, 0.6929, … (1 more), 0.95]" in first
    assert "t = [1, 0, 0, 0, 0, 0, … (1 more), 0]" in first


def test_explain_and_explain_matrix_check_digits_and_max_terms_alike(worked):
    m = MatrixNetwork.from_graph(worked)
    m.forward(np.array([WORKED_X]))
    for call in (lambda **kw: ng.explain(worked, 4, **kw), lambda **kw: ng.explain_matrix(m, 1, **kw)):
        assert call(max_terms=np.int64(3)) == call(max_terms=3)                 # numpy ints accepted
        assert call(digits=np.int32(3)) == call(digits=3)
        for bad in (1, True, 3.0, "4"):
            with pytest.raises(ValueError, match="max_terms must be an integer ≥ 2"):
                call(max_terms=bad)
        for bad in (0, 13, True, 2.0):
            with pytest.raises(ValueError, match="digits must be an integer from 1 to 12"):
                call(digits=bad)
    with pytest.raises(ValueError, match="unknown format 'html'; choose one of latex, markdown, text"):
        ng.explain(worked, 4, "html")
