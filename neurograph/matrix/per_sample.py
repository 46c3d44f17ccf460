"""Per-sample training on the matrix backend: forward, backward and step of one sample
fused into one loop of BLAS-2 calls (``train(engine="matrix", batch_size=1)`` uses it).

A batch of one row wastes most of a gemm call on set-up, and the batch path's
bookkeeping (shape checks, buffer look-ups, gradient flags) costs more than the
arithmetic at this size.  Here every layer's arrays are bound once, and each
sample x runs exactly Nielsen's ``backprop`` followed by the SGD step, with W_l
stored n_{l−1} × n_l (row layout) so that Wᵀ is a Fortran-ordered view:

    z_l = W_lᵀ·a_{l−1} + b_l                 gemv  (a_0 = x)
    a_l = f_l(z_l)                           in place
    δ_L = ∂C_x/∂z_L                          the output head (a − t for softmax + CE)
    δ_{l−1} = f′_{l−1}(z_{l−1}) ⊙ (W_l·δ_l)   gemv, before W_l moves
    W_l ← (1 − η·λ)·W_l − η·a_{l−1}·δ_lᵀ      ger
    b_l ← b_l − η·δ_l                        axpy

It covers a chain of layers (each fed only by the one before), with every pair
of neighbouring nodes joined, one whole-layer built-in activation per layer and
each layer's biases all present or all absent — the layered nets of the seeds.
``PerSample.fits(layout)`` says whether a network qualifies; other networks
train through the batch path with batches of one.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurograph.matrix.buffers import Buffers
from neurograph.matrix.head import OutputHead
from neurograph.matrix.kernels import Backward, Forward, blas2
from neurograph.matrix.layout import Layout


class _Layer(NamedTuple):
    """Everything one layer l ≥ 1 of the loop touches, bound once."""

    WT: np.ndarray                 # W_lᵀ (n_l × n_{l−1}), a Fortran-ordered view of the block
    b: np.ndarray | None           # b_l, or None for a layer without biases
    z: np.ndarray                  # z_l, a_l, δ_l: the rows of the batch-1 buffers, as vectors
    a: np.ndarray
    d: np.ndarray
    f: Forward                     # a_l = f_l(z_l), in place
    back: Backward | None          # δ_{l−1} = f′_{l−1}(z_{l−1})·g, or None when δ_{l−1} is not needed
    g: np.ndarray                  # g = W_l·δ_l = ∂C_x/∂a_{l−1}
    z_in: np.ndarray               # z, a and δ of layer l − 1
    a_in: np.ndarray
    d_in: np.ndarray


def _forward(layout: Layout, li: int) -> Forward:
    kernel = layout.groups[li][0].forward
    if kernel is None:
        raise ValueError(f"layer {li} has no whole-layer built-in activation; PerSample.fits() says which nets fit")
    return kernel


class PerSample:
    """The fused per-sample loop over a MatrixNetwork's layout, biases and batch-1 buffers."""

    @staticmethod
    def fits(layout: Layout) -> bool:
        """True for a chain of full blocks with one built-in activation per layer."""
        chain = all(len(layout.into[li]) == 1 and layout.into[li][0].src == li - 1 and layout.into[li][0].mask is None
                    for li in range(1, len(layout.ids)))
        kernels = all(len(g) == 1 and g[0].forward is not None for g in layout.groups)
        hidden = all(g[0].backward is not None for g in layout.groups[:-1])
        uniform = all(m is None or not h for m, h in zip(layout.bias_mask, layout.has_bias, strict=True))
        return chain and kernels and hidden and uniform

    def __init__(self, layout: Layout, biases: list[np.ndarray], head: OutputHead, buf: Buffers):
        self.gemv, self.ger, self.axpy = blas2(buf.a[0].dtype)
        self.buf, self.head, self.log_a = buf, head, buf.log_a[0]
        self.plain = layout.plain_inputs
        self.b0 = biases[0] if layout.has_bias[0] else None
        self.f0 = _forward(layout, 0)
        z, a, d = ([v[0] for v in vectors] for vectors in (buf.z, buf.a, buf.delta))
        self.z0, self.a0, self.d0 = z[0], a[0], d[0]
        want = [layout.has_bias[0]] + [True] * (len(layout.ids) - 1)      # which layers need δ
        self.layers = [_Layer(layout.into[li][0].W.T, biases[li] if layout.has_bias[li] else None, z[li], a[li], d[li],
                              _forward(layout, li), layout.groups[li - 1][0].backward if want[li - 1] else None,
                              buf.grad_a[li - 1][0], z[li - 1], a[li - 1], d[li - 1])
                           for li in range(1, len(layout.ids))]

    def run(self, X: np.ndarray, T: np.ndarray, order: list[int], lr: float, weight_decay: float,
            biases: bool, max_loss: float, losses: np.ndarray, outputs: np.ndarray) -> int:
        """Train on the rows ``order`` of X, T one at a time; return how many were done.

        losses[j] and outputs[j] get C_x and a_L of the j-th sample before its
        step.  Stops after the first sample whose C_x is NaN/inf or above max_loss.
        Everything the loop touches is a local bound here, and the BLAS calls take
        their arguments by position (f2py parses keywords more slowly):
        gemv(α, A, x, β, y, offx, incx, offy, incy, trans, overwrite_y),
        ger(α, x, y, incx, incy, A, overwrite_x, overwrite_y, overwrite_a), axpy(x, y, n, α).
        """
        gemv, ger, axpy, copyto, multiply = self.gemv, self.ger, self.axpy, np.copyto, np.multiply
        sample, log_a, plain = self.head.sample, self.log_a, self.plain
        z0, a0, d0, f0 = self.z0, self.a0, self.d0, self.f0
        b0 = 0.0 if self.b0 is None else self.b0                 # z_0 = x + b_0 (inputs with an activation)
        step_b0 = biases and self.b0 is not None
        forward = [(layer.WT, layer.b, layer.z, layer.a, layer.f) for layer in self.layers]
        backward = [(layer.WT, layer.b if biases else None, layer.d, layer.back, layer.g, layer.z_in,
                     None if plain and li == 0 else layer.a_in, layer.d_in, len(layer.d))      # a_{l−1}; None: x
                    for li, layer in reversed(list(enumerate(self.layers)))]             # l = L … 1
        last = self.layers[-1]
        zL, aL, dL = last.z, last.a, last.d
        decay, step = 1.0 - lr * weight_decay, -lr
        chunk = T[order]
        t_sum_one = bool(np.all(chunk.sum(axis=1) == 1.0))
        one_hot = t_sum_one and bool(np.all((chunk == 0.0) | (chunk == 1.0)))
        labels = chunk.argmax(axis=1).tolist() if one_hot else None       # t_label = 1 in a one-hot row
        sample_one_hot = self.head.sample_one_hot
        for j, i in enumerate(order):
            x = a_in = X[i]
            if not plain:
                np.add(x, b0, out=z0)                           # z_0 = x + b_0
                f0(z0, a0)                                      # a_0 = f_0(z_0)
                a_in = a0
            for WT, b, z, a, f in forward:
                if b is None:
                    gemv(1.0, WT, a_in, 0.0, z, 0, 1, 0, 1, 0, 1)     # z_l = W_lᵀ·a_{l−1}
                else:
                    copyto(z, b)
                    gemv(1.0, WT, a_in, 1.0, z, 0, 1, 0, 1, 0, 1)     # z_l = W_lᵀ·a_{l−1} + b_l
                f(z, a)                                         # a_l = f_l(z_l)
                a_in = a
            if labels is None:
                loss = sample(zL, aL, T[i], dL, log_a, t_sum_one)   # C_x; δ_L = ∂C_x/∂z_L
            else:
                loss = sample_one_hot(zL, aL, T[i], dL, log_a, labels[j])
            losses[j] = loss
            outputs[j] = aL
            for WT, b, d, back, g, z_k, a_k, d_k, n in backward:
                if back is not None:
                    gemv(1.0, WT, d, 0.0, g, 0, 1, 0, 1, 1, 1)  # g = W_l·δ_l, before W_l moves
                    back(z_k, a_k, g, d_k)                      # δ_{l−1} = f′(z_{l−1})·g
                if decay != 1.0:
                    multiply(WT, decay, out=WT)                 # W_l·(1 − η·λ)
                ger(step, d, x if a_k is None else a_k, 1, 1, WT, 0, 0, 1)   # W_l −= η·a_{l−1}·δ_lᵀ
                if b is not None:
                    axpy(d, b, n, step)                         # b_l −= η·δ_l
            if step_b0:
                axpy(d0, b0, len(d0), step)                     # b_0 −= η·δ_0
            if not loss <= max_loss:                            # NaN, inf or too large: stop here
                return j + 1
        return len(order)
