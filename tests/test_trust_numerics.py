"""Issue 12, the numerics classes: losses from z, binary cross-entropy, explain after step,
custom activations, the bit-exact JSON round trip, crosscheck tolerances, a failing schedule.

Every expected number is worked out here with the math module (no numpy, no engine code):
softplus(x) = max(x, 0) + log1p(e^−|x|), σ(z) from the side where e^… cannot overflow.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
from dags import Swish
from neurograph.io.json_file import to_dict

Z = st.floats(-1000.0, 1000.0, allow_nan=False)


def softplus(x: float) -> float:
    """ln(1 + e^x), exact for every x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def bias_net(biases: list[float], activation: str, loss: str) -> ng.Network:
    """One input x = 0 feeding len(biases) outputs with weight 1, so z_j = b_j exactly."""
    net = ng.Network(loss=loss)
    net.add_input(1)
    for j, b in enumerate(biases, start=2):
        net.add_neuron(j, activation=activation, bias=b)
    net.connect_many([(1, j, 1.0) for j in range(2, len(biases) + 2)])
    return net


def both_engines(net: ng.Network, t: list[float]) -> tuple[float, list[float], float, list[float]]:
    """(C, output δ) from the graph engine and from the matrix backend for the input x = 0."""
    net.forward([0.0])
    c_graph = net.backward(t)
    m = ng.MatrixNetwork.from_graph(net)
    m.forward([[0.0]])
    c_matrix = m.backward([t])
    return c_graph, [n.delta for n in net.outputs], c_matrix, m.delta[-1][0].tolist()


# -- 1. losses from z ------------------------------------------------------------------------

@given(z=Z, t=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
def test_binary_cross_entropy_is_exact_from_z_on_both_engines(z, t):
    """C = t·softplus(−z) + (1 − t)·softplus(z) and δ = σ(z) − t, for |z| ≤ 1000."""
    c_graph, d_graph, c_matrix, d_matrix = both_engines(bias_net([z], "sigmoid", "binary_cross_entropy"), [t])
    expected = t * softplus(-z) + (1 - t) * softplus(z)
    assert c_graph == pytest.approx(expected, rel=1e-13, abs=1e-300)
    assert c_matrix == pytest.approx(expected, rel=1e-13, abs=1e-300)
    assert d_graph[0] == pytest.approx(sigmoid(z) - t, rel=1e-12, abs=1e-16)
    assert d_matrix[0] == pytest.approx(d_graph[0], rel=1e-12, abs=1e-16)


@given(z=st.lists(Z, min_size=2, max_size=4), k=st.integers(0, 3))
def test_softmax_cross_entropy_is_exact_from_z_on_both_engines(z, k):
    """One-hot t = e_k: C = ln Σ e^{z_i} − z_k = (m − z_k) + log1p(Σ_{i≠top} e^{z_i − m})."""
    k %= len(z)
    t = [1.0 if i == k else 0.0 for i in range(len(z))]
    c_graph, d_graph, c_matrix, d_matrix = both_engines(bias_net(z, "softmax", "cross_entropy"), t)
    m, top = max(z), z.index(max(z))
    expected = (m - z[k]) + math.log1p(math.fsum(math.exp(v - m) for i, v in enumerate(z) if i != top))
    assert c_graph == pytest.approx(expected, rel=1e-13, abs=1e-300)
    assert c_matrix == pytest.approx(expected, rel=1e-13, abs=1e-300)
    total = math.fsum(math.exp(v - m) for v in z)
    a = [math.exp(v - m) / total for v in z]
    assert d_graph == pytest.approx([ai - ti for ai, ti in zip(a, t, strict=True)], rel=1e-12, abs=1e-15)   # δ = a − t
    assert d_matrix == pytest.approx(d_graph, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_a_unit_with_bias_minus_800_still_learns(engine):
    """a = σ(−800) rounds to 0, yet δ = a − t = −1, C = 800 and the bias moves by η on both engines."""
    net = bias_net([-800.0], "sigmoid", "binary_cross_entropy")
    if engine == "graph":
        net.forward([0.0])
        loss = net.backward([1.0])
        assert net.node(2).delta == -1.0 and net.node(2).bias_grad == -1.0
        net.step(0.5)
        assert net.node(2).bias == -799.5
    else:
        m = ng.MatrixNetwork.from_graph(net)
        m.forward([[0.0]])
        loss = m.backward([[1.0]])
        assert m.bias_grads() == {2: -1.0}
        m.step(0.5)
        assert m.to_graph().node(2).bias == -799.5
    assert loss == 800.0
    fresh = bias_net([-800.0], "sigmoid", "binary_cross_entropy")
    history = ng.train(fresh, [[0.0]], [1], engine=engine, epochs=3, lr=100.0, shuffle=False)
    assert fresh.node(2).bias == -800.0 + 300.0                  # δ stays −1 while σ(z) underflows
    assert history.column("train_loss") == [800.0, 700.0, 600.0]


# -- 2. binary cross-entropy ------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda: ng.Network.layered([2, 3, 1], loss="cross_entropy"),
    lambda: ng.Network.layered([2, 2], activation="tanh", output_activation="sigmoid", loss="cross_entropy"),
])
def test_cross_entropy_on_sigmoid_outputs_is_refused_pointing_to_bce(build):
    with pytest.raises(ValueError, match="sigmoid outputs.*use loss='binary_cross_entropy'"):
        build()


def test_every_place_the_loss_meets_the_outputs_refuses_a_bad_pair(tmp_path):
    net = ng.Network.layered([2, 3, 1], seed=0)                        # sigmoid output, half_squared
    before = to_dict(net)
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        net.loss = "cross_entropy"                                     # loss assignment
    assert to_dict(net) == before and net.loss == "half_squared"
    with pytest.raises(ValueError, match="needs sigmoid outputs, not softmax.*use loss='cross_entropy'"):
        ng.Network.layered([2, 3], activation="softmax", loss="binary_cross_entropy")
    data = to_dict(net)
    data["loss"] = "cross_entropy"                                     # a file with the bad pair
    path = tmp_path / "bad.json"
    path.write_text(__import__("json").dumps(data))
    with pytest.raises(ValueError, match=f"{path}: .*binary_cross_entropy"):
        ng.Network.load(path)
    G = net.to_networkx()
    G.graph["loss"] = "cross_entropy"
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        ng.Network.from_networkx(G)
    hand = ng.Network(loss="binary_cross_entropy")                     # built by hand: at backward
    hand.add_input(1), hand.add_neuron(2, activation="relu"), hand.connect(1, 2, 1.0)
    hand.forward([1.0])
    with pytest.raises(ValueError, match="needs sigmoid outputs, not relu"):
        hand.backward([1.0])
    assert hand.node(2).delta is None


def test_saved_models_with_valid_pairs_still_load(tmp_path):
    for act, loss in [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy"), ("sigmoid", "half_squared")]:
        net = ng.Network.layered([2, 3], activation=act, loss=loss, seed=1)
        net.save(tmp_path / "m.json")
        assert to_dict(ng.Network.load(tmp_path / "m.json")) == to_dict(net)


@given(a=st.floats(1e-6, 1 - 1e-6), t=st.floats(0.0, 1.0))
def test_bce_value_and_grad_from_a(a, t):
    """Without z: C = −[t ln a + (1 − t) ln(1 − a)], ∂C/∂a = −t/a + (1 − t)/(1 − a)."""
    bce = ng.get_loss("binary_cross_entropy")
    assert float(bce.value(np.array([a]), np.array([t]))) == pytest.approx(
        -(t * math.log(a) + (1 - t) * math.log(1 - a)), rel=1e-12)
    assert float(bce.grad(np.array([a]), np.array([t]))[0]) == pytest.approx(-t / a + (1 - t) / (1 - a), rel=1e-9)


@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_xor_with_one_sigmoid_output_and_bce_trains_to_100_percent(engine):
    X, y = ng.xor()
    net = ng.Network.layered([2, 4, 1], activation="tanh", output_activation="sigmoid",
                             loss="binary_cross_entropy", init="normal", seed=0)
    history = ng.train(net, X, y, engine=engine, epochs=300, lr=0.5, seed=0)
    assert history[-1].train_accuracy == 1.0
    assert ng.evaluate(net, X, y)[1] == 1.0
    assert history[-1].train_loss < history[0].train_loss / 10


def test_bce_gradients_match_finite_differences_and_the_matrix():
    net = ng.Network.layered([3, 4, 2], activation="tanh", output_activation="sigmoid",
                             loss="binary_cross_entropy", seed=3)
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    report = ng.crosscheck(net, X, np.array([[0.0, 1.0], [1.0, 0.3]]), samples=26, torch=False)
    assert report.ok, str(report)


@pytest.mark.parametrize("bias", [0.3, -800.0])
def test_torch_autograd_agrees_on_bce_and_softmax_ce(bias):
    pytest.importorskip("torch")
    bce = ng.Network.layered([3, 4, 2], activation="tanh", output_activation="sigmoid",
                             loss="binary_cross_entropy", seed=3)
    ce = ng.Network.layered([3, 4, 2], activation="tanh", output_activation="softmax", loss="cross_entropy", seed=3)
    X = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    for net, T in [(bce, [[0.0, 1.0], [1.0, 0.3]]), (ce, [[0.0, 1.0], [1.0, 0.0]])]:
        net.node(8).bias = bias                                      # −800: a saturates, C comes from z
        report = ng.crosscheck(net, X, np.array(T), samples=0, torch=True)
        assert report.torch is not None and report.ok, str(report)


# -- 11. crosscheck tolerances ----------------------------------------------------------------

@pytest.mark.parametrize("argument", ["tol", "fd_tol"])
@given(bad=st.sampled_from([0.0, -0.0, float("nan"), float("inf"), float("-inf")]) | st.floats(max_value=0.0))
def test_crosscheck_refuses_tolerances_that_are_not_positive_and_finite(argument, bad):
    net = ng.Network.layered([3, 4, 2], seed=0)
    before = to_dict(net)
    with pytest.raises(ValueError, match=rf"^{argument} \(the .*tolerance\) must be (> 0|finite), got "):
        ng.crosscheck(net, [[0.1, 0.2, 0.3]], [[0.0, 1.0]], torch=False, **{argument: bad})
    assert to_dict(net) == before and net.node(4).z is None


@pytest.mark.parametrize("sizes, bias, count", [([3, 4, 2], True, 20 + 6), ([3, 4, 2], False, 20),
                                               ([2, 5, 3, 1], True, 28 + 9)])
def test_crosscheck_header_counts_only_weights_and_biases(sizes, bias, count):
    net = ng.Network.layered(sizes, bias=bias, seed=0)
    assert count == len(net.edges) + sum(n.has_bias for n in net.nodes)
    X = np.full((2, sizes[0]), 0.3)
    report = ng.crosscheck(net, X, np.full((2, sizes[-1]), 0.5), samples=3, torch=False)
    assert f", {count} weights and biases" in str(report).splitlines()[0]
    assert len(report.parameters) == count


# -- 15. a schedule that fails mid-training ---------------------------------------------------

def _xor_net() -> ng.Network:
    return ng.Network.layered([2, 3, 1], activation="tanh", output_activation="sigmoid",
                              loss="binary_cross_entropy", seed=4)


@pytest.mark.parametrize("engine", ["graph", "matrix"])
@given(k=st.integers(0, 3), bad=st.sampled_from([float("nan"), float("inf"), -0.5, "0.1", None]))
def test_a_failing_schedule_keeps_the_last_good_epoch_on_both_engines(engine, k, bad):
    X, y = ng.xor()
    reference = _xor_net()                                            # the same run, stopped by hand at k
    if k:
        ng.train(reference, X, y, engine=engine, epochs=k, lr=0.3, seed=1, progress=False)
    net = _xor_net()
    with pytest.raises(ng.ScheduleFailed) as info:
        ng.train(net, X, y, engine=engine, epochs=5, lr=lambda e: bad if e == k else 0.3, seed=1, progress=False)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"before epoch {k + 1} of 5: learning rate of epoch {k} must be" in message
    assert (repr(bad) if isinstance(bad, str) or bad is None else str(bad)) in message
    history = info.value.history
    assert len(history) == k and history.column("epoch") == list(range(1, k + 1))
    assert history.network is net and history.stopped == message
    assert to_dict(net) == to_dict(reference)                         # bit for bit: epoch k−1's parameters


# -- 10. the JSON round trip is bit-exact -----------------------------------------------------

@st.composite
def shuffled_nets(draw) -> tuple[ng.Network, np.ndarray, np.ndarray]:
    """A layered net (with skip edges) whose edges were connected in a random order."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    loss = draw(st.sampled_from(["half_squared", "binary_cross_entropy"]))
    net = ng.Network(loss=loss)
    ids, layers = 1, []
    for depth, width in enumerate(sizes):
        layer = list(range(ids, ids + width))
        for nid in layer:
            if depth == 0:
                net.add_input(nid)
            else:
                net.add_neuron(nid, activation="sigmoid" if depth == len(sizes) - 1 else "tanh",
                               bias=float(rng.normal()))
        layers.append(layer)
        ids += width
    edges = [(s, d, float(rng.normal())) for k in range(1, len(layers)) for d in layers[k]
             for s in [i for layer in layers[:k] for i in layer] if s in layers[k - 1] or rng.random() < 0.3]
    net.connect_many([edges[i] for i in rng.permutation(len(edges))])   # summed in this order
    return net, rng.normal(size=sizes[0]) * 3, rng.uniform(size=sizes[-1])


@given(case=shuffled_nets())
def test_json_round_trip_gives_bit_identical_outputs_and_gradients(tmp_path_factory, case):
    net, x, t = case
    path = tmp_path_factory.mktemp("io") / "m.json"
    net.save(path)
    back = ng.Network.load(path)
    assert to_dict(back) == to_dict(net)
    for model in (net, back):
        model.zero_grad()
        model.forward(x)
    assert np.array_equal(back.forward(x), net.forward(x))
    assert back.backward(t) == net.backward(t)
    assert [e.grad for e in back.edges] == [e.grad for e in net.edges]
    assert [(n.delta, n.bias_grad) for n in back.nodes] == [(n.delta, n.bias_grad) for n in net.nodes]


def test_edges_are_written_in_summation_order():
    net = ng.Network()
    net.add_input(1), net.add_input(2), net.add_input(3), net.add_neuron(4)
    for s in (3, 1, 2):
        net.connect(s, 4, 0.1 * s)
    assert [(e["src"], e["dst"]) for e in to_dict(net)["edges"]] == [(3, 4), (1, 4), (2, 4)]
    assert [e.src.id for e in net.node(4).inputs] == [1, 2, 3]           # inputs stay by source id


def _saved(tmp_path, edit) -> tuple[object, str]:
    import json
    data = to_dict(ng.Network.layered([2, 2], seed=0))
    text = edit(json.dumps(data, indent=1))
    path = tmp_path / "edited.json"
    path.write_text(text)
    return path, text


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('"version": 1', '"version": true'), "unsupported format version True"),
    (lambda s: s.replace('"version": 1', '"version": 1.0'), "unsupported format version 1.0"),
    (lambda s: s.replace('"loss": "half_squared"', '"loss": "half_squared", "loss": "squared"'),
     "the key 'loss' appears twice in one JSON object"),
    (lambda s: s.replace('"bias": 0.0', '"bias": 0.0, "bias": 5.0', 1), "the key 'bias' appears twice"),
    (lambda s: s.replace('"weight"', '"weight": 1.0, "weight"', 1), "the key 'weight' appears twice"),
    (lambda s: s.replace(',\n   "bias": 0.0', '', 1), r"nodes\[2\] \(id 3\) has no 'bias' key"),
    (lambda s: s.replace(',\n   "bias": null', '', 1), r"nodes\[0\] \(id 1\) has no 'bias' key"),
    (lambda s: s.replace('"activation": "sigmoid",', '', 1), r"nodes\[2\] \(id 3\) has no 'activation' key"),
])
def test_load_refuses_what_it_would_have_to_guess(tmp_path, edit, message):
    path, text = _saved(tmp_path, edit)
    assert text != _saved(tmp_path, lambda s: s)[1]                       # the edit did change the file
    path.write_text(text)
    with pytest.raises(ValueError, match=rf"^{path}: (not a neurograph model: )?{message}"):
        ng.Network.load(path)


# -- 6. custom activations --------------------------------------------------------------------

class Shadow(ng.engine.activations.Sigmoid):
    name = "sigmoid"                                                  # reuses the built-in name

    def __call__(self, z):
        return np.tanh(z)


class Nameless(Swish):
    name = ""


@pytest.mark.parametrize("build", [
    lambda act: ng.Network.layered([2, 2], activation=act),
    lambda act: ng.Network.layered([2, 2, 1], activation=act, output_activation="sigmoid"),
    lambda act: ng.Network().add_neuron(1, activation=act),
    lambda act: ng.Network().add_input(1, activation=act),
])
def test_a_custom_activation_cannot_shadow_a_builtin_name(build):
    with pytest.raises(ValueError, match="custom activation Shadow shadows the built-in name 'sigmoid'"):
        build(Shadow())
    with pytest.raises(ValueError, match="custom activation Nameless needs a name of its own"):
        build(Nameless())


def test_builtin_activation_objects_and_custom_names_are_accepted(tmp_path):
    net = ng.Network.layered([2, 3, 1], activation=ng.engine.activations.Tanh(), seed=0)
    assert net.node(3).activation == "tanh" and net.node(3).activation_function is ng.ACTIVATIONS["tanh"]
    net.save(tmp_path / "m.json")
    assert to_dict(ng.Network.load(tmp_path / "m.json")) == to_dict(net)
    swish = ng.Network.layered([2, 3, 1], activation=Swish(), seed=0)
    x = [0.5, -1.0]
    z = [sum(e.weight * xi for e, xi in zip(n.inputs, x, strict=True)) for n in swish.layers[1]]
    swish.forward(x)
    assert [n.a for n in swish.layers[1]] == pytest.approx([v / (1 + math.exp(-v)) for v in z], rel=1e-14)


# -- 4. explain after step(), with the target backward stored ---------------------------------

def _ran(loss: str, out: str, x, t) -> tuple[ng.Network, float]:
    net = ng.Network.layered([3, 4, 2], activation="tanh", output_activation=out, loss=loss, seed=5)
    net.forward(x)
    return net, net.backward(t)


CHANGES = {
    "step": lambda net: net.step(0.5),
    "step, zero_grad": lambda net: (net.step(0.5), net.zero_grad()),
    "weight edit": lambda net: setattr(net.edge(1, 4), "weight", 0.25),
    "bias edit": lambda net: setattr(net.node(8), "bias", -0.5),
    "set_parameters": lambda net: net.set_parameters(*net.get_parameters()),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("target", [4, 8, (1, 4), (4, 8), "loss"])
def test_explain_refuses_values_from_before_the_weights_changed(change, target):
    net, _ = _ran("half_squared", "sigmoid", [0.1, 0.5, -0.3], [0.0, 1.0])
    assert not net.stale
    CHANGES[change](net)
    assert net.stale
    before = to_dict(net)
    with pytest.raises(RuntimeError, match=r"weights or biases changed after the last forward pass.*run forward again"):
        ng.explain(net, target)
    assert to_dict(net) == before
    net.forward([0.1, 0.5, -0.3])                                      # fresh values: explained again
    net.backward([0.0, 1.0])
    assert not net.stale and str(ng.explain(net, target)).strip()


@pytest.mark.parametrize("target", [4, 8, (1, 4), (4, 8), "loss"])
def test_explain_after_zero_grad_shows_this_samples_gradient(target):
    net, _ = _ran("half_squared", "sigmoid", [0.1, 0.5, -0.3], [0.0, 1.0])
    expected = ng.explain(net, target, digits=8)
    net.zero_grad()
    text = ng.explain(net, target, digits=8)
    if target == "loss":
        assert text == expected
        return
    assert "zero_grad() has reset edge.grad since the last backward pass" in " ".join(text.split())
    e = net.edge(*target) if isinstance(target, tuple) else net.node(target).inputs[0]
    line = next(ln for ln in text.splitlines() if ln.strip().startswith(f"∂C/∂{e.name} ="))
    assert float(line.split("=")[-1]) == pytest.approx(e.src.a * e.dst.delta, abs=1e-8)


@pytest.mark.parametrize("loss, out", [("half_squared", "sigmoid"), ("squared", "tanh"),
                                       ("cross_entropy", "softmax"), ("binary_cross_entropy", "sigmoid")])
@given(x=st.lists(st.floats(-3, 3), min_size=3, max_size=3), t=st.lists(st.floats(0, 1), min_size=2, max_size=2),
       scale=st.sampled_from([1.0, 300.0]))
def test_explain_loss_prints_the_loss_backward_returned(loss, out, x, t, scale):
    """No t given: explain uses net.target, so its C is backward's C (also where a saturates, ×300)."""
    if loss == "cross_entropy":
        t = [t[0], 1.0 - t[0]]
    net, returned = _ran(loss, out, [v * scale for v in x], t)
    assert list(net.target) == t
    text = ng.explain(net, "loss", digits=12)
    printed = float(text.split("Output deltas")[0].strip().splitlines()[-1].split("=")[-1])   # C = … = value
    assert printed == pytest.approx(returned, rel=1e-11, abs=1e-12)
    for node in net.outputs:                                          # δ shown = the engine's δ
        assert "it was run with a different target" not in text
        assert node.delta is not None


def test_bce_explain_writes_its_own_loss_and_a_minus_t():
    net, returned = _ran("binary_cross_entropy", "sigmoid", [0.1, 0.5, -0.3], [0.0, 1.0])
    text = ng.explain(net, "loss")
    assert "C = -Σ_k [t_k·ln(a_k) + (1 − t_k)·ln(1 − a_k)]" in text
    assert f"= {returned:.4f}" in text
    a8, a9 = net.node(8).a, net.node(9).a
    assert f"δ_8 = a_8 − t_8 = {a8:.4f} − 0.0000 = {a8:.4f}" in text
    assert f"δ_9 = a_9 − t_9 = {a9:.4f} − 1.0000 = {a9 - 1:.4f}" in text


def test_a_custom_activation_is_never_written_to_a_file_load_cannot_read(tmp_path):
    """save refuses (before writing) a name load would not know; an existing file stays byte-identical."""
    path = tmp_path / "m.json"
    ng.Network.layered([2, 3, 1], seed=0).save(path)
    before = path.read_bytes()
    swish = ng.Network.layered([2, 3, 1], activation=Swish(), seed=0)
    with pytest.raises(ValueError, match=rf"cannot save to {path}: .*unknown activation 'swish'"):
        swish.save(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        swish.save(tmp_path / "new.json")
    assert not (tmp_path / "new.json").exists()


@pytest.mark.parametrize("engine", ["graph", "matrix"])
@pytest.mark.parametrize("batch_size", [1, 2])
def test_values_from_before_train_are_stale(engine, batch_size):
    X, y = ng.xor()
    net = ng.Network.layered([2, 3, 1], seed=0, bias=batch_size == 1)
    net.forward([0.0, 1.0])
    net.backward([1.0])
    ng.train(net, X, y, engine=engine, epochs=2, batch_size=batch_size, progress=False)
    assert net.stale
    with pytest.raises(RuntimeError, match="run forward again"):
        ng.explain(net, 3)


def test_train_on_torch_agrees_with_the_graph_engine_on_bce():
    pytest.importorskip("torch")
    X, y = ng.xor()
    runs = {}
    for engine in ("graph", "matrix", "torch"):
        net = ng.Network.layered([2, 4, 1], activation="tanh", output_activation="sigmoid",
                                 loss="binary_cross_entropy", init="normal", seed=0)
        runs[engine] = ng.train(net, X, y, engine=engine, epochs=50, lr=0.5, seed=0, progress=False)
    for engine in ("matrix", "torch"):
        assert runs[engine].column("train_loss") == pytest.approx(runs["graph"].column("train_loss"), rel=1e-10)
