"""The flat parameter store and the engine's small API: live edges, stale gradients,
non-finite steps, step(biases=False), connect in O(N) and get/set of all parameters.

Reference numbers come from the matrix backend (an independent implementation)
and from hand computations written here.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings

import neurograph as ng
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.io.json_file import to_dict
from tests.dags import dag_cases


def test_edges_are_live_views_of_the_flat_store():
    net = worked_example()
    e = net.edge(2, 5)
    weights, biases = net.get_parameters()
    k = [(x.src.id, x.dst.id) for x in net.edges].index((2, 5))
    assert weights[k] == e.weight
    weights[k] = 0.125
    net.set_parameters(weights, biases)
    assert e.weight == 0.125                                  # the old Edge object sees the write
    e.weight = -0.5
    assert net.get_parameters()[0][k] == -0.5
    net.connect_many([])                                      # a structure change keeps values
    net.forward(WORKED_X)
    net.backward(WORKED_T)
    net.step(0.5)
    assert e.weight == -0.5 - 0.5 * e.grad


def test_set_parameters_refuses_bad_input_and_changes_nothing():
    net = worked_example()
    before = to_dict(net)
    w, b = net.get_parameters()
    with pytest.raises(ValueError, match=r"weights has shape \(19,\); expected \(20,\)"):
        net.set_parameters(w[:-1], b)
    w[3] = np.nan
    with pytest.raises(ValueError, match="weights contains nan at index"):
        net.set_parameters(w, b)
    assert to_dict(net) == before


def test_grads_after_zero_grad_or_structure_change_are_never_applied():
    net = worked_example()
    net.forward(WORKED_X)
    net.backward(WORKED_T)
    net.add_input(99)                                         # structure change: grads read None
    assert net.edge(1, 4).grad is None
    before = net.get_parameters()
    net.step(1.0)
    after = net.get_parameters()
    assert all(np.array_equal(x, y) for x, y in zip(before, after, strict=True))
    # the next backward starts from zero, not from the stale sums
    fresh = worked_example()
    for n in (net, fresh):
        n.forward(WORKED_X + (0.0,) if n is net else WORKED_X)
        n.backward(WORKED_T)
    assert net.edge(1, 4).grad == fresh.edge(1, 4).grad


def test_train_starts_from_zeroed_gradients():
    X = np.array([[0.05, 0.10, 0.20], [0.3, -0.2, 0.1]])
    y = np.array([1, 0])
    a, b = worked_example(), worked_example()
    a.forward(X[0])
    a.backward([5.0, -5.0])                                   # a leftover gradient
    ng.train(a, X, y, engine="graph", epochs=1, shuffle=False, progress=False)
    ng.train(b, X, y, engine="graph", epochs=1, shuffle=False, progress=False)
    assert to_dict(a) == to_dict(b)


def _identity_net(x: float) -> ng.Network:
    """1 → 2 with w = 1, b = 0, a₂ = z₂ = x: δ₂ = a₂ − t, ∂C/∂w = x·δ₂, ∂C/∂b = δ₂."""
    net = ng.Network()
    net.add_input(1)
    net.add_neuron(2, activation="identity", bias=0.0)
    net.connect(1, 2, 1.0)
    return net


@pytest.mark.parametrize("x, culprit", [(2.0, r"w_\{2,1\} -inf"), (0.0, r"the bias of node 2 -inf")])
def test_a_step_to_inf_raises_naming_the_edge_or_bias_and_changes_nothing(x, culprit):
    net = _identity_net(x)
    net.forward([x])
    net.backward([x - 2.0])                                  # δ = 2: ∂C/∂w = 2x, ∂C/∂b = 2
    before = to_dict(net)
    with pytest.raises(ValueError, match=rf"step\(lr=1e\+308\) would make {culprit}; no parameter was changed"):
        net.step(1e308)                                       # 1e308·2 = inf
    assert to_dict(net) == before
    net.step(0.25)                                            # a sane step still works: hand-computed
    assert net.edge(1, 2).weight == 1.0 - 0.25 * 2 * x and net.node(2).bias == -0.5


def test_train_divergence_guard_restores_after_a_non_finite_step():
    net = _identity_net(2.0)
    before = to_dict(net)
    with pytest.raises(ng.TrainingDiverged, match="would make w_"):
        ng.train(net, np.array([[2.0]]), np.array([0]), engine="graph", lr=1e308, progress=False,
                 max_loss=1e300)
    assert to_dict(net) == before


def test_step_without_biases_keeps_them_and_moves_weights_like_the_matrix_engine():
    net = worked_example()
    m = ng.MatrixNetwork.from_graph(net)
    net.forward(WORKED_X)
    net.backward(WORKED_T)
    biases = [n.bias for n in net.nodes]
    net.step(0.5, biases=False)
    assert [n.bias for n in net.nodes] == biases
    m.forward(np.array([WORKED_X]))
    m.backward(np.array([WORKED_T]))
    m.step(0.5)                                               # the matrix engine moves both
    moved = m.to_graph()
    for e in net.edges:
        assert e.weight == pytest.approx(moved.edge(e.src.id, e.dst.id).weight, abs=1e-15)
    with pytest.raises(TypeError, match="biases must be True or False"):
        net.step(0.5, biases="no")


def _calls(fn) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _one_at_a_time(n_in: int, n_out: int):
    net = ng.Network()
    for i in range(1, n_in + 1):
        net.add_input(i)
    for j in range(n_in + 1, n_in + n_out + 1):
        net.add_neuron(j)

    def run():
        for i in range(1, n_in + 1):                          # source-major: every block keeps growing
            for j in range(n_in + 1, n_in + n_out + 1):
                net.connect(i, j, 0.5)
    return net, run


def test_connect_one_edge_at_a_time_costs_linear_work():
    """Counted, not timed: Python and C calls for N and 4N edges (quadratic would be 16×)."""
    small_net, small = _one_at_a_time(40, 10)
    big_net, big = _one_at_a_time(160, 10)
    ratio = _calls(big) / _calls(small)
    assert 3.5 < ratio < 4.5
    assert len(big_net.edges) == 1600
    x = np.linspace(-1, 1, 160)
    assert big_net.forward(x) == pytest.approx(np.full(10, 1 / (1 + np.exp(-0.5 * x.sum()))), abs=1e-12)


def test_a_reversed_chain_in_one_connect_many_is_linear():
    def chain(n: int):
        net = ng.Network()
        for i in range(1, n + 1):
            (net.add_input if i == n else net.add_neuron)(i)
        return net, lambda: net.connect_many([(k + 1, k, 1.0) for k in range(1, n)])
    (_, small), (big_net, big) = chain(200), chain(800)
    assert _calls(big) / _calls(small) < 4.5
    assert [len(layer) for layer in big_net.layers] == [1] * 800
    with pytest.raises(ValueError, match=r"cycle 1 → 2 → 3 → 1"):
        ng.Network.from_networkx(__import__("networkx").DiGraph([(1, 2), (2, 3), (3, 1)]))


@settings(max_examples=25, deadline=None)
@given(dag_cases())
def test_copy_and_get_set_parameters_round_trip(case):
    net, X, T = case
    twin = net.copy()
    assert to_dict(twin) == to_dict(net)
    w, b = net.get_parameters()
    twin.set_parameters(w * 0.5, b)
    assert np.array_equal(twin.get_parameters()[0], w * 0.5)
    assert np.array_equal(net.get_parameters()[0], w)         # independent
    src, dst, weights = net.edge_arrays()
    assert [(int(s), int(d)) for s, d in zip(src, dst, strict=True)] == [(e.src.id, e.dst.id) for e in net.edges]
    assert weights.tolist() == [e.weight for e in net.edges]
