"""The graph engine's speed goals of issue 15, measured in one run on one BLAS thread.

    python benchmarks/graph_speed.py [--quick]

Every figure is the median of interleaved rounds (``matrix_speed.timed_rounds``:
the engines take turns, each round starting one later, so a busy spell on this
shared machine hits all of them alike), in CPU seconds, and every ratio is
between numbers of the same run:

- 3-4-2 and 784-30-10: forward + backward + step + zero_grad through the public
  calls, against micrograd 0.1.0 (``compare.micrograd_step``) and the naive
  pure-Python engine (``naive_engine.py``);
- 3-4-2: the fused per-sample step ``Network.train_step``;
- seed003 (784-50-10, sigmoid, no biases, per sample): one pass of
  ``train(engine="graph", batch_size=1)`` against ``train(engine="matrix",
  batch_size=1)`` (``compare.seed003_per_sample``: CPU seconds per sample,
  from epochs of n and of 100 samples, so without the once-per-call conversion
  to and from a MatrixNetwork);
- the per-neuron floor at 784-50-10: only the BLAS-1 calls that computing
  neuron by neuron needs per sample (``compare.blas1_floor``), nothing else, so the
  seed003 goal can be judged against what is reachable at all.

It prints each goal with MET or MISSED and the spread (min–max over rounds).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from compare import fused_engine_step as fused  # noqa: E402
from compare import blas1_floor, micrograd_step, naive_engine_step, seed003_per_sample  # noqa: E402
from compare import object_engine_step as public_calls  # noqa: E402
from matrix_speed import timed_rounds  # noqa: E402


LR = 0.1


def repeated(fn: Callable[[], object], number: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(number):
            fn()
    return run


def rounds(runs: dict[str, tuple[Callable[[], object], int]], repeats: int) -> dict[str, np.ndarray]:
    """Seconds per call of each (fn, number) in every round."""
    for fn, _ in runs.values():
        fn()                                                # warm-up: plans, generated code, buffers
    times = timed_rounds(repeats, [repeated(fn, number) for fn, number in runs.values()])
    return {name: times[:, i] / number for i, (name, (_, number)) in enumerate(runs.items())}


def spread(v: np.ndarray) -> str:
    return f"{np.median(v) * 1e6:,.1f} µs (rounds {v.min() * 1e6:,.1f}–{v.max() * 1e6:,.1f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and samples (a smoke run)")
    args = parser.parse_args(argv)
    reps = 5 if args.quick else 11
    rng = np.random.default_rng(0)
    goals: list[tuple[str, bool, str]] = []
    with threadpool_limits(limits=1):
        for sizes, number, mg_number in (([3, 4, 2], 300, 20), ([784, 30, 10], 20, 1)):
            x, t = rng.random(sizes[0]), rng.random(sizes[-1])
            runs = {"public": (public_calls(sizes, x, t), number),
                    "naive": (naive_engine_step(sizes, x, t), number if sizes[0] < 100 else 3),
                    "micrograd": (micrograd_step(sizes, x, t), mg_number)}
            if sizes[0] < 100:
                runs["fused"] = (fused(sizes, x, t), number)
            r = rounds(runs, reps if sizes[0] < 100 else max(3, reps // 2))
            med = {k: float(np.median(v)) for k, v in r.items()}
            label = "-".join(map(str, sizes))
            for k, v in r.items():
                print(f"  {label} {k:10s} {spread(v)}", flush=True)
            x_mg, x_naive = med["micrograd"] / med["public"], med["public"] / med["naive"]
            want_mg, want_naive = (25, 1.0) if sizes[0] < 100 else (7000, 0.05)
            goals.append((f"{label} public calls ≥ {want_mg:,}× micrograd", x_mg >= want_mg, f"{x_mg:,.1f}×"))
            goals.append((f"{label} public calls ≤ {want_naive}× naive's time", x_naive <= want_naive,
                          f"{x_naive:.3f}×"))
            if "fused" in med:
                x_f = med["micrograd"] / med["fused"]
                goals.append((f"{label} fused train_step ≥ 50× micrograd", x_f >= 50, f"{x_f:,.1f}×"))
        n = 1000 if args.quick else 3000
        times = seed003_per_sample(n, 3 if args.quick else 5)
        graph, matrix = times[:, 0], times[:, 1]
        floor = rounds({"floor": (blas1_floor(), 200)}, reps)["floor"]
        print(f"  seed003 per sample: graph {spread(graph)}, matrix {spread(matrix)} "
              f"(passes of {n} and {4 * n} samples, less one of 100)")
        ratio, floor_ratio = float(np.median(graph) / np.median(matrix)), float(np.median(floor) / np.median(matrix))
        print(f"  784-50-10 per-neuron BLAS-1 floor (60 ddot + 70 daxpy, nothing else): {spread(floor)} "
              f"= {floor_ratio:.2f}× the matrix engine's per-sample time, {np.median(floor) / np.median(graph):.2f}× "
              f"the graph engine's (fastest rounds: {floor.min() / matrix.min():.2f}× the matrix engine's)")
        goals.append(("seed003 epoch, graph ≤ 2× matrix (per sample, batch 1)", ratio <= 2,
                      f"{ratio:.2f}× (the per-neuron BLAS-1 floor alone is {floor_ratio:.2f}×)"))
    print("\ngoals (issue 15, graph engine):")
    for label, ok, detail in goals:
        print(f"  {'MET   ' if ok else 'MISSED'} {label}: {detail}")


if __name__ == "__main__":
    main()
