"""save/load round-trips exactly; damaged files give errors naming the file."""
import os

import networkx as nx
import numpy as np
import pytest

import neurograph as ng
from neurograph.io.json_file import to_dict


def trained():
    net = ng.Network.layered([3, 5, 2], activation="tanh", output_activation="softmax",
                             loss="cross_entropy", input_activation="tanh", seed=11)
    net.forward([0.1, 0.2, 0.3])
    net.backward([1.0, 0.0])
    net.step(0.7)
    return net


def test_round_trip_is_lossless(tmp_path):
    net = trained()
    path = tmp_path / "model.json"
    net.save(path)
    back = ng.Network.load(path)
    assert to_dict(back) == to_dict(net)
    assert [e.weight for e in back.edges] == [e.weight for e in net.edges]   # bit for bit
    x = [0.3, -0.1, 0.7]
    assert np.array_equal(back.forward(x), net.forward(x))
    assert back.loss == "cross_entropy" and back.node(1).activation == "tanh"


def test_no_bias_and_skip_connections_survive(tmp_path):
    g = ng.Network(loss="squared")
    g.add_input(1)
    g.add_neuron(5, "relu", bias=None)
    g.add_neuron(9, "identity", bias=0.5)
    g.connect(1, 5, 0.1)
    g.connect(5, 9, 0.2)
    g.connect(1, 9, 1 / 3)
    g.save(tmp_path / "g.json")
    back = ng.Network.load(tmp_path / "g.json")
    assert back.node(5).bias is None and back.edge(1, 9).weight == 1 / 3


def test_save_is_atomic(tmp_path, monkeypatch):
    net = trained()
    path = tmp_path / "model.json"
    net.save(path)
    original = path.read_text()

    def explode(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", explode)
    with pytest.raises(OSError):
        ng.Network.layered([2, 2]).save(path)
    assert path.read_text() == original
    assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ('{"format": "neurograph", "version": 1, "loss": "squ', "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('{"format": "keras"}', "not a neurograph model"),
    ('{"format": "neurograph", "version": 9}', "unsupported format version 9"),
    ('{"format": "neurograph", "version": 1, "loss": "squared", "nodes": []}', "missing key 'edges'"),
    ('{"format": "neurograph", "version": 1, "loss": "squared", "nodes": [{"id": 1, "kind": "input", '
     '"activation": "identity", "bias": null}], "edges": [{"src": 1, "dst": 2, "weight": 1}]}',
     "node 2 does not exist"),
    ('{"format": "neurograph", "version": 1, "loss": "hinge", "nodes": [], "edges": []}', "unknown loss 'hinge'"),
    ('{"format": "neurograph", "version": 1, "loss": "squared", "nodes": [], "edges": []}', "no input nodes"),
])
def test_damaged_files(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        ng.Network.load(path)
    assert "bad.json" in str(info.value)


def test_truncated_real_file(tmp_path):
    path = tmp_path / "m.json"
    trained().save(path)
    path.write_text(path.read_text()[:200])
    with pytest.raises(ValueError, match="m.json: not valid JSON"):
        ng.Network.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        ng.Network.load(tmp_path / "nope.json")


def test_networkx_round_trip():
    net = trained()
    G = net.to_networkx()
    assert G.nodes[4]["layer"] == 1 and G.nodes[4]["activation"] == "tanh"
    assert G.edges[1, 4]["weight"] == net.edge(1, 4).weight
    assert G.edges[1, 4]["grad"] is not None and G.graph["loss"] == "cross_entropy"
    back = ng.Network.from_networkx(G)
    assert to_dict(back) == to_dict(net)


def test_from_plain_networkx_graph():
    G = nx.DiGraph()
    G.add_edge(1, 3, weight=0.5)
    G.add_edge(2, 3, weight=-1.0)
    net = ng.Network.from_networkx(G)
    assert [n.id for n in net.inputs] == [1, 2] and net.node(3).activation == "sigmoid"
    G.add_edge(3, 1)                       # now 1 is a neuron and 1 → 3 → 1 a cycle
    with pytest.raises(ValueError, match="cycle 1 → 3 → 1"):
        ng.Network.from_networkx(G)


def test_copy_is_equal_and_independent():
    net = trained()
    twin = net.copy()
    assert to_dict(twin) == to_dict(net)
    twin.edge(1, 4).weight = 123.0
    twin.node(4).bias = -7.0
    assert net.edge(1, 4).weight != 123.0 and net.node(4).bias != -7.0
    x = [0.2, 0.1, -0.3]
    assert np.array_equal(net.copy().forward(x), net.forward(x))
