"""Issue 12, boundaries: every id, number, size, count and flag is checked where it enters,
the error names the culprit, and nothing changes (to_dict before and after)."""
import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
from neurograph.io.json_file import to_dict
from neurograph.training.datasets import load_mnist_pkl, one_hot

INT64_MAX = 2**63 - 1
bad_ids = st.integers(min_value=INT64_MAX + 1, max_value=2**300) | st.integers(max_value=0)


def small():
    g = ng.Network()
    for i in (1, 2):
        g.add_input(i)
    for i in (3, 4):
        g.add_neuron(i)
    g.connect_many([(1, 3, 0.5), (2, 3, 0.1), (3, 4, -0.2)])
    return g


# -- item 5: ids outside int64 are refused wherever they enter -------------------------------------

@given(bad_ids)
def test_ids_outside_int64_are_refused_everywhere_and_named(tmp_path_factory, bad):
    g = small()
    before = to_dict(g)
    for add in (g.add_input, g.add_neuron, lambda i: g.connect(1, i), lambda i: g.connect(i, 4),
                lambda i: g.connect_many([(2, 4, 0.1), (i, 4, 0.2)])):
        with pytest.raises(ValueError, match=rf"must be a positive integer up to 2\*\*63 - 1.*got {bad}$"):
            add(bad)
        assert to_dict(g) == before
    data = to_dict(g)
    data["nodes"].append({"id": bad, "kind": "neuron", "activation": "sigmoid", "bias": 0.0})
    path = tmp_path_factory.mktemp("ids") / "big.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=rf"big\.json: node id .*got {bad}$"):
        ng.Network.load(path)
    graph = g.to_networkx()
    graph.add_edge(3, bad)
    with pytest.raises(ValueError, match=rf"got {bad}$"):
        ng.Network.from_networkx(graph)


def test_a_5000_digit_id_is_described_not_printed():
    with pytest.raises(ValueError, match="got an integer with 5000 digits"):
        ng.Network().add_input(10**4999)


@given(st.lists(st.integers(min_value=2**62, max_value=INT64_MAX), min_size=4, max_size=4, unique=True),
       st.lists(st.floats(-2, 2), min_size=4, max_size=4))
def test_ids_up_to_int64_max_stay_exact_in_both_engines(ids, weights):
    """The example of the issue: two ids near 2⁶³ that float64 cannot tell apart keep their weights."""
    i1, i2, h, o = ids
    g = ng.Network()
    for i in (i1, i2):
        g.add_input(i)
    for i in (h, o):
        g.add_neuron(i, "identity", bias=0.0)
    g.connect_many([(i1, h, weights[0]), (i2, h, weights[1]), (h, o, weights[2]), (i1, o, weights[3])])
    m = ng.MatrixNetwork.from_graph(g)
    assert m.edge_weights() == {(e.src.id, e.dst.id): e.weight for e in g.edges}
    x = [0.3, -0.7]                                    # inputs are fed in id order
    xs = dict(zip(sorted([i1, i2]), x, strict=True))
    expected = (weights[0] * xs[i1] + weights[1] * xs[i2]) * weights[2] + weights[3] * xs[i1]
    assert g.forward(x)[0] == pytest.approx(expected, abs=1e-12)
    assert m.forward(x)[0, 0] == pytest.approx(expected, abs=1e-12)
    assert [n.id for n in m.to_graph().nodes] == sorted(ids)


# -- item 8: non-numbers are refused as inputs, targets, weights and biases -------------------------

non_numbers = st.sampled_from([True, False, np.bool_(True), None, 1 + 2j, complex(0.5, 0), "1", "0.5",
                               b"1", object(), [1.0]])


def _refused(call, what, err=TypeError):
    with pytest.raises(err, match=what):
        call()


@given(non_numbers, st.integers(0, 2))
def test_non_numbers_in_inputs_and_targets_are_refused_by_both_engines(bad, where):
    g = ng.Network.layered([3, 2], seed=0)
    m = ng.MatrixNetwork.from_graph(g)
    x = [0.1, 0.2, 0.3]
    x[where] = bad
    err = ValueError if isinstance(bad, list) else TypeError      # [1.0] makes a ragged row
    named = rf"input x .*index \({where},\)" if err is TypeError else "input x has rows of different lengths"
    _refused(lambda: g.forward(x), named, err)
    _refused(lambda: m.forward(x), named.replace("input x", "input batch X"), err)
    _refused(lambda: g.backward_batch([x], [[0.0, 1.0]]), "input batch X", err)
    g.forward([0.1, 0.2, 0.3])
    m.forward([0.1, 0.2, 0.3])
    t = [0.0, 1.0]
    t[where % 2] = bad
    _refused(lambda: g.backward(t), "target t", err)
    _refused(lambda: m.backward([t]), "target batch T", err)
    _refused(lambda: ng.crosscheck(g, [[0.1, 0.2, 0.3]], [t], torch=False), "target batch T", err)
    assert g.node(4).delta is None


@given(non_numbers)
def test_non_numbers_as_weights_and_biases_are_refused(bad):
    g = small()
    before = to_dict(g)
    for call, what in [(lambda: setattr(g.edge(1, 3), "weight", bad), r"weight of w_\{3,1\}"),
                       (lambda: setattr(g.node(3), "bias", bad), "bias of node 3"),
                       (lambda: g.connect(1, 4, bad), r"weight of edge 1 → 4"),
                       (lambda: g.add_neuron(5, bias=bad), "bias of node 5")]:
        if bad is None and "bias of node 5" in what:
            continue                                   # bias=None means "no bias"
        _refused(call, what + " must be a real number")
        assert to_dict(g) == before


@given(st.sampled_from([np.complex128, np.bool_, np.str_, object]))
def test_non_number_arrays_are_refused_by_train_crosscheck_and_the_matrix(dtype):
    X, y = ng.xor()
    bad = X.astype(dtype)
    net = ng.Network.layered([2, 2, 1], seed=0)
    before = to_dict(net)
    if dtype is not object:                            # an object array of floats is just numbers
        _refused(lambda: ng.train(net, bad, y, progress=False), "training X must be numbers")
        _refused(lambda: ng.MatrixNetwork.from_graph(net).forward(bad), "input batch X must be numbers")
        _refused(lambda: ng.crosscheck(net, bad, np.zeros((4, 1)), torch=False), "input batch X")
        _refused(lambda: ng.train(net, X, y, test=(bad, y), progress=False), "test X must be numbers")
    assert to_dict(net) == before


def test_huge_and_missing_values_get_clear_messages():
    g = ng.Network.layered([3, 2], seed=0)
    with pytest.raises(ValueError, match=r"input x contains an integer with 401 digits at index \(0,\), beyond "
                                         r"the float range"):
        g.forward([10**400, 1, 1])
    with pytest.raises(TypeError, match=r"input x must be numbers .*got None at index \(0,\)") as info:
        g.forward([None] * 3)
    assert "nan" not in str(info.value)
    with pytest.raises(ValueError, match=r"weight of w_\{4,1\} must be finite, got an integer with 5000 digits"):
        g.edge(1, 4).weight = 10**4999
    assert g.forward([1, 2, 3.0]).shape == (2,)       # ints and floats mixed are fine


# -- item 9: sizes, counts and flags are checked up front, naming the argument ----------------------

def _xor_net():
    return ng.Network.layered([2, 2, 1], seed=0)


@pytest.mark.parametrize("kwargs,err,message", [
    ({"shuffle": "no"}, TypeError, "shuffle must be True or False, got 'no'"),
    ({"shuffle": 0}, TypeError, "shuffle must be True or False, got 0"),
    ({"progress": "yes"}, TypeError, "progress"),
    ({"targets": (0, 1, 2)}, ValueError, r"targets must be a pair \(off, on\).*got \(0, 1, 2\)"),
    ({"targets": (0.0,)}, ValueError, r"targets must be a pair \(off, on\).*got \(0.0,\)"),
    ({"targets": 1.0}, ValueError, "targets must be a pair"),
    ({"targets": (0.5, 0.5)}, ValueError, "must differ"),
    ({"targets": (0.0, "1")}, TypeError, r"targets\[1\] \(on value\) must be a real number"),
    ({"threads": -1}, ValueError, r"threads .* must be an integer ≥ 1, got -1"),
    ({"threads": 0}, ValueError, r"threads .* must be an integer ≥ 1, got 0"),
    ({"seed": -1}, ValueError, "seed must be an integer ≥ 0, got -1"),
    ({"seed": 1.5}, ValueError, "seed must be an integer ≥ 0, got 1.5"),
    ({"epochs": 0}, ValueError, "epochs must be an integer ≥ 1, got 0"),
    ({"epochs": 2.0}, ValueError, "epochs must be an integer ≥ 1, got 2.0"),
    ({"batch_size": True}, ValueError, "batch_size must be an integer ≥ 1, got True"),
    ({"weight_decay": -0.1}, ValueError, "weight_decay must be ≥ 0, got -0.1"),
    ({"lr": -0.5}, ValueError, "learning rate of epoch 0 must be ≥ 0, got -0.5"),
    ({"max_loss": 0}, ValueError, "max_loss must be > 0"),
])
def test_train_arguments_are_checked_before_anything_runs(kwargs, err, message):
    X, y = ng.xor()
    net = _xor_net()
    before = to_dict(net)
    with pytest.raises(err, match=message):
        ng.train(net, X, y, progress=False, **kwargs)
    assert to_dict(net) == before


@pytest.mark.parametrize("targets", [(0, 1, 2), (0.0,), (0.3, 0.3), 0.5])
def test_evaluate_checks_its_targets_like_train(targets):
    X, y = ng.xor()
    with pytest.raises(ValueError, match="targets"):
        ng.evaluate(_xor_net(), X, y, targets=targets)


@given(st.lists(st.integers(0, 1), min_size=4, max_size=4), st.integers(0, 3),
       st.integers(2, 10**6) | st.integers(-10**6, -1))
def test_an_out_of_range_label_is_named_with_its_index(labels, index, bad):
    X, _ = ng.xor()
    y = np.array(labels)
    y[index] = bad
    net = _xor_net()
    before = to_dict(net)
    first = int(np.flatnonzero((y < 0) | (y > 1))[0])
    with pytest.raises(ValueError, match=rf"training labels y: label {bad} at index {first} is out of range"):
        ng.train(net, X, y, progress=False)
    assert to_dict(net) == before


@pytest.mark.parametrize("output", ["relu", "identity", "tanh"])
@pytest.mark.parametrize("engine", ["graph", "matrix"])
def test_cross_entropy_on_a_non_probability_output_is_refused_up_front(output, engine):
    X, y = ng.xor()
    with pytest.raises(ValueError, match=rf"cross_entropy .* not {output} \(the output layer\)"):
        ng.Network.layered([2, 3, 2], output_activation=output, loss="cross_entropy", seed=0)
    net = ng.Network(loss="cross_entropy")          # built by hand, the pair reaches train
    net.add_input(1), net.add_input(2)
    for j in (3, 4, 5, 6, 7):
        net.add_neuron(j, activation="sigmoid" if j < 6 else output)
    net.connect_many([(i, j, 0.1 * (i + j)) for i in (1, 2) for j in (3, 4, 5)]
                     + [(j, k, 0.1 * (j - k)) for j in (3, 4, 5) for k in (6, 7)])
    before = to_dict(net)
    model = net if engine == "graph" else ng.MatrixNetwork.from_graph(net)
    with pytest.raises(ValueError, match=rf"cross_entropy .* not {output} \(output node 6\)") as info:
        ng.train(model, X, y, engine=engine, progress=False)
    assert not isinstance(info.value, ng.TrainingDiverged)
    assert to_dict(net) == before


def test_weight_decay_below_zero_is_a_value_error_not_divergence():
    X, y = ng.xor()
    with pytest.raises(ValueError) as info:
        ng.train(_xor_net(), X, y, weight_decay=-0.1, progress=False)
    assert not isinstance(info.value, ng.TrainingDiverged)


@pytest.mark.parametrize("call,message", [
    (lambda: ng.mnist_subset(n_train=-5), "n_train must be an integer from 1 to 50000, got -5"),
    (lambda: ng.mnist_subset(n_train=0), "n_train must be an integer from 1 to 50000, got 0"),
    (lambda: ng.mnist_subset(n_train=50001), "n_train must be an integer from 1 to 50000, got 50001"),
    (lambda: ng.mnist_subset(n_test=2.5), "n_test must be an integer from 1 to 10000, got 2.5"),
    (lambda: ng.run_preset("seed000", epochs=0), "epochs must be an integer ≥ 1, got 0"),
    (lambda: ng.run_preset("seed000", epochs=-3), "epochs must be an integer ≥ 1, got -3"),
    (lambda: ng.run_preset("seed000", seed=-1), "seed must be an integer ≥ 0, got -1"),
    (lambda: ng.run_preset("seed000", subset="yes"), "subset must be True or False"),
    (lambda: one_hot([0], 0), "n_classes must be an integer ≥ 1, got 0"),
    (lambda: one_hot([0, 2, 7], 3), "labels: label 7 at index 2 is out of range; labels must be integers in 0..2"),
    (lambda: ng.Network.layered([2, 2], seed=-1), "seed must be an integer ≥ 0, got -1"),
])
def test_sizes_counts_and_flags_are_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_mnist_subset_sizes_are_what_was_asked():
    assert len(ng.mnist_subset(n_train=7, n_test=3).train.X) == 7
    assert len(ng.mnist_subset(n_train=7, n_test=3).test.y) == 3


@given(st.sampled_from([0, -1e-5, float("nan"), float("inf"), "1e-5", None]))
def test_crosscheck_h_must_be_a_positive_number(h):
    net = ng.Network.layered([2, 2], seed=0)
    before = to_dict(net)
    with pytest.raises((ValueError, TypeError), match="h .the finite-difference step."):
        ng.crosscheck(net, np.zeros((2, 2)), np.zeros((2, 2)), h=h, torch=False)
    assert to_dict(net) == before


@given(st.sampled_from([2.5, -1, True, "3", None]))
def test_crosscheck_samples_must_be_a_count(samples):
    net = ng.Network.layered([2, 2], seed=0)
    with pytest.raises(ValueError, match=r"samples \(parameters checked by finite differences\) must be an "
                                         r"integer ≥ 0"):
        ng.crosscheck(net, np.zeros((2, 2)), np.zeros((2, 2)), samples=samples, torch=False)


def test_load_mnist_pkl_of_a_missing_file_says_no_such_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope: no such file"):
        load_mnist_pkl("nope")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_mnist_pkl(tmp_path / "missing.pkl.gz")


def test_from_networkx_refuses_a_string_id():
    g = nx.DiGraph()
    g.add_edge("a", 2)
    with pytest.raises(ValueError, match="must be a positive integer.*got 'a'"):
        ng.Network.from_networkx(g)


# -- item 18: library messages ----------------------------------------------------------------------

@given(st.integers(0, 5).filter(lambda n: n != 3), st.integers(0, 2))
def test_connect_many_names_a_malformed_item(length, index):
    g = small()
    before = to_dict(g)
    items = [(2, 4, 0.1), (1, 4, 0.2), (1, 4, 0.3)][:index] + [tuple(range(1, length + 1))]
    with pytest.raises(ValueError, match=rf"connect_many takes \(src, dst, weight\) triples, e\.g\. "
                                         rf"\[\(1, 4, 0\.15\)\]; item {index} is "):
        g.connect_many(items)
    with pytest.raises(ValueError, match=r"item 0 is 5"):
        g.connect_many([5])
    assert to_dict(g) == before


@pytest.mark.parametrize("build", [lambda: ng.Network(), lambda: _only(neurons=1), lambda: _only(inputs=2),
                                   lambda: _only(inputs=1, neurons=2)])
def test_repr_works_in_every_state_of_building(build):
    net = build()
    assert repr(net).startswith("<Network ") and f"nodes={len(net)}" in repr(net)
    assert "<table" in net._repr_html_()


def _only(inputs=0, neurons=0):
    net = ng.Network()
    for i in range(1, inputs + 1):
        net.add_input(i)
    for i in range(inputs + 1, inputs + neurons + 1):
        net.add_neuron(i)
    return net


@given(st.integers(1, 50), st.integers(51, 100))
def test_a_reversed_edge_lookup_suggests_the_right_call(src, dst):
    g = ng.Network()
    g.add_input(src)
    g.add_neuron(dst)
    g.add_neuron(dst + 1)
    g.connect(src, dst, 0.5)
    with pytest.raises(KeyError, match=rf"no edge {dst} → {src} \(w_\{{{src},{dst}\}}\) in this network; "
                                       rf"did you mean net.edge\({src}, {dst}\), i.e. w_\{{{dst},{src}\}}\?"):
        g.edge(dst, src)
    with pytest.raises(KeyError) as info:
        g.edge(src, dst + 1)                              # neither direction exists: no suggestion
    assert "did you mean" not in str(info.value)


@given(st.sampled_from([-0.1, -1e-300, float("nan"), float("inf"), "0.1", None, True, 1j]),
       st.sampled_from(["lr", "weight_decay"]))
def test_one_rate_check_for_both_engines_steps_and_train(bad, which):
    """Network.step, MatrixNetwork.step and train refuse a bad η or λ with the same words."""
    g = ng.Network.layered([2, 2, 1], seed=0)
    g.forward([0.1, 0.2])
    g.backward([1.0])
    m = ng.MatrixNetwork.from_graph(g)
    m.forward([[0.1, 0.2]])
    m.backward([[1.0]])
    before, weights = to_dict(g), m.edge_weights()
    args = {"lr": bad} if which == "lr" else {"lr": 0.1, "weight_decay": bad}
    name = "learning rate lr" if which == "lr" else "weight_decay"
    for step in (g.step, m.step):
        with pytest.raises((ValueError, TypeError), match=rf"^{name} must be"):
            step(**args)
    X, y = ng.xor()
    train_name = "learning rate of epoch 0" if which == "lr" else "weight_decay"
    with pytest.raises((ValueError, TypeError), match=rf"^{train_name} must be"):
        ng.train(g, X, y, progress=False, **args)
    assert to_dict(g) == before and m.edge_weights() == weights
