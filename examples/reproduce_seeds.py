"""Rerun every seed's MNIST experiment at full length and tabulate claimed vs reproduced.

    python examples/reproduce_seeds.py                      # every run below (long: ~30 min)
    python examples/reproduce_seeds.py --runs seed004 seed000
    python examples/reproduce_seeds.py --list

Each finished run is stored in docs/reproduction.json (so runs can be done
one at a time, in any order) and docs/reproduction.md is rewritten from all
stored runs: seed, setting, claimed, reproduced, epochs, seconds per epoch,
engine.  BLAS is limited to one thread (threadpoolctl) during training.

Runs marked "variant" change exactly one thing against the seed as written,
to show what it takes to reach the claim; the as-written run is always
reported beside it.  The graph-engine run of seed003 is timed on a slice of
the training set and its seconds per epoch extrapolated to 50,000 samples.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurograph.training.datasets import load_mnist  # noqa: E402
from neurograph.training.presets import get_preset, run_preset  # noqa: E402
from neurograph.training.loop import train  # noqa: E402

#: run id → (preset, engine, what differs from the seed as written, preset field changes)
RUNS = {
    "seed004": ("seed004", "matrix", "as written", {}),
    "seed000": ("seed000", "matrix", "as written", {}),
    "seed000-lr0.1": ("seed000", "matrix", "variant: lr 0.1 instead of 1", {"lr": 0.1}),
    "seed000-lr0.01": ("seed000", "matrix", "variant: lr 0.01 instead of 1", {"lr": 0.01}),
    "seed001": ("seed001", "matrix", "our choices where the slides are silent", {}),
    "seed003": ("seed003", "matrix", "issue 6's convention: targets 0.01/0.99, x in 0.01–1", {}),
    "seed003-graph": ("seed003", "graph", "timing only", {}),
    "seed003-listing": ("seed003", "matrix", "as in the seed's code listing: x/255, 0/1 targets",
                        {"scale": "unit", "targets": (0.0, 1.0)}),
}


def run_full(run_id: str) -> dict:
    name, engine, note, changes = RUNS[run_id]
    started = time.time()

    def show(r):
        print(f"  [{run_id}] epoch {r.epoch:3d}  lr {r.lr:g}  train loss {r.train_loss:.4f}  "
              f"train acc {r.train_accuracy:.4f}  valid acc {r.valid_accuracy:.4f}  "
              f"test acc {r.test_accuracy:.4f}  {r.seconds:.1f}s", flush=True)

    history = run_preset(name, engine=engine, progress=False, on_epoch=show, **changes)
    p, last = history.preset, history[-1]
    return {"run": run_id, "seed": name, "setting": p.setting, "note": note, "engine": engine,
            "claimed": p.claim, "reproduced": last.test_accuracy,
            "best_valid": max(history.column("valid_accuracy")), "epochs": len(history),
            "seconds_per_epoch": sum(history.column("seconds")) / len(history),
            "seconds_label": "measured", "wall_seconds": time.time() - started,
            "history": history.to_dicts()}


def run_graph_timing(run_id: str, samples: int) -> dict:
    """seed003 on the graph engine: one pass over ``samples`` images, extrapolated to 50k."""
    name, engine, note, _ = RUNS[run_id]
    p = get_preset(name)
    data = load_mnist(p.scale)
    X, y = data.train.X[:samples], data.train.y[:samples]
    history = train(p.build(0), X, y, engine="graph", epochs=1, lr=p.lr, batch_size=p.batch_size,
                    targets=p.targets, shuffle=False, progress=False)
    per_epoch = history[-1].seconds * len(data.train.X) / len(X)
    print(f"  [{run_id}] {samples} samples in {history[-1].seconds:.1f}s → {per_epoch:.0f}s per 50k epoch",
          flush=True)
    return {"run": run_id, "seed": name, "setting": p.setting, "note": note, "engine": engine,
            "claimed": p.claim, "reproduced": None, "best_valid": None, "epochs": None,
            "seconds_per_epoch": per_epoch,
            "seconds_label": "measured" if len(X) == len(data.train.X) else
            f"extrapolated from {len(X):,} samples", "history": history.to_dicts()}


#: what we found, per seed (written after looking at the runs; shown under the table)
NOTES = {
    "seed004": "seed004 reproduces: the as-written setting ends at 0.9219, and with initialisation/"
               "shuffling seeds 1 and 2 at 0.9236 and 0.9223, i.e. 0.4–0.6 points above the claimed 0.9179. "
               "The text gives no initialisation (ours is N(0, 1/n_in)), which may account for the "
               "small difference.",
    "seed000": "seed000 as written does not learn. With per-sample lr 1 one step changes every output z by "
               "about η·δ·(1 + Σ_i tanh(x_i)²) ≈ 54·δ (median over the images), so within the first samples "
               "z spans ±10 or more and the softmax saturates. The squared loss is backpropagated through "
               "the softmax Jacobian, δ = a ⊙ (g − a·g) with g = 2(a − t), which is ≈ 0 for a saturated, "
               "one-hot a: the net is stuck predicting one class for every image (9.8 %, training loss "
               "constant at 1.803 from epoch 2; which class it gets stuck on depends on the last bits of "
               "the arithmetic — an earlier build of the matrix backend, with the same math summed in "
               "another order, got stuck at 10.1 %). The smallest change is the learning rate: lr 0.1 "
               "learns but oscillates (test 0.82–0.90 across epochs, training loss rising after epoch 2); "
               "lr 0.01 "
               "gives 0.9274 against the claimed 0.9271, and, as the seed remarks, its validation accuracy "
               "stays above the (running) training accuracy. The text shows no code, so we cannot tell why "
               "lr 1 worked for the author (a mean over a batch or another pixel scale are guesses we did "
               "not test).",
    "seed001": "seed001 states no result. With our choices (784-100-100-10, batch 100, λ = 1e-4, He "
               "init) the network fits the training set (running accuracy 1.000 by epoch 100) and the "
               "test accuracy is 0.9776 after the 50 epochs at lr 0.1 and 0.9786 after the 50 at 0.01: "
               "the second phase adds only a tenth of a point.",
    "seed003": "seed003 does not reach the claimed ≈98 %: 0.9684 after 50 epochs (best epoch 0.9702) with "
               "the 0.01/0.99 convention, 0.9698 with the listing's own x/255 inputs and 0/1 targets. The "
               "test accuracy plateaus at 0.968–0.970 from epoch 20 on while the training accuracy keeps "
               "rising to 0.991, so more epochs would not help. The printout in the seed is garbled: its "
               "one readable test line says 0.98700, and the numbers beside it (0.989683, 0.98264) are "
               "close to our training accuracy. The listing trains on all 60k images (we use the 50k "
               "split); we did not test whether that, or the random initialisation, explains the gap, and "
               "we did not search for settings that would reach 98 %. Engines: one full 50k-image epoch, "
               "per sample, took 64 s on the graph engine (every neuron an object) against 8.4 s on the "
               "matrix engine, measured one after the other in the same run; the matrix engine pays "
               "Python overhead for every single-row batch, so per-sample training gains only about 8×.",
}


def markdown(results: dict) -> str:
    lines = ["| seed | setting | claimed | reproduced (test) | epochs | s/epoch | engine |",
             "|---|---|---|---|---|---|---|"]
    for run_id in RUNS:
        r = results.get(run_id)
        if r is None:
            continue
        got = "—" if r["reproduced"] is None else f"{r['reproduced']:.4f}"
        epochs = "—" if r["epochs"] is None else str(r["epochs"])
        secs = f"{r['seconds_per_epoch']:.1f}" + ("" if r["seconds_label"] == "measured"
                                                   else f" ({r['seconds_label']})")
        lines.append(f"| {r['seed']} | {r['setting']} ({RUNS[run_id][2]}) | {r['claimed']} | {got} | "
                     f"{epochs} | {secs} | {r['engine']} |")
    lines.append("")
    lines.append("Seconds per epoch: training pass only (no evaluation), one BLAS thread, on a "
                 "2-core machine shared with other jobs (expect ±50 % noise). Reproduced = test accuracy "
                 "after the last epoch.")
    seen = {results[r]["seed"] for r in results}
    lines += [""] + [f"- {text}" for seed, text in NOTES.items() if seed in seen]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", choices=list(RUNS), default=list(RUNS),
                        help="runs to do (default all; none: only rewrite the table from the stored runs)")
    parser.add_argument("--graph-samples", type=int, default=50000,
                        help="images timed for the graph-engine run (default: one full epoch, 50000)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "reproduction.md"))
    parser.add_argument("--json", default=str(ROOT / "docs" / "reproduction.json"))
    parser.add_argument("--list", action="store_true", help="list the runs and exit")
    args = parser.parse_args(argv)
    if args.list:
        for run_id, (name, engine, note, changes) in RUNS.items():
            print(f"{run_id:15s} {name} on {engine}: {note} {changes or ''}")
        return 0
    store = Path(args.json)
    for run_id in args.runs:
        print(f"running {run_id} …", flush=True)
        result = (run_graph_timing(run_id, args.graph_samples) if RUNS[run_id][1] == "graph"
                  else run_full(run_id))
        results = json.loads(store.read_text()) if store.is_file() else {}   # other runs may have written
        results[run_id] = result
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(results, indent=1))
        table = markdown(results)
        Path(args.out).write_text(table)
        print(table, flush=True)
    if not args.runs and store.is_file():
        Path(args.out).write_text(markdown(json.loads(store.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
