"""The mean gradients of the matrix backend's last backward pass, formed only when asked for.

``step`` folds ∂C/∂W = a_kᵀ·δ_l/m straight into the weights, so a training loop
never forms these matrices; ``edge_grads``, ``bias_grads`` and ``weight_grads``
form them here from the pass's buffers (and keep them until the next pass).
"""
from __future__ import annotations

import numpy as np

from neurograph.matrix.buffers import Buffers
from neurograph.matrix.layout import Block, Layout


class Gradients:
    """∂C/∂W and ∂C/∂b of the last backward pass over a batch of m samples."""

    def __init__(self, layout: Layout, dtype: np.dtype):
        self.layout = layout
        self.bias = [np.zeros(n, dtype=dtype) for n in layout.sizes]        # ∂C/∂b_l, once formed
        self.bias_step = [np.zeros(n, dtype=dtype) for n in layout.sizes]   # room for η·∂C/∂b_l in step()
        self.buf: Buffers | None = None
        self.batch = 0
        self.ready = self.bias_fresh = False

    def new_pass(self, buf: Buffers | None, batch: int) -> None:
        """A forward pass over ``batch`` samples began (None: it failed): no gradients yet."""
        self.buf, self.batch, self.ready = buf, batch, False

    def backward_done(self) -> None:
        """The backward pass filled every δ: gradients can be formed."""
        self.ready, self.bias_fresh = True, False
        for b in self.layout.blocks.values():
            b.fresh = False

    def last_pass(self) -> Buffers:
        """The buffers of the last backward pass (RuntimeError before there is one)."""
        if not self.ready or self.buf is None:
            raise RuntimeError("no gradients yet: call forward(X) then backward(T)")
        return self.buf

    def weight(self, b: Block) -> np.ndarray:
        """∂C/∂W_{l,k} = a_kᵀ·δ_l / m (0 where there is no edge)."""
        buf = self.last_pass()
        if not b.fresh:
            np.matmul(buf.a[b.src].T, buf.delta[b.dst], out=b.G)
            b.G *= 1.0 / self.batch
            if b.mask is not None:
                b.G *= b.mask
            b.fresh = True
        return b.G

    def column_sums(self, li: int, D: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out = Σ_rows D, kept at 0 for the nodes of layer l without a bias."""
        np.add.reduce(D, axis=0, out=out)
        mask = self.layout.bias_mask[li]
        if mask is not None:
            out *= mask
        return out

    def biases(self) -> list[np.ndarray]:
        """∂C/∂b_l = Σ_rows δ_l / m for every layer with a bias."""
        buf = self.last_pass()
        if not self.bias_fresh:
            for li, g in enumerate(self.bias):
                if self.layout.has_bias[li]:
                    self.column_sums(li, buf.delta[li], g)
                    g *= 1.0 / self.batch
            self.bias_fresh = True
        return self.bias

    def by_edge(self) -> dict[tuple[int, int], float]:
        """{(src id, dst id): mean ∂C/∂w} for every real edge."""
        out: dict[tuple[int, int], float] = {}
        for b in self.layout.blocks.values():
            out.update(zip(zip(b.src_ids, b.dst_ids, strict=True), self.weight(b)[b.rows, b.cols].tolist(),
                           strict=True))
        return out

    def by_node(self) -> dict[int, float]:
        """{node id: mean ∂C/∂b} for every node that has a bias."""
        grads = self.biases()
        return {nid: float(grads[li][p]) for nid, (li, p) in self.layout.pos.items()
                if self.layout.node_has_bias(li, p)}
