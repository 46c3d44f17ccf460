"""The matrix backend: the graph's numbers recomputed as batched linear algebra.

``MatrixNetwork(net)`` copies every weight and bias out of a ``Network`` into a
few dense arrays (``neurograph.matrix.layout`` says where each node and edge
goes), and then computes a whole batch at once.  Batches are rows: X has shape
(batch, n_in), and every cached z, a and δ of a layer has shape
(batch, n_layer) — one row per sample, one column per node.

The two textbook layouts hold the same numbers:

- ``convention="column"`` (seeds 002/003): W_{l,k} is n_l × n_k and each
  sample computes z = W·x + b, i.e. the batch computes Z = X·Wᵀ + b;
- ``convention="row"`` (seeds 000/004): W_{l,k} is n_k × n_l, z = x·W + b.

So ``W_row == W_col.T``.  ``m.weights[(k, l)]`` is a live, writable view in the
chosen layout; ``m.biases[l]`` the live bias vector of layer l.

The passes, for a batch of m samples and the mean loss C = (1/m)·Σ_x C_x
(Nielsen's ``backprop``, a batch at a time):

    z_l = Σ_k a_k·W_{l,k} + b_l,   a_l = f_l(z_l)           (forward)
    δ_L = ∂C_x/∂z_L = loss.output_delta(...)                (softmax + CE: a − t)
    δ_k = f′(z_k) ⊙ Σ_l δ_l·W_{l,k}ᵀ                        (backward)
    ∂C/∂W_{l,k} = a_kᵀ·Δ_l,  ∂C/∂b_l = Σ_rows Δ_l,  with Δ = δ/m (seed 004)

``m.delta[l]`` keeps the per-sample δ (one row per sample, exactly the
``node.delta`` the graph engine shows for that sample); the gradients are
batch means.

Speed: a training loop allocates no array it could reuse (``buffers``); every
product is one BLAS gemm that adds straight into its destination
(``kernels.gemm``), and ``step`` folds ∂C/∂W = a_kᵀ·δ_l/m straight into W, so the
weight gradients are only formed when asked for.  X is checked for NaN/inf
through the first layer's z; ``check_finite=False`` (what ``train`` uses after
checking the whole data set once) skips the checks.
"""
from __future__ import annotations

import math

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.validation import boolean, non_negative
from neurograph.engine.aligned import aligned_array
from neurograph.matrix.buffers import BufferCache, Buffers
from neurograph.matrix.gradients import Gradients
from neurograph.matrix.head import OutputHead
from neurograph.matrix.kernels import all_finite, as_batch, gemm, verify
from neurograph.matrix.layout import Block, LayerMatrix, Layout
from neurograph.matrix.per_sample import PerSample

CONVENTIONS = ("column", "row")
DTYPES = ("float64", "float32")


class MatrixNetwork:
    """A network as weight blocks; see the module docstring for the layout.

    ``MatrixNetwork(net, convention="column", bias_column=False)`` copies the
    weights and biases of ``net``; ``MatrixNetwork.from_graph`` is the same call.
    ``dtype="float32"`` computes in single precision (sgemm: faster, about 7
    digits); the graph engine and ``crosscheck`` always use float64.
    ``bias_column=True`` only changes how ``layer_matrix`` and ``describe``
    show a layer: the biases become an extra column (row layout: an extra row)
    multiplying a constant input 1, as in seed 002; the numbers are the same.

    What can be read (layer l = ``m.ids[l]``, column p = ``m.position(id)[1]``):

    - ``m.weights[(k, l)]`` W_{l,k}, live, in the convention's layout;
      ``m.biases[l]`` b_l (0 for nodes without a bias), live;
    - ``m.z[l]``, ``m.a[l]``, ``m.delta[l]``: (batch, n_l) arrays of the last
      forward/backward pass, one row per sample — internal buffers that the
      next pass of the same batch size overwrites (copy them to keep them);
      ``m.a[0]`` is the X given to forward itself;
    - ``m.weight_grads``, ``m.edge_grads()``, ``m.bias_grads()``: batch means;
    - ``m.layer_matrix(l)``, ``m.describe()``: which node every row and column is.

    Every network the graph engine can run is expressible (any DAG, skip connections, mixed
    activations and softmax groups, input activations, nodes without bias); one it cannot
    run (no inputs, no neurons) raises the engine's ValueError here.

    >>> from neurograph import Network
    >>> m = MatrixNetwork(Network.layered([3, 4, 2], seed=0))
    >>> m.weights[(0, 1)].shape, m.weights[(1, 2)].shape      # column: n_out × n_in
    ((4, 3), (2, 4))
    """

    z: list[np.ndarray] | None
    a: list[np.ndarray] | None
    delta: list[np.ndarray | None] | None

    def __init__(self, net: Network, convention: str = "column", bias_column: bool = False,
                 dtype: str = "float64"):
        if not isinstance(net, Network):
            raise TypeError(f"MatrixNetwork needs a neurograph Network, got {type(net).__name__}")
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be 'column' (z = W·x) or 'row' (z = x·W), got {convention!r}")
        if str(dtype) not in DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        self.convention, self.bias_column = convention, bool(bias_column)
        self.dtype = np.dtype(str(dtype))
        self.layout = layout = Layout(net, self.dtype)
        self.ids, self._pos = layout.ids, layout.pos
        self._loss = layout.loss
        self._head = OutputHead(self._loss, layout.groups[-1])
        self.biases = [aligned_array([n.bias or 0.0 for n in layer], self.dtype) for layer in net.layers]
        self._buffers = BufferCache(layout.sizes, self.dtype)
        self.grads = Gradients(layout, self.dtype)
        self._fused = PerSample.fits(layout)
        self._per_sample: PerSample | None = None             # the batch-1 path, built when first used
        self.z = self.a = self.delta = None

    @classmethod
    def from_graph(cls, net: Network, convention: str = "column", bias_column: bool = False,
                   dtype: str = "float64") -> MatrixNetwork:
        """The same as ``MatrixNetwork(net, convention, bias_column, dtype)`` (the name the tutorials use)."""
        return cls(net, convention, bias_column, dtype)

    # -- what the matrices are ---------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        """Nodes per layer, inputs first."""
        return self.layout.sizes

    @property
    def n_inputs(self) -> int:
        """Number of input nodes (columns of X)."""
        return len(self.ids[0])

    @property
    def n_outputs(self) -> int:
        """Number of output nodes (columns of the output and of T)."""
        return len(self.ids[-1])

    @property
    def loss_name(self) -> str:
        """The loss's name ("half_squared", "cross_entropy", …)."""
        return self._loss.name

    def activations(self, li: int) -> list[str]:
        """The activation names of layer l, one per group of columns (as ``describe`` names them)."""
        return [g.act.name for g in self.layout.groups[li]]

    def _layout(self, W: np.ndarray) -> np.ndarray:
        return W.T if self.convention == "column" else W

    @property
    def weights(self) -> dict[tuple[int, int], np.ndarray]:
        """{(source layer k, destination layer l): W_{l,k}} as live views in the convention.

        Column: rows are the nodes of layer l, columns those of layer k.
        Row: rows are the nodes of layer k, columns those of layer l.
        """
        return {key: self._layout(b.W) for key, b in self.layout.blocks.items()}

    @property
    def weight_grads(self) -> dict[tuple[int, int], np.ndarray]:
        """Mean ∂C/∂W per block, same layout as ``weights`` (0 where no edge)."""
        return {key: self._layout(self.grads.weight(b)) for key, b in self.layout.blocks.items()}

    def position(self, node_id: int) -> tuple[int, int]:
        """(layer, column) of a node in every z, a, δ and bias array."""
        try:
            return self._pos[node_id]
        except KeyError:
            raise KeyError(f"no node {node_id!r} in this MatrixNetwork") from None

    def layer_matrix(self, li: int) -> LayerMatrix:
        """Layer l as one matrix over all the layers feeding it (a copy).

        z_l = W·[a_k1; a_k2; …] + b — with bias_column, W gets b as an extra
        column (row layout: row) and the inputs side an extra constant 1.
        """
        return self.layout.layer_matrix(li, self.biases[li] if self.bias_column else None, self.convention)

    def describe(self) -> str:
        """Which node ids every row and column of every matrix belongs to."""
        return self.layout.describe(self.convention, self.loss_name, self.bias_column)

    def __repr__(self) -> str:
        blocks = ", ".join(f"{k}→{li}" for k, li in self.layout.blocks)
        return f"<MatrixNetwork {self.convention} {self.sizes} blocks [{blocks}] loss={self.loss_name}>"

    # -- the passes ----------------------------------------------------------------
    def forward(self, X, check_finite: bool = True) -> np.ndarray:
        """Outputs for a batch X of shape (batch, n_in) (one sample: (n_in,)).

        z_0 = x + b_0, a_0 = f_0(z_0) for inputs with an activation (else a_0 = x);
        then z_l = Σ_k a_k·W_{l,k} + b_l, a_l = f_l(z_l) layer by layer.

        ``check_finite=False`` skips the NaN/inf check of X (as in scipy.linalg),
        for callers that checked the whole data set once; a NaN then just
        propagates into the outputs.  The shape is always checked.
        """
        return self._forward(X, check_finite).a[-1].copy()

    def _forward(self, X, check_finite: bool) -> Buffers:
        layout = self.layout
        witness = layout.x_witness if check_finite else None
        X = as_batch(X, "input batch X", self.n_inputs, check_finite and witness is None, self.dtype)
        self.z = None                                        # no valid pass until X is verified
        self.grads.new_pass(None, 0)
        buf = self._buffers.get(len(X))
        z, a = buf.z, buf.a
        if layout.plain_inputs:
            a[0] = z[0] = X                                  # a_0 = z_0 = x (X itself, not a copy)
        else:
            np.add(X, self.biases[0], out=z[0])             # z_0 = x + b_0
            self._activate(0, z[0], a[0])                    # a_0 = f_0(z_0)
        for li in range(1, len(self.ids)):
            if li == witness:
                with np.errstate(invalid="ignore"):          # inf·0, inf − inf from a bad X
                    self._weighted_sum(li, a, z[li])
                    self._check_inputs(X, z[li])              # raises for NaN/inf in X
            else:
                self._weighted_sum(li, a, z[li])               # z_l = Σ_k a_k·W_{l,k} + b_l
            self._activate(li, z[li], a[li])                    # a_l = f_l(z_l)
        self.z, self.a, self.delta = z, a, [None] * len(self.ids)
        self.grads.new_pass(buf, len(X))
        return buf

    def _check_inputs(self, X: np.ndarray, z_witness: np.ndarray) -> None:
        """Refuse X with NaN/inf, cheaply, before any activation sees it: with plain
        inputs every x multiplies a whole row of each block it feeds (inf·0 is NaN
        too), so a NaN/inf in X makes the witness layer's z non-finite — one dot
        product over that small z instead of a pass over X.  Only a non-finite z
        looks at X itself (networks without a witness check X up front)."""
        if not all_finite(z_witness):
            verify(X, "input batch X", self.n_inputs)

    def _weighted_sum(self, li: int, a: list[np.ndarray], z: np.ndarray) -> None:
        """z_l = Σ_k a_k·W_{l,k} + b_l: z starts as b_l and every block adds into it."""
        if self.layout.has_bias[li]:
            np.copyto(z, self.biases[li])
        else:
            z.fill(0.0)
        for b in self.layout.into[li]:
            gemm(1.0, a[b.src], b.W, 1.0, z)                 # z += a_k·W_{l,k}

    def _activate(self, li: int, z: np.ndarray, a: np.ndarray) -> None:
        for act, cols, kernel, _ in self.layout.groups[li]:
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
        buf, m = self.grads.buf, self.grads.batch
        if self.z is None or buf is None:
            raise RuntimeError("backward(T) needs a forward(X) first")
        T = as_batch(T, "target batch T", self.n_outputs, check_finite, self.dtype)
        if len(T) != m:
            raise ValueError(f"target batch T has {len(T)} rows but the last forward had "
                             f"{m}; expected shape ({m}, {self.n_outputs})")
        layout, z, a, delta = self.layout, buf.z, buf.a, buf.delta
        last = len(self.ids) - 1
        total = self._head(z[last], a[last], T, delta[last], buf.log_a)     # δ_L = ∂C_x/∂z_L
        want_inputs = layout.has_bias[0] or bool(input_deltas)
        for k in range(last - 1, -1 if want_inputs else 0, -1):
            g = buf.grad_a[k]
            g.fill(0.0)
            for b in layout.out_of[k]:
                gemm(1.0, delta[b.dst], b.W.T, 1.0, g)       # g = ∂C_x/∂a_k = Σ_l δ_l·W_{l,k}ᵀ
            for act, cols, _, kernel in layout.groups[k]:    # δ_k = f′(z_k) ⊙ Σ_l δ_l·W_{l,k}ᵀ
                if kernel:
                    kernel(z[k], a[k], g, delta[k])
                else:
                    delta[k][:, cols] = act.backward(z[k][:, cols], a[k][:, cols], g[:, cols])
        self.delta = list(delta)
        if not want_inputs:
            self.delta[0] = None
        self.grads.backward_done()
        return total / m

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

    def fit_samples(self, X, T, lr: float, weight_decay: float = 0.0, biases: bool = True, *, order=None,
                    max_loss: float = math.inf, check_finite: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample SGD (batch size 1) over the rows of X and T, in ``order`` (default: top to bottom).

        Every sample does forward, backward and step — the numbers of ``fit_batch``
        on one row at a time — in one fused loop of gemv/ger calls
        (``neurograph.matrix.per_sample``) when the network is a plain chain of
        layers, else through ``fit_batch``.  Returns (C_x of each sample before its
        step, its outputs a_L); stops after the first C_x that is NaN/inf or above
        ``max_loss``, so both can be shorter than ``order``.  Afterwards ``m.z``,
        ``m.a``, ``m.delta`` and the gradients are those of the last sample.
        """
        X = as_batch(X, "input batch X", self.n_inputs, check_finite, self.dtype)
        T = as_batch(T, "target batch T", self.n_outputs, check_finite, self.dtype)
        if len(T) != len(X):
            raise ValueError(f"X has {len(X)} rows but T has {len(T)}; "
                             f"expected T of shape ({len(X)}, {self.n_outputs})")
        lr, weight_decay = non_negative(lr, "learning rate lr"), non_negative(weight_decay, "weight_decay")
        rows = np.arange(len(X)) if order is None else np.asarray(order)
        if rows.ndim != 1 or (len(rows) and (rows.dtype.kind not in "iu" or rows.min() < 0 or rows.max() >= len(X))):
            raise ValueError(f"order must be a list of row numbers of X (0 to {len(X) - 1}), got {order!r:.80}")
        losses, outputs = np.empty(len(rows)), np.empty((len(rows), self.n_outputs), dtype=self.dtype)
        if not self._fused:
            for j, i in enumerate(rows.tolist()):
                losses[j] = self.fit_batch(X[i:i + 1], T[i:i + 1], lr, weight_decay, False, biases)
                outputs[j] = self.a[-1][0] if self.a else np.nan
                if not losses[j] <= max_loss:
                    return losses[:j + 1], outputs[:j + 1]
            return losses, outputs
        buf = self._buffers.get(1)
        if self._per_sample is None or self._per_sample.buf is not buf:
            self._per_sample = PerSample(self.layout, self.biases, self._head, buf)
        done = self._per_sample.run(X, T, rows.tolist(), lr, weight_decay, bool(biases), max_loss, losses, outputs)
        if self.layout.plain_inputs:
            buf.a[0] = buf.z[0] = X[rows[done - 1]:rows[done - 1] + 1]   # a_0 = z_0 = x of the last sample
        self.z, self.a, self.delta = buf.z, buf.a, [None if li == 0 and not self.layout.has_bias[0] else d
                                                    for li, d in enumerate(buf.delta)]
        self.grads.new_pass(buf, 1)
        self.grads.backward_done()
        return losses[:done], outputs[:done]

    def loss(self, X, T) -> float:
        """Mean loss over the batch (a forward and backward pass)."""
        self.forward(X)
        return self.backward(T)

    # -- gradients and training ------------------------------------------------------
    def edge_grads(self) -> dict[tuple[int, int], float]:
        """{(src id, dst id): mean ∂C/∂w} for every real edge."""
        return self.grads.by_edge()

    def bias_grads(self) -> dict[int, float]:
        """{node id: mean ∂C/∂b} for every node that has a bias."""
        return self.grads.by_node()

    def edge_weights(self) -> dict[tuple[int, int], float]:
        """{(src id, dst id): w} for every real edge."""
        out: dict[tuple[int, int], float] = {}
        for b in self.layout.blocks.values():
            out.update(zip(zip(b.src_ids, b.dst_ids, strict=True), b.W[b.rows, b.cols].tolist(), strict=True))
        return out

    def step(self, lr: float, weight_decay: float = 0.0, biases: bool = True) -> None:
        """Gradient descent: w ← w − η·(∂C/∂w + λ·w), b ← b − η·∂C/∂b (as ``Network.step``).

        ``biases=False`` keeps every bias fixed (only the weights move).
        No gradient matrix is formed: with ∂C/∂W = a_kᵀ·δ_l/m, a block where
        every pair is an edge gets W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l in one BLAS
        call; a block with missing edges goes through a scratch block and its
        mask, so missing edges stay 0.
        """
        lr, weight_decay = non_negative(lr, "learning rate lr"), non_negative(weight_decay, "weight_decay")
        biases = boolean(biases, "biases")
        buf = self.grads.last_pass()
        scale = lr / self.grads.batch
        for li in self.layout.stepped:
            delta = buf.delta[li]
            for b in self.layout.into[li]:
                self._step_block(b, buf.a[b.src], delta, lr, weight_decay)
            if biases and self.layout.has_bias[li]:
                step_b = self.grads.column_sums(li, delta, self.grads.bias_step[li])
                step_b *= scale
                self.biases[li] -= step_b                     # b ← b − (η/m)·Σ_rows δ_l

    def _step_block(self, b: Block, a_k: np.ndarray, delta_l: np.ndarray, lr: float, weight_decay: float) -> None:
        """W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l for one block."""
        scale, decay = lr / self.grads.batch, 1.0 - lr * weight_decay
        if b.mask is None and not b.fresh:
            gemm(-scale, a_k.T, delta_l, decay, b.W)         # W ← (1 − η·λ)·W − (η/m)·a_kᵀ·δ_l
            return
        s = b.scratch
        if b.fresh:
            np.multiply(b.G, lr, out=s)                      # η·∂C/∂W, already formed
        else:
            np.matmul(a_k.T, delta_l, out=s)
            s *= scale                                       # η·∂C/∂W = (η/m)·a_kᵀ·δ_l
            s *= b.mask                                      # never grow a missing edge
        if weight_decay:
            b.W *= decay                                     # w·(1 − η·λ)
        b.W -= s                                             # w ← w − η·(∂C/∂w + λ·w)

    def to_graph(self) -> Network:
        """A new Network with the current weights and biases (same ids, activations, loss)."""
        return self.layout.to_network(self.biases, self.edge_weights())
