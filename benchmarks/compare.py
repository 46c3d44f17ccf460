"""neurograph against its peers: one run, one table of ratios.

    python benchmarks/compare.py            # full run (a few minutes)
    python benchmarks/compare.py --quick    # short run, fewer repeats

Four measurements, all in this process with BLAS limited to one thread:

1. per sample (forward + backward + step of one sample; sigmoid, C = ½Σ(a − t)²)
   on 3-4-2, 64-32-10 and 784-30-10: the object engine (``Network``) vs a naive
   pure-Python object engine (``naive_engine.py``) vs micrograd 0.1.0 (sigmoid
   added through its public ``Value`` API, exactly as micrograd defines relu);
2. per MNIST-sized epoch (50 000 samples, batch 32, 784-100-10, sigmoid hidden
   layer, softmax + cross-entropy, random data): the matrix backend
   (``MatrixNetwork.fit_batch`` as ``train()`` runs it, and the public
   forward/backward/step calls that check every batch for NaN/inf) vs a plain
   numpy loop vs PyTorch CPU float32/float64;
3. the physical limit: GFLOP/s achieved by each epoch engine against a large
   numpy matmul's GFLOP/s on the same thread;
4. memory of a 784-100-10 object network (tracemalloc), bytes per edge
   against the 8 bytes per weight of a weight matrix.

Every time is the median CPU time (process_time) of several repeats, engines timed in interleaved
rounds so that load from other jobs hits them alike.  Peers that are not installed are
reported as skipped.  Writes docs/bench_speed.png and docs/benchmarks.md.
"""
from __future__ import annotations

from itertools import pairwise
import argparse
import datetime
import math
import os
import platform
import sys
import tracemalloc
from pathlib import Path
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from matrix_speed import make_data, matrix_backend, numpy_loop, timed_rounds, torch_loop  # noqa: E402
from naive_engine import NaiveNetwork  # noqa: E402

import neurograph as ng  # noqa: E402
from neurograph.explanations.tables import format_table  # noqa: E402

SAMPLE_SIZES = ([3, 4, 2], [64, 32, 10], [784, 30, 10])
EPOCH_SIZES, BATCH, EPOCH_SAMPLES = [784, 100, 10], 32, 50_000
LR = 0.1


def interleaved_medians(runs: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict[str, float]:
    """Median CPU seconds per call of each ``(fn, number)``, timed in interleaved rounds.

    Every round times ``number`` back-to-back calls of each fn in turn
    (``matrix_speed.timed_rounds``: a load burst from other jobs hits all of them
    alike, and each round starts one engine later).
    """
    for fn, _ in runs.values():
        fn()                                                # warm-up (buffers, caches)
    times = timed_rounds(repeats, [_repeated(fn, number) for fn, number in runs.values()])
    return {name: float(np.median(times[:, i])) / number for i, (name, (_, number)) in enumerate(runs.items())}


def _repeated(fn: Callable[[], object], number: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(number):
            fn()
    return run


def n_edges(sizes: list[int]) -> int:
    return sum(a * b for a, b in pairwise(sizes))


# -- 1. per sample ----------------------------------------------------------------
def object_engine_step(sizes, x, t) -> Callable[[], None]:
    net = ng.Network.layered(sizes, activation="sigmoid", loss="half_squared", seed=0)

    def run():
        net.forward(x)
        net.backward(t)
        net.step(LR)
        net.zero_grad()
    return run


def naive_engine_step(sizes, x, t) -> Callable[[], None]:
    net, xl, tl = NaiveNetwork(sizes, seed=0), x.tolist(), t.tolist()

    def run():
        net.forward(xl)
        net.backward(tl)
        net.step(LR)
    return run


def micrograd_step(sizes, x, t) -> Callable[[], None] | None:
    """micrograd's own Neuron/Layer style, with sigmoid added like its relu."""
    try:
        from micrograd.engine import Value
    except ImportError:
        return None

    def sigmoid(v: Value) -> Value:
        s = 1.0 / (1.0 + math.exp(-v.data)) if v.data >= 0 else math.exp(v.data) / (1.0 + math.exp(v.data))
        out = Value(s, (v,), "sigmoid")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad             # σ′ = σ(1 − σ)
        out._backward = _backward
        return out

    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in pairwise(sizes):
        r = math.sqrt(6.0 / (n_in + n_out))
        layers.append([([Value(w) for w in rng.uniform(-r, r, n_in)], Value(0.0)) for _ in range(n_out)])
    params = [p for layer in layers for w, b in layer for p in w + [b]]
    xl, tl = x.tolist(), t.tolist()

    def run():
        a = xl
        for layer in layers:
            a = [sigmoid(sum((wi * ai for wi, ai in zip(w, a, strict=True)), b)) for w, b in layer]
        loss = sum((0.5 * (ai - ti) ** 2 for ai, ti in zip(a, tl, strict=True)), Value(0.0))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
    return run


def per_sample(quick: bool) -> dict:
    """{sizes: {engine: seconds per sample or None}}."""
    rng = np.random.default_rng(0)
    results = {}
    for sizes in SAMPLE_SIZES:
        x, t = rng.random(sizes[0]), rng.random(sizes[-1])
        big = sizes[0] > 100
        reps = 5 if quick else 15
        row = interleaved_medians({"object": (object_engine_step(sizes, x, t), 5 if big else 50),
                                   "naive": (naive_engine_step(sizes, x, t), 3 if big else 50)}, reps)
        micro = micrograd_step(sizes, x, t)                 # ~1000× slower: fewer samples, its own rounds
        row["micrograd"] = None if micro is None else interleaved_medians(
            {"micrograd": (micro, 1 if big else 20)}, 1 if quick else 3)["micrograd"]
        results[tuple(sizes)] = row
        print(f"  per sample {sizes}: " + ", ".join(
            f"{k} {'skipped' if v is None else f'{v * 1e3:.3f} ms'}" for k, v in row.items()), flush=True)
    return results


# -- 2. per epoch ---------------------------------------------------------------------
def epoch_engines(X, Y) -> dict[str, Callable[[], None] | None]:
    """One pass over X of each epoch engine (shared with ``matrix_speed.py``); None = skipped."""
    net = ng.Network.layered(EPOCH_SIZES, activation="sigmoid", output_activation="softmax",
                             loss="cross_entropy", seed=0)
    engines = {"matrix backend": matrix_backend(net, X, Y, BATCH, LR, "column"),
               "matrix, checks per batch": matrix_backend(net, X, Y, BATCH, LR, "column", checked=True),
               "plain numpy": numpy_loop(net, X, Y, BATCH, LR)}
    for dtype in ("float32", "float64"):
        try:
            engines[f"PyTorch {dtype}"] = torch_loop(net, X, Y, BATCH, LR, dtype)
        except ImportError:
            engines[f"PyTorch {dtype}"] = None
    return engines


def batch_flops(sizes: list[int], batch: int) -> float:
    """Multiply-adds ×2 of one training step: forward Σ 2·m·n_k·n_l, the same again
    for every weight gradient, and again for every δ sent back past the first layer."""
    layer_flops = [2 * batch * a * b for a, b in pairwise(sizes)]
    return 2 * sum(layer_flops) + sum(layer_flops[1:])


def large_matmul(quick: bool) -> tuple[Callable[[], object], float]:
    """The physical limit: a large square float64 matmul, and its FLOP count 2n³."""
    n = 512 if quick else 1024
    A, B = np.random.default_rng(1).random((n, n)), np.random.default_rng(2).random((n, n))
    return (lambda: A @ B), 2.0 * n ** 3


def per_epoch(quick: bool) -> tuple[dict, float]:
    """({engine: seconds per batch or None}, GFLOP/s of the large matmul), in the same rounds.

    Each round runs every engine over the same slice of random MNIST-shaped
    data (fresh batches, as in a real epoch) and the large matmul once.
    """
    n_batches = 40 if quick else 200
    X, Y = make_data(n_batches * BATCH)
    repeats = 5 if quick else 9
    runs = epoch_engines(X, Y)
    matmul, flops = large_matmul(quick)
    timed = interleaved_medians({**{k: (fn, 1) for k, fn in runs.items() if fn is not None},
                                 "matmul": (matmul, 1)}, repeats)
    out = {name: None if name not in timed else timed[name] / n_batches for name in runs}
    for name, s in out.items():
        print(f"  batch of {BATCH}, {name}: {'skipped' if s is None else f'{s * 1e3:.3f} ms'}", flush=True)
    return out, flops / timed["matmul"] / 1e9


# -- 4. memory ----------------------------------------------------------------------------
def memory(sizes: list[int]) -> dict:
    """Bytes per edge that a freshly built network keeps allocated (tracemalloc)."""
    out = {}
    for name, build in [("object engine", lambda: ng.Network.layered(sizes, seed=0)),
                        ("naive engine", lambda: NaiveNetwork(sizes))]:
        tracemalloc.start()
        net = build()
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[name] = used / n_edges(sizes)
        del net
    return out


# -- reporting ----------------------------------------------------------------------------
def fmt_ratio(a: float | None, b: float | None) -> str:
    return "skipped" if a is None or b is None else f"{a / b:,.1f}×"


def fmt_ms(s: float | None) -> str:
    return "skipped" if s is None else f"{s * 1e3:,.3f}"


def fmt_rate(s: float | None, edges: int) -> str:
    return "skipped" if s is None else f"{edges / s:,.0f}"


def sample_table(results: dict) -> str:
    rows = []
    for sizes, r in results.items():
        e = n_edges(list(sizes))
        for name in ("object", "naive", "micrograd"):
            rows.append(["-".join(map(str, sizes)), e, name, fmt_ms(r[name]), fmt_rate(r[name], e),
                         fmt_ratio(r[name], r["object"])])
    return format_table(["network", "edges", "engine", "ms/sample", "edges/s", "time ÷ object"], rows)


def epoch_table(results: dict, limit: float) -> str:
    flops = batch_flops(EPOCH_SIZES, BATCH)
    batches = EPOCH_SAMPLES // BATCH
    ref = results["matrix backend"]
    rows = []
    for name, s in results.items():
        gf = None if s is None else flops / s / 1e9
        rows.append([name, fmt_ms(s), "skipped" if s is None else f"{s * batches:.2f}",
                     "skipped" if gf is None else f"{gf:.2f}",
                     "skipped" if gf is None else f"{limit / gf:.1f}×", fmt_ratio(s, ref)])
    rows.append(["numpy matmul (limit)", "", "", f"{limit:.2f}", "1.0×", ""])
    return format_table(["engine", "ms/batch", "s/epoch", "GFLOP/s", "limit ÷ achieved", "time ÷ matrix"], rows)


def goals(sample: dict, epoch: dict, limit: float) -> list[str]:
    big = sample[tuple(SAMPLE_SIZES[-1])]
    lines = []

    def check(label: str, ok: bool | None, detail: str) -> None:
        lines.append(f"- {label}: {'skipped' if ok is None else 'MET' if ok else 'MISSED'} ({detail})")

    check("object engine ≤ 0.5× naive time at 784-30-10", big["object"] <= 0.5 * big["naive"],
          f"{big['object'] / big['naive']:.2f}×")
    mg = big["micrograd"]
    check("object engine ≥ 300× faster than micrograd at 784-30-10", None if mg is None else mg / big["object"] >= 300,
          fmt_ratio(mg, big["object"]))
    mat = epoch["matrix backend"]
    for dtype in ("float64", "float32"):
        pt = epoch[f"PyTorch {dtype}"]
        check(f"matrix backend (float64) at least as fast as PyTorch CPU {dtype} (batch 32)",
              None if pt is None else mat <= pt, f"PyTorch takes {fmt_ratio(pt, mat)} the matrix backend's time")
    loop, checked = epoch["plain numpy"], epoch["matrix, checks per batch"]
    check("matrix backend (fit_batch, as train runs) no slower than the plain numpy loop (batch 32)",
          mat <= loop, f"the matrix backend takes {mat / loop:.2f}× the loop's time; through "
          f"forward/backward/step with NaN/inf checks on every batch {checked / loop:.2f}×")
    gf = batch_flops(EPOCH_SIZES, BATCH) / mat / 1e9
    check("matrix backend within 3× of the matmul limit", limit / gf <= 3, f"{limit / gf:.1f}×")
    return lines


def plot(sample: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    edges = [n_edges(list(s)) for s in sample]
    for name, style, label in (("object", "o-", "neurograph object engine"),
                               ("naive", "s--", "naive pure-Python engine"), ("micrograd", "^:", "micrograd")):
        pts = [(e, r[name] * 1e3) for e, r in zip(edges, sample.values(), strict=True) if r[name] is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("edges (weights) in the network: 3-4-2, 64-32-10, 784-30-10")
    ax.set_ylabel("ms per sample (forward + backward + step)")
    ax.set_title("One training sample, one thread")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


MOVING_ON = """neurograph is for seeing and checking every number of a fully connected network
that fits on one machine: per-neuron objects, the matrix backend, pictures, cross-checks.
It has no GPU, no convolutions, no float32 path and no distributed training.  When a
model needs those, `net.to_torch()` gives an `nn.Module` with the same weights
(`nn.Sequential` of `Linear` + activations for layered nets, a node-by-node `GraphModule`
for other DAGs) and `Network.from_torch(mlp, loss=...)` brings a plain MLP back;
`tests/test_torch_bridge.py` shows identical outputs and gradients."""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short run: fewer repeats and samples")
    ap.add_argument("--out", type=Path, default=ROOT / "docs", help="where to write benchmarks.md and bench_speed.png")
    args = ap.parse_args(argv)
    command = "python benchmarks/compare.py" + (" --quick" if args.quick else "")
    with threadpool_limits(1):
        print("BLAS threads: 1 (threadpool_limits(1)); PyTorch: torch.set_num_threads(1)", flush=True)
        sample = per_sample(args.quick)
        epoch, limit = per_epoch(args.quick)
        mem = memory(EPOCH_SIZES)

    header = (f"Command: `{command}` — {datetime.date.today()}, Python {platform.python_version()}, "
              f"numpy {np.__version__}, {platform.machine()} with {os.cpu_count()} cores, "
              "BLAS threads 1 (threadpool_limits(1)), torch threads 1. "
              "The machine is shared: other jobs may have been running; times are CPU-time medians of interleaved repeats.")
    mem_lines = [f"- {name}: {b:,.0f} bytes per edge = {b / 8:.1f}× the 8 bytes per weight of a "
                 f"float64 weight matrix" for name, b in mem.items()]
    text = "\n\n".join([
        "# Benchmarks", header,
        "## Per sample (forward + backward + step; sigmoid, ½Σ(a − t)²)", "```\n" + sample_table(sample) + "\n```",
        f"## Per MNIST-sized epoch ({'-'.join(map(str, EPOCH_SIZES))}, batch {BATCH}, "
        f"{EPOCH_SAMPLES:,} samples, softmax + cross-entropy, random data)",
        "```\n" + epoch_table(epoch, limit) + "\n```",
        f"## Memory of a {'-'.join(map(str, EPOCH_SIZES))} network ({n_edges(EPOCH_SIZES):,} edges, tracemalloc)",
        "\n".join(mem_lines),
        "## Goals", "\n".join(goals(sample, epoch, limit)),
        "## Where neurograph stops and PyTorch starts", MOVING_ON,
        "![time per sample vs network size](bench_speed.png)",
    ]) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmarks.md").write_text(text, encoding="utf-8")
    plot(sample, args.out / "bench_speed.png")
    print("\n" + text)
    print(f"wrote {args.out / 'benchmarks.md'} and {args.out / 'bench_speed.png'}")


if __name__ == "__main__":
    main()
