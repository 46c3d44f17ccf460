"""`neurograph train`: train a saved network on a data set, or rerun a seed's MNIST experiment.

    neurograph train MODEL.json --data xor|mnist|mnist-subset|circles|moons|spiral|FILE.csv|FILE.npz
    neurograph train --preset seed004
    neurograph train --list-presets
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from neurograph.commands import example
from neurograph.commands.cli import INTERRUPTED, one_line
from neurograph.engine.graph import Network
from neurograph.io.atomic import check_writable
from neurograph.io.model_file import load_model
from neurograph.training.data_files import NAMED, DataSet, load_data
from neurograph.training.engines import ENGINES
from neurograph.training.history import EpochRecord, History, TrainingDiverged, TrainingInterrupted
from neurograph.training.loop import evaluate, train
from neurograph.training.presets import PRESETS, get_preset, run_preset

#: defaults for a saved model (a preset brings its own)
DEFAULTS: dict[str, float] = {"epochs": 100, "lr": 0.1, "batch_size": 1, "weight_decay": 0.0}


def add_parser(sub):
    p = sub.add_parser(
        "train", help="train a saved network on a data set (or rerun a seed's MNIST preset)",
        description="Train MODEL.json on a shipped data set (" + ", ".join(NAMED) + ") or on a CSV/.npz "
                    "file, print the loss and accuracy (R² for regression targets) per epoch, and save the "
                    "trained model with --save. --preset NAME instead reruns a seed's MNIST experiment with "
                    "its own network and settings; --list-presets says what each one is. --save is checked "
                    "before training starts; if saving still fails the model is written to a rescue file in "
                    "the current (or temporary) folder. Ctrl-C keeps the last finished epoch's model (saved "
                    f"with --save) and exits with code {INTERRUPTED}.",
        **example("neurograph train xor.json --data xor --epochs 1000 --lr 0.5 --save xor-trained.json"))
    p.add_argument("model", nargs="?", metavar="MODEL.json", help="a model saved by `neurograph new` or net.save()")
    p.add_argument("--data", metavar="NAME|FILE",
                   help=f"{', '.join(NAMED)}, or a .csv/.npz file (last column = label by default)")
    p.add_argument("--label-column", metavar="COLUMN",
                   help="the label column of a CSV: a header name or a position from 1 (-1 = last, the default)")
    p.add_argument("--target-columns", metavar="C1,C2,...",
                   help="regression: real-valued target columns (names or positions), one per output")
    p.add_argument("--preset", choices=list(PRESETS), help="rerun a seed's MNIST experiment instead")
    p.add_argument("--list-presets", action="store_true", help="list the presets and the seed texts they come from")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"passes over the data (default {DEFAULTS['epochs']}; a preset's own count)")
    p.add_argument("--lr", type=float, default=None,
                   help=f"learning rate η (default {DEFAULTS['lr']}; a preset's own, e.g. --lr 0.01 for seed000)")
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"samples per SGD step (default {DEFAULTS['batch_size']}; a preset's own)")
    p.add_argument("--weight-decay", type=float, default=None,
                   help=f"L2 decay λ: w ← w − η·(∂C/∂w + λ·w) (default {DEFAULTS['weight_decay']}; a preset's own)")
    p.add_argument("--engine", choices=ENGINES, default="matrix",
                   help="matrix (fast, default), graph (every neuron an object; slower) or torch "
                        "(PyTorch on the CPU: pip install 'neurograph[torch]')")
    p.add_argument("--seed", type=int, default=0,
                   help="shuffling seed, and the seed of a generated data set or a preset's weights (default 0)")
    p.add_argument("--subset", action="store_true",
                   help="with --preset: the fixed 1k-train / 1k-test MNIST subset (quick check)")
    p.add_argument("--save", metavar="OUT.json", help="save the trained network (Network.load reads it)")
    p.add_argument("--plot", metavar="CURVES.png",
                   help="save the loss and accuracy curves (needs matplotlib); for 2-D data also the "
                        "decision boundary beside them, as CURVES-boundary.png")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def preset_lines() -> list[str]:
    """One line per preset: its name, its setting, which seed text it reproduces and the text's claim."""
    lines = []
    for name in PRESETS:
        p = get_preset(name)
        source = p.doc.strip().splitlines()[0].rstrip(".")            # "Seed 004: minibatch backprop …"
        lines.append(f"{name}  {p.setting}.  From {source} (claimed: {p.claim})")
    return lines


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


def _line(r: EpochRecord, metric: str) -> str:
    short = "acc" if metric == "accuracy" else "R²"
    train_score = getattr(r, f"train_{metric}")
    text = f"epoch {r.epoch:3d}  lr {r.lr:g}  train loss {r.train_loss:.4f}  train {short} {train_score:.4f}"
    for split in ("valid", "test"):
        loss, score = getattr(r, f"{split}_loss"), getattr(r, f"{split}_{metric}")
        if loss is not None:
            text += f"  {split} loss {loss:.4f}  {split} {short} {score:.4f}"
    return text + f"  ({r.seconds:.1f}s)"


def _printer(epochs: int, metric: str):
    """Print every epoch of a short run, about ten lines of a long one (and always the last)."""
    every = max(1, epochs // 10) if epochs > 20 else 1
    return lambda r: print(_line(r, metric), flush=True) if r.epoch % every == 0 or r.epoch in (1, epochs) else None


def run(args) -> int:
    if args.list_presets:
        print("\n".join(preset_lines()))
        return 0
    if (args.model is None) == (args.preset is None):
        raise ValueError("give a MODEL.json with --data, or --preset NAME (see --list-presets)")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be ≥ 1, got {getattr(args, name)}")
    if args.save is not None:
        check_writable(args.save)              # a bad --save fails now, not after the training
    return _run_preset(args) if args.preset else _run_model(args)


def _fit_and_save(args, fit: Callable[[], History], name: str, title: str) -> tuple[History | None, int | None]:
    """Train, then save (or rescue) and plot: (history, None) to go on, (None, exit code) to stop."""
    try:
        history = fit()
    except TrainingDiverged as exc:
        history = exc.history
        print(f"stopped: {exc}")
    except TrainingInterrupted as exc:
        print(f"\nstopped: {exc}")
        if args.save is not None:
            save_or_rescue(exc.history.network, args.save, name)
        return None, INTERRUPTED
    if args.save is not None and not save_or_rescue(history.network, args.save, name):
        return None, 2
    if args.plot and len(history):
        history.plot(args.plot, title=title)
        print(f"curves saved to {args.plot}")
    return history, None


def _run_model(args) -> int:
    if not args.data:
        raise ValueError("which data? --data " + "|".join(NAMED) + "|FILE.csv|FILE.npz")
    if args.subset:
        raise ValueError("--subset belongs to --preset; use --data mnist-subset")
    net = load_model(args.model)
    data = load_data(args.data, seed=args.seed, n_outputs=net.n_outputs, label_column=args.label_column,
                     target_columns=args.target_columns)
    width = data.train.X.shape[1]
    if width != net.n_inputs:
        raise ValueError(f"data {data.name} has {width} input columns but {args.model} has {net.n_inputs} inputs")
    o = {k: DEFAULTS[k] if getattr(args, k) is None else getattr(args, k) for k in DEFAULTS}
    print(f"{args.model}: {net!r}; data {data.name}: {len(data.train.X)} training samples"
          + "".join(f", {len(s.X)} {n}" for n, s in (("valid", data.valid), ("test", data.test)) if s is not None))
    print(f"{o['epochs']} epochs, lr {o['lr']:g}, batch {o['batch_size']}, weight decay {o['weight_decay']:g}, "
          f"{args.engine} engine, seed {args.seed}", flush=True)
    metric = "r2" if np.asarray(data.train.y).dtype.kind == "f" else "accuracy"
    history, code = _fit_and_save(
        args, lambda: train(net, data.train.X, data.train.y, engine=args.engine, epochs=int(o["epochs"]), lr=o["lr"],
                            batch_size=int(o["batch_size"]), weight_decay=o["weight_decay"], valid=data.valid,
                            test=data.test, seed=args.seed, progress=False if args.no_progress else None,
                            on_epoch=_printer(int(o["epochs"]), metric)),
        Path(args.model).stem, f"{Path(args.model).name} on {data.name} ({args.engine} engine)")
    if history is None or code is not None:
        return int(code or 0)
    trained = history.network
    if not len(history) or trained is None:
        return 1
    if args.plot:
        _boundary(args.plot, trained, data)
    split, part = ("test", data.test) if data.test is not None else ("train", data.train)
    loss, score = evaluate(trained, part.X, part.y)                # the final weights, as saved
    name = "accuracy" if history.metric == "accuracy" else "R²"
    print(f"{split} {name}: {score:.4f}   {split} loss: {loss:.6f}   (the trained model on the {split} data)")
    if not args.save:
        print("(the trained weights were not saved: add --save OUT.json)")
    return 0 if history.stopped is None else 1


def _boundary(plot: str, net: Network, data: DataSet) -> None:
    """The decision-boundary picture beside the curves, for 2-D classification data."""
    split = data.test or data.train
    if split.X.shape[1] != 2 or np.asarray(split.y).dtype.kind not in "iu":
        return
    import visualize
    path = Path(plot)
    out = visualize.boundary(net, split.X, split.y, path.with_name(f"{path.stem}-boundary{path.suffix or '.png'}"),
                             title=f"{data.name}: regions the network predicts")
    print(f"decision boundary saved to {out}")


def _run_preset(args) -> int:
    if args.data or args.label_column or args.target_columns:
        raise ValueError("--preset brings its own MNIST data; --data is for a MODEL.json")
    preset = get_preset(args.preset)
    changes = {k: getattr(args, k) for k in ("lr", "batch_size", "weight_decay") if getattr(args, k) is not None}
    print(preset.doc.strip().splitlines()[0])
    for key, value in changes.items():
        print(f"{key.replace('_', ' ')} changed from the seed's {getattr(preset, key)} to {value}")
    print(f"{preset.setting}; {args.epochs or preset.epochs} epochs on the {args.engine} engine, "
          f"{'1k/1k subset' if args.subset else '50k train / 10k valid / 10k test'}")
    print("BLAS threads limited to 1 during training (threadpoolctl)", flush=True)
    history, code = _fit_and_save(
        args, lambda: run_preset(args.preset, engine=args.engine, epochs=args.epochs, seed=args.seed,
                                 subset=args.subset, progress=False if args.no_progress else None,
                                 on_epoch=lambda r: print(_line(r, "accuracy"), flush=True), **changes),
        preset.name, f"{preset.name}: {preset.setting} ({args.engine} engine)")
    if history is None or code is not None:
        return int(code or 0)
    if not len(history):
        return 1
    print(f"claimed by the seed: {preset.claim}")
    print(f"test accuracy: {history[-1].test_accuracy:.4f}")
    return 0 if history.stopped is None else 1
