"""Real samples for `draw`, `explain` and `check`: an MNIST image or a row of your own table.

    --mnist-index K [--split test]       MNIST image K (x = pixel/256) and its one-hot target
    --sample-from FILE --row K           row K (from 0) of a CSV/.npz: its inputs, and its label
                                         (one-hot) or --target-columns as the target

Not a subcommand: the three commands call ``add_options`` and ``chosen``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurograph.engine.graph import Network

MNIST_INPUTS = 784


class Sample(NamedTuple):
    """One input x, its target t (None when there is none) and where they came from."""

    x: np.ndarray
    t: np.ndarray | None
    source: str


def add_options(p) -> None:
    g = p.add_argument_group("a real sample (instead of --input/--target)")
    g.add_argument("--mnist-index", type=int, metavar="K", help="MNIST image K and its one-hot target")
    g.add_argument("--split", choices=("train", "valid", "test"), default="train",
                   help="the MNIST split of --mnist-index (default train; test image 0 is a 7)")
    g.add_argument("--sample-from", metavar="FILE", help="a CSV or .npz table; the sample is --row K")
    g.add_argument("--row", type=int, default=0, metavar="K", help="data row of --sample-from, from 0 (default 0)")
    g.add_argument("--label-column", metavar="COLUMN",
                   help="label column of --sample-from: header name or position from 1 (default: the last, "
                        "unless the table has exactly the model's inputs)")
    g.add_argument("--target-columns", metavar="C1,C2,...", help="real-valued target columns of --sample-from")


def mnist_sample(net: Network, index: int, split: str) -> Sample:
    """MNIST image ``index`` of ``split``, with a one-hot target when the net has 10 outputs."""
    from neurograph.training.datasets import mnist_image, one_hot     # loaded only when a sample is asked for

    if net.n_inputs != MNIST_INPUTS:
        raise ValueError(f"--mnist-index needs a model with {MNIST_INPUTS} inputs (28×28 pixels); "
                         f"this one has {net.n_inputs}")
    x, label = mnist_image(index, split)
    t = one_hot(np.array([label]), 10)[0] if net.n_outputs == 10 else None
    return Sample(x, t, f"MNIST {split} image {index} (a {label}, x = pixel/256)")


def table_sample(net: Network, path: str, row: int, label_column: str | None, target_columns: str | None) -> Sample:
    """Data row ``row`` of a CSV/.npz table, its target from the label or target columns."""
    from neurograph.training.data_files import read_inputs, read_table
    from neurograph.training.datasets import one_hot

    X, y = read_inputs(path), None                 # every column an input: no target
    if label_column is not None or target_columns is not None or X.shape[1] != net.n_inputs:
        X, y = read_table(path, label_column, target_columns)
    if X.shape[1] != net.n_inputs:
        raise ValueError(f"{path} has {X.shape[1]} input columns but the model has {net.n_inputs} inputs")
    if not 0 <= row < len(X):
        raise ValueError(f"--row {row} is out of range: {path} has {len(X)} data rows (0–{len(X) - 1})")
    if y is None:
        return Sample(X[row], None, f"{path} row {row}")
    if np.asarray(y).dtype.kind == "f":
        t = np.atleast_1d(np.asarray(y[row], dtype=float))
        if t.shape != (net.n_outputs,):
            raise ValueError(f"{path}: --target-columns gives {t.size} targets but the model has "
                             f"{net.n_outputs} outputs")
        return Sample(X[row], t, f"{path} row {row}")
    label = int(y[row])
    return Sample(X[row], one_hot(np.array([label]), net.n_outputs, what=f"{path} row {row} label")[0],
                  f"{path} row {row} (label {label})")


def chosen(args, net: Network) -> Sample | None:
    """The real sample the options ask for, or None when they ask for none."""
    if args.mnist_index is not None and args.sample_from:
        raise ValueError("choose one sample: --mnist-index or --sample-from")
    if (args.mnist_index is not None or args.sample_from) and getattr(args, "input", None):
        raise ValueError("--input gives the sample by hand; leave out --mnist-index/--sample-from (or --input)")
    if args.mnist_index is not None:
        return mnist_sample(net, args.mnist_index, args.split)
    if args.sample_from:
        return table_sample(net, args.sample_from, args.row, args.label_column, args.target_columns)
    return None
