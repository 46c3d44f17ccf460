"""`neurograph train`: rerun a seed's MNIST experiment on either engine."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from neurograph.commands.cli import INTERRUPTED, one_line
from neurograph.engine.graph import Network
from neurograph.io.json_file import save_target
from neurograph.training.presets import PRESETS, get_preset, run_preset
from neurograph.training.loop import EpochRecord, TrainingDiverged, TrainingInterrupted


def add_parser(sub):
    p = sub.add_parser("train", help="train a seed's MNIST network (presets seed000 … seed004)",
                       description="Train one of the seeds' networks on the MNIST shipped with "
                                   "neurograph and print the test accuracy beside the seed's claim. "
                                   "--save is checked before training starts; if saving still fails the "
                                   "model is written to a rescue file in the current (or temporary) folder. "
                                   "Ctrl-C keeps the last finished epoch's model (saved with --save) and "
                                   f"exits with code {INTERRUPTED}.")
    p.add_argument("--preset", required=True, choices=list(PRESETS), help="which seed to reproduce")
    p.add_argument("--epochs", type=int, default=None, help="override the seed's number of epochs")
    p.add_argument("--engine", choices=("graph", "matrix", "torch"), default="matrix",
                   help="matrix (fast, default), graph (every neuron an object; slower) or torch "
                        "(PyTorch on the CPU: pip install 'neurograph[torch]')")
    p.add_argument("--lr", type=float, default=None,
                   help="override the seed's learning rate (e.g. --lr 0.01 for seed000, see docs/reproduction.md)")
    p.add_argument("--seed", type=int, default=0, help="initialisation and shuffling seed (default 0)")
    p.add_argument("--subset", action="store_true",
                   help="use the fixed 1k-train / 1k-test MNIST subset (quick check)")
    p.add_argument("--save", metavar="MODEL.json", help="save the trained network (Network.load reads it)")
    p.add_argument("--plot", metavar="CURVES.png", help="save loss/accuracy curves (needs matplotlib)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _line(r: EpochRecord) -> str:
    valid = "" if r.valid_accuracy is None else f"  valid acc {r.valid_accuracy:.4f}"
    return (f"epoch {r.epoch:3d}  lr {r.lr:g}  train loss {r.train_loss:.4f}  train acc "
            f"{r.train_accuracy:.4f}{valid}  test acc {r.test_accuracy:.4f}  ({r.seconds:.1f}s)")


def save_or_rescue(net: Network | None, path: str, name: str) -> bool:
    """Save ``net`` to ``path``; if that fails, to a rescue file in the current folder (or the
    temporary folder) and say where it went.  True when it reached ``path``."""
    if net is None:
        return False
    try:
        net.save(path)
        print(f"model saved to {path}")
        return True
    except (OSError, ValueError) as exc:
        failure = one_line(exc)
    rescue = f"neurograph-rescued-{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json"
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        try:
            net.save(folder / rescue)
        except (OSError, ValueError):
            continue
        print(f"could not save the model to {path} ({failure}); it was saved to {folder / rescue} instead",
              file=sys.stderr)
        return False
    raise OSError(f"could not save the model to {path} ({failure}), nor to a rescue file in {Path.cwd()} "
                  f"or {tempfile.gettempdir()}")


def run(args) -> int:
    preset = get_preset(args.preset)
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be ≥ 1, got {args.epochs}")
    if args.save is not None:
        save_target(args.save)                 # a bad --save fails now, not after the training
    changes = {} if args.lr is None else {"lr": args.lr}
    print(preset.doc.strip().splitlines()[0])
    if changes:
        print(f"learning rate changed from the seed's {preset.lr} to {args.lr}")
    print(f"{preset.setting}; {args.epochs or preset.epochs} epochs on the {args.engine} engine, "
          f"{'1k/1k subset' if args.subset else '50k train / 10k valid / 10k test'}")
    print("BLAS threads limited to 1 during training (threadpoolctl)", flush=True)
    try:
        history = run_preset(args.preset, engine=args.engine, epochs=args.epochs, seed=args.seed,
                             subset=args.subset, progress=False if args.no_progress else None,
                             on_epoch=lambda r: print(_line(r), flush=True), **changes)
    except TrainingDiverged as exc:
        history = exc.history
        print(f"stopped: {exc}")
    except TrainingInterrupted as exc:
        print(f"\nstopped: {exc}")
        if args.save is not None:
            save_or_rescue(exc.history.network, args.save, preset.name)
        return INTERRUPTED
    if args.save is not None and not save_or_rescue(history.network, args.save, preset.name):
        return 2
    if args.plot and len(history):
        history.plot(args.plot, title=f"{preset.name}: {preset.setting} ({args.engine} engine)")
        print(f"curves saved to {args.plot}")
    if not len(history):
        return 1
    print(f"claimed by the seed: {preset.claim}")
    print(f"test accuracy: {history[-1].test_accuracy:.4f}")
    return 0 if history.stopped is None else 1
