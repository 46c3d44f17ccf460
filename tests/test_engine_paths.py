"""Every path of the graph engine (general, generated, fused) gives the numbers of the old engine.

The old engine is re-written here from the public API in a few lines (z = w @ a
per neuron with BLAS ddot, δ sent back edge by edge in the same order), so it is
an independent source.  Where the summation order and the library are the same
the numbers must agree bit for bit; where they differ (small networks sum z
like numpy's add.reduce; the engine takes σ and tanh from Python's math module,
the old engine from numpy's vectorised kernels) to 1e-15.  Generated code and
the general path use the same sums and the same math formulas: bit for bit.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurograph as ng
from neurograph.engine import codegen
from neurograph.engine import plan as planning
from tests.dags import dag_cases, skip_dag


def old_engine(net: ng.Network, x, t, lr: float = 0.0) -> dict:  # noqa: C901 - one pass, written out
    """forward + backward (+ one step) as the engine computed them before the flat store."""
    layers = net.layers
    z, a, acc = {}, {}, {n.id: 0.0 for n in net.nodes}

    def activate(layer, rule):
        for act in dict.fromkeys(n.activation_function for n in layer):
            group = [n for n in layer if n.activation_function is act]
            yield from zip(group, rule(act, group), strict=True)

    for n, xi in zip(layers[0], x, strict=True):
        z[n.id] = xi + (n.bias or 0.0)
    for layer_no, layer in enumerate(layers):
        for n in layer if layer_no else ():
            w = np.array([e.weight for e in n.summed_inputs])
            xs = np.array([a[e.src.id] for e in n.summed_inputs])
            z[n.id] = float(w @ xs + (n.bias or 0.0))
        for n, v in activate(layer, lambda act, g: act(np.array([z[m.id] for m in g]))):
            a[n.id] = float(v)
    d, loss, out = {}, 0.0, layers[-1]
    T = dict(zip((n.id for n in out), t, strict=True))
    for act in dict.fromkeys(n.activation_function for n in out):
        group = [n for n in out if n.activation_function is act]
        zs, as_, ts = (np.array([f(m) for m in group]) for f in (lambda m: z[m.id], lambda m: a[m.id],
                                                                 lambda m: T[m.id]))
        loss += float(net.loss_function.value(as_, ts, zs, act))
        for n, v in zip(group, net.loss_function.output_delta(zs, as_, ts, act), strict=True):
            d[n.id] = float(v)
    for layer in reversed(layers[1:]):
        if layer is not out:
            for n, v in activate(layer, lambda act, g: act.backward(*(np.array([f(m) for m in g]) for f in (
                    lambda m: z[m.id], lambda m: a[m.id], lambda m: acc[m.id])))):
                d[n.id] = float(v)
        for n in layer:
            for e in n.summed_inputs:
                acc[e.src.id] += d[n.id] * e.weight               # node i receives w_ji·δ_j
    for n, v in activate(layers[0], lambda act, g: act.backward(*(np.array([f(m) for m in g]) for f in (
            lambda m: z[m.id], lambda m: a[m.id], lambda m: acc[m.id])))):
        d[n.id] = float(v)
    grads = {(e.src.id, e.dst.id): a[e.src.id] * d[e.dst.id] for e in net.edges}
    return {"out": [a[n.id] for n in out], "loss": loss, "delta": d, "grad": grads,
            "bias_grad": {n.id: d[n.id] for n in net.nodes if n.has_bias},
            "weight": {k: net.edge(*k).weight - lr * g for k, g in grads.items()},
            "bias": {n.id: n.bias - lr * d[n.id] for n in net.nodes if n.has_bias}}


def numbers(net: ng.Network, out, loss) -> dict:
    return {"out": list(out), "loss": loss, "delta": {n.id: n.delta for n in net.nodes},
            "grad": {(e.src.id, e.dst.id): e.grad for e in net.edges},
            "bias_grad": {n.id: n.bias_grad for n in net.nodes if n.has_bias}}


def after_step(net: ng.Network) -> dict:
    return {"weight": {(e.src.id, e.dst.id): e.weight for e in net.edges},
            "bias": {n.id: n.bias for n in net.nodes if n.has_bias}}


def agree(got: dict, want: dict, exact: bool) -> None:
    """Every number in ``got`` equals ``want``'s: bit for bit, or to 1e-15 (relative, and absolute near 0)."""
    for key in got.keys() & want.keys():
        g, w = got[key], want[key]
        if isinstance(w, dict):
            assert set(g) == set(w), key
            g, w = [g[k] for k in w], list(w.values())
        g, w = np.atleast_1d(np.array(g, dtype=float)), np.atleast_1d(np.array(w, dtype=float))
        if exact:
            assert np.array_equal(g, w), key
        else:
            scale = max(1.0, float(np.abs(w).max(initial=0.0)))
            np.testing.assert_allclose(g, w, rtol=1e-15, atol=1e-15 * scale, err_msg=key)


def generated(net: ng.Network) -> bool:
    try:
        net.compiled_source()
    except ValueError:
        return False
    return True


@contextmanager
def kernels_of_a_large_net(on: bool):
    """With ``on``, every plan built inside takes a large network's kernels (z by ddot, scipy's
    BLAS-1, numpy's vectorised activations), so the hypothesis DAGs test them too."""
    saved = planning.SCIPY_EDGES
    planning.SCIPY_EDGES = 0 if on else saved
    try:
        yield
    finally:
        planning.SCIPY_EDGES = saved


@settings(max_examples=40, deadline=None)
@given(dag_cases(), st.booleans())
def test_general_path_gives_the_old_engines_numbers(case, large):
    net, X, T = case
    small = generated(net)                 # small networks sum z like add.reduce: 1e-15 from ddot
    libm = any(n.activation in ("sigmoid", "tanh") for n in net.nodes)   # e^x, tanh: libm, not numpy's kernels
    exact = large or not (small or libm)
    with kernels_of_a_large_net(large):
        net.codegen = False
        want = old_engine(net, X[0], T[0], lr=0.5)
        got = numbers(net, net.forward(X[0]), net.backward(T[0]))
        agree(got, want, exact)
        x1, t1 = X[-1], T[-1]              # a second sample accumulates: ∂C/∂w = a·δ (first) + a·δ (second)
        second = old_engine(net, x1, t1)["grad"]
        net.forward(x1)
        net.backward(t1)
        agree({"grad": {k: e.grad for k, e in zip(want["grad"], net.edges, strict=True)}},
              {"grad": {k: g + second[k] for k, g in want["grad"].items()}}, exact)
        net.zero_grad()
        edges = net.edges
        net.forward(X[0])
        net.backward(T[0])
        net.step(0.5)
        inputs = {n.id: n.delta for n in net.inputs}   # gathered only now, from the weights backward saw
    agree(after_step(net), want, exact)
    agree({"delta": inputs}, {"delta": {i: want["delta"][i] for i in inputs}}, exact)
    assert [e.weight for e in edges] == net.get_parameters()[0].tolist()   # the Edge objects stay live


def _elementwise_cases():
    return dag_cases().filter(lambda c: c[0].loss in codegen.LOSSES
                              and all(n.activation != "softmax" for n in c[0].nodes))


@settings(max_examples=40, deadline=None)
@given(_elementwise_cases())
def test_generated_code_gives_the_general_paths_numbers(case):
    net, X, T = case
    twin = net.copy()
    twin.codegen = False
    assert generated(net) and not generated(twin)
    edges = net.edges
    for _ in range(2):                                  # two samples and a step each
        for x, t in zip(X, T, strict=True):
            got = numbers(net, net.forward(x), net.backward(t))
            want = numbers(twin, twin.forward(x), twin.backward(t))
            agree(got, want, exact=True)                # σ, tanh, relu, identity: bit for bit
        net.step(0.3, weight_decay=0.01)
        twin.step(0.3, weight_decay=0.01)
        agree(after_step(net), after_step(twin), exact=True)
        net.zero_grad()
        twin.zero_grad()
    assert [e.weight for e in edges] == net.get_parameters()[0].tolist()   # the Edge objects stay live
    agree(numbers(net, net.forward(X[0]), net.backward(T[0])), old_engine(net, X[0], T[0]), exact=False)


@settings(max_examples=30, deadline=None)
@given(dag_cases(), st.booleans(), st.booleans(), st.booleans(), st.sampled_from([0.05, 0.0]))
def test_train_step_is_the_four_calls(case, use_codegen, biases, large, decay):
    """Generated code: bit for bit.  The general path's fused step adds δ_k·w_k into Σw·δ and
    −η·δ_j·a_j into w_j with daxpy (one rounding per fused multiply-add, where the four calls
    round the product first): to 1e-15, compared one step at a time from the same weights."""
    net, X, T = case
    with kernels_of_a_large_net(large):
        net.codegen = use_codegen
        exact = use_codegen and generated(net)
        twin = net.copy()
        twin.codegen = use_codegen
        _train_step_against_the_four_calls(net, twin, X, T, exact, biases, decay)


def _train_step_against_the_four_calls(net, twin, X, T, exact: bool, biases: bool, decay: float = 0.05) -> None:
    edges = net.edges
    for x, t in zip(X, T, strict=True):
        if not exact:
            twin.set_parameters(*net.get_parameters())
        loss = net.train_step(x, t, 0.2, weight_decay=decay, biases=biases)
        twin.zero_grad()
        twin.forward(x)
        assert loss == twin.backward(t)                 # the same forward pass: bit for bit
        assert np.array_equal(net.last_outputs(), np.array([n.a for n in twin.outputs]))
        assert [(n.z, n.a) for n in net.nodes] == [(n.z, n.a) for n in twin.nodes]
        known = [n.id for n in net.nodes if n.delta is not None]   # not a plain input's (it reads None)
        assert set(known) == {n.id for n in net.nodes if not n.is_input or n.has_bias}
        agree({"delta": {i: net.node(i).delta for i in known}}, {"delta": {i: twin.node(i).delta for i in known}},
              exact)
        twin.step(0.2, weight_decay=decay, biases=biases)
        agree(after_step(net), after_step(twin), exact)
    if exact:
        assert [e.weight for e in edges] == [e.weight for e in twin.edges]
    assert [e.weight for e in edges] == net.get_parameters()[0].tolist()   # the Edge objects stay live
    assert edges[0].grad is None                        # train_step leaves no gradient behind


@settings(max_examples=30, deadline=None)
@given(dag_cases(), st.booleans())
def test_fused_general_step_gives_the_old_engines_weights(case, large):
    net, X, T = case
    with kernels_of_a_large_net(large):
        net.codegen = False
        want = old_engine(net, X[0], T[0], lr=0.3)
        assert net.train_step(X[0], T[0], 0.3) == pytest.approx(want["loss"], rel=1e-15, abs=1e-300)
    agree(after_step(net), want, exact=False)


def _refusal(call) -> tuple[type, str]:
    with pytest.raises((TypeError, ValueError)) as caught:
        call()
    return caught.type, str(caught.value)


@pytest.mark.parametrize("x, t", [
    ([np.nan, 0.2], [0.1, 0.2, 0.3]), ([0.1, np.inf], [0.1, 0.2, 0.3]),   # inf into 2 = tanh(x + 0.3): a₂ = 1
    (np.array([0.1, -np.inf]), None), ([0.1, "0.2"], None), ([0.1], None), (np.zeros(3), None),
    (np.zeros(2, dtype=np.float32) + np.nan, None),
    (None, [0.1, np.nan, 0.3]), (None, np.array([np.inf, 0.2, 0.3])), (None, [0.1, 0.2]), (None, [True, 0.2, 0.3]),
])
def test_train_step_refuses_a_bad_sample_like_the_four_calls_and_changes_nothing(x, t):
    good_x, good_t = [0.1, 0.2], [0.1, 0.2, 0.3]
    net, twin = skip_dag(), skip_dag()
    assert "def train(" in net.compiled_source()
    net.train_step(good_x, good_t, 0.1)                 # the generated code holds the numbers now
    twin.train_step(good_x, good_t, 0.1)
    before = net.get_parameters()
    x, t = (good_x if x is None else x), (good_t if t is None else t)
    twin.forward(good_x)
    want = _refusal(lambda: twin.forward(x)) if x is not good_x else _refusal(lambda: twin.backward(t))
    assert _refusal(lambda: net.train_step(x, t, 0.1)) == want
    assert all(np.array_equal(p, q) for p, q in zip(net.get_parameters(), before, strict=True))


def test_a_fused_step_to_inf_raises_naming_the_parameter_and_changes_nothing():
    x, t = [0.1, 0.2], [50.0, 50.0, 50.0]                 # |δ| large: 1e308·∂C/∂w overflows
    net, twin = skip_dag(), skip_dag()
    for n in (net, twin):
        n.train_step(x, [0.1, 0.2, 0.3], 0.1)
    before = net.get_parameters()
    twin.forward(x)
    twin.backward(t)
    want = _refusal(lambda: twin.step(1e308))
    assert re.fullmatch(r"step\(lr=1e\+308\) would make (w_\{\d,\d\}|the bias of node \d) -?inf; "
                        r"no parameter was changed \(try a smaller learning rate\)", want[1])
    assert _refusal(lambda: net.train_step(x, t, 1e308)) == want
    assert all(np.array_equal(p, q) for p, q in zip(net.get_parameters(), before, strict=True))


def test_pairwise_sum_is_numpys_add_reduce_bit_for_bit():
    rng = np.random.default_rng(0)
    for n in range(1, codegen._PAIRWISE_BLOCK + 1):
        p = rng.normal(size=n) * 10.0 ** rng.uniform(-8, 8, size=n)
        expr = codegen.pairwise([f"p[{i}]" for i in range(n)])
        assert eval(expr, {"p": p.tolist()}) == np.add.reduce(p), n      # noqa: S307 - our own text


def test_compiled_source_reads_like_the_formulas_and_is_what_runs():
    net = ng.Network.layered([3, 4, 2], seed=0)
    text = net.compiled_source()
    assert "def forward(s, x):" in text and "def backward(s, t, fresh):" in text and "def step(" in text
    assert "# z₄ = w₄,₁·a₁ + w₄,₂·a₂ + w₄,₃·a₃ + b₄" in text and "# a₄ = σ(z₄)" in text
    assert "# δ₄ = f′(z₄)·(w₈,₄·δ₈ + w₉,₄·δ₉)" in text
    assert "def train(s, x, t, lr, decay, biases):" in text and "# w₄,₁ ← w₄,₁ − η·a₁·δ₄" in text
    n4, x = net.node(4), [0.05, 0.10, 0.20]
    sig = 1.0 / (1.0 + math.exp(-(sum(e.weight * xi for e, xi in zip(n4.summed_inputs, x, strict=True)) + n4.bias)))
    net.forward(np.array(x))
    assert n4.a == pytest.approx(sig, rel=1e-15)        # hand-computed a₄


def test_large_or_unsupported_networks_say_why_they_are_not_compiled():
    with pytest.raises(ValueError, match="general per-neuron path"):
        ng.Network.layered([30, 20, 10]).compiled_source()
    with pytest.raises(ValueError, match="losses half_squared, squared"):
        ng.Network.layered([3, 4, 2], output_activation="softmax", loss="cross_entropy").compiled_source()


def test_reads_and_writes_between_generated_calls_see_the_current_numbers():
    net = ng.Network.layered([3, 4, 2], seed=0)
    e = net.edge(1, 4)
    x, t = np.array([0.05, 0.10, 0.20]), np.array([0.01, 0.99])
    net.forward(x)
    net.backward(t)
    g = e.grad
    w = e.weight
    net.step(0.5)                                     # on the generated lists
    assert e.weight == w - 0.5 * g                    # read through the Edge: written back
    e.weight = 1.25                                   # a write is seen by the next generated pass
    net.forward(x)
    z4 = sum(f.weight * xi for f, xi in zip(net.node(4).summed_inputs, x, strict=True)) + net.node(4).bias
    assert net.node(4).z == pytest.approx(z4, rel=1e-15) and e.weight == 1.25
