"""How fast is the matrix backend?  One epoch of 784-100-10, sigmoid + softmax-CE.

Trains on 50 000 MNIST-shaped random samples (uint8 pixels / 255, random
one-hot labels — the speed does not depend on the data), minibatch 32, lr 0.1,
and times one epoch for:

- a plain hand-written numpy loop doing the same math (the yardstick),
- ``MatrixNetwork.fit_batch`` in both conventions, as ``train()`` runs it
  (the data set is checked for NaN/inf once, not every batch),
- ``MatrixNetwork`` forward, backward, step per batch, each batch checked,
- PyTorch CPU, float32 and float64, when torch is importable.

All in the same process with ONE BLAS thread (threadpoolctl; torch also gets
``set_num_threads(1)``): OpenBLAS with 2 threads is badly slow for 32-row
products on a 2-core machine.  Each time is the CPU time (``process_time``,
robust against other jobs sharing the machine); the engines take turns for
``--repeats`` rounds, and the table shows each engine's best epoch and its time
divided by the loop's in the same round (median and quartiles over rounds).
Last line: the peak bytes each engine allocates per batch (tracemalloc).

    python benchmarks/matrix_speed.py [--samples 50000] [--batch 32] [--repeats 5]
"""
from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from neurograph import MatrixNetwork, Network
from neurograph.engine.aligned import aligned_array, aligned_zeros
from neurograph.matrix.kernels import gemm, load_blas
from neurograph.training.loop import PER_SAMPLE_CHUNK
from neurograph.explanations.tables import format_table

SIZES = (784, 100, 10)


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, SIZES[0]), dtype=np.uint8) / 255.0
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], size=n)]
    return X, Y


def timed_rounds(repeats: int, epochs: list) -> np.ndarray:
    """CPU seconds of every epoch function in every round, shape (repeats, engines).

    The engines take turns, and each round starts with the next engine, so
    neither a busy spell on the machine nor the position in the round (caches
    warmed by the engine before) favours one of them.
    """
    times = np.empty((repeats, len(epochs)))
    for r in range(repeats):
        for i in np.roll(np.arange(len(epochs)), -r):
            t0 = time.process_time()
            epochs[i]()
            times[r, i] = time.process_time() - t0
    return times


def numpy_loop(net: Network, X, Y, batch: int, lr: float):
    """The yardstick: the math written out by hand, row layout, z = x·W + b.

    Per batch it does what ``MatrixNetwork`` does per batch: forward, the mean
    loss, backward, SGD step (it skips the input validation).
    """
    m = MatrixNetwork.from_graph(net, convention="row")
    params = [w.copy() for w in m.weights.values()] + [b.copy() for b in m.biases[1:]]

    def epoch():
        W1, W2, b1, b2 = params                                  # updated in place
        losses = []
        for i in range(0, len(X), batch):
            x, y = X[i:i + batch], Y[i:i + batch]
            a1 = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))          # a1 = σ(x·W1 + b1)
            z2 = a1 @ W2 + b2
            e = np.exp(z2 - z2.max(axis=1, keepdims=True))
            a2 = e / e.sum(axis=1, keepdims=True)                # softmax
            losses.append(-np.sum(y * np.log(a2)) / len(x))      # mean C = −Σ t·ln a / m
            d2 = (a2 - y) / len(x)                               # Δ2 = (A − Y)/m
            d1 = (d2 @ W2.T) * a1 * (1.0 - a1)                   # Δ1 = Δ2·W2ᵀ ⊙ σ′
            W2 -= lr * (a1.T @ d2)
            b2 -= lr * d2.sum(axis=0)
            W1 -= lr * (x.T @ d1)
            b1 -= lr * d1.sum(axis=0)
    epoch.params = params                                        # for tests: W1, W2, b1, b2
    return epoch


def matrix_backend(net: Network, X, Y, batch: int, lr: float, convention: str, checked: bool = False,
                   dtype: str = "float64"):
    """``MatrixNetwork`` per batch.  By default as ``train()`` runs it: ``fit_batch``
    with ``check_finite=False`` (train checks the whole data set once, and converts
    it to ``dtype`` once); with ``checked=True`` through the public
    forward/backward/step calls, which scan every batch's X and T for NaN/inf."""
    m = MatrixNetwork(net, convention=convention, dtype=dtype)
    X, Y = X.astype(dtype), Y.astype(dtype)

    def epoch():
        losses = []
        for i in range(0, len(X), batch):
            losses.append(m.fit_batch(X[i:i + batch], Y[i:i + batch], lr, check_finite=False))

    def checked_epoch():
        losses = []
        for i in range(0, len(X), batch):
            m.forward(X[i:i + batch])
            losses.append(m.backward(Y[i:i + batch]))            # mean C of the batch
            m.step(lr)
    run = checked_epoch if checked else epoch
    run.model = m                                                # for tests
    return run


def bare_products(net: Network, X, batch: int, lr: float):
    """Only the five BLAS products of a training step at exactly the shapes of 784-100-10 at
    ``batch`` (forward z1 = x·W1 + b1 and z2 = a1·W2 + b2, g1 = δ2·W2ᵀ, W2 ← W2 − (η/m)·a1ᵀ·δ2,
    W1 ← W1 − (η/m)·xᵀ·δ1), each one dgemm into a kept array as the matrix backend calls it,
    with no activation, loss or Python layer around them: what these shapes allow at best.
    (a1 and δ stay fixed, so the numbers mean nothing; the FLOPs are those of a real step.)"""
    m = MatrixNetwork(net, convention="row")
    W1, W2 = (w.copy() for w in m.weights.values())
    rng = np.random.default_rng(0)
    Z1, A1, D1, G1 = np.zeros((batch, W1.shape[1])), *rng.random((3, batch, W1.shape[1])) * 1e-3
    Z2, D2 = np.zeros((batch, W2.shape[1])), rng.random((batch, W2.shape[1])) * 1e-3

    def epoch():
        for i in range(0, len(X) - batch + 1, batch):
            x = X[i:i + batch]
            gemm(1.0, x, W1, 1.0, Z1)                            # z1 += x·W1
            gemm(1.0, A1, W2, 1.0, Z2)                           # z2 += a1·W2
            gemm(1.0, D2, W2.T, 0.0, G1)                         # g1 = δ2·W2ᵀ
            gemm(-lr / batch, A1.T, D2, 1.0, W2)                 # W2 −= (η/m)·a1ᵀ·δ2
            gemm(-lr / batch, x.T, D1, 1.0, W1)                  # W1 −= (η/m)·xᵀ·δ1
    return epoch


def per_sample_backend(net: Network, X, Y, lr: float):
    """``train(engine="matrix", batch_size=1)``'s epoch: ``MatrixNetwork.fit_samples`` over
    chunks of ``PER_SAMPLE_CHUNK`` samples, the fused gemv/ger loop."""
    m = MatrixNetwork(net, convention="row")

    def epoch():
        for i in range(0, len(X), PER_SAMPLE_CHUNK):
            m.fit_samples(X, Y, lr, order=np.arange(i, min(i + PER_SAMPLE_CHUNK, len(X))), check_finite=False)
    epoch.model = m                                              # for tests
    return epoch


def blas2_floor(net: Network, X, Y, lr: float):
    """The floor for per-sample training: the same math for 784-100-10 (sigmoid, softmax +
    cross-entropy) written out by hand as the fewest calls — scipy's dgemv, dger and
    daxpy on preallocated vectors, every function and array a local, the BLAS arguments
    by position (f2py parses keywords more slowly), the constant 1 a 0-d array (numpy
    converts a Python float on every call), the weights and vectors on 64-byte
    boundaries as the matrix backend keeps them — with nothing general about it."""
    from scipy.linalg.blas import daxpy, dgemv, dger
    m = MatrixNetwork(net, convention="row")
    W1, W2 = (aligned_array(w, w.dtype) for w in m.weights.values())
    b1, b2 = aligned_array(m.biases[1], m.dtype), aligned_array(m.biases[2], m.dtype)

    def epoch():
        copyto, negative, exp, add, reciprocal, subtract, divide, log, multiply, dot = (
            np.copyto, np.negative, np.exp, np.add, np.reciprocal, np.subtract, np.divide, np.log, np.multiply, np.dot)
        W1t, W2t = W1.T, W2.T                                    # n_out × n_in, Fortran-ordered views
        z1, a1, d1, g1 = (aligned_zeros(W1.shape[1], W1.dtype) for _ in range(4))
        z2, a2, d2, log_a = (aligned_zeros(W2.shape[1], W2.dtype) for _ in range(4))
        n1, n2, step, one = len(z1), len(z2), -lr, np.array(1.0)
        losses = np.empty(len(X))
        for i in range(len(X)):
            x, t = X[i], Y[i]
            copyto(z1, b1)
            dgemv(1.0, W1t, x, 1.0, z1, 0, 1, 0, 1, 0, 1)        # z1 = W1ᵀx + b1
            negative(z1, out=a1)
            exp(a1, out=a1)
            add(a1, one, out=a1)
            reciprocal(a1, out=a1)                               # a1 = σ(z1)
            copyto(z2, b2)
            dgemv(1.0, W2t, a1, 1.0, z2, 0, 1, 0, 1, 0, 1)       # z2 = W2ᵀa1 + b2
            subtract(z2, z2.max(), out=a2)
            exp(a2, out=a2)
            divide(a2, a2.sum(), out=a2)                         # a2 = softmax(z2)
            log(a2, out=log_a)
            losses[i] = -dot(t, log_a)                           # C = −Σ t·ln a
            subtract(a2, t, out=d2)                              # δ2 = a2 − t
            dgemv(1.0, W2t, d2, 0.0, g1, 0, 1, 0, 1, 1, 1)       # W2·δ2
            subtract(one, a1, out=d1)
            multiply(d1, a1, out=d1)
            multiply(d1, g1, out=d1)                             # δ1 = σ′(z1) ⊙ W2·δ2
            dger(step, d2, a1, 1, 1, W2t, 0, 0, 1)               # W2 −= η·a1·δ2ᵀ
            daxpy(d2, b2, n2, step)                              # b2 −= η·δ2
            dger(step, d1, x, 1, 1, W1t, 0, 0, 1)                # W1 −= η·x·δ1ᵀ
            daxpy(d1, b1, n1, step)                              # b1 −= η·δ1
    epoch.params = W1, W2, b1, b2                                # for tests
    return epoch


def torch_loop(net: Network, X, Y, batch: int, lr: float, dtype: str):
    import torch
    torch.set_num_threads(1)
    tdtype = getattr(torch, dtype)
    m = MatrixNetwork.from_graph(net, convention="column")
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Sigmoid(),
                                torch.nn.Linear(100, 10)).to(tdtype)
    with torch.no_grad():
        for layer, W, b in zip((model[0], model[2]), m.weights.values(), m.biases[1:], strict=True):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    tX, tlabels = torch.from_numpy(X).to(tdtype), torch.from_numpy(Y.argmax(axis=1))

    def epoch():
        for i in range(0, len(X), batch):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(tX[i:i + batch]), tlabels[i:i + batch])
            loss.backward()
            opt.step()
    return epoch


def peak_bytes_per_batch(make_epoch) -> int:
    """Peak bytes an engine allocates while it trains on two batches, beyond what
    it already held (tracemalloc; its first epoch has allocated its buffers)."""
    epoch = make_epoch()
    epoch()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    epoch()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, Y = make_data(args.samples)
    net = Network.layered(list(SIZES), activation="sigmoid", output_activation="softmax",
                          loss="cross_entropy", init="uniform", seed=0)
    lr = 0.1
    runs = [("numpy, hand-written loop", lambda: numpy_loop(net, X, Y, args.batch, lr)),
            *((f"MatrixNetwork.fit_batch, {c} (as train runs)",
               lambda c=c: matrix_backend(net, X, Y, args.batch, lr, c))
              for c in ("row", "column")),
            ("MatrixNetwork fwd/bwd/step, checks per batch",
             lambda: matrix_backend(net, X, Y, args.batch, lr, "row", checked=True))]
    try:
        import torch
        runs += [(f"PyTorch {torch.__version__} CPU {d}", lambda d=d: torch_loop(net, X, Y, args.batch, lr, d))
                 for d in ("float32", "float64")]
        skipped = None
    except ImportError:
        skipped = "PyTorch: skipped (torch not importable; pip install '.[bench]')"

    load_blas()                 # threadpoolctl limits only loaded libraries: scipy's OpenBLAS must be loaded first
    with threadpool_limits(1):
        blas = ", ".join(f"{p['internal_api']} ({Path(p['filepath']).parent.name}) {p['num_threads']} thread(s)"
                         for p in threadpool_info())
        print(f"784-100-10 sigmoid + softmax-CE, {args.samples} samples, minibatch {args.batch}, "
              f"CPU seconds of {args.repeats} rounds")
        print(f"BLAS limited with threadpoolctl: {blas}\n")
        times = timed_rounds(args.repeats, [make() for _, make in runs])
    best, ratios = times.min(axis=0), times / times[:, :1]        # ratios: to the loop in the same round
    rows = [(name, best[i], round(args.samples / best[i]), best[i] / best[0],
             *np.percentile(ratios[:, i], [50, 25, 75]))
            for i, (name, _) in enumerate(runs)]
    print(format_table(["engine", "best s / epoch", "samples / s", "best ÷ loop's best",
                        "÷ loop, median round", "25 %", "75 %"], rows, floatfmt=".3f"))
    X2, Y2 = X[:2 * args.batch], Y[:2 * args.batch]
    print("\nPeak bytes allocated per batch (tracemalloc, after the first epoch): "
          f"numpy loop {peak_bytes_per_batch(lambda: numpy_loop(net, X2, Y2, args.batch, lr)):,}, "
          f"MatrixNetwork.fit_batch "
          f"{peak_bytes_per_batch(lambda: matrix_backend(net, X2, Y2, args.batch, lr, 'row')):,}")
    if skipped:
        print(skipped)


if __name__ == "__main__":
    main()
