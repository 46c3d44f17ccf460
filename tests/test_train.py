"""Training: both engines, the update rule, schedules, the divergence guard, presets and the CLI."""
import numpy as np
import pytest

from neurograph import Network
from neurograph.commands.cli import main
from neurograph.training.datasets import mnist_subset, one_hot, xor
from neurograph.matrix.network import MatrixNetwork
from neurograph.training.presets import PRESETS, get_preset, run_preset, seed003_init
from neurograph.training.engines import copy_parameters
from neurograph.training.history import TrainingDiverged
from neurograph.training.loop import evaluate, learning_rate, train


@pytest.fixture(scope="module")
def subset():
    return mnist_subset()


def params(net: Network) -> np.ndarray:
    """Every weight (edges in id order) then every bias, as one vector."""
    return np.array([e.weight for e in net.edges] + [n.bias for n in net.nodes if n.has_bias])


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_xor_learns_to_100_percent(engine):
    X, y = xor()
    net = Network.layered([2, 4, 1], activation="sigmoid", loss="half_squared", seed=1)
    history = train(net, X, y, engine=engine, epochs=200, lr=5.0, batch_size=1, test=(X, y),
                    progress=False)
    assert history.network is net
    assert history[-1].test_accuracy == 1.0
    out = net.forward(X).ravel()                     # the trained weights are on the edges
    assert np.all((out > 0.5) == (y == 1))


SMALL = {  # the presets' layer kinds and losses with narrow hidden layers (fast tests)
    "seed004": dict(sizes=[784, 12, 10], activation="sigmoid", output_activation="softmax",
                    loss="cross_entropy", init="normal"),
    "seed001": dict(sizes=[784, 10, 8, 10], activation="relu", output_activation="softmax",
                    loss="cross_entropy", init="he"),
    "seed003": dict(sizes=[784, 12, 10], activation="sigmoid", loss="half_squared",
                    init=seed003_init, bias=False),
}


@pytest.mark.parametrize("preset, batch, decay", [("seed004", 32, 1e-3), ("seed000", 1, 0.0),
                                                  ("seed003", 1, 0.0), ("seed001", 25, 1e-2)])
def test_both_engines_give_identical_weights_on_the_mnist_subset(subset, preset, batch, decay):
    p = get_preset(preset)
    build = (lambda: p.build(3)) if preset not in SMALL else (lambda: Network.layered(**SMALL[preset], seed=3))
    X, y = subset.train.X[:64], subset.train.y[:64]
    nets = {}
    for engine in ("graph", "matrix"):
        nets[engine] = build()
        train(nets[engine], X, y, engine=engine, epochs=1, lr=0.05, batch_size=batch,
              weight_decay=decay, targets=p.targets, seed=5, convention=p.convention, progress=False)
    before = params(build())
    assert np.max(np.abs(params(nets["graph"]) - before)) > 1e-4      # training moved them
    np.testing.assert_allclose(params(nets["graph"]), params(nets["matrix"]), rtol=0, atol=1e-10)


def test_one_minibatch_step_is_w_minus_lr_times_mean_grad_plus_decay():
    """Independent check: the mean-loss gradient by central finite differences."""
    X = np.array([[0.2, -0.4], [0.9, 0.1], [-0.3, 0.8]])
    y = np.array([0, 1, 1])
    T = one_hot(y, 1)
    net = Network.layered([2, 2, 1], activation="tanh", output_activation="sigmoid", seed=4)
    w0 = params(net)

    def mean_loss(theta):
        probe = net.copy()
        edges = probe.edges
        for e, v in zip(edges, theta[:len(edges)], strict=True):
            e.weight = v
        for n, v in zip([n for n in probe.nodes if n.has_bias], theta[len(edges):], strict=True):
            n.bias = v
        return np.mean([0.5 * float(np.sum((probe.forward(x) - t) ** 2)) for x, t in zip(X, T, strict=True)])

    h = 1e-6
    grad = np.array([(mean_loss(w0 + h * e) - mean_loss(w0 - h * e)) / (2 * h) for e in np.eye(len(w0))])
    n_w = len(net.edges)
    decay = np.r_[0.01 * w0[:n_w], np.zeros(len(w0) - n_w)]           # biases are not decayed
    expected = w0 - 0.5 * (grad + decay)
    for engine in ("graph", "matrix"):
        trained = net.copy()
        train(trained, X, y, engine=engine, epochs=1, lr=0.5, batch_size=3, weight_decay=0.01,
              shuffle=False, progress=False)
        np.testing.assert_allclose(params(trained), expected, atol=1e-8)


def test_learning_rate_schedules():
    steps = {0: 0.1, 50: 0.01}
    assert [learning_rate(steps, e) for e in (0, 49, 50, 99)] == [0.1, 0.1, 0.01, 0.01]
    assert learning_rate(lambda e: 1.0 / (1 + e), 3) == 0.25
    X, y = xor()
    h = train(Network.layered([2, 2, 1], seed=0), X, y, epochs=3, lr={0: 0.5, 2: 0.05}, progress=False)
    assert h.column("lr") == [0.5, 0.5, 0.05]
    for bad in ({1: 0.1}, {0: -1.0}, {0: 0.1, 2.5: 0.1}):
        with pytest.raises(ValueError):
            train(Network.layered([2, 2, 1], seed=0), X, y, lr=bad, progress=False)


def test_shuffling_is_reproducible_from_the_seed(subset):
    X, y = subset.train.X[:40], subset.train.y[:40]
    runs = []
    for seed in (1, 1, 2):
        net = Network.layered([784, 5, 10], seed=0)
        train(net, X, y, engine="matrix", epochs=2, lr=0.5, seed=seed, progress=False)
        runs.append(params(net))
    assert np.array_equal(runs[0], runs[1]) and not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_divergence_guard_stops_and_keeps_the_last_good_weights(engine):
    X, y = xor()

    def build():
        return Network.layered([2, 3, 1], activation="relu", output_activation="identity", loss="squared", seed=0)

    good = build()
    train(good, X, y, engine=engine, epochs=1, lr=0.01, progress=False)
    net = build()
    with pytest.raises(TrainingDiverged, match="diverged in epoch 2") as err:
        train(net, X, y, engine=engine, epochs=3, lr={0: 0.01, 1: 1e6}, progress=False)
    history = err.value.history
    assert len(history) == 1 and "restored to the end of epoch 1" in history.stopped
    assert history.network is net
    np.testing.assert_array_equal(params(net), params(good))


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_divergence_guard_catches_an_overflowing_loss(engine):
    X, y = xor()
    net = Network.layered([2, 3, 1], activation="relu", output_activation="identity", loss="squared", seed=0)
    with pytest.raises(TrainingDiverged, match="loss (nan|inf)") as err:
        train(net, X, y, engine=engine, epochs=30, lr={0: 0.01, 1: 1e6}, max_loss=1e308, progress=False)
    assert np.all(np.isfinite(params(net))) and len(err.value.history) < 30


def test_training_a_matrix_network_directly_returns_its_graph():
    X, y = xor()
    net = Network.layered([2, 3, 1], seed=2)
    m = MatrixNetwork.from_graph(net, convention="column")
    history = train(m, X, y, engine="matrix", epochs=5, lr=0.5, progress=False)
    assert history.network is not net
    np.testing.assert_array_equal(params(history.network), params(m.to_graph()))
    assert not np.allclose(params(history.network), params(net))


def test_bad_arguments_are_named():
    X, y = xor()
    net = Network.layered([2, 2, 1], seed=0)
    with pytest.raises(ValueError, match="engine"):
        train(net, X, y, engine="gpu")
    with pytest.raises(ValueError, match="epochs"):
        train(net, X, y, epochs=0)
    with pytest.raises(ValueError, match=r"labels y have shape \(3,\)"):
        train(net, X, y[:3])
    with pytest.raises(ValueError, match=r"expected \(samples, 2\)"):
        train(net, X[:, :1], y)
    with pytest.raises(ValueError, match="node 4 has different incoming edges"):
        copy_parameters(Network.layered([2, 2, 1], seed=0), Network.layered([2, 1, 2], seed=0))


def test_history_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image
    X, y = xor()
    h = train(Network.layered([2, 2, 1], seed=0), X, y, epochs=3, test=(X, y), progress=False)
    path = h.plot(tmp_path / "curves.png")
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (1000, 400)
    assert "test acc" in h.table()


def test_every_preset_docstring_cites_its_formulas():
    for name in PRESETS:
        p = get_preset(name)
        assert name[-3:] in p.doc.replace(" ", "") and ("δ" in p.doc or "L " in p.doc or "L =" in p.doc)


def test_saved_model_scores_the_same_and_cli_prints_it(tmp_path, capsys):
    model = tmp_path / "model.json"
    code = main(["train", "--preset", "seed000", "--subset", "--epochs", "1", "--seed", "1",
                 "--no-progress", "--save", str(model)])
    out = capsys.readouterr().out
    assert code == 0 and "threadpoolctl" in out and "epoch   1" in out
    printed = float(out.strip().splitlines()[-1].split("test accuracy: ")[1])
    sub = mnist_subset()
    loaded = Network.load(model)
    for engine in ("graph", "matrix"):
        assert evaluate(loaded, sub.test.X, sub.test.y, engine=engine)[1] == pytest.approx(printed, abs=1e-12)
    again = run_preset("seed000", subset=True, epochs=1, seed=1, progress=False)
    assert again[-1].test_accuracy == printed
