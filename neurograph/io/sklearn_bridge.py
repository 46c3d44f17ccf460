"""scikit-learn's MLPs in and out: ``Network.from_sklearn(model)``, ``net.to_sklearn()``.

A fitted ``MLPClassifier`` or ``MLPRegressor`` keeps its parameters in the row
convention (one sample per row, z = a·W + b):

    coefs_[k]       shape (n_in, n_out)  is W of layer k+1:  coefs_[k][i, j] = w_{j,i}
    intercepts_[k]  shape (n_out,)       is b of layer k+1

with the i-th node of layer k and the j-th node of layer k+1, in id order
(``Network.layered`` numbering: inputs 1…n, then each layer in turn).  So for
a 3-4-2 model ``coefs_[0][0, 0]`` is ``net.edge(1, 4).weight`` and
``intercepts_[1][1]`` is ``net.node(9).bias``.

Activations and losses map one to one:

    sklearn activation   identity   logistic   tanh   relu
    neurograph           identity   sigmoid    tanh   relu

    out_activation_      softmax (multiclass)   logistic (binary, multilabel)   identity (regressor)
    neurograph loss      cross_entropy          binary_cross_entropy            half_squared

(sklearn's squared error is ½·mean (y − ŷ)², the half_squared loss averaged
over the samples.)  A binary classifier has a single logistic output
a = P(class 1), so ``net.forward(X)`` equals ``predict_proba(X)[:, 1:]``; with
softmax or several outputs it equals ``predict_proba(X)``, and for a regressor
``predict(X)`` (as a column when there is one target).  Class labels are not
kept: output k is ``classes_[k]``.

scikit-learn is imported lazily; without it a clear ImportError says how to install it.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from neurograph.engine.graph import Network
from neurograph.io.dense import DenseLayer, dense_layers, dense_network

SKLEARN_HINT = "scikit-learn is needed for this: pip install 'neurograph[sklearn]' (or pip install scikit-learn)"

#: sklearn's activation names → neurograph's
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: sklearn's out_activation_ → the loss it is trained with
LOSSES = {"softmax": "cross_entropy", "logistic": "binary_cross_entropy", "identity": "half_squared"}


def _neural_network():
    try:
        from sklearn import neural_network
    except ImportError as exc:
        raise ImportError(f"{SKLEARN_HINT} ({exc})") from None
    return neural_network


def from_sklearn(model: Any) -> Network:
    """A ``Network`` with the weights, activations and loss of a fitted MLPClassifier or MLPRegressor.

    ``coefs_[k]`` becomes the edges into layer k+1 (W[i, j] = w_{j,i}) and
    ``intercepts_[k]`` its biases; see the module docstring for the full mapping.
    """
    nn = _neural_network()
    if not isinstance(model, (nn.MLPClassifier, nn.MLPRegressor)):
        raise TypeError(f"from_sklearn needs a fitted sklearn MLPClassifier or MLPRegressor, "
                        f"got {type(model).__name__}")
    if not hasattr(model, "coefs_"):
        raise ValueError(f"this {type(model).__name__} is not fitted yet: call model.fit(X, y) first")
    if model.activation not in ACTIVATIONS:
        raise ValueError(f"hidden activation {model.activation!r} is not supported; "
                         f"expected one of {', '.join(ACTIVATIONS)}")
    if model.out_activation_ not in LOSSES:
        raise ValueError(f"output activation {model.out_activation_!r} is not supported; "
                         f"expected one of {', '.join(LOSSES)}")
    hidden = ACTIVATIONS[model.activation]
    out = ACTIVATIONS.get(model.out_activation_, model.out_activation_)
    n = len(model.coefs_)
    layers = [DenseLayer(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64),
                         out if k == n - 1 else hidden)
              for k, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True))]
    return dense_network(layers, loss=LOSSES[model.out_activation_])


def to_sklearn(net: Network) -> Any:
    """The same network as a fitted scikit-learn MLP (where the structure allows it).

    Needs a plain layered network (``Network.layered`` shape) with one hidden
    activation of identity/sigmoid/tanh/relu, and as output:

    - softmax over ≥ 2 outputs → ``MLPClassifier`` with classes 0…n−1;
    - sigmoid → ``MLPClassifier``: binary (classes 0, 1) with one output, multilabel with more;
    - identity → ``MLPRegressor``.

    A layer without biases gets zero intercepts (same predictions).  The model
    is set up by one ``fit`` on a dummy batch and then given the network's
    weights, so ``predict_proba``/``predict`` equal ``net.forward``.
    """
    nn = _neural_network()
    layers = dense_layers(net, "to_sklearn")
    reverse = {v: k for k, v in ACTIVATIONS.items()}
    hidden = {layer.activation for layer in layers[:-1]} or {"identity"}
    if len(hidden) > 1 or not hidden <= set(reverse):
        raise ValueError(f"to_sklearn needs one hidden activation out of {', '.join(reverse)}, "
                         f"got {', '.join(sorted(hidden))}")
    n_in, n_out = layers[0].W.shape[0], layers[-1].W.shape[1]
    out = layers[-1].activation
    X = np.zeros((max(n_out, 2), n_in))
    if out == "softmax" and n_out >= 2:
        model, y = nn.MLPClassifier(), np.arange(len(X)) % n_out
    elif out == "sigmoid":
        model = nn.MLPClassifier()
        y = np.arange(len(X)) % 2 if n_out == 1 else np.eye(len(X), n_out, dtype=int)
    elif out == "identity":
        model, y = nn.MLPRegressor(), np.zeros((len(X), n_out)) if n_out > 1 else np.zeros(len(X))
    else:
        raise ValueError(f"to_sklearn: the output activation {out!r} (with {n_out} outputs) has no sklearn MLP; "
                         "sklearn uses softmax (≥ 2 classes), sigmoid (binary/multilabel) or identity (regression)")
    model.set_params(hidden_layer_sizes=tuple(layer.W.shape[1] for layer in layers[:-1]),
                     activation=reverse[hidden.pop()], max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                      # one iteration on a dummy batch: not converged
        model.fit(X, y)
    model.coefs_ = [layer.W.copy() for layer in layers]
    model.intercepts_ = [np.zeros(layer.W.shape[1]) if layer.b is None else layer.b.copy() for layer in layers]
    return model
