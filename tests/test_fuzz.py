"""Fuzzing the public API: bad input must give a clear error and change nothing.

Four families, each case counted in the ``fuzz_cases`` Counter (printed at the
end of ``make test`` by tests/conftest.py):

1. random DAG construction: add_input / add_neuron / connect with random,
   often invalid arguments (unknown ids, self-loops, duplicates, cycles,
   edges into inputs, NaN weights, wrong types).  Each call either succeeds
   or raises ValueError/TypeError/KeyError with ``to_dict(net)`` unchanged; the
   finished network's forward pass is checked against a pure-Python reference;
2. random inputs, targets and learning rates (NaN, inf, huge, wrong shapes,
   strings) to forward/backward/step: finite results or a clear error with the
   whole state (weights, z, a, δ, grads) unchanged;
3. random mutations of a saved JSON file (truncate, delete keys, change types,
   numbers to strings / NaN / Infinity): ``Network.load`` either succeeds with
   a usable network or raises ValueError naming the file;
4. extreme but legal inputs: |z| ≥ 1e4, all-zero targets, a one-input
   one-neuron network, 10,000-wide layers — finite results, no numpy warnings.

Numpy warnings (overflow, invalid, divide) are turned into errors in every
test here; underflow to 0 is ignored, as numpy does by default.
"""
import json
import math
import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, strategies as st

import neurograph as ng
from neurograph.io.json_file import to_dict

ELEMENTWISE = ["sigmoid", "tanh", "relu", "identity"]
CLEAR_ERRORS = (ValueError, TypeError, KeyError)


@pytest.fixture(autouse=True)
def numpy_warnings_are_errors():
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _state(net: ng.Network):
    """Everything a failed call must leave alone: structure, weights, z, a, δ, grads."""
    nodes = [(n.z, n.a, n.delta, n.bias_grad) for n in net.nodes]
    return to_dict(net), nodes, [e.grad for e in net.edges]


def _all_finite(values) -> bool:
    return all(v is None or math.isfinite(v) for v in values)


# -- 1. random DAG construction ---------------------------------------------------------
junk = st.sampled_from([None, "3", 2.0, True, -1, 0, [1], float("nan"), 99])
weights = st.one_of(st.floats(-5, 5), st.sampled_from([float("nan"), float("inf"), "0.5", None, True]))
activations = st.one_of(st.sampled_from(ELEMENTWISE), st.sampled_from(["softplus", None, 3, ""]))


def _draw_op(data, existing: list[int]):
    """One random call; ids are mostly existing nodes (so edges, cycles and
    duplicates happen), sometimes new ids or junk."""
    def an_id():
        return data.draw(st.one_of(st.sampled_from(existing), st.sampled_from(existing),
                                   st.sampled_from(existing), st.integers(1, len(existing) + 2), junk))
    kind = data.draw(st.sampled_from(["connect"] * 4 + ["add_neuron", "add_input"]))
    if kind == "connect":
        return kind, an_id(), an_id(), data.draw(st.one_of(st.floats(-5, 5), st.floats(-5, 5), weights))
    if kind == "add_neuron":
        return kind, an_id(), data.draw(activations), data.draw(weights)
    return kind, an_id(), data.draw(st.one_of(st.none(), activations)), data.draw(st.one_of(st.none(), weights))


def _apply(net: ng.Network, op) -> None:
    kind, a, b, c = op
    if kind == "connect":
        edge = net.connect(a, b, weight=c)
        assert (edge.src.id, edge.dst.id, edge.weight) == (a, b, c)
    elif kind == "add_neuron":
        net.add_neuron(a, activation=b, bias=c)
    else:
        net.add_input(a, activation=b, bias=c)


def _reference_forward(data: dict, x: list[float]) -> list[float]:
    """Pure-Python forward pass over ``to_dict`` data: z = Σ w·a + b, a = f(z)."""
    f = {"sigmoid": lambda z: 1 / (1 + math.exp(-z)) if z > -700 else 0.0, "tanh": math.tanh,
         "relu": lambda z: max(z, 0.0), "identity": lambda z: z}
    g = nx.DiGraph()
    g.add_nodes_from(n["id"] for n in data["nodes"])
    g.add_edges_from((e["src"], e["dst"], {"w": e["weight"]}) for e in data["edges"])
    spec = {n["id"]: n for n in data["nodes"]}
    inputs = sorted(i for i, n in spec.items() if n["kind"] == "input")
    a = {}
    for nid in nx.topological_sort(g):
        n = spec[nid]
        z = x[inputs.index(nid)] if n["kind"] == "input" else sum(
            g.edges[s, nid]["w"] * a[s] for s in g.predecessors(nid))
        a[nid] = f[n["activation"]](z + (n["bias"] or 0.0))
    outputs = sorted(i for i, n in spec.items() if n["kind"] == "neuron" and g.out_degree(i) == 0)
    return [a[i] for i in outputs]


@given(n_inputs=st.integers(1, 3), hidden=st.lists(st.sampled_from(ELEMENTWISE), min_size=1, max_size=5),
       n_ops=st.integers(0, 25), x_seed=st.integers(0, 2 ** 32 - 1), data=st.data())
def test_fuzz_random_dag_construction(fuzz_cases, n_inputs, hidden, n_ops, x_seed, data):
    fuzz_cases["test_fuzz_random_dag_construction"] += 1
    net = ng.Network(loss="half_squared")
    for i in range(1, n_inputs + 1):
        net.add_input(i)
    for k, act in enumerate(hidden):
        net.add_neuron(n_inputs + 1 + k, activation=act, bias=0.1 * k)
    for _ in range(n_ops):
        op = _draw_op(data, [n.id for n in net.nodes])
        before = to_dict(net)
        try:
            _apply(net, op)
        except CLEAR_ERRORS:
            assert to_dict(net) == before, f"{op} failed but changed the network"
        doc = to_dict(net)
        g = nx.DiGraph((e["src"], e["dst"]) for e in doc["edges"])
        assert nx.is_directed_acyclic_graph(g)
        assert not any(spec["kind"] == "input" for spec in doc["nodes"] if g.has_node(spec["id"])
                       and g.in_degree(spec["id"]) > 0)
    x = np.random.default_rng(x_seed).uniform(-2, 2, len(net.inputs))
    np.testing.assert_allclose(net.forward(x), _reference_forward(to_dict(net), list(x)), rtol=1e-12, atol=1e-12)


# -- 2. random numbers into forward / backward / step ------------------------------------------
HUGE = 1e100          # huge but representable: z ~ 1e100, C ~ 1e200, grads ~ 1e200 stay finite
bad_scalars = st.sampled_from([float("nan"), float("inf"), -float("inf"), "0.1", None, True, [0.1]])


def vectors(width: int, low: float, high: float):
    """Mostly valid vectors, some with NaN/inf, wrong length, wrong type."""
    good = st.lists(st.one_of(st.floats(low, high), st.sampled_from([low, high, 0.0])),
                    min_size=width, max_size=width)
    return st.one_of(
        good, good,
        good.flatmap(lambda v: st.tuples(st.integers(0, width - 1), bad_scalars).map(
            lambda ib: v[:ib[0]] + [ib[1]] + v[ib[0] + 1:])),
        st.lists(st.floats(-1, 1), min_size=0, max_size=width + 2).filter(lambda v: len(v) != width),
        st.sampled_from(["abc", None, {"x": 1}, [[0.1] * width] * 2]),
    )


@st.composite
def training_cases(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    out, loss = draw(st.sampled_from([(a, "half_squared") for a in ELEMENTWISE + ["softmax"]]
                                     + [(a, "squared") for a in ELEMENTWISE + ["softmax"]]
                                     + [("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")]))
    t_low, t_high = (0.0, 1.0) if loss.endswith("cross_entropy") else (-1e6, 1e6)
    lr = draw(st.one_of(st.floats(0, 10), bad_scalars, st.just(-0.5)))
    return (ng.Network.layered(sizes, activation=draw(st.sampled_from(ELEMENTWISE)), output_activation=out,
                               loss=loss, seed=draw(st.integers(0, 100))),
            draw(vectors(sizes[0], -HUGE, HUGE)), draw(vectors(sizes[-1], t_low, t_high)), lr)


def _call_keeps_state(net: ng.Network, fn, *args) -> bool:
    """Run fn(*args); on a clear error check that nothing changed.  True if it succeeded."""
    before = _state(net)
    try:
        fn(*args)
    except CLEAR_ERRORS:
        assert _state(net) == before, f"{fn.__name__}{args!r:.100} failed but changed the state"
        return False
    return True


@given(case=training_cases())
def test_fuzz_forward_backward_step(fuzz_cases, case):
    fuzz_cases["test_fuzz_forward_backward_step"] += 1
    net, x, t, lr = case
    net.forward(np.full(net.n_inputs, 0.5))                 # a previous sample whose state must survive
    net.backward(np.full(net.n_outputs, 0.5))
    if not _call_keeps_state(net, net.forward, x):
        return
    assert _all_finite(n.a for n in net.nodes)
    if not _call_keeps_state(net, net.backward, t):
        return
    assert _all_finite([n.delta for n in net.nodes] + [e.grad for e in net.edges])
    if _call_keeps_state(net, net.step, lr):
        assert _all_finite([e.weight for e in net.edges] + [n.bias for n in net.nodes])


# -- 3. mutated model files ------------------------------------------------------------------
def _paths(obj, prefix=()):
    """Every (container, key) path inside the JSON data."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for k, v in items:
        yield prefix + (k,)
        yield from _paths(v, prefix + (k,))


REPLACEMENTS = [None, True, "x", "0.5", [], {}, 0, -1, 1.5, 10 ** 400, "NaN", "Infinity"]


@given(data=st.data())
def test_fuzz_load_mutated_json(fuzz_cases, tmp_path_factory, data):
    fuzz_cases["test_fuzz_load_mutated_json"] += 1
    net = ng.Network.layered([2, 2, 1], seed=data.draw(st.integers(0, 9)))
    doc = to_dict(net)
    text = json.dumps(doc)
    how = data.draw(st.sampled_from(["truncate", "delete", "replace", "replace", "number_to_string"]))
    if how == "truncate":
        text = text[:data.draw(st.integers(0, len(text) - 1))]
    else:
        path = data.draw(st.sampled_from(list(_paths(doc))))
        *parent_keys, key = path
        parent = doc
        for k in parent_keys:
            parent = parent[k]
        if how == "delete":
            del parent[key]
        else:
            new = data.draw(st.sampled_from(REPLACEMENTS))
            if how == "number_to_string" and isinstance(parent[key], (int, float)):
                new = str(parent[key])
            parent[key] = new
        text = json.dumps(doc).replace('"NaN"', "NaN").replace('"Infinity"', "Infinity")
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_text(text, encoding="utf-8")
    try:
        loaded = ng.Network.load(path)
    except ValueError as exc:
        assert str(path) in str(exc)
        return
    y = loaded.forward([0.3, -0.2]) if loaded.n_inputs == 2 else loaded.forward(np.zeros(loaded.n_inputs))
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize("field", ["weight", "bias"])
@pytest.mark.parametrize("value", REPLACEMENTS)
def test_every_replacement_of_a_number(fuzz_cases, tmp_path, field, value):
    """Each replacement once, deterministically (10**400 once raised OverflowError)."""
    fuzz_cases["test_every_replacement_of_a_number"] += 1
    doc = to_dict(ng.Network.layered([2, 2, 1], seed=0))
    target = doc["edges"][0] if field == "weight" else doc["nodes"][-1]
    target[field] = value
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc).replace('"NaN"', "NaN").replace('"Infinity"', "Infinity"), encoding="utf-8")
    if value is None and field == "bias":
        assert ng.Network.load(path).node(5).bias is None            # null bias = no bias, legal
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300:
        assert getattr(ng.Network.load(path).edge(1, 3) if field == "weight" else
                       ng.Network.load(path).node(5), field) == value
    else:
        with pytest.raises(ValueError, match=str(path)):
            ng.Network.load(path)


# -- 4. extreme but legal inputs ---------------------------------------------------------------
PROBABILITY_OUTPUTS = [("sigmoid", "half_squared"), ("softmax", "half_squared"), ("tanh", "squared"),
                       ("identity", "squared"), ("relu", "half_squared"), ("softmax", "cross_entropy"),
                       ("sigmoid", "binary_cross_entropy")]


@pytest.mark.parametrize("hidden", ELEMENTWISE)
@pytest.mark.parametrize("out, loss", PROBABILITY_OUTPUTS)
def test_huge_weights_give_finite_numbers(fuzz_cases, hidden, out, loss):
    """|w| = 1e4 makes |z| ≥ 1e4 everywhere: activations saturate, nothing overflows."""
    fuzz_cases["test_huge_weights_give_finite_numbers"] += 1
    net = ng.Network.layered([3, 4, 2], activation=hidden, output_activation=out, loss=loss, seed=1)
    for e in net.edges:
        e.weight = math.copysign(1e4, e.weight)
    net.forward([1.0, -2.0, 4.5])                          # no ±1 ±2 ±4.5 cancels: |z_hidden| ≥ 1.5e4
    assert all(abs(n.z) >= 1e4 for n in net.layers[1])
    loss_value = net.backward([0.0, 1.0])
    net.step(0.01)
    values = [loss_value] + [n.a for n in net.nodes] + [n.delta for n in net.nodes] + [e.grad for e in net.edges]
    assert _all_finite(values) and _all_finite(e.weight for e in net.edges)


@pytest.mark.parametrize("out, loss", PROBABILITY_OUTPUTS)
def test_all_zero_targets(fuzz_cases, out, loss):
    fuzz_cases["test_all_zero_targets"] += 1
    net = ng.Network.layered([3, 4, 2], output_activation=out, loss=loss, seed=2)
    y = net.forward([0.1, 0.2, 0.3])
    c = net.backward([0.0, 0.0])
    if loss == "cross_entropy":
        assert c == 0.0                                     # C = −Σ 0·ln a = 0
        assert all(n.delta == 0.0 for n in net.outputs)     # softmax: δ = a·Σt − t = 0
    elif loss == "binary_cross_entropy":                    # C = −Σ ln(1 − a), δ = a − 0
        assert c == pytest.approx(-float(np.sum(np.log1p(-y))), rel=1e-12)
        assert [n.delta for n in net.outputs] == pytest.approx(list(y), rel=1e-15)
    else:
        assert c == pytest.approx((0.5 if loss == "half_squared" else 1.0) * float(np.sum(y ** 2)), rel=1e-12)


def test_one_input_one_neuron(fuzz_cases):
    """a = σ(w·x + b): C = ½(a − t)², ∂C/∂w = (a − t)·a(1 − a)·x, worked out by hand."""
    fuzz_cases["test_one_input_one_neuron"] += 1
    net = ng.Network()
    net.add_input(1)
    net.add_neuron(2, bias=0.5)
    net.connect(1, 2, weight=-1.5)
    a = 1 / (1 + math.exp(-(-1.5 * 2.0 + 0.5)))
    assert net.forward([2.0]) == pytest.approx([a], rel=1e-14)
    assert net.backward([1.0]) == pytest.approx(0.5 * (a - 1) ** 2, rel=1e-14)
    assert net.edge(1, 2).grad == pytest.approx((a - 1) * a * (1 - a) * 2.0, rel=1e-12)
    assert net.node(2).bias_grad == pytest.approx((a - 1) * a * (1 - a), rel=1e-12)


@pytest.mark.parametrize("sizes, out, loss", [([4, 10_000, 3], "sigmoid", "half_squared"),
                                              ([3, 10_000], "softmax", "cross_entropy")])
def test_ten_thousand_wide_layer(fuzz_cases, sizes, out, loss):
    fuzz_cases["test_ten_thousand_wide_layer"] += 1
    net = ng.Network.layered(sizes, output_activation=out, loss=loss, seed=3)
    y = net.forward(np.linspace(-1, 1, sizes[0]))
    t = np.zeros(sizes[-1])
    t[0] = 1.0
    c = net.backward(t)
    assert y.shape == (sizes[-1],) and np.all(np.isfinite(y)) and math.isfinite(c)
    if out == "softmax":
        assert y.sum() == pytest.approx(1.0, rel=1e-12)
        assert c == pytest.approx(-math.log(y[0]), rel=1e-12)
    net.step(0.1)
    assert _all_finite(n.bias for n in net.nodes)
