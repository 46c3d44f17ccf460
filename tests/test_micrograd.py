"""An outside reference on every run: Karpathy's micrograd (pure Python, in the test extra).

micrograd builds its own scalar expression graph for the same network and backpropagates
through it; its gradients and the weights after one SGD step must equal neurograph's.
micrograd 0.1.0 has +, ·, ** and relu but no exp, so the sigmoid case adds one exp node
the way later micrograd versions define it (d eˣ/dx = eˣ).
"""
from __future__ import annotations

import math

import pytest
from micrograd.engine import Value

import neurograph as ng
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example


def _exp(x: Value) -> Value:
    out = Value(math.exp(x.data), (x,), "exp")

    def _backward() -> None:
        x.grad += out.data * out.grad

    out._backward = _backward
    return out


ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + _exp(-z)),    # σ(z) = 1 / (1 + e^(−z))
    "relu": lambda z: z.relu(),
    "identity": lambda z: z,
}


def _micrograd_copy(net: ng.Network) -> tuple[dict, dict]:
    """One micrograd Value per weight and per bias, holding the network's numbers."""
    weights = {(e.src.id, e.dst.id): Value(e.weight) for e in net.edges}
    biases = {n.id: Value(n.bias) for n in net.nodes if n.layer > 0}
    return weights, biases


def _micrograd_loss(net: ng.Network, weights: dict, biases: dict, x, t) -> Value:
    """C = ½ Σ (a − t)², with z_j = Σ_i w_{j,i} a_i + b_j computed node by node in micrograd."""
    a: dict[int, Value | float] = {n.id: v for n, v in zip(net.inputs, x, strict=True)}
    for node in sorted((n for n in net.nodes if n.layer > 0), key=lambda n: (n.layer, n.id)):
        z = biases[node.id] + sum(weights[(e.src.id, node.id)] * a[e.src.id] for e in node.inputs)
        a[node.id] = ACTIVATIONS[node.activation](z)
    return sum((a[n.id] - tk) ** 2 for n, tk in zip(net.outputs, t, strict=True)) * 0.5


@pytest.mark.parametrize("hidden,output", [("sigmoid", "sigmoid"), ("relu", "identity")])
def test_gradients_and_one_step_equal_micrograd(hidden: str, output: str) -> None:
    if hidden == "sigmoid":
        net = worked_example()
    else:
        net = ng.Network.layered([3, 4, 2], activation=hidden, output_activation=output,
                                 loss="half_squared", seed=3)
    weights, biases = _micrograd_copy(net)
    loss = _micrograd_loss(net, weights, biases, WORKED_X, WORKED_T)
    loss.backward()

    net.forward(WORKED_X)
    ours = net.backward(WORKED_T)
    assert ours == pytest.approx(loss.data, rel=1e-14, abs=0)
    for e in net.edges:
        assert e.grad == pytest.approx(weights[(e.src.id, e.dst.id)].grad, rel=1e-12, abs=1e-15), e
    for n in net.nodes:
        if n.layer > 0:
            assert n.bias_grad == pytest.approx(biases[n.id].grad, rel=1e-12, abs=1e-15), n

    lr = 0.5
    net.step(lr)
    for p in [*weights.values(), *biases.values()]:
        p.data -= lr * p.grad                  # micrograd's SGD step: p ← p − η·∂C/∂p
    for e in net.edges:
        assert e.weight == pytest.approx(weights[(e.src.id, e.dst.id)].data, rel=1e-14, abs=1e-16), e
    for n in net.nodes:
        if n.layer > 0:
            assert n.bias == pytest.approx(biases[n.id].data, rel=1e-14, abs=1e-16), n
