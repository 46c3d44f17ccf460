"""Every δ, ∂C/∂w and ∂C/∂b against central finite differences."""
import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

import neurograph as ng

EPS = 1e-6


def loss_at(net, x, t):
    net.forward(x)
    value = net.backward(t)
    net.zero_grad()
    return value


def assert_matches_finite_differences(net, x, t, tol=1e-6):
    """Analytic gradients of one sample vs (C(p + ε) − C(p − ε)) / 2ε for every parameter."""
    net.zero_grad()
    net.forward(x)
    net.backward(t)
    analytic = {e: e.grad for e in net.edges}
    bias = {n: n.bias_grad for n in net.nodes if n.has_bias}
    deltas = {n: n.delta for n in net.nodes}
    net.zero_grad()
    for e, g in analytic.items():
        w = e.weight
        e.weight = w + EPS
        up = loss_at(net, x, t)
        e.weight = w - EPS
        down = loss_at(net, x, t)
        e.weight = w
        assert g == pytest.approx((up - down) / (2 * EPS), rel=tol, abs=tol), e.name
    for n, g in bias.items():
        b = n.bias
        n.bias = b + EPS
        up = loss_at(net, x, t)
        n.bias = b - EPS
        down = loss_at(net, x, t)
        n.bias = b
        assert g == pytest.approx((up - down) / (2 * EPS), rel=tol, abs=tol), f"b_{n.id}"
    # δ = ∂C/∂z: for a node with a bias, ∂C/∂b = δ; for plain inputs, δ = ∂C/∂x
    for n, d in deltas.items():
        if n.has_bias:
            assert d == pytest.approx(bias[n], rel=1e-12, abs=1e-15)
        elif n.is_input:
            i = [m.id for m in net.inputs].index(n.id)
            xp, xm = np.array(x, float), np.array(x, float)
            xp[i] += EPS
            xm[i] -= EPS
            assert d == pytest.approx((loss_at(net, xp, t) - loss_at(net, xm, t)) / (2 * EPS),
                                      rel=tol, abs=tol), f"δ_{n.id}"


ACTS = ["sigmoid", "tanh", "relu", "identity", "softmax"]
LOSSES = ["half_squared", "squared", "cross_entropy", "binary_cross_entropy"]
NEEDS = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}   # the outputs each cross-entropy needs

PAIRS = [(h, o, loss) for h, o, loss in itertools.product(ACTS, ACTS, LOSSES) if NEEDS.get(loss, o) == o]


@pytest.mark.parametrize("hidden,out,loss", PAIRS)
def test_every_activation_and_loss(hidden, out, loss):
    net = ng.Network.layered([3, 4, 3], activation=hidden, output_activation=out, loss=loss, seed=7)
    rng = np.random.default_rng(1)
    for n in net.nodes:
        if n.has_bias:
            n.bias = rng.uniform(-0.5, 0.5)
    t = [0.2, 0.7, 0.1] if loss in NEEDS else [0.3, -0.2, 0.9]
    assert_matches_finite_differences(net, [0.5, -0.4, 0.8], t)


def test_softmax_with_squared_loss_uses_full_jacobian():
    """Seed 000: squared loss (no ½) through a softmax output."""
    net = ng.Network.layered([4, 3], activation="softmax", loss="squared", input_activation="tanh", seed=2)
    net.node(2).bias = 0.3
    assert_matches_finite_differences(net, [0.1, 0.9, -0.5, 0.3], [0.0, 1.0, 0.0])


def test_cross_entropy_softmax_delta_is_a_minus_t():
    net = ng.Network.layered([3, 4, 3], activation="tanh", output_activation="softmax",
                             loss="cross_entropy", seed=4)
    y = net.forward([0.2, 0.4, -0.1])
    net.backward([0.0, 1.0, 0.0])
    assert [n.delta for n in net.outputs] == pytest.approx(y - np.array([0.0, 1.0, 0.0]), abs=1e-15)


def skip_dag():
    """1,2 → 3,4 → 5, with skip connections 1 → 5 and 2 → 4 → 6 and 3 → 6."""
    g = ng.Network(loss="half_squared")
    g.add_input(1)
    g.add_input(2)
    g.add_neuron(3, "tanh", bias=0.1)
    g.add_neuron(4, "sigmoid", bias=-0.2)
    g.add_neuron(5, "sigmoid", bias=0.05)
    g.add_neuron(6, "identity", bias=None)
    for s, d, w in [(1, 3, 0.5), (2, 3, -0.3), (1, 4, 0.8), (3, 4, 0.4), (3, 5, 0.7),
                    (4, 5, -0.6), (1, 5, 0.25), (2, 6, -0.9), (4, 6, 0.3)]:
        g.connect(s, d, weight=w)
    return g


def test_dag_with_skip_connections():
    g = skip_dag()
    assert [n.layer for n in g.nodes] == [0, 0, 1, 2, 3, 3]
    assert [n.id for n in g.outputs] == [5, 6]
    assert_matches_finite_differences(g, [0.3, -0.7], [0.2, 0.4])


def test_dag_forward_by_hand():
    import math
    g = skip_dag()
    y = g.forward([0.3, -0.7])
    a3 = math.tanh(0.5 * 0.3 - 0.3 * -0.7 + 0.1)
    a4 = 1 / (1 + math.exp(-(0.8 * 0.3 + 0.4 * a3 - 0.2)))
    a5 = 1 / (1 + math.exp(-(0.7 * a3 - 0.6 * a4 + 0.25 * 0.3 + 0.05)))
    a6 = -0.9 * -0.7 + 0.3 * a4
    assert y == pytest.approx([a5, a6], abs=1e-15)


@st.composite
def random_dags(draw):
    """Random DAGs: edges only go from lower to higher creation index, so no cycles."""
    n_in = draw(st.integers(1, 3))
    n_hidden = draw(st.integers(1, 6))
    net = ng.Network(loss=draw(st.sampled_from(["half_squared", "squared"])))
    for i in range(1, n_in + 1):
        net.add_input(i, activation=draw(st.sampled_from([None, "tanh"])))
    weights = st.floats(-1.5, 1.5, allow_nan=False)
    ids = list(range(1, n_in + n_hidden + 1))
    for j in ids[n_in:]:
        net.add_neuron(j, activation=draw(st.sampled_from(["sigmoid", "tanh", "identity"])),
                       bias=draw(st.one_of(st.none(), weights)))
        sources = draw(st.lists(st.sampled_from(ids[:j - 1]), min_size=1, unique=True))
        for s in sources:
            net.connect(s, j, weight=draw(weights))
    x = draw(st.lists(st.floats(-1, 1), min_size=n_in, max_size=n_in))
    t = draw(st.lists(st.floats(-1, 1), min_size=len(net.outputs), max_size=len(net.outputs)))
    return net, x, t


@given(random_dags())
def test_random_dags_match_finite_differences(case):
    net, x, t = case
    assert_matches_finite_differences(net, x, t, tol=1e-5)
