"""Everyday use (issue 17): regression targets, notebook display objects, the progress bar."""
import numpy as np
import pytest

import neurograph as ng
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.training.progress import TrainingBar, in_notebook, progress_bar
from neurograph.training.targets import Classification, Regression


# -- regression ------------------------------------------------------------------------

def test_r2_and_accuracy_by_hand():
    # y = [1, 2, 3], a = [1, 2, 4]: Σ(y − a)² = 1, ȳ = 2, Σ(y − ȳ)² = 2, so R² = 1 − 1/2 = 0.5;
    # a second output predicted perfectly has R² = 1: the mean over outputs is 0.75
    y = np.array([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]])
    a = np.array([[1.0, 5.0], [2.0, 6.0], [4.0, 7.0]])
    assert Regression().score(a, y) == pytest.approx(0.75, abs=1e-15)
    split = Regression().tally(a[:2], y[:2]) + Regression().tally(a[2:], y[2:])   # running sums add up
    assert Regression().value(split) == pytest.approx(0.75, abs=1e-15)
    # two of three argmax predictions right; one output: a > 0.5 means class 1
    assert Classification(2, (0.0, 1.0)).score(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]),
                                                np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert Classification(1, (0.0, 1.0)).score(np.array([[0.7], [0.2]]), np.array([1, 1])) == 0.5


def regression_problem():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(64, 2))
    T = np.c_[np.sin(2 * X[:, 0]) * X[:, 1], 0.5 * X[:, 0] - X[:, 1] ** 2]      # two real outputs
    net = ng.Network.layered([2, 12, 2], activation="tanh", output_activation="identity", loss="half_squared",
                             seed=0)
    return net, X, T


def test_train_regresses_a_small_function_to_a_low_loss():
    net, X, T = regression_problem()
    history = ng.train(net, X, T, engine="matrix", epochs=300, lr=0.1, batch_size=8, test=(X, T), progress=False)
    assert history.metric == "r2" and history[-1].test_accuracy is None
    loss, r2 = ng.evaluate(net, X, T)
    A = net.forward(X)                                              # independent: the formulas, by numpy
    assert loss == pytest.approx(np.mean(0.5 * np.sum((A - T) ** 2, axis=1)), rel=1e-9)
    by_output = 1 - np.sum((T - A) ** 2, axis=0) / np.sum((T - T.mean(axis=0)) ** 2, axis=0)
    assert r2 == pytest.approx(np.mean(by_output), rel=1e-9)
    assert history[-1].test_r2 == pytest.approx(r2, rel=1e-9)
    assert loss < 0.01 and r2 > 0.9                                 # measured: loss ≈ 0.004, R² ≈ 0.96
    assert "R²" in history.table() and "R²" in repr(history)


def test_regression_trains_the_same_on_both_engines():
    nets = {}
    for engine in ("graph", "matrix"):
        nets[engine], X, T = regression_problem()
        ng.train(nets[engine], X, T, engine=engine, epochs=3, lr=0.1, batch_size=8, progress=False)
    np.testing.assert_allclose([e.weight for e in nets["graph"].edges], [e.weight for e in nets["matrix"].edges],
                               rtol=0, atol=1e-12)
    assert nets["graph"].edge(1, 3).weight != regression_problem()[0].edge(1, 3).weight


def test_one_output_regression_takes_a_flat_target_vector():
    X = np.linspace(-1, 1, 9)[:, None]
    net = ng.Network.layered([1, 1], activation="identity", loss="squared", seed=0)
    ng.train(net, X, 3 * X[:, 0] - 1, epochs=200, lr=0.05, progress=False)
    assert net.edge(1, 2).weight == pytest.approx(3, abs=1e-6) and net.node(2).bias == pytest.approx(-1, abs=1e-6)


def test_wrong_targets_are_named():
    X = np.zeros((5, 2))
    net = ng.Network.layered([2, 3, 2], output_activation="identity", seed=0)
    with pytest.raises(ValueError, match=r"shape \(5, 3\); expected \(5,\).*\(5, 2\) float targets"):
        ng.train(net, X, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"expected \(5,\).*\(5, 2\)"):
        ng.train(net, X, np.zeros(5))                               # float labels, two outputs
    softmax = ng.Network.layered([2, 2], activation="softmax", loss="cross_entropy")
    with pytest.raises(ValueError, match="needs the loss squared or half_squared .*cross_entropy"):
        ng.evaluate(softmax, X, np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"NaN or inf \(row 3\)"):
        ng.train(net, X, np.array([[0, 0], [0, 0], [0, 0], [np.nan, 0], [0, 0]]))
    with pytest.raises(ValueError, match="test y are scored by accuracy but the training y by r2"):
        ng.train(net, X, np.zeros((5, 2)), test=(X, np.zeros(5, dtype=int)))


# -- notebook display ------------------------------------------------------------------

def test_explain_returns_an_explanation_in_every_format():
    net = worked_example()
    net.forward(WORKED_X)
    net.backward(WORKED_T)
    ex = ng.explain(net, 4)
    assert isinstance(ex, ng.Explanation) and isinstance(ex, str)
    assert str(ex) == ex.text and "z_4 = w_{4,1}·a_1" in ex and "σ(z_4)" in ex
    md, tex = ex._repr_markdown_(), ex._repr_latex_()
    assert md == str(ng.explain(net, 4, format="markdown")) and md.startswith("### Node 4")
    assert tex == str(ng.explain(net, 4, format="latex")) and r"\[ z_{4} =" in tex
    assert ng.explain(net, "loss", format="markdown")._repr_markdown_().count("$") >= 2


def test_reprs_are_short_and_have_html_tables():
    X, y = ng.xor()
    net = ng.Network.layered([2, 3, 1], seed=1)
    history = ng.train(net, X, y, engine="matrix", epochs=2000, lr=2.0, batch_size=4, test=(X, y), progress=False)
    assert len(repr(history)) < 300 and repr(history).startswith("<History engine=matrix epochs=2000")
    page = history._repr_html_()
    assert page.count("<tr>") == 1 + 11                            # header, 5 first, "…", 5 last epochs
    assert "<td>2000</td>" in page and 'src="data:image/png;base64,' in page
    report = ng.crosscheck(ng.Network.layered([784, 3, 10], seed=0), np.zeros((2, 784)), np.eye(10)[:2],
                           samples=5, torch=False)
    assert len(str(report)) > 1000 and len(repr(report)) < 300 and repr(report).startswith("<CrosscheckReport OK")
    assert "<td>graph vs matrix</td>" in report._repr_html_()
    deep = ng.Network.layered([2] + [1] * 60 + [1])
    assert len(repr(deep)) < 300 and "… 54 more" in repr(deep)
    assert repr(net) == "<Network [2, 3, 1] nodes=6 edges=9 loss=half_squared>"
    assert "<td>3–5</td><td>3</td><td>sigmoid</td><td>all</td>" in net._repr_html_()


def test_progress_bar_outside_a_notebook_is_one_text_bar_for_the_run():
    assert not in_notebook()
    bar = progress_bar(10, "epoch 1/1", False)
    assert bar.disable and type(bar).__module__ == "tqdm.std"
    bar.close()
    bars = TrainingBar(2, True)
    with bars.start(1, 4) as first:
        first.update(4)
    with bars.start(2, 3) as second:
        assert second.bar is first.bar and second.bar.n == 0 and second.bar.total == 3
        assert second.bar.desc.startswith("epoch 2/2")
    assert second.bar.disable                                      # closed after the last epoch
