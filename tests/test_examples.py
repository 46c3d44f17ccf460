"""ng.examples: Mazur's published numbers, seed002, weights-only steps and `demo --example mazur`.

The reference numbers are Matt Mazur's, "A Step by Step Backpropagation Example" (2015):
error 0.298371109, after one step at lr 0.5 w5 = 0.35891648 and w1 = 0.149780716. He
publishes 0.291027924 for the error after that step and 0.0000351085 after 10,000 steps;
both come from his rounded intermediate values, so they are checked at the precision at
which they agree with exact arithmetic, and the exact values are written beside them.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import neurograph as ng
from neurograph.commands.cli import main
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.examples import MAZUR_WEIGHTS


def error_after(net, x, t) -> float:
    net.zero_grad()
    net.forward(x)
    return net.backward(t)


def test_mazur_network_is_the_published_one():
    net, x, t = ng.examples.mazur()
    assert x.tolist() == [0.05, 0.10] and t.tolist() == [0.01, 0.99]
    weights = [net.edge(*MAZUR_WEIGHTS[f"w{k}"]).weight for k in range(1, 9)]
    assert weights == [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    assert [n.bias for n in net.nodes] == [None, None, 0.35, 0.35, 0.60, 0.60]
    assert net.loss == "half_squared" and {n.activation for n in net.nodes if not n.is_input} == {"sigmoid"}


def test_mazur_first_pass_and_one_weights_only_step():
    net, x, t = ng.examples.mazur()
    net.forward(x)
    assert round(net.backward(t), 9) == 0.298371109                  # his total error
    # his hand steps: out_h1 = σ(0.15·0.05 + 0.2·0.1 + 0.35) = 0.593269992, out_o1 = 0.75136507
    assert round(net.node(3).a, 9) == 0.593269992 and round(net.node(5).a, 8) == 0.75136507
    net.step(0.5, biases=False)
    assert round(net.edge(3, 5).weight, 8) == 0.35891648               # w5
    assert round(net.edge(1, 3).weight, 9) == 0.149780716              # w1
    assert [n.bias for n in net.nodes] == [None, None, 0.35, 0.35, 0.60, 0.60]
    after = error_after(net, x, t)
    assert round(after, 8) == 0.29102777                               # exact
    assert round(after, 6) == round(0.291027924, 6)                    # his, from rounded intermediates
    assert after != pytest.approx(0.291027924, abs=1e-8)               # and they do differ further down


def test_biases_true_moves_the_biases_by_their_gradients():
    net, x, t = ng.examples.mazur()
    net.forward(x)
    net.backward(t)
    db = net.node(5).bias_grad
    net.step(0.5)
    assert net.node(5).bias == pytest.approx(0.60 - 0.5 * db, abs=1e-15)


def weights_only_steps(steps: int, engine: str):
    """Mazur's network after ``steps`` SGD steps on his one sample, biases fixed (via train)."""
    net, x, t = ng.examples.mazur()
    # one epoch of the same sample ``steps`` times = ``steps`` steps; label 1 with targets (0.01, 0.99) is t
    ng.train(net, np.tile(x, (steps, 1)), np.ones(steps, dtype=int), targets=(0.01, 0.99), lr=0.5,
             shuffle=False, biases=False, engine=engine, progress=False)
    return net, x, t


def test_mazur_ten_thousand_weights_only_steps():
    net, x, t = weights_only_steps(10_000, "graph")
    assert [n.bias for n in net.nodes] == [None, None, 0.35, 0.35, 0.60, 0.60]
    error = error_after(net, x, t)
    assert round(error, 9) == 3.5102e-05                                # exactly computed
    assert math.isclose(error, 0.0000351085, rel_tol=1e-3)              # his 3.51085e-05, 3 digits agree


def test_weights_only_training_is_the_same_on_the_matrix_engine():
    graph, _, _ = weights_only_steps(300, "graph")
    matrix, _, _ = weights_only_steps(300, "matrix")
    assert [n.bias for n in matrix.nodes] == [None, None, 0.35, 0.35, 0.60, 0.60]
    for e in graph.edges:
        assert matrix.edge(e.src.id, e.dst.id).weight == pytest.approx(e.weight, abs=1e-12)


def test_bad_biases_is_refused_and_changes_nothing():
    net, x, t = ng.examples.mazur()
    net.forward(x)
    net.backward(t)
    before = [e.weight for e in net.edges]
    for bad in ("no", 0, None):
        with pytest.raises(TypeError, match="biases must be True or False"):
            net.step(0.5, biases=bad)
        with pytest.raises(TypeError, match="biases must be True or False"):
            ng.train(net, [x], [1], biases=bad)
    m = ng.MatrixNetwork.from_graph(net)
    m.forward([x])
    m.backward([t])
    with pytest.raises(TypeError, match="biases must be True or False"):
        m.step(0.5, biases="yes")
    assert [e.weight for e in net.edges] == before


def test_matrix_step_without_biases_matches_the_graph_engine():
    net, x, t = ng.examples.mazur()
    m = ng.MatrixNetwork.from_graph(net)
    m.forward([x])
    m.backward([t])
    m.step(0.5, biases=False)
    net.forward(x)
    net.backward(t)
    net.step(0.5, biases=False)
    other = m.to_graph()
    assert [n.bias for n in other.nodes] == [None, None, 0.35, 0.35, 0.60, 0.60]
    for e in net.edges:
        assert other.edge(e.src.id, e.dst.id).weight == pytest.approx(e.weight, abs=1e-15)


def test_seed002_is_the_worked_example():
    net, x, t = ng.examples.seed002()
    ref = worked_example()
    assert x.tolist() == list(WORKED_X) and t.tolist() == list(WORKED_T)
    assert [e.weight for e in net.edges] == [e.weight for e in ref.edges]
    assert [n.bias for n in net.nodes] == [n.bias for n in ref.nodes]
    assert np.array_equal(net.forward(x), ref.forward(WORKED_X))


def test_demo_example_mazur_prints_his_numbers_beside_ours(tmp_path, capsys):
    assert main(["demo", "--example", "mazur", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "loss C = ½Σ(a − t)² = 0.298371109" in out
    assert "Node 3 (hidden, layer 1, sigmoid)" in out and "Node 5 (output, layer 2, sigmoid)" in out
    rows = {" ".join(line.split()[:-2]): line.split()[-2:] for line in out.splitlines()
            if line.strip().startswith(("w", "error")) and "the step" in line}
    assert rows["w5 after the step"] == ["0.358916480", "0.35891648"]
    assert rows["w1 after the step"] == ["0.149780716", "0.149780716"]
    assert rows["error after the step"] == ["0.291027774", "0.291027924"]
    assert ng.Network.load(tmp_path / "model.json").edge(3, 5).weight == 0.40   # saved before the step


def test_skip_dag_forward_and_loss_by_hand():
    net, x, t = ng.examples.skip_dag()
    a1, a2 = 0.4, math.tanh(-0.7 + 0.3)                      # input 2 carries tanh(x + b)
    a3 = max(0.0, 0.5 * a1 - 0.4 * a2 + 0.1)                   # relu
    a4 = 1 / (1 + math.exp(-(0.7 * a1 + 1.1 * a3 - 0.2)))
    a5 = 0.25 * a2 - 0.6 * a3                                  # identity, no bias
    a6 = 1 / (1 + math.exp(-(0.3 * a1 + 0.2 * a3 + 0.5)))
    out = net.forward(x)
    assert np.allclose(out, [a4, a5, a6], rtol=1e-14, atol=0)
    loss = (a4 - 0.2) ** 2 + (a5 + 0.1) ** 2 + (a6 - 0.9) ** 2    # squared: C = Σ(a − t)²
    assert math.isclose(net.backward(t), loss, rel_tol=1e-14)
    assert net.node(5).bias is None and [n.id for n in net.inputs] == [1, 2]
