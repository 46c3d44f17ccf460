"""Where every node and edge of a Network sits in the matrix backend's arrays.

1. Nodes are grouped into the graph's own layers (``net.layers``): the inputs
   are layer 0, a neuron's layer is 1 + the deepest layer it receives from,
   and all outputs share the last layer.  Inside a layer, columns are in id
   order (``ids[l]`` lists them).
2. For every pair (source layer k, destination layer l) joined by at least one
   edge there is one weight block W_{l,k}.  A plain layered net therefore has
   exactly one block per layer; a skip connection such as 1 → 6 past layer
   4–5 adds a block from layer 0 straight to layer 2.  Then

       z_l = Σ_k W_{l,k}·a_k + b_l            (sum over the blocks into l)

3. A block holds zeros where two nodes are *not* joined, and remembers a mask
   of the real edges: those gradients are forced to 0, so ``step`` never turns
   a missing edge into a weight, and ``edge_grads`` only reports real edges.

Blocks are stored in row layout (n_k × n_l, z_l += a_k·W); the column
convention shows their transposes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neurograph.engine.activations import ACTIVATIONS, Activation, activation_groups
from neurograph.engine.graph import Network, Node
from neurograph.engine.aligned import aligned_zeros
from neurograph.matrix.kernels import Backward, Forward, in_place


@dataclass
class Block:
    """One weight block W_{l,k}, stored in row layout (n_k × n_l): z_l += a_k·W."""

    src: int                      # source layer k
    dst: int                      # destination layer l
    W: np.ndarray                 # weights, zeros where there is no edge
    G: np.ndarray                 # mean ∂C/∂W of the last backward pass, once formed
    mask: np.ndarray | None       # 1.0 for a real edge, 0.0 otherwise; None: every pair is an edge
    scratch: np.ndarray           # room for η·∂C/∂W in step()
    rows: np.ndarray              # (row, column) of every real edge, and its ids
    cols: np.ndarray
    src_ids: list[int]            # ids of the real edges' sources and destinations
    dst_ids: list[int]
    fresh: bool = False           # G holds the gradient of the last backward pass


class Group(NamedTuple):
    """The columns of a layer that share one activation (softmax: one group), with the
    in-place kernels when a built-in activation covers the whole layer (else None)."""

    act: Activation
    cols: slice | np.ndarray
    forward: Forward | None
    backward: Backward | None


class LayerMatrix(NamedTuple):
    """One destination layer as a single matrix over all its source layers.

    ``W`` is in the network's convention; ``in_ids`` names the inputs side (the
    concatenated source nodes, plus ``"1"`` for the bias when bias_column is
    on) and ``out_ids`` the destination nodes.
    """

    W: np.ndarray
    in_ids: list
    out_ids: list[int]


def id_ranges(ids: list[int]) -> str:
    """Compact id list: [1, 2, 3, 7] → '1–3, 7'."""
    parts, start = [], None
    for i, v in enumerate(ids):
        if start is None:
            start = v
        if i + 1 == len(ids) or ids[i + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}–{v}")
            start = None
    return ", ".join(parts) or "none"


def layer_groups(layer: list[Node], kernels: dict[str, tuple[Forward, Backward | None]]) -> list[Group]:
    """One Group per activation in the layer, in order of first appearance (``kernels``: ``in_place(dtype)``)."""
    groups = activation_groups(layer)
    if len(groups) == 1:
        act = groups[0][0]
        forward, backward = kernels[act.name] if ACTIVATIONS.get(act.name) is act else (None, None)
        return [Group(act, slice(None), forward, backward)]
    return [Group(act, np.array(positions, dtype=np.intp), None, None) for act, positions in groups]


class Layout:
    """The layers, blocks and bias masks of one Network (see the module docstring).

    ``ids[l]`` the node ids of layer l; ``pos[id]`` = (layer, column);
    ``blocks[(k, l)]`` the Block W_{l,k}; ``into[l]`` / ``out_of[k]`` the blocks
    arriving at / leaving a layer; ``groups[l]`` its activation groups.
    """

    def __init__(self, net: Network, dtype: np.dtype):
        layers = net.layers                     # raises a clear ValueError for an unusable graph
        self.dtype = dtype
        self.loss = net.loss_function
        self.specs = [(n.id, n.is_input, n.activation_function, n.has_bias) for n in net.nodes]   # for to_network()
        self.ids = [[n.id for n in layer] for layer in layers]
        self.pos = {nid: (li, p) for li, ids in enumerate(self.ids) for p, nid in enumerate(ids)}
        kernels = in_place(dtype)
        self.groups = [layer_groups(layer, kernels) for layer in layers]
        self.bias_mask = [None if all(n.has_bias for n in layer) else
                          np.array([n.has_bias for n in layer], dtype=dtype) for layer in layers]
        self.has_bias = [any(n.has_bias for n in layer) for layer in layers]
        self.plain_inputs = all(n.activation == "identity" and not n.has_bias for n in layers[0])
        self.blocks = self._build_blocks(net, dtype)
        self.into = [[b for b in self.blocks.values() if b.dst == li] for li in range(len(layers))]
        self.out_of = [[b for b in self.blocks.values() if b.src == k] for k in range(len(layers))]
        self.stepped = [li for li in range(len(layers)) if self.into[li] or self.has_bias[li]]
        # a layer every input x reaches: a NaN/inf in X shows in its z (see MatrixNetwork.forward)
        self.x_witness = (min(b.dst for b in self.out_of[0])
                          if self.plain_inputs and self.out_of[0] else None)

    @property
    def sizes(self) -> list[int]:
        return [len(ids) for ids in self.ids]

    def node_has_bias(self, li: int, p: int) -> bool:
        mask = self.bias_mask[li]
        return bool(mask[p]) if mask is not None else self.has_bias[li]

    def _build_blocks(self, net: Network, dtype: np.dtype) -> dict[tuple[int, int], Block]:
        """One block per (source layer, destination layer) pair joined by an edge."""
        nodes = net.nodes                                    # by id
        layer_of = np.array([self.pos[n.id][0] for n in nodes], dtype=np.intp)
        pos_of = np.array([self.pos[n.id][1] for n in nodes], dtype=np.intp)
        id_of = np.array([n.id for n in nodes])
        src_ids, dst_ids, w = net.edge_arrays()              # every edge, in net.edges order
        src, dst = np.searchsorted(id_of, src_ids), np.searchsorted(id_of, dst_ids)   # → index in nodes
        k_all, l_all = layer_of[src], layer_of[dst]
        blocks = {}
        for k, li in sorted(set(zip(k_all.tolist(), l_all.tolist(), strict=True))):
            sel = (k_all == k) & (l_all == li)
            rows, cols = pos_of[src[sel]], pos_of[dst[sel]]
            shape = (len(self.ids[k]), len(self.ids[li]))
            W = aligned_zeros(shape, dtype)
            W[rows, cols] = w[sel]
            mask = None
            if sel.sum() < W.size:
                mask = np.zeros(shape, dtype=dtype)
                mask[rows, cols] = 1.0
            blocks[(k, li)] = Block(k, li, W, np.zeros(shape, dtype=dtype), mask, np.zeros(shape, dtype=dtype),
                                   rows, cols, id_of[src[sel]].tolist(), id_of[dst[sel]].tolist())
        return blocks

    def to_network(self, biases: list[np.ndarray], weights: dict[tuple[int, int], float]) -> Network:
        """A new Network of this layout's nodes with these biases and {(src, dst): w} weights.

        Nodes are added in id order, then every edge in one ``Network.connect_arrays``
        call (checked in bulk), so a 784-100-10 network comes back in a fraction of a second.
        """
        net = Network(loss=self.loss)
        for nid, is_input, act, has_bias in self.specs:
            li, p = self.pos[nid]
            bias = float(biases[li][p]) if has_bias else None
            if is_input and act.name == "identity" and not has_bias:
                net.add_input(nid)
            elif is_input:
                net.add_input(nid, activation=act, bias=bias)
            else:
                net.add_neuron(nid, activation=act, bias=bias)
        edges = sorted(weights.items(), key=lambda e: (e[0][1], e[0][0]))    # by destination, then source
        if edges:
            net.connect_arrays(np.array([s for (s, _), _ in edges], dtype=np.int64),
                               np.array([d for (_, d), _ in edges], dtype=np.int64),
                               np.array([w for _, w in edges], dtype=np.float64))
        return net

    def layer_matrix(self, li: int, bias: np.ndarray | None, convention: str) -> LayerMatrix:
        """Layer l as one matrix over the concatenated layers feeding it, in ``convention``;
        a given ``bias`` becomes the extra input row (column) multiplying a constant 1."""
        if not 1 <= li < len(self.ids):
            raise ValueError(f"layer must be 1–{len(self.ids) - 1} (layer 0 holds the inputs), got {li}")
        blocks = self.into[li]
        in_ids: list = [i for b in blocks for i in self.ids[b.src]]
        parts = [b.W for b in blocks] or [np.zeros((0, len(self.ids[li])), dtype=self.dtype)]
        if bias is not None:
            parts.append(bias[None, :])
            in_ids.append("1")
        W = np.concatenate(parts, axis=0)                    # row layout: inputs × outputs
        return LayerMatrix((W.T if convention == "column" else W).copy(), in_ids, list(self.ids[li]))

    def describe(self, convention: str, loss_name: str, bias_column: bool) -> str:
        """Which node ids every row and column of every matrix belongs to."""
        col = convention == "column"
        lines = [f"MatrixNetwork ({convention} convention: "
                 + ("z = W·x + b, W is n_out × n_in" if col else "z = x·W + b, W is n_in × n_out")
                 + f"), loss {loss_name}, layer sizes {self.sizes}"]
        for li, ids in enumerate(self.ids):
            acts = ", ".join(g.act.name for g in self.groups[li])
            lines.append(f"  layer {li}: nodes {id_ranges(ids)} ({acts})")
        for (k, li), b in self.blocks.items():
            shape = "×".join(map(str, (b.W.shape[::-1] if col else b.W.shape)))
            dst, src = id_ranges(self.ids[li]), id_ranges(self.ids[k])
            rows, cols = (dst, src) if col else (src, dst)
            missing = "" if b.mask is None else f", {int(b.mask.size - b.mask.sum())} missing edges held at 0"
            lines.append(f"  W[{k}→{li}] {shape}: rows = nodes {rows}, columns = nodes {cols}{missing}")
        for li in range(1, len(self.ids)):
            if self.has_bias[li]:
                where = "extra column" if col else "extra row"
                shown = f" (shown as the {where} of layer_matrix({li}))" if bias_column else ""
                lines.append(f"  b[{li}] for nodes {id_ranges(self.ids[li])}{shown}")
        return "\n".join(lines)
