"""Builders for the common shape: fully connected layers, numbered as in the seeds."""
from __future__ import annotations


import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.initializers import Initializer, get_initializer
from neurograph.engine.losses import get_loss
from neurograph.engine.validation import is_whole
from neurograph.engine.validation import seed as seed_value


def layered(sizes, activation: str = "sigmoid", output_activation: str | None = None,
            loss: str = "half_squared", init: str | Initializer = "uniform",
            seed: int | None = None, input_activation: str | None = None,
            bias: bool = True) -> Network:
    """A fully connected network; ids run layer by layer from 1.

    ``layered([3, 4, 2])`` has inputs 1–3, hidden 4–7 and outputs 8–9.  Each
    layer's weights come from ``init(n_in, n_out, rng)`` (see
    ``neurograph.engine.initializers``); biases start at 0.  ``input_activation``
    gives every input a bias and an activation, a = f(x + b) (seed 000);
    ``bias=False`` builds neurons without biases (seed 003).
    """
    sizes = list(sizes) if not isinstance(sizes, (str, bytes)) else sizes
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(is_whole(s, 1) for s in sizes)):
        raise ValueError(f"sizes must list at least two positive layer widths, e.g. [3, 4, 2]; got {sizes!r}")
    init_fn = get_initializer(init)
    rng = np.random.default_rng(seed_value(seed))
    acts = [activation] * (len(sizes) - 2) + [output_activation or activation]
    net = Network(loss=loss)
    # validate every name before building anything
    from neurograph.engine.activations import get_activation
    for name in acts + ([input_activation] if input_activation else []):
        get_activation(name)
    get_loss(loss).check_output(get_activation(acts[-1]).name)      # e.g. cross_entropy needs softmax outputs

    next_id = 1
    prev = []
    for i in range(sizes[0]):
        prev.append(net.add_input(next_id + i, activation=input_activation))
    next_id += sizes[0]
    for width, act in zip(sizes[1:], acts, strict=True):
        W = np.asarray(init_fn(len(prev), width, rng), dtype=float)
        if W.shape != (width, len(prev)) or not np.all(np.isfinite(W)):
            raise ValueError(f"init returned shape {W.shape} (or non-finite values) for layer "
                             f"{next_id}–{next_id + width - 1}; expected finite ({width}, {len(prev)})")
        sources = [n.id for n in prev]
        layer = [net.add_neuron(next_id + j, activation=act, bias=0.0 if bias else None) for j in range(width)]
        for j, node in enumerate(layer):
            net.wire(node.id, sources, W[j])
        prev = layer
        next_id += width
    return net


def worked_example(loss: str = "half_squared", activation: str = "sigmoid") -> Network:
    """The 3-4-2 teaching network of seed 002 with round, reproducible numbers.

    Inputs 1–3, hidden 4–7, outputs 8–9; weights and biases are drawn from a
    fixed generator and rounded to two decimals so they can be followed by
    hand.  Use it with ``WORKED_X`` and ``WORKED_T``.
    """
    net = layered([3, 4, 2], activation=activation, loss=loss, seed=2)
    rng = np.random.default_rng(2)
    for e in net.edges:
        e.weight = round(float(rng.uniform(-1, 1)), 2)
    for n in net.nodes:
        if n.has_bias:
            n.bias = round(float(rng.uniform(-0.5, 0.5)), 2)
    return net


#: the sample and target used by the worked example (and the demo)
WORKED_X = (0.05, 0.10, 0.20)
WORKED_T = (0.01, 0.99)
