"""`neurograph compare model.json mine.npz`: your backprop's arrays against the model's, mistakes named.

Exit code 0 when every array matches, 1 when some do not (the report says
which, and why), 2 for bad input (from the CLI).
"""
from __future__ import annotations

import argparse
import re

import numpy as np

from neurograph.check.compare import compare
from neurograph.io.model_file import load_model

EXAMPLE = """\
example:
  # in Python: np.savez("mine.npz", X=X, T=T, dW1=dW1, db1=db1, dW2=dW2, db2=db2, delta2=d2, loss=C)
  neurograph compare model.json mine.npz --convention row --reduction mean

mine.npz holds X (m, n_in) and T (m, n_out), and any of dW1, db1, delta1, a1, z1, dW2, …, loss
(layer k is the k-th weight matrix). Exit code 0: everything matches; 1: something differs; 2: bad input.
"""
_ARRAY = re.compile(r"(dW|db|delta|a|z)(\d+)")


def add_parser(sub):
    p = sub.add_parser(
        "compare", help="compare your own backprop's numbers (an .npz) with the model's and name the mistake",
        description="Recompute z, a, δ, ∂C/∂W, ∂C/∂b and the loss of a saved layered model for your batch X, T, "
                    "compare them with your arrays, and name each mistake (scale, sign, transposed, "
                    "missing_derivative, derivative_at_a, wrong_input, bias_not_reduced, wrong_loss_delta, "
                    "inherited, mismatch).",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a model saved with net.save() (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("mine", help="an .npz with X, T and your arrays (dW1, db1, delta1, a1, z1, …, loss)")
    p.add_argument("--convention", choices=("row", "column"), default="row",
                   help="layout of your dW: row = n_in × n_out (z = a·W + b), column = n_out × n_in (default row)")
    p.add_argument("--reduction", choices=("mean", "sum"), default="mean",
                   help="what your dW, db and loss do over the batch (default mean)")
    return p


def read_npz(path: str, L: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """X, T and the ``mine`` dict of compare from an .npz of named arrays."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    with data:
        arrays = {name: data[name] for name in data.files}
    for name in ("X", "T"):
        if name not in arrays:
            raise ValueError(f"{path} has no array {name}; it needs X (m, n_in) and T (m, n_out)")
    X, T = arrays.pop("X"), arrays.pop("T")
    mine: dict = {}
    for name, value in arrays.items():
        match = _ARRAY.fullmatch(name)
        if name == "loss":
            mine["loss"] = value
        elif match and 1 <= int(match.group(2)) <= L:
            mine.setdefault(match.group(1), {})[int(match.group(2))] = value
        elif match:
            raise ValueError(f"{path}: array {name} names layer {match.group(2)}, but the model has layers 1–{L}")
        else:
            raise ValueError(f"{path}: unknown array {name!r}; expected X, T, loss and dW<k>, db<k>, delta<k>, "
                             "a<k>, z<k> for layers k = 1…L")
    return X, T, mine


def run(args) -> int:
    net = load_model(args.model)
    L = len(net.layers) - 1
    X, T, mine = read_npz(args.mine, L)
    try:
        result = compare(net, X, T, mine, convention=args.convention, reduction=args.reduction)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    print(result)
    return 0 if result.ok else 1
