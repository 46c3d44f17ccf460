"""Fast start: ``import neurograph`` loads its public names lazily, and they are the very objects
their modules define (the lazy ``__getattr__`` must not change what a name means)."""
from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from dags import dag_cases
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
import visualize

#: every public name of neurograph/__init__.py and where it is defined: the contract, written out independently
DEFINED_IN = {
    "ACTIVATIONS": "neurograph.engine.activations", "get_activation": "neurograph.engine.activations",
    "Edge": "neurograph.engine.graph", "Network": "neurograph.engine.graph", "Node": "neurograph.engine.graph",
    "INITIALIZERS": "neurograph.engine.initializers",
    "LOSSES": "neurograph.engine.losses", "get_loss": "neurograph.engine.losses",
    "MatrixNetwork": "neurograph.matrix.network",
    "CrosscheckReport": "neurograph.check.crosscheck", "crosscheck": "neurograph.check.crosscheck",
    "explain": "neurograph.explanations.equations", "Explanation": "neurograph.explanations.explanation",
    "explain_matrix": "neurograph.explanations.matrix_view",
    "Comparison": "neurograph.check.compare", "check_backprop": "neurograph.check.compare",
    "compare": "neurograph.check.compare", "Grade": "neurograph.check.grade", "grade": "neurograph.check.grade",
    "load_mnist": "neurograph.training.datasets", "mnist_subset": "neurograph.training.datasets",
    "xor": "neurograph.training.datasets",
    "History": "neurograph.training.history", "ScheduleFailed": "neurograph.training.history",
    "TrainingDiverged": "neurograph.training.history", "TrainingInterrupted": "neurograph.training.history",
    "evaluate": "neurograph.training.loop", "train": "neurograph.training.loop",
    "run_preset": "neurograph.training.presets",
    "check_writable": "neurograph.io.atomic", "write_atomic": "neurograph.io.atomic",
}
MODULES = {"examples": "neurograph.examples", "datasets": "neurograph.training.datasets"}


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def test_all_lists_exactly_the_public_names():
    assert sorted(ng.__all__) == sorted([*DEFINED_IN, *MODULES, "__version__"])
    assert ng.__version__ == "0.1.0"


@pytest.mark.parametrize("name", sorted(DEFINED_IN))
def test_every_public_name_is_the_object_its_module_defines(name):
    assert getattr(ng, name) is getattr(importlib.import_module(DEFINED_IN[name]), name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_public_modules_are_the_modules(name):
    assert getattr(ng, name) is importlib.import_module(MODULES[name])


def test_star_import_and_dir_show_every_public_name():
    namespace: dict = {}
    exec("from neurograph import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(ng.__all__)
    assert namespace["train"] is importlib.import_module("neurograph.training.loop").train
    assert set(ng.__all__) <= set(dir(ng))


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="module 'neurograph' has no attribute 'trian'"):
        ng.trian                                        # noqa: B018
    assert not hasattr(ng, "trian")


def test_a_lazy_name_loads_its_module_only_when_used():
    out = json.loads(run_python(
        "import sys, json, neurograph as ng\n"
        "before = 'neurograph.matrix.network' in sys.modules\n"
        "m = ng.MatrixNetwork(ng.Network.layered([2, 3, 1], seed=0))\n"
        "print(json.dumps([before, 'neurograph.matrix.network' in sys.modules, 'MatrixNetwork' in vars(ng),\n"
        "                  'neurograph.training.loop' in sys.modules]))"))
    assert out == [False, True, True, False]


# -- Network.load in bulk --------------------------------------------------------------------------
def _bare(net: ng.Network) -> ng.Network:
    """The nodes of ``net`` (inputs with their activation and bias) without its edges."""
    twin = ng.Network(loss=net.loss)
    for n in net.nodes:
        if n.is_input and (n.activation != "identity" or n.bias is not None):
            twin.add_input(n.id, activation=n.activation, bias=0.0 if n.bias is None else n.bias)
        elif n.is_input:
            twin.add_input(n.id)
        else:
            twin.add_neuron(n.id, activation=n.activation, bias=n.bias)
    return twin


def _numbers(net: ng.Network, X, T) -> list:
    """Everything a forward + backward pass computes, and every edge in order."""
    net.zero_grad()
    y = net.forward(X[0]).tolist()
    loss = net.backward(T[0])
    return [y, loss, [(n.id, n.z, n.a, n.delta, n.bias_grad, [e.dst.id for e in n.outputs]) for n in net.nodes],
            [(e.src.id, e.dst.id, e.weight, e.grad) for e in net.edges]]


@given(dag_cases(), st.randoms(use_true_random=False))
def test_connect_arrays_in_bulk_builds_what_connect_many_builds_in_any_edge_order(case, rnd):
    net, X, T = case
    edges = [(e.src.id, e.dst.id, e.weight) for e in net.edges]
    rnd.shuffle(edges)                                       # destinations interleaved, sources in any order
    bulk, one_by_one = _bare(net), _bare(net)
    bulk.connect_arrays(*(np.array(column) for column in zip(*edges, strict=True)))
    one_by_one.connect_many(edges)
    assert _numbers(bulk, X, T) == _numbers(one_by_one, X, T)  # bit for bit: z sums in the same order
    first, last = net.inputs[0].id, net.outputs[-1].id
    for built in (bulk, one_by_one):                          # the positions stay right for later edits
        built.edge(net.edges[0].src.id, net.edges[0].dst.id).weight = 0.25
        if first not in {e.src.id for e in built.node(last).inputs}:
            built.connect(first, last, 0.5)
    assert _numbers(bulk, X, T) == _numbers(one_by_one, X, T)
    with pytest.raises(ValueError) as refused:
        bulk.connect(last, net.nodes[-1].id if net.nodes[-1].id != last else first, 1.0)
    with pytest.raises(ValueError) as again:
        one_by_one.connect(last, net.nodes[-1].id if net.nodes[-1].id != last else first, 1.0)
    assert str(refused.value) == str(again.value)


def _model_text(net: ng.Network, tmp_path) -> str:
    net.save(tmp_path / "m.json")
    return (tmp_path / "m.json").read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('"src": 1,', '"src": 1, "src": 2,', 1), "the key 'src' appears twice"),
    (lambda s: s.replace('"kind": "input"', '"kind": "input", "kind": "input"', 1), "the key 'kind' appears twice"),
    (lambda s: s.replace('"bias": null', '"bias": {"x": 1, "x": 2}', 1), "the key 'x' appears twice"),
    (lambda s: s.replace('"bias": null', '"bias": {"x": 1}', 1), "bias of node 1 must be a real number, got a dict"),
    (lambda s: s.replace('"cross_entropy"', '"cross:entropy"', 1), "unknown loss 'cross:entropy'"),
    (lambda s: s.replace('"cross_entropy"', '"x:y", "loss": "x:y"', 1), "the key 'loss' appears twice"),
    (lambda s: s.replace('"weight"', '"weight": 1.0, "weight"', 1) + " x", "the key 'weight' appears twice"),
    (lambda s: s.replace('"version": 1', '"version": 1, "spare": {"a": 1}', 1), None),
])
def test_load_refuses_duplicate_keys_wherever_they_are(tmp_path, edit, message):
    """The plain decoder's key count must never hide a duplicate: nested objects, colons in strings,
    a syntax error after a duplicate (the duplicate is still named, as the hook alone named it)."""
    net = ng.Network.layered([3, 2, 2], output_activation="softmax", loss="cross_entropy", seed=1)
    (tmp_path / "bad.json").write_text(edit(_model_text(net, tmp_path)))
    if message is None:                                       # an extra key is no error: the same network
        assert [e.weight for e in ng.Network.load(tmp_path / "bad.json").edges] == [e.weight for e in net.edges]
        return
    with pytest.raises(ValueError, match=message) as refused:
        ng.Network.load(tmp_path / "bad.json")
    assert str(refused.value).startswith(str(tmp_path / "bad.json"))


def test_a_big_model_loads_to_the_network_it_was(tmp_path):
    net = ng.Network.layered([60, 20, 10], output_activation="softmax", loss="cross_entropy", seed=4)
    back = ng.Network.load(tmp_path / "m.json") if _model_text(net, tmp_path) else None
    assert [(e.src.id, e.dst.id, e.weight) for e in back.edges] == [(e.src.id, e.dst.id, e.weight) for e in net.edges]
    x = np.linspace(0, 1, 60)
    assert back.forward(x).tolist() == net.forward(x).tolist()


# -- drawing only the drawn edges ----------------------------------------------------------------------
SUMMARY = re.compile(r'^\t(\S+) -> (\S+) \[color="#a0a0a0" penwidth=0\.8 style=dashed '
                     r'tooltip="(\d+) edges not drawn one by one: mean \|w\| = (\S+), max \|w\| = (\S+)"\]$', re.M)


def test_a_collapsed_picture_summarises_every_hidden_edge_with_its_numbers():
    """Each (stand-in, neuron) pair gets one dashed edge whose count, mean |w| and max |w| are those
    of the edges it stands for, computed here edge by edge from net.edges, in the order they come."""
    net = ng.Network.layered([30, 20, 5], seed=3)
    k = 2                                                    # max_per_layer=5: the first and last 2 of a layer
    stand_in = {n.id: f"more{i}" for i, layer in enumerate(net.layers) if len(layer) > 5 for n in layer[k:-k]}
    groups: dict[tuple[str, str], list[float]] = {}
    drawn = 0
    for e in net.edges:
        ends = (stand_in.get(e.src.id, str(e.src.id)), stand_in.get(e.dst.id, str(e.dst.id)))
        if ends == (str(e.src.id), str(e.dst.id)):
            drawn += 1
        else:
            groups.setdefault(ends, []).append(abs(e.weight))
    expected = [(a, b, str(len(w)), repr(sum(w) / len(w)), repr(max(w))) for (a, b), w in groups.items()]
    source = visualize.draw(net, labels="none", max_per_layer=5).source
    assert SUMMARY.findall(source) == expected
    assert len(re.findall(r'tooltip="w_\{', source)) == drawn == 4 * 4 + 4 * 5


def test_a_backward_frame_knows_the_gradients_of_the_edges_into_its_layers_only():
    from visualize.snapshot import Snapshot
    net = ng.Network.layered([3, 4, 2], seed=0)
    net.forward([0.1, 0.2, 0.3])
    net.backward([0.0, 1.0])
    snap = Snapshot.of(net)
    assert [e.grad for e in snap.edges] == [e.grad for e in net.edges]
    assert [e.grad for e in snap.known(forward=2, backward=2).edges] == \
        [e.grad if e.dst.layer == 2 else None for e in net.edges]
    assert [e.grad for e in snap.known(forward=2, backward=None).edges] == [None] * len(net.edges)
    assert snap.edge_scale(forward=False) == max(abs(e.grad) for e in net.edges)
    assert snap.edge_scale(forward=True) == max(abs(e.weight) for e in net.edges)


@pytest.mark.parametrize("sources, message", [
    ([1, 99], "edge 99 → 4: node 99 does not exist"),
    ([1, 2**70], "does not exist|positive integer"),
    ([1, True], "source id must be a positive integer"),
    ([1, 1], r"edge 1 → 4 \(w_\{4,1\}\) already exists"),
    ([5, 1], "node 5 does not exist"),
])
def test_wire_in_bulk_refuses_what_connect_many_refuses(sources, message):
    net = ng.Network()
    for i in (1, 2, 3):
        net.add_input(i)
    net.add_neuron(4)
    with pytest.raises(ValueError, match=message) as bulk:
        net.wire(4, sources, [0.5] * len(sources))
    with pytest.raises(ValueError) as one_by_one:
        net.connect_many([(s, 4, 0.5) for s in sources])
    assert str(bulk.value) == str(one_by_one.value) and net.edges == []


def test_layered_and_copy_build_in_bulk_what_connect_many_builds():
    net = ng.Network.layered([7, 5, 3], seed=5)
    by_hand = _bare(net)
    by_hand.connect_many([(e.src.id, e.dst.id, e.weight) for e in net.edges])
    x, t = np.linspace(-1, 1, 7), np.array([0.0, 1.0, 0.0])
    assert _numbers(net, x[None], t[None]) == _numbers(by_hand, x[None], t[None]) == \
        _numbers(net.copy(), x[None], t[None])
