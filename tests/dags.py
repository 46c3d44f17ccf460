"""Shared test networks: the hypothesis strategy for random DAGs (test_matrix, test_crosscheck,
the explorer), a fixed DAG with skip connections (skip_dag) and a custom activation (Swish).

A case is a Network plus a batch X, T.  Layers get random widths; each neuron
is fed by at least one node of the previous layer, plus random skip edges from
any earlier node; activations are mixed inside a layer (a softmax group needs
two or more nodes); outputs may be a softmax group; every loss; biases on or
off per node; inputs with or without tanh/sigmoid and a bias (seed 000).
Numbers come from a numpy generator seeded by hypothesis, so they are
ordinary (no denormals or exact kinks of relu).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import neurograph as ng

HIDDEN_ACTS = ["sigmoid", "tanh", "relu", "identity", "softmax"]


@st.composite
def dag_cases(draw, max_layers: int = 3, max_width: int = 4, max_rows: int = 4):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    loss = draw(st.sampled_from(["half_squared", "squared", "cross_entropy", "binary_cross_entropy"]))
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_layers + 1))
    if loss == "cross_entropy":                   # its softmax output group needs two nodes or more
        widths[-1] = max(widths[-1], 2)
    input_act = draw(st.sampled_from([None, None, "tanh", "sigmoid"]))
    out_acts = {"cross_entropy": ["softmax"], "binary_cross_entropy": ["sigmoid"]}.get(loss, HIDDEN_ACTS)
    net = ng.Network(loss=loss)
    layers, next_id = [], 1
    for i in range(widths[0]):
        with_bias = input_act is not None and draw(st.booleans())
        net.add_input(next_id + i, activation=input_act,
                      bias=float(rng.uniform(-0.5, 0.5)) if with_bias else None)
    layers.append(list(range(next_id, next_id + widths[0])))
    next_id += widths[0]
    for depth, width in enumerate(widths[1:], start=1):
        last = depth == len(widths) - 1
        acts = draw(st.lists(st.sampled_from(out_acts if last else HIDDEN_ACTS),
                             min_size=width, max_size=width))
        if acts.count("softmax") == 1:            # a softmax group of one is constant
            acts = [a if a != "softmax" else "sigmoid" for a in acts]
        ids = list(range(next_id, next_id + width))
        for nid, act in zip(ids, acts, strict=True):
            net.add_neuron(nid, activation=act,
                           bias=float(rng.uniform(-0.5, 0.5)) if draw(st.booleans()) else None)
        earlier = [i for layer in layers for i in layer]
        edges = []
        for nid in ids:
            sources = {int(rng.choice(layers[-1]))}
            sources |= {s for s in earlier if rng.random() < 0.3}
            edges += [(s, nid, float(rng.uniform(-1.5, 1.5))) for s in sorted(sources)]
        net.connect_many(edges)
        layers.append(ids)
        next_id += width
    # keep only the last layer as outputs: every earlier neuron feeds the next layer
    for layer, after in zip(layers[1:-1], layers[2:], strict=True):
        for nid in layer:
            if not net.node(nid).outputs:
                net.connect(nid, int(rng.choice(after)), float(rng.uniform(-1.5, 1.5)))
    rows = draw(st.integers(1, max_rows))
    X = rng.normal(size=(rows, widths[0]))
    T = rng.uniform(size=(rows, widths[-1]))
    if loss == "cross_entropy":
        T /= T.sum(axis=1, keepdims=True)
    return net, X, T


def skip_dag() -> ng.Network:
    """``ng.examples.skip_dag``'s network: 2 = tanh(x + 0.3) → 3 relu → 4 sigmoid, 5 identity, 6 sigmoid, with skips."""
    return ng.examples.skip_dag()[0]


class Swish(ng.engine.activations.Activation):
    """A custom activation: swish(z) = z·σ(z), f′ = σ + z·σ·(1 − σ)."""

    name = "swish"

    def __call__(self, z):
        return z / (1 + np.exp(-z))

    def derivative(self, z, a):
        s = 1 / (1 + np.exp(-z))
        return s + z * s * (1 - s)
