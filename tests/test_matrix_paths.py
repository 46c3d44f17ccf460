"""The matrix backend's per-sample path, float32 and lazy imports, against the batch path and the graph engine."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from dags import dag_cases
from hypothesis import given, settings
from hypothesis import strategies as st

import neurograph as ng
from neurograph.engine.losses import log_softmax
from neurograph.matrix.per_sample import PerSample

HEADS = [("softmax", "cross_entropy"), ("sigmoid", "half_squared"), ("identity", "squared"),
         ("sigmoid", "binary_cross_entropy")]


@st.composite
def layered_cases(draw):
    """A layered net of the kind the fused path takes, with a batch X, T and the step's options."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    out, loss = draw(st.sampled_from(HEADS))
    if out == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net = ng.Network.layered(sizes, activation=draw(st.sampled_from(["sigmoid", "tanh", "relu", "identity"])),
                             output_activation=out, loss=loss, seed=draw(st.integers(0, 99)),
                             input_activation=draw(st.sampled_from([None, "tanh"])), bias=draw(st.booleans()))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    for n in net.nodes:
        if n.has_bias:
            n.bias = float(rng.uniform(-0.5, 0.5))
    X = rng.normal(size=(5, sizes[0]))
    T = rng.dirichlet(np.ones(sizes[-1]), size=5) if out == "softmax" else rng.uniform(0.05, 0.95, (5, sizes[-1]))
    if out == "softmax" and draw(st.booleans()):
        T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 5)]               # one-hot rows: δ = a − t
    return net, X, T, draw(st.sampled_from([0.0, 0.01])), draw(st.booleans())


def parameters(m: ng.MatrixNetwork) -> np.ndarray:
    """Every weight (by edge) and bias, whatever the convention."""
    weights = m.edge_weights()
    return np.concatenate([[weights[k] for k in sorted(weights)], *m.biases])


def batch_path(m: ng.MatrixNetwork, X, T, lr, weight_decay, biases, order):
    """The reference: fit_batch on one row at a time."""
    losses = [m.fit_batch(X[i:i + 1], T[i:i + 1], lr, weight_decay, biases=biases) for i in order]
    return np.array(losses)


@given(layered_cases())
def test_fused_per_sample_path_equals_batch_path(case):
    net, X, T, weight_decay, biases = case
    order = [3, 0, 4, 1, 2]
    ref, fused = ng.MatrixNetwork(net, "row"), ng.MatrixNetwork(net, "column")
    assert PerSample.fits(fused.layout)
    expected = batch_path(ref, X, T, 0.1, weight_decay, biases, order)
    losses, outputs = fused.fit_samples(X, T, 0.1, weight_decay, biases, order=order)
    scale = max(1.0, float(np.abs(parameters(ref)).max()))
    np.testing.assert_allclose(losses, expected, rtol=1e-15, atol=1e-15 * max(1.0, np.abs(expected).max()))
    np.testing.assert_allclose(parameters(fused), parameters(ref), rtol=0, atol=1e-15 * scale)
    np.testing.assert_allclose(outputs[-1], ref.a[-1][0], rtol=0, atol=1e-15)
    # the state left behind is the last sample's pass, as fit_batch leaves it
    np.testing.assert_allclose(fused.delta[-1], ref.delta[-1], rtol=0, atol=1e-15)
    assert fused.edge_grads().keys() == ref.edge_grads().keys()
    assert all(abs(g - ref.edge_grads()[k]) <= 1e-15 * scale for k, g in fused.edge_grads().items())
    if not biases:
        assert [b.tolist() for b in fused.biases] == [b.tolist() for b in ng.MatrixNetwork(net).biases]


@settings(max_examples=15)
@given(dag_cases())
def test_other_networks_take_the_batch_path_bit_for_bit(case):
    net, X, T = case
    ref, other = ng.MatrixNetwork(net, "row"), ng.MatrixNetwork(net, "row")
    expected = batch_path(ref, X, T, 0.05, 0.0, True, range(len(X)))
    losses, _ = other.fit_samples(X, T, 0.05)
    assert losses.tolist() == expected.tolist()
    assert parameters(other).tolist() == parameters(ref).tolist()


@settings(max_examples=25)
@given(st.integers(1, 40), st.integers(2, 6), st.sampled_from([1.0, 30.0, 800.0]), st.integers(0, 99))
def test_batch_softmax_cross_entropy_is_the_engines_log_softmax_bit_for_bit(m, n, scale, seed):
    """backward's mean C = −(1/m)·Σ t·ln a with ln a = log_softmax(z) of neurograph.engine.losses, the same
    float, for z large enough that a rounds to 1 or underflows, ties for the largest z and soft targets."""
    net = ng.Network.layered([3, n], output_activation="softmax", loss="cross_entropy", seed=seed)
    mat = ng.MatrixNetwork(net)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3)) * scale
    X[0] = 0.0                                       # every z_i = b_i: ties when the biases tie
    mat.biases[-1][:] = np.round(rng.normal(size=n))
    T = rng.dirichlet(np.ones(n), size=m) if seed % 2 else np.eye(n)[rng.integers(0, n, m)]
    mat.forward(X)
    assert mat.z is not None
    expected = -float(np.vdot(T, log_softmax(mat.z[-1]))) / m
    assert mat.backward(T) == expected
    assert np.isfinite(expected)


def test_fused_path_agrees_with_the_graph_engine():
    """Ten per-sample steps of 6-5-4-3 (tanh, softmax + CE) along the edges and on the matrix backend."""
    net = ng.Network.layered([6, 5, 4, 3], activation="tanh", output_activation="softmax",
                             loss="cross_entropy", seed=3)
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(10, 6)), np.eye(3)[rng.integers(0, 3, 10)]
    m = ng.MatrixNetwork(net, "row")
    losses, _ = m.fit_samples(X, T, 0.2, 0.001)
    graph_losses = []
    for x, t in zip(X, T, strict=True):
        net.forward(x)
        graph_losses.append(net.backward(t))
        net.step(0.2, weight_decay=0.001)
        net.zero_grad()
    np.testing.assert_allclose(losses, graph_losses, rtol=1e-13)
    weights = m.edge_weights()
    assert max(abs(weights[(e.src.id, e.dst.id)] - e.weight) for e in net.edges) < 1e-13


def test_train_at_batch_one_runs_the_fused_path(monkeypatch):
    """train(engine='matrix', batch_size=1) never calls fit_batch, and ends on fit_samples' weights."""
    net = ng.Network.layered([4, 3, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(2500, 4)), rng.integers(0, 2, 2500)
    m = ng.MatrixNetwork(net, "row")
    losses, _ = m.fit_samples(X, np.eye(2)[y], 0.1, order=np.random.default_rng(5).permutation(2500))

    def refuse(*args, **kwargs):
        raise AssertionError("fit_batch was called")
    monkeypatch.setattr(ng.MatrixNetwork, "fit_batch", refuse)
    history = ng.train(net, X, y, engine="matrix", batch_size=1, lr=0.1, seed=5, progress=False)
    assert history[0].train_loss == pytest.approx(losses.mean(), rel=1e-14)
    assert all(e.weight == m.edge_weights()[(e.src.id, e.dst.id)] for e in net.edges)


def test_divergence_on_the_fused_path_names_the_sample_and_restores():
    net = ng.Network.layered([2, 3, 1], activation="identity", loss="half_squared", seed=0)
    before = [e.weight for e in net.edges]
    X, y = np.full((3000, 2), 10.0), np.ones(3000, dtype=int)
    with pytest.raises(ng.TrainingDiverged, match=r"epoch 1 at sample \d+: minibatch loss") as info:
        ng.train(net, X, y, engine="matrix", batch_size=1, lr=5.0, progress=False, shuffle=False)
    sample = int(str(info.value).split("at sample ")[1].split(":")[0])
    assert 1 <= sample < 100                                    # stopped at the first bad sample
    assert [e.weight for e in info.value.history.network.edges] == before


def test_fit_samples_refuses_bad_order_and_shapes():
    m = ng.MatrixNetwork(ng.Network.layered([2, 2], seed=0))
    X, T = np.zeros((3, 2)), np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"order must be a list of row numbers of X \(0 to 2\)"):
        m.fit_samples(X, T, 0.1, order=[0, 3])
    with pytest.raises(ValueError, match="X has 3 rows but T has 2"):
        m.fit_samples(X, T[:2], 0.1)
    with pytest.raises(ValueError, match="learning rate lr must be ≥ 0"):
        m.fit_samples(X, T, -1.0)


# -- float32 ------------------------------------------------------------------------------
@settings(max_examples=20)
@given(layered_cases())
def test_float32_computes_the_float64_numbers_to_single_precision(case):
    net, X, T, weight_decay, biases = case
    m64, m32 = ng.MatrixNetwork(net, "row"), ng.MatrixNetwork(net, "row", dtype="float32")
    assert all(w.dtype == np.float32 for w in m32.weights.values()) and m32.biases[1].dtype == np.float32
    y64, y32 = m64.forward(X), m32.forward(X)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)
    assert m32.backward(T) == pytest.approx(m64.backward(T), rel=1e-4, abs=1e-5)
    g64 = m64.edge_grads()
    assert all(abs(g - g64[k]) <= 1e-4 * (1 + abs(g64[k])) for k, g in m32.edge_grads().items())
    m64.step(0.1, weight_decay, biases)
    m32.step(0.1, weight_decay, biases)
    np.testing.assert_allclose(parameters(m32), parameters(m64), rtol=1e-4, atol=1e-5)
    l64, _ = m64.fit_samples(X, T, 0.1, weight_decay, biases)
    l32, o32 = m32.fit_samples(X, T, 0.1, weight_decay, biases)
    assert o32.dtype == np.float32
    np.testing.assert_allclose(l32, l64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(parameters(m32), parameters(m64), rtol=1e-4, atol=1e-5)


def test_train_in_float32_ends_near_float64_and_keeps_the_network_float64():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(256, 6)), rng.integers(0, 3, 256)
    nets = [ng.Network.layered([6, 8, 3], output_activation="softmax", loss="cross_entropy", seed=1)
            for _ in range(2)]
    for net, dtype in zip(nets, ["float64", "float32"], strict=True):
        ng.train(net, X, y, engine="matrix", batch_size=16, epochs=2, lr=0.2, dtype=dtype, progress=False)
    w64, w32 = ([e.weight for e in net.edges] for net in nets)
    assert all(isinstance(w, float) for w in w32)
    np.testing.assert_allclose(w32, w64, rtol=1e-4, atol=1e-5)


def test_float32_is_refused_where_it_does_not_apply():
    net = ng.Network.layered([2, 2, 1], seed=0)
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="the graph engine computes in float64"):
        ng.train(net, X, y, dtype="float32")
    with pytest.raises(ValueError, match="dtype must be one of float64, float32"):
        ng.train(net, X, y, engine="matrix", dtype="float16")
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        ng.MatrixNetwork(net, dtype="int8")
    with pytest.raises(ValueError, match="this MatrixNetwork computes in float32; pass dtype=.float32."):
        ng.train(ng.MatrixNetwork(net, dtype="float32"), X, y, engine="matrix", dtype="float64")
    with pytest.raises(ValueError, match="crosscheck compares in float64"):
        ng.crosscheck(net, X, np.zeros((4, 1)), matrix=ng.MatrixNetwork(net, dtype="float32"))


# -- start-up ------------------------------------------------------------------------------
def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


#: what ``import neurograph`` must not load: the heavy libraries and every subpackage a plain Network does not need
NOT_AT_IMPORT = ("scipy", "networkx", "matplotlib", "graphviz", "visualize", "neurograph.check", "neurograph.commands",
                 "neurograph.explanations", "neurograph.io", "neurograph.matrix", "neurograph.training")


def test_import_neurograph_loads_no_scipy_networkx_or_matplotlib():
    loaded = json.loads(run_python(
        "import sys, json, neurograph\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({NOT_AT_IMPORT!r}))))"))
    assert loaded == []
    loaded = json.loads(run_python(                   # a plain Network computes without them too
        "import sys, json, neurograph as ng\n"
        "net = ng.Network.layered([3, 4, 2], seed=0)\n"
        "net.forward([0.1, 0.2, 0.3]); net.backward([0, 1]); net.step(0.5)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({NOT_AT_IMPORT!r}))))"))
    assert loaded == []


def test_train_limits_the_lazily_loaded_scipy_blas_too():
    """threadpoolctl can only limit what is loaded: train loads scipy's BLAS before it sets the limit."""
    out = run_python(
        "import json, numpy as np, neurograph as ng\n"
        "from threadpoolctl import threadpool_info\n"
        "seen = []\n"
        "net = ng.Network.layered([3, 2], seed=0)\n"
        "ng.train(net, np.zeros((4, 3)), np.array([0, 1, 0, 1]), engine='matrix', threads=1, progress=False,\n"
        "         on_epoch=lambda r: seen.extend(threadpool_info()))\n"
        "import scipy.linalg\n"
        "every = [p['filepath'] for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "print(json.dumps([every, [(p['filepath'], p['num_threads']) for p in seen if p['user_api'] == 'blas']]))")
    every, limited = json.loads(out)
    assert set(every) <= {path for path, _ in limited}          # numpy's and scipy's BLAS, both limited
    assert all(threads == 1 for _, threads in limited)


# -- loading and drawing in bulk ---------------------------------------------------------------
def edge_list(net: ng.Network) -> list[tuple[int, int, float]]:
    return [(e.src.id, e.dst.id, e.weight) for e in net.edges]


def bare_copy(net: ng.Network) -> ng.Network:
    """The nodes of ``net`` without its edges."""
    twin = ng.Network(loss=net.loss)
    for n in net.nodes:
        if n.is_input:
            twin.add_input(n.id)
        else:
            twin.add_neuron(n.id, activation=n.activation, bias=n.bias)
    return twin


def test_connect_arrays_builds_what_connect_many_builds():
    net = ng.Network.layered([4, 3, 2], seed=0)
    edges = edge_list(net)[::-1]                                 # any order: z sums in the given order
    bulk, one_by_one = bare_copy(net), bare_copy(net)
    src, dst, w = (np.array(column) for column in zip(*edges, strict=True))
    bulk.connect_arrays(src, dst, w)
    one_by_one.connect_many(edges)
    assert edge_list(bulk) == edge_list(one_by_one)
    x = np.array([0.1, -0.2, 0.3, 0.4])
    assert bulk.forward(x).tolist() == one_by_one.forward(x).tolist()


@pytest.mark.parametrize("edges, message", [
    ([(1, 4, 0.5), (1, 4, 0.25)], r"edge 1 → 4 \(w_\{4,1\}\) already exists"),
    ([(1, 99, 0.5)], "node 99 does not exist"),
    ([(4, 1, 0.5)], "node 1 is an input"),
    ([(4, 5, 0.5), (5, 4, 0.5)], "would close the cycle 4 → 5 → 4"),
    ([(1, 4, float("nan"))], "weight of edge 1 → 4"),
])
def test_connect_arrays_names_the_bad_edge_as_connect_many_does(edges, message):
    net = bare_copy(ng.Network.layered([3, 2, 1], seed=0))
    src, dst, w = (np.array(column) for column in zip(*edges, strict=True))
    with pytest.raises(ValueError, match=message):
        net.connect_arrays(src, dst, w)
    assert net.edges == []                                      # nothing was added


def test_a_saved_model_loads_in_bulk_to_the_same_network(tmp_path):
    net = ng.Network.layered([6, 5, 3], output_activation="softmax", loss="cross_entropy", seed=2)
    net.save(tmp_path / "m.json")
    back = ng.Network.load(tmp_path / "m.json")
    assert edge_list(back) == edge_list(net) and [n.bias for n in back.nodes] == [n.bias for n in net.nodes]
    text = (tmp_path / "m.json").read_text().replace('"src": 1,', '"src": true,', 1)
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ValueError, match="source id must be a positive integer"):
        ng.Network.load(tmp_path / "bad.json")                 # the bulk path leaves the message to connect_many


def test_snapshot_names_edges_as_the_engine_does():
    from visualize.snapshot import Snapshot
    net = ng.Network.layered([3, 4, 2], seed=0)
    snap = Snapshot.of(net)
    assert [(e.src, e.dst, e.weight, e.name, e.pretty) for e in snap.edges] == \
        [(e.src.id, e.dst.id, e.weight, e.name, e.pretty) for e in net.edges]
    assert snap.edges[0].name == "w_{4,1}" and snap.edges[0].pretty == "w₄,₁" and snap.edges[0].grad is None
    net.forward(np.ones(3))
    net.backward(np.zeros(2))
    assert [e.grad for e in Snapshot.of(net).edges] == [e.grad for e in net.edges]


# -- memory layout, kernels per dtype, the one-hot head, checks on the fused path ----------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_weights_biases_and_buffers_start_on_64_byte_boundaries(dtype):
    """numpy only promises 16 bytes; dgemv/dger run a third slower off a 64-byte boundary."""
    net = ng.Network.layered([7, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    m = ng.MatrixNetwork(net, dtype=dtype)
    m.forward(np.ones((3, 7)))
    m.fit_samples(np.ones((2, 7)), np.eye(2), 0.1)
    arrays = [*m.weights.values(), *m.biases, *m.z[1:], *m.a[1:], *(d for d in m.delta if d is not None)]   # a_0 = x
    assert len(arrays) > 12 and [a.ctypes.data % 64 for a in arrays] == [0] * len(arrays)
    assert all(a.dtype == np.dtype(dtype) for a in arrays)


def test_float32_kernels_give_the_bits_of_the_formulas_in_float32():
    """in_place("float32"), with its 0-d float32 constants: exactly the float32 arithmetic of
    σ = 1/(1 + e^min(−z, 709)), δ = (1 − σ)·σ·g and δ = (1 − tanh²)·g with Python scalars."""
    from neurograph.matrix.kernels import in_place
    z = np.random.default_rng(0).normal(0, 30, 4000).astype(np.float32)
    t = np.random.default_rng(1).normal(size=4000).astype(np.float32)
    out, ref = np.empty_like(z), np.empty_like(z)
    kernels = in_place(np.dtype(np.float32))
    with np.errstate(over="ignore"):
        kernels["sigmoid"][0](z, out)
        assert out.tolist() == (1.0 / (1.0 + np.exp(np.minimum(-z, 709.0)))).tolist()
    kernels["sigmoid"][1](z, out, t, ref)
    assert ref.tolist() == ((1.0 - out) * out * t).tolist()
    kernels["tanh"][1](z, np.tanh(z), t, ref)
    assert ref.tolist() == ((1.0 - np.tanh(z) * np.tanh(z)) * t).tolist()


def test_one_hot_head_takes_ln_a_from_z_where_a_underflows():
    """A one-hot target whose softmax output underflows to 0: C = −ln a_t from z (about 800),
    as the batch path computes it, not inf."""
    net = ng.Network.layered([2, 3], output_activation="softmax", loss="cross_entropy", seed=0)
    for node, bias in zip(net.layers[-1], [0.0, 800.0, 1.0], strict=True):
        node.bias = bias
    X, T = np.zeros((1, 2)), np.array([[1.0, 0.0, 0.0]])
    losses, _ = ng.MatrixNetwork(net).fit_samples(X, T, 0.0)
    expected = ng.MatrixNetwork(net).fit_batch(X, T, 0.0)
    assert np.isfinite(losses[0]) and losses[0] == pytest.approx(800.0, rel=1e-12)
    assert losses[0] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fit_samples_refuses_nan_or_inf_and_changes_nothing(bad):
    net = ng.Network.layered([3, 4, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    m = ng.MatrixNetwork(net)
    before = parameters(m)
    X, T = np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]]
    X[2, 1] = bad
    with pytest.raises(ValueError, match=rf"input batch X contains {bad} at index \(2, 1\)"):
        m.fit_samples(X, T, 0.1)
    T[3, 0] = bad
    with pytest.raises(ValueError, match=rf"target batch T contains {bad} at index \(3, 0\)"):
        m.fit_samples(np.ones((4, 3)), T, 0.1)
    assert parameters(m).tolist() == before.tolist()
