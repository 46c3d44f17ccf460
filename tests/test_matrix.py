"""MatrixNetwork against the graph engine, finite differences and a hand computation."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import neurograph as ng
from neurograph.engine.activations import ACTIVATIONS
from neurograph.matrix.kernels import IN_PLACE as _IN_PLACE
from dags import dag_cases

REL = 1e-6


def graph_numbers(net, X, T):
    """Per-sample outputs and δ, mean gradients and mean loss from the graph engine."""
    net.zero_grad()
    outs, deltas, total = [], [], 0.0
    for x, t in zip(X, T, strict=True):
        outs.append(net.forward(x))
        total += net.backward(t)
        deltas.append({n.id: n.delta for n in net.nodes})
    m = len(X)
    return (np.array(outs), deltas, total / m, {(e.src.id, e.dst.id): e.grad / m for e in net.edges},
            {n.id: n.bias_grad / m for n in net.nodes if n.has_bias})


def close(a, b, rel=REL):
    return abs(a - b) <= rel * (1.0 + abs(b))


@given(dag_cases(), st.sampled_from(["column", "row"]))
def test_random_dags_match_graph_engine(case, convention):
    net, X, T = case
    outs, deltas, loss, wgrads, bgrads = graph_numbers(net, X, T)
    m = ng.MatrixNetwork.from_graph(net, convention=convention)
    assert np.allclose(m.forward(X), outs, rtol=REL, atol=REL)
    assert close(m.backward(T, input_deltas=True), loss)
    for r, row in enumerate(deltas):
        for nid, d in row.items():
            layer, p = m.position(nid)
            assert close(m.delta[layer][r, p], d), f"δ_{nid} sample {r}"
    got = m.edge_grads()
    assert got.keys() == wgrads.keys()                      # only real edges
    assert all(close(got[k], g) for k, g in wgrads.items())
    got = m.bias_grads()
    assert got.keys() == bgrads.keys()                      # only nodes with a bias
    assert all(close(got[k], g) for k, g in bgrads.items())


@settings(max_examples=15)
@given(dag_cases(max_layers=2, max_width=3))
def test_matrix_gradients_match_its_own_finite_differences(case):
    """Every ∂C/∂w and ∂C/∂b against (C(p + h) − C(p − h))/2h of the matrix's mean loss."""
    net, X, T = case
    m = ng.MatrixNetwork.from_graph(net, convention="row")
    m.forward(X)
    m.backward(T)
    wgrads, bgrads = m.edge_grads(), m.bias_grads()
    h = 1e-6

    def fd(array, index):
        old = array[index]
        array[index] = old + h
        up = m.loss(X, T)
        array[index] = old - h
        down = m.loss(X, T)
        array[index] = old
        return (up - down) / (2 * h)

    for (s, d), g in wgrads.items():
        (ks, i), (kd, j) = m.position(s), m.position(d)
        assert abs(g - fd(m.weights[(ks, kd)], (i, j))) <= 1e-6 * (1 + abs(g)), f"w_{{{d},{s}}}"
    for nid, g in bgrads.items():
        layer, p = m.position(nid)
        assert abs(g - fd(m.biases[layer], p)) <= 1e-6 * (1 + abs(g)), f"b_{nid}"


def test_one_neuron_by_hand():
    """z = w·x + b, a = σ(z), C = ½(a − t)²; mean over two samples written out."""
    net = ng.Network(loss="half_squared")
    net.add_input(1)
    net.add_neuron(2, activation="sigmoid", bias=0.1)
    net.connect(1, 2, weight=0.5)
    X, T = np.array([[1.0], [-2.0]]), np.array([[1.0], [0.0]])
    m = ng.MatrixNetwork.from_graph(net)
    a = m.forward(X)[:, 0]
    z = np.array([0.5 * 1.0 + 0.1, 0.5 * -2.0 + 0.1])      # 0.6, −0.9
    s = 1 / (1 + np.exp(-z))
    assert a == pytest.approx(s, rel=1e-15)
    loss = m.backward(T)
    assert loss == pytest.approx((0.5 * (s[0] - 1) ** 2 + 0.5 * s[1] ** 2) / 2, rel=1e-15)
    delta = (s - T[:, 0]) * s * (1 - s)                      # δ = (a − t)·σ′(z)
    assert m.delta[1][:, 0] == pytest.approx(delta, rel=1e-15)
    assert m.edge_grads()[(1, 2)] == pytest.approx((delta[0] * 1.0 + delta[1] * -2.0) / 2, rel=1e-14)
    assert m.bias_grads() == {2: pytest.approx(delta.mean(), rel=1e-14)}


@given(dag_cases(), st.floats(0.01, 1.0), st.sampled_from([0.0, 0.1]),
       st.sampled_from(["forward, backward, step", "gradients read before step", "fit_batch"]))
def test_step_then_to_graph_equals_graph_step_on_mean_gradient(case, lr, decay, how):
    """Covers all three update paths: one gemm into W (blocks where every pair is an
    edge), the masked scratch block (skip connections), and a gradient already formed."""
    net, X, T = case
    rows = len(X)
    m = ng.MatrixNetwork.from_graph(net, convention="column")
    if how == "fit_batch":
        m.fit_batch(X, T, lr, weight_decay=decay, check_finite=False)
    else:
        m.forward(X)
        m.backward(T)
        if how == "gradients read before step":
            m.edge_grads()
        m.step(lr, weight_decay=decay)
    stepped = m.to_graph()
    ref = net.copy()
    ref.zero_grad()
    ref.backward_batch(X, T)
    ref.step(lr / rows, weight_decay=decay * rows)          # η/m·(Σ∂C/∂w + m·λ·w) = η·(mean + λ·w)
    assert [e.name for e in stepped.edges] == [e.name for e in ref.edges]
    for a, b in zip(stepped.edges, ref.edges, strict=True):
        assert a.weight == pytest.approx(b.weight, rel=1e-12, abs=1e-12), a.name
    for a, b in zip(stepped.nodes, ref.nodes, strict=True):
        assert (a.activation, a.has_bias, a.is_input) == (b.activation, b.has_bias, b.is_input)
        if b.has_bias:
            assert a.bias == pytest.approx(b.bias, rel=1e-12, abs=1e-12)
        else:
            assert a.bias is None
    assert stepped.loss == net.loss


@given(dag_cases())
def test_row_and_column_hold_the_same_numbers(case):
    net, X, T = case
    col = ng.MatrixNetwork.from_graph(net, convention="column")
    row = ng.MatrixNetwork.from_graph(net, convention="row")
    assert col.weights.keys() == row.weights.keys()
    for key, W in col.weights.items():
        assert np.array_equal(row.weights[key], W.T)
        k, layer = key
        assert W.shape == (len(col.ids[layer]), len(col.ids[k]))   # column: n_out × n_in
    assert np.array_equal(col.forward(X), row.forward(X))
    col.backward(T)
    row.backward(T)
    for key, G in col.weight_grads.items():
        assert np.allclose(row.weight_grads[key], G.T, rtol=1e-14, atol=1e-15)


def skip_net():
    """1 → 4 → 6 plus the skip 1 → 6 past layer 4–5; 6 has no bias."""
    net = ng.Network(loss="half_squared")
    for i in (1, 2, 3):
        net.add_input(i)
    net.add_neuron(4, "tanh", 0.1)
    net.add_neuron(5, "sigmoid", -0.2)
    net.add_neuron(6, "sigmoid", bias=None)
    net.connect_many([(1, 4, 0.3), (2, 4, -0.4), (2, 5, 0.6), (3, 5, 0.2),
                      (4, 6, 0.7), (5, 6, -0.5), (1, 6, 0.9)])
    return net


def test_skip_connection_layout_and_mask():
    net = skip_net()
    m = ng.MatrixNetwork.from_graph(net, convention="column")
    assert m.ids == [[1, 2, 3], [4, 5], [6]]
    assert sorted(m.weights) == [(0, 1), (0, 2), (1, 2)]
    assert m.weights[(0, 1)].tolist() == [[0.3, -0.4, 0.0], [0.0, 0.6, 0.2]]
    assert m.weights[(0, 2)].tolist() == [[0.9, 0.0, 0.0]]
    x = np.array([[0.5, -1.0, 2.0]])
    a4, a5 = np.tanh(0.3 * 0.5 + 0.4 + 0.1), 1 / (1 + np.exp(-(-0.6 + 0.4 - 0.2)))
    z6 = 0.7 * a4 - 0.5 * a5 + 0.9 * 0.5                      # the skip 1 → 6 adds w₆,₁·x₁
    assert m.forward(x)[0, 0] == pytest.approx(1 / (1 + np.exp(-z6)), rel=1e-14)
    m.backward([[1.0]])
    for _ in range(3):
        m.step(0.5, weight_decay=0.1)
        m.forward(x)
        m.backward([[1.0]])
    assert m.weights[(0, 1)][0, 2] == 0.0 and m.weights[(0, 1)][1, 0] == 0.0
    assert m.weights[(0, 2)][0, 1:].tolist() == [0.0, 0.0]   # missing edges never grow
    assert set(m.bias_grads()) == {4, 5}
    assert m.biases[2].tolist() == [0.0]
    text = m.describe()
    assert "W[0→2] 1×3: rows = nodes 6, columns = nodes 1–3, 2 missing edges held at 0" in text
    assert "W[1→2]" in text and "0→1" in repr(m)


def test_row_convention_describe_and_bias_column():
    m = ng.MatrixNetwork.from_graph(skip_net(), convention="row", bias_column=True)
    assert "W[0→1] 3×2: rows = nodes 1–3, columns = nodes 4–5" in m.describe()
    W, in_ids, out_ids = m.layer_matrix(1)
    assert (in_ids, out_ids) == ([1, 2, 3, "1"], [4, 5])
    assert W[-1].tolist() == [0.1, -0.2]                     # the bias row multiplies a constant 1
    W, in_ids, _ = m.layer_matrix(2)
    assert in_ids == [1, 2, 3, 4, 5, "1"] and W[:, 0].tolist() == [0.9, 0, 0, 0.7, -0.5, 0.0]
    with pytest.raises(ValueError, match="layer must be 1–2"):
        m.layer_matrix(0)


def test_input_activation_and_bias_like_seed_000():
    """a₀ = tanh(x + b₀), out = softmax(a₀·W + b), loss Σ(a − t)² without ½."""
    net = ng.Network.layered([4, 3], activation="softmax", loss="squared", seed=1,
                             input_activation="tanh")
    for n, b in zip(net.inputs, [0.1, -0.2, 0.3, 0.0], strict=True):
        n.bias = b
    X = np.random.default_rng(0).normal(size=(3, 4))
    T = np.eye(3)
    m = ng.MatrixNetwork.from_graph(net, convention="row")
    a0 = np.tanh(X + [0.1, -0.2, 0.3, 0.0])
    z = a0 @ m.weights[(0, 1)]
    out = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.allclose(m.forward(X), out, rtol=1e-14)
    assert m.backward(T) == pytest.approx(((out - T) ** 2).sum(axis=1).mean(), rel=1e-14)
    outs, deltas, loss, wgrads, bgrads = graph_numbers(net, X, T)
    assert set(m.bias_grads()) == set(bgrads) and {1, 2, 3, 4} <= set(bgrads)
    assert all(close(m.bias_grads()[k], g, 1e-12) for k, g in bgrads.items())


@pytest.mark.parametrize("name", sorted(_IN_PLACE))
def test_in_place_kernels_equal_the_activation_objects(name):
    act = ACTIVATIONS[name]
    forward, backward = _IN_PLACE[name]
    z = np.array([[-800.0, -3.0, -0.5, 0.0, 0.5, 3.0, 800.0], [1, 2, 3, 4, 5, 6, 7]])
    a = np.empty_like(z)
    forward(z, a)
    assert np.allclose(a, act(z), rtol=1e-15, atol=1e-300)
    if backward:
        g, d = np.linspace(-1, 1, z.size).reshape(z.shape), np.empty_like(z)
        backward(z, a, g, d)
        assert np.allclose(d, act.backward(z, a, g), rtol=1e-15, atol=1e-300)


def test_buffers_are_reused_per_batch_size():
    net = ng.Network.layered([5, 4, 3], output_activation="softmax", loss="cross_entropy", seed=0)
    m = ng.MatrixNetwork.from_graph(net, convention="row")
    rng = np.random.default_rng(0)
    m.forward(rng.normal(size=(8, 5)))
    z_first = m.z[1]
    m.forward(rng.normal(size=(8, 5)))
    assert m.z[1] is z_first                                   # same buffer, refilled in place
    y = m.forward(rng.normal(size=(2, 5)))
    assert y.shape == (2, 3) and m.z[1].shape == (2, 4)


def test_bad_inputs_are_named():
    m = ng.MatrixNetwork.from_graph(skip_net())
    with pytest.raises(ValueError, match=r"input batch X has shape \(2, 2\); expected \(3,\) or \(batch, 3\)"):
        m.forward(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="input batch X contains nan"):
        m.forward([[0.0, np.nan, 1.0]])
    m.forward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"input batch X contains inf at index \(0, 1\)"):
        m.forward(np.array([[0.0, np.inf, 1.0]]))
    with pytest.raises(RuntimeError, match="forward"):      # the failed pass left nothing usable
        m.backward([[1.0]])
    with pytest.raises(RuntimeError, match="forward"):
        ng.MatrixNetwork.from_graph(skip_net()).backward([[1.0]])
    m.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expected shape \(2, 1\)"):
        m.backward([[1.0], [0.0], [1.0]])
    with pytest.raises(ValueError, match=r"target batch T has shape \(2, 2\)"):
        m.backward(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="target batch T contains nan"):
        m.backward([[1.0], [np.nan]])
    with pytest.raises(RuntimeError, match="no gradients"):
        m.edge_grads()
    m.backward([[1.0], [0.0]])
    with pytest.raises(ValueError, match="learning rate lr must be ≥ 0, got -0.1"):
        m.step(-0.1)
    with pytest.raises(ValueError, match="convention"):
        ng.MatrixNetwork.from_graph(skip_net(), convention="diagonal")
    with pytest.raises(TypeError, match="Network"):
        ng.MatrixNetwork.from_graph({"nodes": []})
    with pytest.raises(TypeError, match="net"):
        ng.MatrixNetwork()
    with pytest.raises(TypeError, match="MatrixNetwork needs a neurograph Network"):
        ng.MatrixNetwork({"nodes": []})
    empty = ng.Network()
    empty.add_input(1)
    with pytest.raises(ValueError, match="no neurons"):
        ng.MatrixNetwork.from_graph(empty)


def test_huge_finite_batch_is_accepted():
    """A batch whose sum overflows is still finite: the full check lets it through."""
    m = ng.MatrixNetwork.from_graph(skip_net())
    y = m.forward(np.full((2, 3), 1e308))
    assert np.all(np.isfinite(y))


def test_softmax_cross_entropy_head_when_a_underflows():
    """z spread by ~2000: some a underflow to 0, so ln a must come from z − logsumexp(z)."""
    net = ng.Network.layered([2, 3], activation="softmax", loss="cross_entropy", seed=0)
    for e in net.edges:
        e.weight = {1: 1000.0, 2: 0.0, 3: -1000.0}[e.dst.id - 2] if e.src.id == 1 else 0.0
    X, T = np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    m = ng.MatrixNetwork.from_graph(net)
    m.forward(X)
    mean = m.backward(T)
    # by hand: sample 1 has z = (1000, 0, −1000), C = −ln a_3 = 2000 + ln(1 + e^−1000 + e^−2000)
    # sample 2 has z = (500, 0, −500), C = −ln a_2 = 500 + ln(1 + e^−500 + e^−1000)
    assert mean == pytest.approx((2000.0 + 500.0) / 2, rel=1e-12)
    assert mean == pytest.approx(net.backward_batch(X, T), rel=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("kind", ["zero_weights", "tanh_inputs", "unused_input"])
def test_nan_or_inf_in_any_input_is_refused(bad, kind):
    """X is checked through the first layer's z: NaN/inf must be caught even where the
    input's weights are all 0 (inf·0 = NaN), an input activation maps inf to a finite
    tanh(inf) = 1, or an input feeds nothing at all."""
    if kind == "tanh_inputs":
        net = ng.Network.layered([3, 2], activation="sigmoid", input_activation="tanh", seed=0)
    else:
        net = ng.Network.layered([3, 2], seed=0)
    if kind == "zero_weights":
        for e in net.node(2).outputs:
            e.weight = 0.0
    if kind == "unused_input":
        net.add_input(9)
    m = ng.MatrixNetwork.from_graph(net)
    width = m.n_inputs
    X = np.zeros((4, width))
    X[2, 1 if kind != "unused_input" else width - 1] = bad
    with np.errstate(all="raise"), pytest.raises(ValueError, match="input batch X contains"):
        m.forward(X)


def test_fit_batch_checks_finite_unless_told_not_to():
    net = ng.Network.layered([3, 4, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    m = ng.MatrixNetwork.from_graph(net, convention="row")
    X, T = np.zeros((2, 3)), np.eye(2)
    before = {k: w.copy() for k, w in m.weights.items()}
    with pytest.raises(ValueError, match=r"input batch X contains nan at index \(1, 2\)"):
        m.fit_batch(np.array([[0.0, 0.0, 0.0], [0.0, 0.0, np.nan]]), T, 0.1)
    with pytest.raises(ValueError, match=r"target batch T contains inf"):
        m.fit_batch(X, np.array([[1.0, 0.0], [np.inf, 0.0]]), 0.1)
    assert all(np.array_equal(m.weights[k], w) for k, w in before.items())   # nothing stepped
    ref = ng.MatrixNetwork.from_graph(net, convention="row")
    outputs = ref.forward(X)
    assert m.fit_batch(X, T, 0.1) == ref.backward(T)         # the loss before the step
    assert np.array_equal(m.a[-1], outputs)
    ref.step(0.1)
    assert all(np.array_equal(m.weights[k], w) for k, w in ref.weights.items())
    m.fit_batch(np.full((2, 3), np.nan), T, 0.1, check_finite=False)   # told not to look
    assert np.isnan(m.a[-1]).all()


@pytest.mark.parametrize("layout", ["fortran", "every other row", "one sample"])
def test_any_memory_layout_of_X_gives_the_same_numbers(layout):
    """BLAS gemm is column-major: C-ordered, Fortran-ordered and strided X must agree."""
    net = ng.Network.layered([5, 4, 3], output_activation="softmax", loss="cross_entropy", seed=0)
    rng = np.random.default_rng(1)
    big = rng.normal(size=(8, 5))
    X = {"fortran": np.asfortranarray(big), "every other row": big[::2], "one sample": big[0]}[layout]
    C = np.ascontiguousarray(np.atleast_2d(X))
    T = np.eye(3)[rng.integers(0, 3, size=len(C))]
    ref, m = (ng.MatrixNetwork.from_graph(net, convention="row") for _ in range(2))
    np.testing.assert_array_equal(m.forward(X), ref.forward(C))
    assert m.backward(T) == ref.backward(T)
    m.step(0.3)
    ref.step(0.3)
    for key, W in ref.weights.items():
        np.testing.assert_allclose(m.weights[key], W, rtol=1e-14, atol=1e-15)
