"""The 3-4-2 example of seed 002, worked out by hand in plain Python."""
import math

import numpy as np
import pytest

import neurograph as ng

X = [0.05, 0.10, 0.20]
T = [0.01, 0.99]
# w[dst][src] — the seeds' target-first notation, w_{4,1} is W[4][1]
W = {
    4: {1: 0.15, 2: 0.20, 3: -0.25},
    5: {1: 0.30, 2: -0.10, 3: 0.05},
    6: {1: -0.40, 2: 0.35, 3: 0.10},
    7: {1: 0.25, 2: 0.45, 3: -0.30},
    8: {4: 0.40, 5: -0.45, 6: 0.50, 7: 0.55},
    9: {4: -0.35, 5: 0.60, 6: 0.20, 7: -0.15},
}
B = {4: 0.35, 5: 0.35, 6: -0.20, 7: 0.10, 8: 0.60, 9: -0.05}


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def build():
    net = ng.Network.layered([3, 4, 2], activation="sigmoid", loss="half_squared", seed=0)
    for dst, row in W.items():
        for src, w in row.items():
            net.edge(src, dst).weight = w
        net.node(dst).bias = B[dst]
    return net


def hand_pass():
    """Forward and backward written out the way the seed does it."""
    a = {1: X[0], 2: X[1], 3: X[2]}
    z = {}
    for j in (4, 5, 6, 7, 8, 9):                     # z_j = Σ_i w_ji a_i + b_j
        z[j] = sum(W[j][i] * a[i] for i in W[j]) + B[j]
        a[j] = sigmoid(z[j])
    C = 0.5 * ((a[8] - T[0]) ** 2 + (a[9] - T[1]) ** 2)
    d = {8: (a[8] - T[0]) * a[8] * (1 - a[8]),       # δ_out = (a − t)·σ′(z)
         9: (a[9] - T[1]) * a[9] * (1 - a[9])}
    for j in (4, 5, 6, 7):                           # δ_j = σ′(z_j)·Σ_k w_kj δ_k
        d[j] = a[j] * (1 - a[j]) * (W[8][j] * d[8] + W[9][j] * d[9])
    for i in (1, 2, 3):                              # inputs: δ = ∂C/∂x
        d[i] = sum(W[j][i] * d[j] for j in (4, 5, 6, 7))
    grad = {(i, j): a[i] * d[j] for j in W for i in W[j]}   # ∂C/∂w_ji = a_i δ_j
    return z, a, d, C, grad


def test_ids_follow_the_seed_numbering():
    net = build()
    assert [n.id for n in net.inputs] == [1, 2, 3]
    assert [n.id for n in net.layers[1]] == [4, 5, 6, 7]
    assert [n.id for n in net.outputs] == [8, 9]
    e = net.edge(1, 4)
    assert (e.src.id, e.dst.id, e.name, e.pretty) == (1, 4, "w_{4,1}", "w₄,₁")
    assert e.weight == 0.15
    assert [x.name for x in net.edges][:4] == ["w_{4,1}", "w_{4,2}", "w_{4,3}", "w_{5,1}"]
    big = ng.Network.layered([784, 30, 10])
    assert (big.inputs[-1].id, big.layers[1][0].id, big.layers[1][-1].id, big.outputs[0].id,
            big.outputs[-1].id) == (784, 785, 814, 815, 824)


def test_forward_and_backward_match_the_hand_computation():
    net = build()
    z, a, d, C, grad = hand_pass()
    y = net.forward(X)
    assert y == pytest.approx([a[8], a[9]], abs=1e-15)
    assert net.node(4).delta is None and net.edge(1, 4).grad is None   # not computed yet
    loss = net.backward(T)
    assert loss == pytest.approx(C, abs=1e-15)
    for n in net.nodes:
        assert n.a == pytest.approx(a[n.id], abs=1e-15)
        assert n.delta == pytest.approx(d[n.id], abs=1e-15)
        if not n.is_input:
            assert n.z == pytest.approx(z[n.id], abs=1e-15)
            assert n.bias_grad == pytest.approx(d[n.id], abs=1e-15)   # ∂C/∂b = δ
    for (i, j), g in grad.items():
        assert net.edge(i, j).grad == pytest.approx(g, abs=1e-15)


def test_hand_values_are_the_expected_numbers():
    """A few numbers typed in from a calculator, so the hand pass itself is checked."""
    z, a, d, C, _ = hand_pass()
    assert z[4] == pytest.approx(0.15 * 0.05 + 0.20 * 0.10 - 0.25 * 0.20 + 0.35)   # 0.3275
    assert a[4] == pytest.approx(0.581151, abs=1e-6)
    net = build()
    net.forward(X)
    assert net.node(4).a == pytest.approx(0.581151, abs=1e-6)


def test_step_is_gradient_descent_and_grads_accumulate():
    net = build()
    _, _, _, _, grad = hand_pass()
    net.forward(X)
    net.backward(T)
    net.forward(X)
    net.backward(T)                  # accumulates: twice the gradient
    assert net.edge(4, 8).grad == pytest.approx(2 * grad[(4, 8)])
    net.step(lr=0.5, weight_decay=0.1)               # w ← w − η(∂C/∂w + λw)
    assert net.edge(4, 8).weight == pytest.approx(0.40 - 0.5 * (2 * grad[(4, 8)] + 0.1 * 0.40))
    net.zero_grad()
    assert net.edge(4, 8).grad is None and net.node(8).bias_grad is None
    net.step(lr=0.5)                                 # zero gradient: nothing moves except nothing
    assert net.edge(4, 8).weight == pytest.approx(0.40 - 0.5 * (2 * grad[(4, 8)] + 0.1 * 0.40))


def test_one_step_lowers_the_loss():
    net = build()
    net.forward(X)
    before = net.backward(T)
    net.step(0.5)
    net.zero_grad()
    net.forward(X)
    assert net.backward(T) < before


def test_batch_forward_and_backward_batch():
    net = build()
    Xb = np.array([X, [0.3, -0.2, 0.9]])
    Tb = np.array([T, [0.5, 0.5]])
    Y = net.forward(Xb)
    assert Y.shape == (2, 2)
    assert Y[0] == pytest.approx(build().forward(X))
    mean = net.backward_batch(Xb, Tb)
    one = build()
    one.forward(Xb[0])
    l0 = one.backward(Tb[0])
    one.forward(Xb[1])
    l1 = one.backward(Tb[1])
    assert mean == pytest.approx((l0 + l1) / 2)
    assert net.edge(5, 9).grad == pytest.approx(one.edge(5, 9).grad)


def test_seed000_input_layer_has_bias_and_tanh():
    net = ng.Network.layered([2, 3], activation="softmax", loss="squared", input_activation="tanh", seed=1)
    net.node(1).bias = 0.2
    net.forward([0.5, -1.0])
    assert net.node(1).a == pytest.approx(math.tanh(0.5 + 0.2))
    assert net.node(2).a == pytest.approx(math.tanh(-1.0))
    assert sum(n.a for n in net.outputs) == pytest.approx(1.0)


def test_inits_are_reproducible_and_scaled():
    a = ng.Network.layered([50, 40, 10], init="uniform", seed=3)
    b = ng.Network.layered([50, 40, 10], init="uniform", seed=3)
    assert [e.weight for e in a.edges] == [e.weight for e in b.edges]
    w = np.array([e.weight for e in a.node(51).inputs])
    assert np.max(np.abs(w)) <= math.sqrt(6 / 90)
    he = ng.Network.layered([400, 300], init="he", seed=0)
    assert np.std([e.weight for e in he.edges]) == pytest.approx(math.sqrt(2 / 400), rel=0.05)
    custom = ng.Network.layered([2, 2], init=lambda n_in, n_out, rng: np.full((n_out, n_in), 0.25))
    assert {e.weight for e in custom.edges} == {0.25}
    nobias = ng.Network.layered([2, 2], bias=False)
    assert all(n.bias is None for n in nobias.nodes)


def test_numerically_safe_for_large_z():
    for act in ("sigmoid", "tanh", "relu", "identity", "softmax"):
        loss = {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(act, "half_squared")
        net = ng.Network.layered([2, 3], activation=act, loss=loss, seed=0)
        for e in net.edges:
            e.weight = 1e3 if e.src.id == 1 else -1e3
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            y = net.forward([1.0, 0.0])
            loss = net.backward([1.0, 0.0, 0.0])
        assert np.all(np.isfinite(y)) and math.isfinite(loss)
        assert all(math.isfinite(n.delta) for n in net.nodes)


def test_worked_example_script_runs(tmp_path, monkeypatch, capsys):
    import runpy
    from pathlib import Path
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(Path(__file__).parents[1] / "examples" / "worked_example.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "C = ½Σ(a − t)² = 0.179577" in out and "after one SGD step" in out
    assert "w₄,₁ (1 → 4):  w = -0.48" in out
