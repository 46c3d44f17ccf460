"""The matrix backend: the graph's numbers recomputed as batched linear algebra.

``MatrixNetwork.from_graph(net)`` copies every weight and bias out of a
``Network`` into a few dense arrays, and then computes a whole batch at once.
Batches are rows: X has shape (batch, n_in), and every cached z, a and δ of a
layer has shape (batch, n_layer) — one row per sample, one column per node.

How the layout is built
-----------------------
1. Nodes are grouped into the graph's own layers (``net.layers``): the inputs
   are layer 0, a neuron's layer is 1 + the deepest layer it receives from,
   and all outputs share the last layer.  Inside a layer, columns are in id
   order (``m.ids[l]`` lists them).
2. For every pair (source layer k, destination layer l) joined by at least one
   edge there is one weight block W_{l,k}.  A plain layered net therefore has
   exactly one block per layer; a skip connection such as 1 → 6 past layer
   4–5 adds a block from layer 0 straight to layer 2.  Then

       z_l = Σ_k W_{l,k}·a_k + b_l            (sum over the blocks into l)

3. A block holds zeros where two nodes are *not* joined, and remembers a mask
   of the real edges: those gradients are forced to 0, so ``step`` never turns
   a missing edge into a weight, and ``edge_grads`` only reports real edges.

The two textbook layouts hold the same numbers:

- ``convention="column"`` (seeds 002/003): W_{l,k} is n_l × n_k and each
  sample computes z = W·x + b, i.e. the batch computes Z = X·Wᵀ + b;
- ``convention="row"`` (seeds 000/004): W_{l,k} is n_k × n_l, z = x·W + b.

So ``W_row == W_col.T``.  ``m.weights[(k, l)]`` is a live, writable view in the
chosen layout; ``m.biases[l]`` the live bias vector of layer l.

Backward pass (batch of m samples, mean loss C = (1/m)·Σ_x C_x)
----------------------------------------------------------------
    δ_L = ∂C_x/∂z_L = loss.output_delta(...)        (softmax + CE: a − t)
    δ_k = f′(z_k) ⊙ Σ_l δ_l·W_{l,k}ᵀ                (row layout: δ_l·W_rowᵀ)
    ∂C/∂W_{l,k} = a_kᵀ·Δ_l,  ∂C/∂b_l = Σ_rows Δ_l,  with Δ = δ/m (seed 004)

``m.delta[l]`` keeps the per-sample δ (one row per sample, exactly the
``node.delta`` the graph engine shows for that sample); the gradients are
batch means.

Speed
-----
A training loop (forward, backward, step per minibatch) allocates no array it
could reuse: every z, a, δ is a buffer kept per batch size; every product is
one BLAS gemm that adds straight into its destination (C ← α·A·B + β·C,
scipy's ``dgemm``; numpy's matmul can only overwrite): z_l starts as b_l and
each block adds a_k·W into it, ∂C/∂a_k sums δ_l·Wᵀ over the blocks, and
``step`` updates a full block as W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l in place,
so the weight gradients are only formed when asked for.  Whole-layer
sigmoid/tanh/relu/identity/softmax run as in-place kernels.  X is checked
for NaN/inf through the first layer's z (one dot product over a small array);
``fit_batch(..., check_finite=False)``, which ``train`` uses after checking
the whole data set once, skips the checks.  ``benchmarks/matrix_speed.py``
compares it with a hand-written numpy loop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.linalg.blas import dgemm

from neurograph.engine.activations import ACTIVATIONS, Activation
from neurograph.engine.losses import LOG_FLOOR
from neurograph.engine.graph import Network
from neurograph.engine.validation import boolean, finite_array, finite_number

CONVENTIONS = ("column", "row")


# Allocation-free versions of the common activations, used when an activation
# covers a whole layer (tests check them against neurograph.engine.activations).
# forward(z, out): out = f(z);  backward(z, a, g, out): out = f′(z)·g.
def _sigmoid(z, out):
    np.negative(z, out=out)
    np.minimum(out, 709.0, out=out)                  # e^709 is finite: no overflow (σ < 1e-307 there)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)                      # σ(z) = 1/(1 + e^−z)


def _sigmoid_back(z, a, g, out):
    np.subtract(1.0, a, out=out)
    out *= a
    out *= g                                         # δ = σ(1 − σ)·g


def _tanh_back(z, a, g, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    out *= g                                         # δ = (1 − tanh²)·g


def _softmax(z, out):
    np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)            # a_i = e^{z_i − max} / Σ_j e^{z_j − max}


_IN_PLACE = {
    "sigmoid": (_sigmoid, _sigmoid_back),
    "tanh": (lambda z, out: np.tanh(z, out=out), _tanh_back),
    "relu": (lambda z, out: np.maximum(z, 0.0, out=out),
             lambda z, a, g, out: np.multiply(g, z > 0.0, out=out)),
    "identity": (lambda z, out: np.copyto(out, z), lambda z, a, g, out: np.copyto(out, g)),
    "softmax": (_softmax, None),
}
_MAX_BATCH_SIZES = 4        # buffers are kept for this many different batch sizes


def _gemm(alpha: float, A: np.ndarray, B: np.ndarray, beta: float, out: np.ndarray) -> None:
    """out ← α·A·B + β·out, in place, as one BLAS gemm.

    numpy's matmul can only overwrite its output (β = 0), which costs a scratch
    array and one more pass whenever a product is to be added to something (a
    bias, another block, the weights themselves).  gemm is column-major: the
    C-contiguous ``out`` seen column-major is outᵀ, so it computes
    outᵀ ← α·Bᵀ·Aᵀ + β·outᵀ, passing each factor either as its transpose (a
    C-contiguous factor) or with gemm's transpose flag (a column-major one, such
    as Wᵀ), so that nothing is copied.
    """
    a, trans_a = (B.T, 0) if B.flags.c_contiguous else (B, 1)      # op(a) = Bᵀ
    b, trans_b = (A.T, 0) if A.flags.c_contiguous else (A, 1)      # op(b) = Aᵀ
    dgemm(alpha, a, b, beta=beta, c=out.T, trans_a=trans_a, trans_b=trans_b, overwrite_c=1)


def _all_finite(values: np.ndarray) -> bool:
    """True when no entry is NaN or ±inf, in one BLAS dot product: Σv² is finite
    only if every v is (a huge finite v whose square overflows reads as False,
    so callers then run the full, exact check)."""
    return math.isfinite(np.vdot(values, values))


@dataclass
class _Block:
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


@dataclass
class _Buffers:
    """Every per-batch array, allocated once per batch size and reused."""

    z: list[np.ndarray]
    a: list[np.ndarray]
    delta: list[np.ndarray]
    grad_a: list[np.ndarray]      # Σ_l δ_l·W_{l,k}ᵀ, i.e. ∂C_x/∂a_k
    log_a: np.ndarray             # ln a of the output layer (softmax + cross-entropy head)


class LayerMatrix(NamedTuple):
    """One destination layer as a single matrix over all its source layers.

    ``W`` is in the network's convention; ``in_ids`` names the inputs side (the
    concatenated source nodes, plus ``"1"`` for the bias when bias_column is
    on) and ``out_ids`` the destination nodes.
    """

    W: np.ndarray
    in_ids: list
    out_ids: list[int]


def _id_ranges(ids: list[int]) -> str:
    """Compact id list: [1, 2, 3, 7] → '1–3, 7'."""
    parts, start = [], None
    for i, v in enumerate(ids):
        if start is None:
            start = v
        if i + 1 == len(ids) or ids[i + 1] != v + 1:
            parts.append(str(start) if start == v else f"{start}–{v}")
            start = None
    return ", ".join(parts) or "none"


class MatrixNetwork:
    """A network as weight blocks; see the module docstring for the layout.

    What can be read (layer l = ``m.ids[l]``, column p = ``m.position(id)[1]``):

    - ``m.weights[(k, l)]`` W_{l,k}, live, in the convention's layout;
      ``m.biases[l]`` b_l (0 for nodes without a bias), live;
    - ``m.z[l]``, ``m.a[l]``, ``m.delta[l]``: (batch, n_l) arrays of the last
      forward/backward pass, one row per sample — internal buffers that the
      next pass of the same batch size overwrites (copy them to keep them);
      ``m.a[0]`` is the X given to forward itself;
    - ``m.weight_grads``, ``m.edge_grads()``, ``m.bias_grads()``: batch means;
    - ``m.layer_matrix(l)``, ``m.describe()``: which node every row and column is.

    >>> from neurograph import Network
    >>> m = MatrixNetwork.from_graph(Network.layered([3, 4, 2], seed=0))
    >>> m.weights[(0, 1)].shape, m.weights[(1, 2)].shape      # column: n_out × n_in
    ((4, 3), (2, 4))
    """

    def __init__(self):
        raise TypeError("build a MatrixNetwork with MatrixNetwork.from_graph(net)")

    # -- building ----------------------------------------------------------------
    @classmethod
    def from_graph(cls, net: Network, convention: str = "column",
                   bias_column: bool = False) -> "MatrixNetwork":
        """Copy the weights and biases of ``net`` into weight blocks.

        ``bias_column=True`` only changes how ``layer_matrix`` and ``describe``
        show a layer: the biases become an extra column (row layout: an extra
        row) multiplying a constant input 1, as in seed 002.

        Every network the graph engine can run is expressible (any DAG, skip
        connections, mixed activations and softmax groups in a layer, input
        activations, nodes without bias); one it cannot run (no inputs, no
        neurons) raises the engine's ValueError here.
        """
        if not isinstance(net, Network):
            raise TypeError(f"from_graph needs a neurograph Network, got {type(net).__name__}")
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be 'column' (z = W·x) or 'row' (z = x·W), got {convention!r}")
        self = object.__new__(cls)
        self.convention, self.bias_column = convention, bool(bias_column)
        layers = net.layers                     # raises a clear ValueError for an unusable graph
        self._specs = [(n.id, n.is_input, n._act, n.has_bias) for n in net.nodes]   # for to_graph()
        self._loss = net._loss
        self.ids = [[n.id for n in layer] for layer in layers]
        self._pos = {nid: (l, p) for l, ids in enumerate(self.ids) for p, nid in enumerate(ids)}
        self._groups = [self._layer_groups(layer) for layer in layers]
        self.biases = [np.array([n.bias or 0.0 for n in layer]) for layer in layers]
        self._bmask = [None if all(n.has_bias for n in layer) else
                       np.array([n.has_bias for n in layer], dtype=float) for layer in layers]
        self._bgrads = [np.zeros(len(layer)) for layer in layers]
        self._bstep = [np.zeros(len(layer)) for layer in layers]
        self._has_bias = [any(n.has_bias for n in layer) for layer in layers]
        self._plain_inputs = all(n.activation == "identity" and not n.has_bias for n in layers[0])
        self._blocks = self._build_blocks(net)
        self._into = [[b for b in self._blocks.values() if b.dst == l] for l in range(len(layers))]
        self._out_of = [[b for b in self._blocks.values() if b.src == k] for k in range(len(layers))]
        self._stepped = [l for l in range(len(layers)) if self._into[l] or self._has_bias[l]]
        self._x_witness = (min(b.dst for b in self._out_of[0])   # a layer every input x reaches
                           if self._plain_inputs and self._out_of[0] else None)
        last = self._groups[-1]
        self._softmax_ce = (self._loss.name == "cross_entropy" and len(last) == 1
                            and last[0][0].name == "softmax")   # one softmax over the whole output layer
        self._buffers: dict[int, _Buffers] = {}
        self.z = self.a = self.delta = None
        self._batch, self._buf = 0, None
        self._grads_ready = self._bias_fresh = False
        return self

    @staticmethod
    def _layer_groups(layer) -> list[tuple[Activation, slice | np.ndarray, object, object]]:
        """(activation, columns, in-place forward, in-place backward) per activation
        in the layer; softmax is one group.  The in-place kernels are used for a
        built-in activation covering the whole layer, else None."""
        acts = list(dict.fromkeys(n._act for n in layer))
        if len(acts) == 1:
            act = acts[0]
            kernels = _IN_PLACE[act.name] if ACTIVATIONS.get(act.name) is act else (None, None)
            return [(act, slice(None), *kernels)]
        return [(act, np.array([p for p, n in enumerate(layer) if n._act is act], dtype=np.intp),
                 None, None) for act in acts]

    def _build_blocks(self, net: Network) -> dict[tuple[int, int], _Block]:
        """One block per (source layer, destination layer) pair joined by an edge."""
        nodes = net._nodes                                   # by slot
        layer_of = np.array([self._pos[n.id][0] for n in nodes], dtype=np.intp)
        pos_of = np.array([self._pos[n.id][1] for n in nodes], dtype=np.intp)
        id_of = np.array([n.id for n in nodes])
        src = np.concatenate([n._src for n in nodes]).astype(np.intp)   # every edge, by slot
        dst = np.repeat(np.arange(len(nodes)), [len(n._src) for n in nodes])
        w = np.concatenate([n._w for n in nodes])
        k_all, l_all = layer_of[src], layer_of[dst]
        blocks = {}
        for k, l in sorted(set(zip(k_all.tolist(), l_all.tolist()))):
            sel = (k_all == k) & (l_all == l)
            rows, cols = pos_of[src[sel]], pos_of[dst[sel]]
            shape = (len(self.ids[k]), len(self.ids[l]))
            W = np.zeros(shape)
            W[rows, cols] = w[sel]
            mask = None
            if sel.sum() < W.size:
                mask = np.zeros(shape)
                mask[rows, cols] = 1.0
            blocks[(k, l)] = _Block(k, l, W, np.zeros(shape), mask, np.zeros(shape), rows, cols,
                                    id_of[src[sel]].tolist(), id_of[dst[sel]].tolist())
        return blocks

    # -- what the matrices are ---------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        return [len(ids) for ids in self.ids]

    @property
    def n_inputs(self) -> int:
        return len(self.ids[0])

    @property
    def n_outputs(self) -> int:
        return len(self.ids[-1])

    @property
    def loss_name(self) -> str:
        return self._loss.name

    def _layout(self, W: np.ndarray) -> np.ndarray:
        return W.T if self.convention == "column" else W

    @property
    def weights(self) -> dict[tuple[int, int], np.ndarray]:
        """{(source layer k, destination layer l): W_{l,k}} as live views in the convention.

        Column: rows are the nodes of layer l, columns those of layer k.
        Row: rows are the nodes of layer k, columns those of layer l.
        """
        return {key: self._layout(b.W) for key, b in self._blocks.items()}

    @property
    def weight_grads(self) -> dict[tuple[int, int], np.ndarray]:
        """Mean ∂C/∂W per block, same layout as ``weights`` (0 where no edge)."""
        return {key: self._layout(self._grad(b)) for key, b in self._blocks.items()}

    def position(self, node_id: int) -> tuple[int, int]:
        """(layer, column) of a node in every z, a, δ and bias array."""
        try:
            return self._pos[node_id]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in this MatrixNetwork") from None

    def layer_matrix(self, l: int) -> LayerMatrix:
        """Layer l as one matrix over all the layers feeding it (a copy).

        z_l = W·[a_k1; a_k2; …] + b — with bias_column, W gets b as an extra
        column (row layout: row) and the inputs side an extra constant 1.
        """
        if not 1 <= l < len(self.ids):
            raise ValueError(f"layer must be 1–{len(self.ids) - 1} (layer 0 holds the inputs), got {l}")
        blocks = self._into[l]
        in_ids = [i for b in blocks for i in self.ids[b.src]]
        parts = [b.W for b in blocks] or [np.zeros((0, len(self.ids[l])))]
        if self.bias_column:
            parts.append(self.biases[l][None, :])
            in_ids.append("1")
        W = self._layout(np.concatenate(parts, axis=0)).copy()
        return LayerMatrix(W, in_ids, list(self.ids[l]))

    def describe(self) -> str:
        """Which node ids every row and column of every matrix belongs to."""
        col = self.convention == "column"
        lines = [f"MatrixNetwork ({self.convention} convention: "
                 + ("z = W·x + b, W is n_out × n_in" if col else "z = x·W + b, W is n_in × n_out")
                 + f"), loss {self.loss_name}, layer sizes {self.sizes}"]
        for l, ids in enumerate(self.ids):
            acts = ", ".join(g[0].name for g in self._groups[l])
            lines.append(f"  layer {l}: nodes {_id_ranges(ids)} ({acts})")
        for (k, l), b in self._blocks.items():
            shape = "×".join(map(str, self._layout(b.W).shape))
            dst, src = _id_ranges(self.ids[l]), _id_ranges(self.ids[k])
            rows, cols = (dst, src) if col else (src, dst)
            missing = "" if b.mask is None else f", {int(b.mask.size - b.mask.sum())} missing edges held at 0"
            lines.append(f"  W[{k}→{l}] {shape}: rows = nodes {rows}, columns = nodes {cols}{missing}")
        for l in range(1, len(self.ids)):
            if self._has_bias[l]:
                where = "extra column" if col else "extra row"
                shown = f" (shown as the {where} of layer_matrix({l}))" if self.bias_column else ""
                lines.append(f"  b[{l}] for nodes {_id_ranges(self.ids[l])}{shown}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        blocks = ", ".join(f"{k}→{l}" for k, l in self._blocks)
        return f"<MatrixNetwork {self.convention} {self.sizes} blocks [{blocks}] loss={self.loss_name}>"

    # -- per-batch buffers ---------------------------------------------------------
    def _buffers_for(self, m: int) -> _Buffers:
        buf = self._buffers.get(m)
        if buf is None:
            if len(self._buffers) >= _MAX_BATCH_SIZES:
                self._buffers.pop(next(iter(self._buffers)))
            new = lambda: [np.zeros((m, n)) for n in self.sizes]
            buf = _Buffers(new(), new(), new(), new(), np.zeros((m, self.n_outputs)))
            self._buffers[m] = buf
        return buf

    @staticmethod
    def _as_batch(values, what: str, width: int, verify: bool = True) -> np.ndarray:
        """A (batch, width) float array; ``finite_array`` explains anything else.

        A float64 batch of the right shape skips the copy, and is checked for
        NaN/inf with one dot product — or not here with ``verify=False``, when
        the caller checks it another way (forward: through the first layer's z)
        or not at all (``check_finite=False``).
        """
        if (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 2
                and values.shape[1] == width and len(values)):
            return MatrixNetwork._verify(values, what, width) if verify else values
        arr = finite_array(values, what, width)
        return arr[None, :] if arr.ndim == 1 else arr

    @staticmethod
    def _verify(values: np.ndarray, what: str, width: int) -> np.ndarray:
        """values, if they are all finite; else finite_array's error naming the bad entry."""
        if _all_finite(values):
            return values
        return finite_array(values, what, width)

    # -- the passes ----------------------------------------------------------------
    def forward(self, X, check_finite: bool = True) -> np.ndarray:
        """Outputs for a batch X of shape (batch, n_in) (one sample: (n_in,)).

        z_0 = x + b_0, a_0 = f_0(z_0) for inputs with an activation (else a_0 = x);
        then z_l = Σ_k a_k·W_{l,k} + b_l, a_l = f_l(z_l) layer by layer.

        ``check_finite=False`` skips the NaN/inf check of X (as in scipy.linalg),
        for callers that checked the whole data set once; a NaN then just
        propagates into the outputs.  The shape is always checked.
        """
        self._forward(X, check_finite)
        return self.a[-1].copy()

    def _forward(self, X, check_finite: bool) -> None:
        witness = self._x_witness if check_finite else None
        X = self._as_batch(X, "input batch X", self.n_inputs, verify=check_finite and witness is None)
        self.z, self._grads_ready = None, False               # no valid pass until X is verified
        buf = self._buffers_for(len(X))
        z, a = buf.z, buf.a
        if self._plain_inputs:
            a[0] = z[0] = X                                  # a_0 = z_0 = x (X itself, not a copy)
        else:
            np.add(X, self.biases[0], out=z[0])             # z_0 = x + b_0
            self._activate(0, z[0], a[0])
        for l in range(1, len(self.ids)):
            if l == witness:
                with np.errstate(invalid="ignore"):          # inf·0, inf − inf from a bad X
                    self._weighted_sum(l, a, z[l])
                    self._check_inputs(X, z[l])              # raises for NaN/inf in X
            else:
                self._weighted_sum(l, a, z[l])
            self._activate(l, z[l], a[l])
        self.z, self.a, self.delta = z, a, [None] * len(self.ids)
        self._batch, self._buf, self._grads_ready = len(X), buf, False

    def _check_inputs(self, X: np.ndarray, z_witness: np.ndarray) -> None:
        """Refuse X with NaN/inf, cheaply, before any activation sees it: with plain
        inputs every x multiplies a whole row of each block it feeds (inf·0 is NaN
        too), so a NaN/inf in X makes the witness layer's z non-finite — one dot
        product over that small z instead of a pass over X.  Only a non-finite z
        looks at X itself (networks without a witness check X up front)."""
        if not _all_finite(z_witness):
            self._verify(X, "input batch X", self.n_inputs)

    def _weighted_sum(self, l: int, a: list[np.ndarray], z: np.ndarray) -> None:
        """z_l = Σ_k a_k·W_{l,k} + b_l: z starts as b_l and every block adds into it."""
        if self._has_bias[l]:
            np.copyto(z, self.biases[l])
        else:
            z.fill(0.0)
        for b in self._into[l]:
            _gemm(1.0, a[b.src], b.W, 1.0, z)                # z += a_k·W_{l,k}

    def _activate(self, l: int, z: np.ndarray, a: np.ndarray) -> None:
        for act, cols, kernel, _ in self._groups[l]:
            if kernel:
                kernel(z, a)                                 # a = f(z), written in place
            else:
                a[:, cols] = act(z[:, cols])                 # a = f(z); softmax over its group

    def backward(self, T, input_deltas: bool = False, check_finite: bool = True) -> float:
        """Backpropagate targets T (batch, n_out) of the last forward; return the MEAN loss.

        Stores the mean gradients (``edge_grads``, ``bias_grads``,
        ``weight_grads``) and the per-sample δ of every layer in ``m.delta``.
        The δ of layer 0 is only needed when the inputs have biases; pass
        ``input_deltas=True`` to compute it anyway (otherwise ``m.delta[0]`` is None).
        ``check_finite=False`` skips the NaN/inf check of T, as in ``forward``.
        """
        if self.z is None:
            raise RuntimeError("backward(T) needs a forward(X) first")
        T = self._as_batch(T, "target batch T", self.n_outputs, verify=check_finite)
        if len(T) != self._batch:
            raise ValueError(f"target batch T has {len(T)} rows but the last forward had "
                             f"{self._batch}; expected shape ({self._batch}, {self.n_outputs})")
        buf = self._buf
        z, a, delta = buf.z, buf.a, buf.delta
        last = len(self.ids) - 1
        if self._softmax_ce:
            total = self._softmax_ce_output(z[last], a[last], T, delta[last], buf.log_a)
        else:
            total = 0.0
            for act, cols, _, _ in self._groups[last]:
                zc, ac, tc = z[last][:, cols], a[last][:, cols], T[:, cols]
                total += float(self._loss.value(ac, tc, zc, act).sum())
                delta[last][:, cols] = self._loss.output_delta(zc, ac, tc, act)   # δ_L = ∂C_x/∂z_L
        want_inputs = self._has_bias[0] or bool(input_deltas)
        for k in range(last - 1, -1 if want_inputs else 0, -1):
            g = buf.grad_a[k]
            g.fill(0.0)
            for b in self._out_of[k]:
                _gemm(1.0, delta[b.dst], b.W.T, 1.0, g)     # g = ∂C_x/∂a_k = Σ_l δ_l·W_{l,k}ᵀ
            for act, cols, _, kernel in self._groups[k]:     # δ_k = f′(z_k) ⊙ Σ_l δ_l·W_{l,k}ᵀ
                if kernel:
                    kernel(z[k], a[k], g, delta[k])
                else:
                    delta[k][:, cols] = act.backward(z[k][:, cols], a[k][:, cols], g[:, cols])
        self.delta = list(delta)
        if not want_inputs:
            self.delta[0] = None
        self._grads_ready, self._bias_fresh = True, False
        for b in self._blocks.values():
            b.fresh = False
        return total / self._batch

    @staticmethod
    def _softmax_ce_output(Z, A, T, D, log_a) -> float:
        """The common classifier head in a few whole-batch calls: a softmax output layer
        with cross-entropy.  δ = a·Σt − t (a − t for one-hot rows); returns Σ_rows C."""
        np.multiply(A, T.sum(axis=1, keepdims=True), out=D)
        D -= T                                           # δ_L = a·Σt − t
        if A.min() < LOG_FLOOR:                          # some a underflowed: ln a from z, exactly
            zmax = Z.max(axis=1, keepdims=True)
            np.subtract(Z, zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True)), out=log_a)
        else:
            np.log(A, out=log_a)
        return -float(np.vdot(T, log_a))                 # Σ_rows C = −Σ t·ln a

    def fit_batch(self, X, T, lr: float, weight_decay: float = 0.0, check_finite: bool = True,
                  biases: bool = True) -> float:
        """One gradient-descent step on a batch: forward(X), backward(T), step(lr).

        Returns the mean loss before the step; the outputs are in ``m.a[-1]``.
        ``train`` checks its whole data set once and calls this with
        ``check_finite=False``, so no batch is scanned for NaN/inf twice.
        """
        self._forward(X, check_finite)
        loss = self.backward(T, check_finite=check_finite)
        self.step(lr, weight_decay, biases)
        return loss

    def loss(self, X, T) -> float:
        """Mean loss over the batch (a forward and backward pass)."""
        self.forward(X)
        return self.backward(T)

    # -- gradients and training ------------------------------------------------------
    def _need_grads(self) -> None:
        if not self._grads_ready:
            raise RuntimeError("no gradients yet: call forward(X) then backward(T)")

    # The gradients are formed only when asked for; ``step`` folds them
    # straight into the update, so a training loop never materialises them.
    def _grad(self, b: _Block) -> np.ndarray:
        """∂C/∂W_{l,k} = a_kᵀ·δ_l / m of the last backward pass (0 where there is no edge)."""
        self._need_grads()
        if not b.fresh:
            np.matmul(self._buf.a[b.src].T, self._buf.delta[b.dst], out=b.G)
            b.G *= 1.0 / self._batch
            if b.mask is not None:
                b.G *= b.mask
            b.fresh = True
        return b.G

    def _column_sums(self, l: int, D: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out = Σ_rows D, kept at 0 for the nodes of layer l without a bias."""
        np.add.reduce(D, axis=0, out=out)
        if self._bmask[l] is not None:
            out *= self._bmask[l]
        return out

    def _bias_grads(self) -> list[np.ndarray]:
        """∂C/∂b_l = Σ_rows δ_l / m for every layer with a bias."""
        self._need_grads()
        if not self._bias_fresh:
            for l, g in enumerate(self._bgrads):
                if self._has_bias[l]:
                    self._column_sums(l, self._buf.delta[l], g)
                    g *= 1.0 / self._batch
            self._bias_fresh = True
        return self._bgrads

    def edge_grads(self) -> dict[tuple[int, int], float]:
        """{(src id, dst id): mean ∂C/∂w} for every real edge."""
        out = {}
        for b in self._blocks.values():
            out.update(zip(zip(b.src_ids, b.dst_ids), self._grad(b)[b.rows, b.cols].tolist()))
        return out

    def edge_weights(self) -> dict[tuple[int, int], float]:
        """{(src id, dst id): w} for every real edge."""
        out = {}
        for b in self._blocks.values():
            out.update(zip(zip(b.src_ids, b.dst_ids), b.W[b.rows, b.cols].tolist()))
        return out

    def bias_grads(self) -> dict[int, float]:
        """{node id: mean ∂C/∂b} for every node that has a bias."""
        grads = self._bias_grads()
        return {nid: float(grads[l][p]) for nid, (l, p) in self._pos.items()
                if self._node_has_bias(l, p)}

    def _node_has_bias(self, l: int, p: int) -> bool:
        mask = self._bmask[l]
        return bool(mask[p]) if mask is not None else self._has_bias[l]

    def step(self, lr: float, weight_decay: float = 0.0, biases: bool = True) -> None:
        """Gradient descent: w ← w − η·(∂C/∂w + λ·w), b ← b − η·∂C/∂b (as ``Network.step``;
        ``biases=False`` keeps the biases fixed).

        No gradient matrix is formed: with ∂C/∂W = a_kᵀ·δ_l/m, a block where
        every pair is an edge gets W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l in one BLAS
        call; a block with missing edges goes through a scratch block and its
        mask, so missing edges stay 0.
        """
        lr = finite_number(lr, "learning rate lr")
        weight_decay = finite_number(weight_decay, "weight_decay")
        biases = boolean(biases, "biases")
        if lr < 0 or weight_decay < 0:
            raise ValueError(f"lr and weight_decay must be ≥ 0, got lr={lr}, weight_decay={weight_decay}")
        self._need_grads()
        buf, scale, decay = self._buf, lr / self._batch, 1.0 - lr * weight_decay
        for l in self._stepped:
            delta = buf.delta[l]
            for b in self._into[l]:
                if b.mask is None and not b.fresh:
                    _gemm(-scale, buf.a[b.src].T, delta, decay, b.W)   # W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l
                    continue
                s = b.scratch
                if b.fresh:
                    np.multiply(b.G, lr, out=s)              # η·∂C/∂W, already formed
                else:
                    np.matmul(buf.a[b.src].T, delta, out=s)
                    s *= scale                               # η·∂C/∂W = (η/m)·a_kᵀ·δ_l
                    s *= b.mask                              # never grow a missing edge
                if weight_decay:
                    b.W *= decay                             # w·(1 − η·λ)
                b.W -= s                                     # w ← w − η·(∂C/∂w + λ·w)
            if biases and self._has_bias[l]:
                step_b = self._column_sums(l, delta, self._bstep[l])
                step_b *= scale
                self.biases[l] -= step_b                     # b ← b − (η/m)·Σ_rows δ_l

    def to_graph(self) -> Network:
        """A new Network with the current weights and biases (same ids, activations, loss).

        Nodes are added in id order; each node's incoming weights are written
        straight into its arrays (as ``builders.layered`` does), so a
        784-100-10 network comes back in a fraction of a second.
        """
        net = Network(loss=self._loss)
        for nid, is_input, act, has_bias in self._specs:
            l, p = self._pos[nid]
            bias = float(self.biases[l][p]) if has_bias else None
            if is_input and act.name == "identity" and not has_bias:
                net.add_input(nid)
            elif is_input:
                net.add_input(nid, activation=act, bias=bias)
            else:
                net.add_neuron(nid, activation=act, bias=bias)
        incoming: dict[int, list[tuple[int, float]]] = {}
        for (s, d), w in sorted(self.edge_weights().items(), key=lambda e: (e[0][1], e[0][0])):
            incoming.setdefault(d, []).append((s, w))
        for d, edges in incoming.items():
            node = net.node(d)
            sources = [net.node(s) for s, _ in edges]
            node._src = np.array([n._slot for n in sources], dtype=np.intp)
            node._w = np.array([w for _, w in edges])
            node._g = np.zeros(len(edges))
            for n in sources:
                n._outs.append(node)
        net._structure_changed()
        return net
