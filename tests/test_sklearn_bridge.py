"""from_sklearn / to_sklearn against scikit-learn's own predictions (the independent source)."""
import warnings

import numpy as np
import pytest

import neurograph as ng
from neurograph.io.dense import DenseLayer, dense_network

sk = pytest.importorskip("sklearn.neural_network", reason="needs scikit-learn: pip install 'neurograph[sklearn]'")

RNG = np.random.default_rng(18)
X = RNG.normal(size=(30, 3))
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
needs_bce = pytest.mark.skipif("binary_cross_entropy" not in ng.LOSSES,
                               reason="binary_cross_entropy is not in neurograph yet")


def _fit(model, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                      # few iterations: not converged, on purpose
        return model.fit(X, y)


def _classifier(activation, n_classes, hidden=(4, 5)):
    y = np.arange(len(X)) % n_classes
    return _fit(sk.MLPClassifier(hidden_layer_sizes=hidden, activation=activation, max_iter=30, random_state=1), y)


def _regressor(activation, n_targets=1):
    y = X @ RNG.normal(size=(3, n_targets))
    return _fit(sk.MLPRegressor(hidden_layer_sizes=(4,), activation=activation, max_iter=30, random_state=1),
                y[:, 0] if n_targets == 1 else y)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_multiclass_forward_is_predict_proba(activation):
    model = _classifier(activation, 3)
    net = ng.Network.from_sklearn(model)
    assert [len(layer) for layer in net.layers] == [3, 4, 5, 3]
    assert net.loss == "cross_entropy" and net.outputs[0].activation == "softmax"
    np.testing.assert_allclose(net.forward(X), model.predict_proba(X), rtol=0, atol=1e-12)


@needs_bce
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_binary_forward_is_predict_proba_of_class_1(activation):
    model = _classifier(activation, 2)
    net = ng.Network.from_sklearn(model)
    assert net.n_outputs == 1 and net.outputs[0].activation == "sigmoid" and net.loss == "binary_cross_entropy"
    np.testing.assert_allclose(net.forward(X), model.predict_proba(X)[:, 1:], rtol=0, atol=1e-12)
    back = net.to_sklearn()
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-15)


@needs_bce
def test_multilabel_classifier_has_sigmoid_outputs():
    y = (X[:, :2] > 0).astype(int)
    model = _fit(sk.MLPClassifier(hidden_layer_sizes=(4,), max_iter=30, random_state=1), y)
    net = ng.Network.from_sklearn(model)
    np.testing.assert_allclose(net.forward(X), model.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(net.to_sklearn().predict(X), model.predict(X))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_forward_is_predict(activation, n_targets):
    model = _regressor(activation, n_targets)
    net = ng.Network.from_sklearn(model)
    assert net.loss == "half_squared" and net.outputs[0].activation == "identity"
    expected = model.predict(X).reshape(len(X), n_targets)
    np.testing.assert_allclose(net.forward(X), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.to_sklearn().predict(X).reshape(len(X), n_targets), expected, rtol=0, atol=1e-15)


def test_layout_mapping_coefs_k_is_row_W_of_layer_k_plus_1():
    model = _classifier("tanh", 3)
    net = ng.Network.from_sklearn(model)
    # coefs_[k][i, j] = w_{j,i} from the i-th node of layer k to the j-th node of layer k+1
    assert net.edge(1, 4).weight == model.coefs_[0][0, 0]
    assert net.edge(3, 7).weight == model.coefs_[0][2, 3]
    assert net.edge(4, 9).weight == model.coefs_[1][0, 1]         # layers 1–3, 4–7, 8–12, 13–15
    assert net.edge(12, 15).weight == model.coefs_[2][4, 2]
    assert net.node(9).bias == model.intercepts_[1][1]
    assert net.node(15).bias == model.intercepts_[2][2]


def test_to_sklearn_round_trip_of_a_neurograph_net():
    net = ng.Network.layered([3, 6, 4], activation="relu", output_activation="softmax", loss="cross_entropy", seed=4)
    for n in net.nodes:
        if n.has_bias:
            n.bias = 0.05 * n.id
    model = net.to_sklearn()
    assert isinstance(model, sk.MLPClassifier) and model.activation == "relu"
    np.testing.assert_allclose(model.predict_proba(X), net.forward(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), np.argmax(net.forward(X), axis=1))
    twin = ng.Network.from_sklearn(model)
    assert [(e.src.id, e.dst.id, e.weight) for e in twin.edges] == [(e.src.id, e.dst.id, e.weight) for e in net.edges]


def test_to_sklearn_without_biases_gets_zero_intercepts():
    net = ng.Network.layered([3, 2], output_activation="identity", bias=False, seed=2)
    model = net.to_sklearn()
    assert isinstance(model, sk.MLPRegressor)
    np.testing.assert_array_equal(model.intercepts_[0], [0.0, 0.0])
    np.testing.assert_allclose(model.predict(X), net.forward(X), rtol=0, atol=1e-15)


def test_from_sklearn_refuses_what_it_cannot_take():
    with pytest.raises(TypeError, match="MLPClassifier or MLPRegressor, got str"):
        ng.Network.from_sklearn("model")
    with pytest.raises(ValueError, match="not fitted yet"):
        ng.Network.from_sklearn(sk.MLPClassifier())
    poisson = _fit(sk.MLPRegressor(loss="poisson", hidden_layer_sizes=(3,), max_iter=5), np.abs(X[:, 0]) + 0.1)
    with pytest.raises(ValueError, match="output activation 'exp' is not supported"):
        ng.Network.from_sklearn(poisson)


def test_to_sklearn_refuses_what_sklearn_cannot_hold():
    dag = ng.Network(loss="half_squared")
    dag.add_input(1)
    dag.add_neuron(2, activation="tanh")
    dag.add_neuron(3, activation="identity")
    dag.connect_many([(1, 2, 0.5), (2, 3, 0.25), (1, 3, 1.0)])
    with pytest.raises(ValueError, match="node 3 is not fed by exactly the whole layer before"):
        dag.to_sklearn()
    tanh_out = ng.Network.layered([3, 4, 2], activation="relu", output_activation="tanh")
    with pytest.raises(ValueError, match="output activation 'tanh'"):
        tanh_out.to_sklearn()
    mixed = dense_network([DenseLayer(np.ones((2, 3)), None, "relu"), DenseLayer(np.ones((3, 3)), None, "tanh"),
                           DenseLayer(np.ones((3, 1)), None, "identity")])
    with pytest.raises(ValueError, match="one hidden activation .* got relu, tanh"):
        mixed.to_sklearn()
