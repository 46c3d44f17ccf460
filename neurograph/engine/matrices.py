"""A layered network to and from one weight matrix per layer, in either textbook layout.

    row convention     W_k is n_{k−1} × n_k and z_k = a_{k−1}·W_k + b_k   (seeds 000/004)
    column convention  W_k is n_k × n_{k−1} and z_k = W_k·a_{k−1} + b_k   (seeds 002/003)

Layer k is the k-th weight matrix (1-based, as in the seeds); ids are numbered
as ``Network.layered`` numbers them (inputs 1…n_0, then each layer in turn).
The layout is never guessed from the shapes — a square matrix fits both — the
``convention`` argument decides.  ``to_matrices(from_matrices(W, b))`` gives
back exactly the same numbers (fresh arrays).
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.validation import lookup

CONVENTIONS = {"row": "z = a·W + b, W is n_in × n_out", "column": "z = W·a + b, W is n_out × n_in"}


def convention_name(convention) -> str:
    """'row' or 'column', or a ValueError naming both."""
    lookup(CONVENTIONS, convention, "convention", " (row: z = a·W + b, column: z = W·a + b)")
    return str(convention)


def _matrix(value, what: str) -> np.ndarray:
    try:
        W = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be a 2-D array of numbers ({exc})") from None
    if W.ndim != 2 or 0 in W.shape:
        raise ValueError(f"{what} has shape {W.shape}; expected a non-empty 2-D matrix")
    if not np.all(np.isfinite(W)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(W))[0])
        raise ValueError(f"{what} contains {W[bad]} at index {bad}; every value must be finite")
    return W


def _row_layout(weights, convention: str) -> list[np.ndarray]:
    """Each layer's matrix in row layout (n_{k−1} × n_k), checked to chain up."""
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError("weights must be a non-empty list of 2-D arrays, one per layer")
    mats = [_matrix(W, f"weights[{k}] (layer {k + 1})") for k, W in enumerate(weights)]
    if convention == "column":
        mats = [W.T for W in mats]
    for k in range(1, len(mats)):
        if mats[k].shape[0] != mats[k - 1].shape[1]:
            want = ((mats[k - 1].shape[1], mats[k].shape[1]) if convention == "row"
                    else (mats[k].shape[1], mats[k - 1].shape[1]))
            raise ValueError(f"weights[{k}] (layer {k + 1}) has shape {np.shape(weights[k])} but layer {k} "
                             f"has {mats[k - 1].shape[1]} nodes; expected {want} in the {convention} "
                             f"convention ({CONVENTIONS[convention]})")
    return mats


def _bias_vectors(biases, sizes: list[int]) -> list[np.ndarray] | None:
    if biases is None:
        return None
    if isinstance(biases, np.ndarray) or not isinstance(biases, (list, tuple)) or len(biases) != len(sizes):
        raise TypeError(f"biases must be None or a list of {len(sizes)} 1-D arrays, one per layer")
    out = []
    for k, (b, n) in enumerate(zip(biases, sizes, strict=True)):
        vec = np.array(b, dtype=float)
        if vec.shape != (n,):
            raise ValueError(f"biases[{k}] (layer {k + 1}) has shape {vec.shape}; expected ({n},)")
        if not np.all(np.isfinite(vec)):
            raise ValueError(f"biases[{k}] (layer {k + 1}) contains a NaN or inf; every value must be finite")
        out.append(vec)
    return out


def from_matrices(weights, biases=None, *, convention: str = "row", activation: str = "sigmoid",
                  output_activation: str | None = None, loss: str = "half_squared",
                  input_activation: str | None = None) -> Network:
    """A fully connected Network whose layer k has weight matrix ``weights[k−1]``.

    Row: ``weights[k−1][i, j]`` is the edge from node i of layer k−1 to node j
    of layer k; column: ``weights[k−1][j, i]``.  ``biases`` is a list of 1-D
    arrays (b_k has n_k entries) or None for neurons without biases.
    """
    convention = convention_name(convention)
    mats = _row_layout(weights, convention)
    sizes = [mats[0].shape[0]] + [W.shape[1] for W in mats]
    bvecs = _bias_vectors(biases, sizes[1:])
    net = Network.layered(sizes, activation=activation, output_activation=output_activation, loss=loss,
                          input_activation=input_activation, bias=bvecs is not None)
    layers = net.layers
    for k, W in enumerate(mats):
        for j, node in enumerate(layers[k + 1]):
            for edge, w in zip(node.inputs, W[:, j].tolist(), strict=True):   # incoming edges by source id
                edge.weight = w
            if bvecs is not None:
                node.bias = float(bvecs[k][j])
    return net


def to_matrices(net: Network, convention: str = "row") -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """(weights, biases) of a fully connected layered network, as fresh arrays.

    ``biases`` is None when no neuron has a bias.  A network with skip
    connections, missing edges, mixed biases or input biases has no such
    matrices: ValueError saying which node is the problem.
    """
    convention = convention_name(convention)
    layers = net.layers
    weights, biases = [], []
    for k in range(1, len(layers)):
        prev = {n.id: i for i, n in enumerate(layers[k - 1])}
        W = np.zeros((len(prev), len(layers[k])))
        for j, node in enumerate(layers[k]):
            sources = [e.src.id for e in node.inputs]
            if sorted(sources) != sorted(prev):
                raise ValueError(f"node {node.id} is not fed by exactly every node of layer {k - 1} "
                                 f"({min(prev)}–{max(prev)}): a network with skip connections or missing "
                                 "edges has no one weight matrix per layer")
            for e in node.inputs:
                W[prev[e.src.id], j] = e.weight
        weights.append(W if convention == "row" else W.T.copy())
        biases.append(np.array([n.bias if n.has_bias else np.nan for n in layers[k]]))
    has = {n.has_bias for layer in layers[1:] for n in layer}
    if len(has) > 1:
        raise ValueError("some neurons have a bias and some not; to_matrices needs all or none")
    bad = [n.id for n in layers[0] if n.has_bias and n.bias != 0.0]
    if bad:
        raise ValueError(f"input nodes {bad} have a nonzero bias, which no weight matrix holds")
    return weights, (biases if has == {True} else None)
