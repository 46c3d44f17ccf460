"""The engines ``train`` drives: the graph engine (Node/Edge objects, one sample at a time),
the matrix backend (a MatrixNetwork, whole minibatches) and PyTorch (``training/torch_engine``).

Each has fit (one minibatch step), predict, snapshot/restore (the divergence guard) and finish
(the trained weights back on the Network)."""
from __future__ import annotations


import numpy as np

from neurograph.engine.graph import Network
from neurograph.matrix.kernels import load_blas
from neurograph.matrix.network import DTYPES, MatrixNetwork


ENGINES = ("graph", "matrix", "torch")


def copy_parameters(src: Network, dst: Network) -> None:
    """Copy every weight and bias of ``src`` onto the same edges and nodes of ``dst``.

    Both networks must have the same node ids and edges (ValueError otherwise).
    """
    ours, theirs = np.stack(src.edge_arrays()[:2]), np.stack(dst.edge_arrays()[:2])   # (source, destination) ids
    differ = [n.id for n in src.nodes if n.has_bias != dst.node(n.id).has_bias]
    if ours.shape != theirs.shape:
        differ.append(min(set(map(tuple, ours.T.tolist())) ^ set(map(tuple, theirs.T.tolist())))[1])
    elif (ours != theirs).any():
        differ.append(int(ours[1, np.flatnonzero((ours != theirs).any(axis=0))[0]]))
    if differ:
        raise ValueError(f"node {min(differ)} has different incoming edges or bias in the two networks")
    dst.set_parameters(*src.get_parameters())               # both in net.edges order, biases by id


class GraphEngine:
    """Per-sample forward/backward along the edges; minibatch = summed grads."""

    name = "graph"

    def __init__(self, net: Network):
        self.net = net
        self.loss, self.n_in, self.n_out = net.loss, net.n_inputs, net.n_outputs
        net.zero_grad()                                      # no gradient left over from before train()

    def fit(self, X: np.ndarray, T: np.ndarray, lr: float, weight_decay: float,
            biases: bool) -> tuple[float, np.ndarray]:
        net, m = self.net, len(X)
        if m == 1:                                           # the fused per-sample path
            loss = net.train_step(X[0], T[0], lr, weight_decay=weight_decay, biases=biases)
            return loss, net.last_outputs()[None, :]
        Y = np.empty_like(T)
        total = 0.0
        for i in range(m):
            Y[i] = net.forward(X[i])
            total += net.backward(T[i])                      # grads accumulate: Σ_x ∂C_x/∂w
        net.step(lr / m, weight_decay=weight_decay * m, biases=biases)   # w ← w − η·(Σ/m + λ·w)
        net.zero_grad()
        return total / m, Y

    def sample_steps(self, X: np.ndarray, T: np.ndarray, order: np.ndarray, chunk: int, lr: float,
                     weight_decay: float, biases: bool, max_loss: float):
        """batch_size=1: ``Network.train_step`` on the rows ``order`` (train checked X and T), yielding
        ``train``'s (first sample, rows, Σ loss, last loss, outputs, note) once per ``chunk`` samples, and
        early, ending there, at a loss above ``max_loss``, NaN, or one that overflows (the note says why)."""
        net, step = self.net, self.net.train_step
        for b in range(0, len(order), chunk):
            rows = order[b:b + chunk]
            Y, total, note = np.empty((len(rows), self.n_out)), 0.0, ""
            for done, i in enumerate(rows.tolist()):
                try:
                    loss = step(X[i], T[i], lr, weight_decay, biases)
                except ValueError as exc:                    # data were checked: only overflow lands here
                    loss, note = float("nan"), f" ({exc})"
                else:
                    Y[done] = net.last_outputs()
                total += loss                                # Σ_x C_x, in sample order
                if not loss <= max_loss:
                    yield b, rows[:done + 1], total, loss, None if note else Y[:done + 1], note
                    return
            yield b, rows, total, loss, Y, note

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.net.forward(X)

    def snapshot(self):
        return self.net.get_parameters()

    def restore(self, state) -> None:
        self.net.set_parameters(*state)

    def finish(self) -> Network:
        return self.net


class MatrixEngine:
    """Whole minibatches as matrix products; weights copied back at the end."""

    name = "matrix"

    def __init__(self, model: Network | MatrixNetwork, convention: str, dtype: str):
        if isinstance(model, MatrixNetwork):
            if np.dtype(dtype) != model.dtype:
                raise ValueError(f"this MatrixNetwork computes in {model.dtype}; pass dtype='{model.dtype}' "
                                 f"(got {dtype!r})")
            self.net, self.m = None, model
        else:
            self.net, self.m = model, MatrixNetwork(model, convention=convention, dtype=dtype)
        self.loss, self.n_in, self.n_out = self.m.loss_name, self.m.n_inputs, self.m.n_outputs
        self.dtype = self.m.dtype
        load_blas()                     # now, so that train's threadpool_limits reaches scipy's BLAS too

    def fit_samples(self, X: np.ndarray, T: np.ndarray, order: np.ndarray, lr: float, weight_decay: float,
                    biases: bool, max_loss: float) -> tuple[np.ndarray, np.ndarray]:
        """batch_size=1: the fused per-sample loop over the rows ``order`` (train checked X and T)."""
        return self.m.fit_samples(X, T, lr, weight_decay, biases, order=order, max_loss=max_loss,
                                  check_finite=False)

    def fit(self, X: np.ndarray, T: np.ndarray, lr: float, weight_decay: float,
            biases: bool) -> tuple[float, np.ndarray]:
        loss = self.m.fit_batch(X, T, lr, weight_decay, check_finite=False,   # train() checked X and T
                                biases=biases)
        a = self.m.a
        assert a is not None                                 # fit_batch ran the forward pass
        return loss, a[-1].copy()

    def predict(self, X: np.ndarray, chunk: int = 2000) -> np.ndarray:
        return np.concatenate([self.m.forward(np.asarray(X[i:i + chunk], dtype=self.dtype), check_finite=False)
                               for i in range(0, len(X), chunk)])            # X was checked once

    def snapshot(self):
        return [w.copy() for w in self.m.weights.values()], [b.copy() for b in self.m.biases]

    def restore(self, state) -> None:
        weights, biases = state
        for view, w in zip(self.m.weights.values(), weights, strict=True):
            view[...] = w
        for b, saved in zip(self.m.biases, biases, strict=True):
            b[...] = saved

    def finish(self) -> Network:
        trained = self.m.to_graph()
        if self.net is None:
            return trained
        copy_parameters(trained, self.net)
        return self.net


def make_engine(model, engine: str, convention: str, device: str = "cpu", dtype: str = "float64"):
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "torch" and isinstance(model, Network):
        from neurograph.training.torch_engine import TorchEngine
        return TorchEngine(model, device=device, dtype=dtype)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if isinstance(model, MatrixNetwork):
        if engine != "matrix":
            raise ValueError("a MatrixNetwork trains on the matrix engine; pass engine='matrix'")
        return MatrixEngine(model, convention, dtype)
    if not isinstance(model, Network):
        raise TypeError(f"train needs a Network or MatrixNetwork, got {type(model).__name__}")
    if engine == "graph":
        if dtype != "float64":
            raise ValueError(f"the graph engine computes in float64; dtype={dtype!r} needs engine='matrix'")
        return GraphEngine(model)
    return MatrixEngine(model, convention, dtype)
