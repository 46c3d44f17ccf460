"""PyTorch autograd as a third, independent opinion (used by ``crosscheck``).

Built straight from the edges, sharing no code with the graph engine or the
matrix backend: every weight is one entry of a leaf tensor ``w`` (in
``net.edges`` order), every bias one entry of ``b``, and each node computes
z_j = A[:, sources]·w[its edges] + b_j.  torch then differentiates the mean
loss.  Needs PyTorch (extra ``bench``); float64 throughout.
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.activations import activation_groups
from neurograph.engine.graph import Network
from neurograph.io.torch_bridge import activation_module, sample_losses


def _groups(layer) -> list[tuple[str, list[int]]]:
    """(activation name, columns) for each activation of a layer."""
    return [(act.name, positions) for act, positions in activation_groups(layer)]


def torch_gradients(net: Network, X: np.ndarray, T: np.ndarray, edges: list) -> dict[str, float]:
    """{"C": mean loss, "∂C/∂w_{j,i}": …, "∂C/∂b_{j}": …} computed by torch autograd.

    Layer by layer, the weights of the edges into the layer are scattered into
    a dense (all earlier nodes × this layer) matrix, z = A·W + b — built from
    the edge list alone.  ``edges`` is ``net.edges`` (the caller has it at hand).
    """
    import torch
    f64 = torch.float64
    biased = [n for n in net.nodes if n.has_bias]
    w = torch.tensor([e.weight for e in edges], dtype=f64, requires_grad=True)
    b = torch.tensor([n.bias for n in biased], dtype=f64, requires_grad=True)
    bias_index = {n.id: i for i, n in enumerate(biased)}
    into: dict[int, list[tuple[int, int]]] = {}          # dst id -> [(edge index, src id)]
    for k, e in enumerate(edges):
        into.setdefault(e.dst.id, []).append((k, e.src.id))
    Xt, Tt = torch.tensor(X, dtype=f64), torch.tensor(T, dtype=f64)
    column: dict[int, int] = {}                          # node id -> column of A
    A = torch.zeros((len(X), 0), dtype=f64)
    layers = net.layers
    for depth, layer in enumerate(layers):
        if depth == 0:
            Z = Xt.clone()                               # inputs: z = x (+ b)
        else:
            e_idx, rows, cols = [], [], []
            for p, node in enumerate(layer):
                for k, src in into.get(node.id, []):
                    e_idx.append(k)
                    rows.append(column[src])
                    cols.append(p)
            W = torch.zeros((A.shape[1], len(layer)), dtype=f64).index_put(
                (torch.tensor(rows, dtype=torch.long), torch.tensor(cols, dtype=torch.long)),
                w[torch.tensor(e_idx, dtype=torch.long)])
            Z = A @ W                                    # z_j = Σ_i a_i·w_ji
        has = [(p, bias_index[n.id]) for p, n in enumerate(layer) if n.has_bias]
        if has:
            pos, idx = zip(*has, strict=True)
            Z = Z + torch.zeros(len(layer), dtype=f64).index_put((torch.tensor(pos),), b[list(idx)])
        A_layer = torch.zeros_like(Z)
        for act, cols in _groups(layer):                 # a = f(z); softmax over its group
            A_layer = A_layer.index_copy(1, torch.tensor(cols), activation_module(act)(Z[:, cols]))
        column.update((n.id, A.shape[1] + p) for p, n in enumerate(layer))
        A = torch.cat([A, A_layer], dim=1)
    per_sample = torch.zeros(len(X), dtype=f64)
    for act, cols in _groups(layers[-1]):
        per_sample = per_sample + sample_losses(net.loss, A_layer[:, cols], Tt[:, cols], Z[:, cols], act)
    C = per_sample.mean()
    gw, gb = torch.autograd.grad(C, (w, b), allow_unused=True, materialize_grads=True)
    out = {"C": float(C.detach())}
    out.update((f"∂C/∂{e.name}", float(g)) for e, g in zip(edges, gw, strict=True))
    out.update((f"∂C/∂b_{{{n.id}}}", float(g)) for n, g in zip(biased, gb, strict=True))
    return out
