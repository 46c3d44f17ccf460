"""Textbook networks with their published numbers: ``net, x, t = ng.examples.mazur()``.

Each function returns a fresh ``(net, x, t)``: the network, one input sample
and its target (numpy arrays), so ``net.forward(x); net.backward(t)``
reproduces the source's first pass.
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example
from neurograph.engine.graph import Network

#: Mazur's names for the nodes (ids 1–6) and for his weights w1…w8 as (source, destination)
MAZUR_NAMES = {1: "i₁", 2: "i₂", 3: "h₁", 4: "h₂", 5: "o₁", 6: "o₂"}
MAZUR_WEIGHTS = {"w1": (1, 3), "w2": (2, 3), "w3": (1, 4), "w4": (2, 4),
                 "w5": (3, 5), "w6": (4, 5), "w7": (3, 6), "w8": (4, 6)}


def mazur() -> tuple[Network, np.ndarray, np.ndarray]:
    """Matt Mazur's 2-2-2 network, "A Step by Step Backpropagation Example" (2015),
    https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/

    Inputs i₁, i₂ (ids 1, 2) = 0.05, 0.10; hidden h₁, h₂ (ids 3, 4); outputs o₁, o₂
    (ids 5, 6), all sigmoid; targets 0.01, 0.99; loss E = Σ ½(t − o)² ("half_squared").
    Weights (``MAZUR_WEIGHTS`` maps each name to its edge): w1 = 0.15 (i₁→h₁),
    w2 = 0.20 (i₂→h₁), w3 = 0.25 (i₁→h₂), w4 = 0.30 (i₂→h₂), w5 = 0.40 (h₁→o₁),
    w6 = 0.45 (h₂→o₁), w7 = 0.50 (h₁→o₂), w8 = 0.55 (h₂→o₂); bias b1 = 0.35 on both
    hidden neurons, b2 = 0.60 on both outputs.

    His published numbers (lr η = 0.5; he updates the weights but not the biases,
    so step with ``net.step(0.5, biases=False)`` or ``train(..., biases=False)``):

    - total error of the first forward pass: 0.298371109;
    - after one step: w5 = 0.35891648, w1 = 0.149780716;
    - error after that step: 0.291027924 (his value is computed from rounded intermediate
      numbers; in exact floating point it is 0.29102777);
    - after 10,000 steps: 0.0000351085 (exactly computed: 3.5102e-05).

    >>> net, x, t = mazur()
    >>> _ = net.forward(x); round(net.backward(t), 9)
    0.298371109
    """
    net = Network(loss="half_squared")
    for i in (1, 2):
        net.add_input(i)
    for j in (3, 4):
        net.add_neuron(j, activation="sigmoid", bias=0.35)
    for k in (5, 6):
        net.add_neuron(k, activation="sigmoid", bias=0.60)
    weights = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)
    net.connect_many((src, dst, w) for (src, dst), w in zip(MAZUR_WEIGHTS.values(), weights, strict=True))
    return net, np.array([0.05, 0.10]), np.array([0.01, 0.99])


def seed002() -> tuple[Network, np.ndarray, np.ndarray]:
    """The 3-4-2 worked example of seed 002 (``neurograph demo`` walks it):
    inputs 1–3, hidden 4–7, outputs 8–9, sigmoid, C = ½Σ(a − t)².

    Seed 002 (``002_7df4287cfc8d37fe.txt``, see SEEDS.md) numbers the nodes and writes the
    weights target-first (w₄₁ is node 1 → node 4) but publishes the derivation, not
    numbers; the weights and biases here are neurograph's own, drawn from a fixed
    generator and rounded to two decimals (``builders.worked_example``).  Sample
    x = (0.05, 0.10, 0.20), target t = (0.01, 0.99).
    """
    return worked_example(), np.array(WORKED_X), np.array(WORKED_T)


def skip_dag() -> tuple[Network, np.ndarray, np.ndarray]:
    """A small DAG that is not layered: skip connections, an input with an activation, a bias-free node.

    Input 1 is plain, input 2 is a = tanh(x + 0.3); neuron 3 is relu; the outputs are
    4 sigmoid, 5 identity (no bias) and 6 sigmoid; the skips are 1 → 4, 2 → 5 and 1 → 6.
    C = Σ(a − t)² (``squared``).  The tests and ``examples/bring_your_own_model.py`` use it
    for everything a layer-by-layer tool cannot express.  Sample x = (0.4, −0.7),
    target t = (0.2, −0.1, 0.9).
    """
    net = Network(loss="squared")
    net.add_input(1)
    net.add_input(2, activation="tanh", bias=0.3)
    net.add_neuron(3, activation="relu", bias=0.1)
    net.add_neuron(4, activation="sigmoid", bias=-0.2)
    net.add_neuron(5, activation="identity", bias=None)
    net.add_neuron(6, activation="sigmoid", bias=0.5)
    net.connect_many([(1, 3, 0.5), (2, 3, -0.4), (1, 4, 0.7), (3, 4, 1.1), (2, 5, 0.25), (3, 5, -0.6),
                      (1, 6, 0.3), (3, 6, 0.2)])
    return net, np.array([0.4, -0.7]), np.array([0.2, -0.1, 0.9])
