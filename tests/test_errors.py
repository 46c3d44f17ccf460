"""Bad input gets a clear error that names the culprit, and changes nothing."""

import numpy as np
import pytest

import neurograph as ng
from neurograph.io.json_file import to_dict


def small():
    g = ng.Network()
    g.add_input(1)
    g.add_input(2)
    g.add_neuron(3)
    g.add_neuron(4)
    g.connect(1, 3, 0.5)
    g.connect(2, 3, 0.1)
    g.connect(3, 4, -0.2)
    return g


@pytest.mark.parametrize("edge,message", [
    ((4, 3), r"cycle 3 → 4 → 3"),
    ((3, 3), r"self-loop"),
    ((1, 3), r"edge 1 → 3 \(w_\{3,1\}\) already exists"),
    ((3, 1), r"node 1 is an input"),
    ((1, 99), r"node 99 does not exist"),
    ((0, 3), r"positive integer"),
])
def test_bad_edges_are_refused_and_change_nothing(edge, message):
    g = small()
    before = to_dict(g)
    with pytest.raises(ValueError, match=message):
        g.connect(*edge, weight=1.0)
    assert to_dict(g) == before


def test_connect_many_is_all_or_nothing():
    g = small()
    before = to_dict(g)
    with pytest.raises(ValueError, match="cycle"):
        g.connect_many([(1, 4, 0.3), (4, 3, 0.2)])
    assert to_dict(g) == before


def test_bad_nodes():
    g = small()
    with pytest.raises(ValueError, match="node 3 already exists"):
        g.add_neuron(3)
    with pytest.raises(ValueError, match="unknown activation 'sigmoyd'.*identity, relu, sigmoid, softmax, tanh"):
        g.add_neuron(5, activation="sigmoyd")
    with pytest.raises(ValueError, match="bias of node 5 must be finite"):
        g.add_neuron(5, bias=float("nan"))
    assert 5 not in [n.id for n in g.nodes]
    with pytest.raises(ValueError, match="unknown loss 'mse'.*cross_entropy, half_squared, squared"):
        ng.Network(loss="mse")
    with pytest.raises(KeyError, match="no node 42"):
        g.node(42)
    with pytest.raises(KeyError, match=r"no edge 2 → 4"):
        g.edge(2, 4)
    with pytest.raises(ValueError, match="node 1 has no bias"):
        g.node(1).bias = 0.3


@pytest.mark.parametrize("sizes", [[], [3], [3, 0, 2], [3, -1], [2.5, 2], "32"])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        ng.Network.layered(sizes)


def test_bad_names_in_layered():
    with pytest.raises(ValueError, match="unknown activation"):
        ng.Network.layered([2, 2], activation="gelu")
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        ng.Network.layered([2, 2], init="xavier")
    with pytest.raises(ValueError, match=r"init returned shape \(3,\)"):
        ng.Network.layered([2, 2], init=lambda i, o, rng: np.zeros(3))


@pytest.mark.parametrize("x,err,message", [
    ([0.1], ValueError, r"input x has shape \(1,\); expected \(2,\)"),
    ([0.1, float("nan")], ValueError, r"contains nan at index \(1,\)"),
    ([0.1, float("inf")], ValueError, "finite"),
    (["a", 0.2], TypeError, "must be numbers"),
    ([[0.1, 0.2, 0.3]], ValueError, r"expected \(2,\) or \(batch, 2\)"),
])
def test_bad_inputs(x, err, message):
    g = small()
    g.forward([0.1, 0.2])
    before = g.node(4).a
    with pytest.raises(err, match=message):
        g.forward(x)
    assert g.node(4).a == before


def test_bad_targets_and_order():
    g = small()
    with pytest.raises(RuntimeError, match="forward"):
        g.backward([0.5])
    g.forward([0.1, 0.2])
    with pytest.raises(ValueError, match=r"target t has shape \(2,\); expected \(1,\)"):
        g.backward([0.5, 0.5])
    with pytest.raises(ValueError, match="finite"):
        g.backward([float("nan")])
    assert g.edge(3, 4).grad is None


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), -0.1, "0.1", None])
def test_bad_learning_rates(lr):
    g = small()
    g.forward([0.1, 0.2])
    g.backward([0.5])
    before = to_dict(g)
    with pytest.raises((ValueError, TypeError), match="lr|learning rate"):
        g.step(lr)
    assert to_dict(g) == before


def test_empty_networks_say_what_to_do():
    with pytest.raises(ValueError, match="no input nodes"):
        ng.Network().forward([])
    g = ng.Network()
    g.add_input(1)
    with pytest.raises(ValueError, match="no neurons"):
        g.forward([1.0])


def test_bad_weight_values():
    g = small()
    with pytest.raises(ValueError, match=r"weight of w_\{3,1\} must be finite"):
        g.edge(1, 3).weight = float("inf")
    with pytest.raises(TypeError, match="real number"):
        g.edge(1, 3).weight = "big"
    assert g.edge(1, 3).weight == 0.5


def test_cross_entropy_needs_probability_outputs():
    with pytest.raises(ValueError, match="use a softmax output layer .*binary_cross_entropy.*not identity"):
        ng.Network.layered([2, 2], activation="identity", loss="cross_entropy")
    net = ng.Network(loss="cross_entropy")                            # built by hand: refused at backward
    net.add_input(1), net.add_input(2), net.add_neuron(3, "identity"), net.add_neuron(4, "identity")
    net.connect_many([(1, 3, 0.5), (2, 4, 0.5)])
    net.forward([0.5, 0.5])
    with pytest.raises(ValueError, match="use a softmax output layer .*binary_cross_entropy.*not identity"):
        net.backward([0.0, 1.0])
    assert net.node(3).delta is None


def test_overflowing_loss_is_an_error_not_inf():
    net = ng.Network.layered([3, 4, 2], activation="identity", seed=0)
    net.forward([1e200] * 3)
    with pytest.raises(ValueError, match="the loss overflowed"):
        net.backward([0.0, 1.0])
    assert net.edge(1, 4).grad is None


def test_batch_rows_must_pair_up_in_backward_batch_and_crosscheck():
    net = ng.Network.layered([3, 2], seed=0)
    for call in (lambda: net.backward_batch(np.zeros((3, 3)), np.zeros((2, 2))),
                 lambda: ng.crosscheck(net, np.zeros((3, 3)), np.zeros((2, 2)), torch=False)):
        with pytest.raises(ValueError, match=r"X has 3 rows but T has 2; expected T of shape \(3, 2\)"):
            call()
