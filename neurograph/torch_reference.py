"""PyTorch autograd as a third, independent opinion (used by ``crosscheck``).

Built straight from the edges, sharing no code with the graph engine or the
matrix backend: every weight is one entry of a leaf tensor ``w`` (in
``net.edges`` order), every bias one entry of ``b``, and each node computes
z_j = A[:, sources]·w[its edges] + b_j.  torch then differentiates the mean
loss.  Needs PyTorch (extra ``bench``); float64 throughout.
"""
from __future__ import annotations

import numpy as np

from .graph import Network


class UnsupportedByTorch(ValueError):
    """The network uses an activation or loss this reference does not know."""


def _activation(name: str):
    import torch
    table = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "identity": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=1)}
    if name not in table:
        raise UnsupportedByTorch(f"no torch version of activation {name!r}")
    return table[name]


def _loss(name: str, Z, A, T, activation: str):
    """C per sample for one group of output columns."""
    import torch
    if name == "half_squared":
        return 0.5 * ((A - T) ** 2).sum(dim=1)
    if name == "squared":
        return ((A - T) ** 2).sum(dim=1)
    if name == "cross_entropy":
        log_a = torch.log_softmax(Z, dim=1) if activation == "softmax" else torch.log(A.clamp_min(1e-300))
        return -(T * log_a).sum(dim=1)
    raise UnsupportedByTorch(f"no torch version of loss {name!r}")


def _groups(layer) -> list[tuple[str, list[int]]]:
    """(activation name, columns) for each activation of a layer."""
    return [(act, [p for p, n in enumerate(layer) if n.activation == act])
            for act in dict.fromkeys(n.activation for n in layer)]


def torch_gradients(net: Network, X: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """{"C": mean loss, "∂C/∂w_{j,i}": …, "∂C/∂b_{j}": …} computed by torch autograd."""
    import torch
    edges = net.edges                                   # grouped by destination
    biased = [n for n in net.nodes if n.has_bias]
    w = torch.tensor([e.weight for e in edges], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([n.bias for n in biased], dtype=torch.float64, requires_grad=True)
    bias_index = {n.id: i for i, n in enumerate(biased)}
    first_edge, k = {}, 0
    for node in net.nodes:
        first_edge[node.id] = k
        k += len(node.inputs)
    Xt, Tt = torch.tensor(X, dtype=torch.float64), torch.tensor(T, dtype=torch.float64)
    input_column = {n.id: i for i, n in enumerate(net.inputs)}
    column: dict[int, int] = {}                          # node id -> column of A
    A = torch.zeros((len(X), 0), dtype=torch.float64)
    Z_out = A_out = None
    for layer in net.layers:
        zs = []
        for node in layer:
            if node.is_input:
                z = Xt[:, input_column[node.id]]
            else:
                src = [column[e.src.id] for e in node.inputs]
                start = first_edge[node.id]
                z = A[:, src] @ w[start:start + len(src)]   # z_j = Σ_i a_i·w_ji
            zs.append(z + b[bias_index[node.id]] if node.has_bias else z)
        Z = torch.stack(zs, dim=1)
        parts = [(cols, _activation(act)(Z[:, cols])) for act, cols in _groups(layer)]
        A_layer = torch.zeros_like(Z)
        for cols, values in parts:                          # a = f(z); softmax over its group
            A_layer = A_layer.index_copy(1, torch.tensor(cols), values)
        for p, node in enumerate(layer):
            column[node.id] = A.shape[1] + p
        A = torch.cat([A, A_layer], dim=1)
        Z_out, A_out = Z, A_layer
    out_layer = net.layers[-1]
    per_sample = 0.0
    for act, cols in _groups(out_layer):
        per_sample = per_sample + _loss(net.loss, Z_out[:, cols], A_out[:, cols], Tt[:, cols], act)
    C = per_sample.mean()
    gw, gb = torch.autograd.grad(C, (w, b), allow_unused=True, materialize_grads=True)
    out = {"C": float(C.detach())}
    out.update((f"∂C/∂{e.name}", float(g)) for e, g in zip(edges, gw))
    out.update((f"∂C/∂b_{{{n.id}}}", float(g)) for n, g in zip(biased, gb))
    return out
