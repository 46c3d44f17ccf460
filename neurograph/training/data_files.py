"""Data for the command line: a shipped set by name, or your own CSV / .npz table.

Names: ``xor`` (the four points), ``mnist`` (50k train / 10k valid / 10k
test, x = pixel/256), ``mnist-subset`` (the first 1k train and 1k test
images), and the 2-D sets ``circles``, ``moons`` and ``spiral`` (generated
with the given seed; the test set is a second draw with seed + 1).

A CSV file has one sample per line.  If any field of the first line is not
a number, that line is the header (column names).  Columns are named by
their header name or by their position counted from 1 (-1 is the last).
Classification takes the label column (``label_column``, default the last):
whole numbers 0, 1, …; every other column is an input.  Regression takes the
``target_columns`` as real targets instead.  A bad line is reported with its
line number and column, e.g. ``data.csv line 7, column 2 ('x2'): 'abc' is not
a number``.

A .npz file holds either arrays ``X`` and ``y`` (integer labels, or float
targets of shape (samples, outputs)), or one 2-D array read like a CSV table
without a header.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from neurograph.training import datasets
from neurograph.training.datasets import Split
from neurograph.engine.validation import lookup

#: points in each generated 2-D set (train and test alike)
TOY_SIZE = 200


class DataSet(NamedTuple):
    """What to train on and what to report: ``valid`` and ``test`` may be None."""

    name: str
    train: Split
    valid: Split | None
    test: Split | None


def _toy(make):
    return lambda seed, n_out: DataSet(make.__name__, make(seed=seed), None, make(seed=seed + 1))


def _spiral(seed: int, n_out: int) -> DataSet:
    classes = max(n_out, 2) if n_out > 1 else 2
    return DataSet("spiral", datasets.spiral(classes=classes, seed=seed), None,
                   datasets.spiral(classes=classes, seed=seed + 1))


def _mnist(seed: int, n_out: int) -> DataSet:
    data = datasets.load_mnist()
    return DataSet("mnist", data.train, data.valid, data.test)


def _mnist_subset(seed: int, n_out: int) -> DataSet:
    data = datasets.mnist_subset()
    return DataSet("mnist-subset", data.train, None, data.test)


NAMED = {
    "xor": lambda seed, n_out: DataSet("xor", datasets.xor(), None, datasets.xor()),
    "mnist": _mnist,
    "mnist-subset": _mnist_subset,
    "circles": _toy(datasets.circles),
    "moons": _toy(datasets.moons),
    "spiral": _spiral,
}


def load_data(spec: str, seed: int = 0, n_outputs: int = 1, label_column: str | None = None,
              target_columns: str | None = None) -> DataSet:
    """A shipped set by name (its spiral has one arm per output), or a CSV/.npz file."""
    if spec in NAMED:
        if label_column is not None or target_columns is not None:
            raise ValueError(f"--label-column and --target-columns choose columns of a file; {spec!r} is a "
                             "shipped data set")
        return NAMED[spec](seed, n_outputs)
    path = Path(spec)
    if not path.suffix and not path.exists():
        lookup(NAMED, spec, "data set", " or give a .csv or .npz file")      # raises, listing the names
    return DataSet(path.name, read_table(path, label_column, target_columns), None, None)


# -- tables ------------------------------------------------------------------------------

class _Table(NamedTuple):
    values: np.ndarray          # rows × columns, floats
    names: list[str]            # header names, or "" for each column without a header
    lines: list[int]            # the file line of each row (1-based)
    where: str                  # the file, for messages


def _describe(table: _Table, col: int) -> str:
    name = table.names[col]
    return f"column {col + 1}" + (f" ({name!r})" if name else "")


def _column(table: _Table, spec: str, option: str) -> int:
    """The 0-based index of a column given by header name or 1-based position (-1 = last)."""
    spec = spec.strip()
    if spec in table.names:
        return table.names.index(spec)
    try:
        pos = int(spec)
    except ValueError:
        pos = 0
    n = len(table.names)
    if 1 <= pos <= n or -n <= pos <= -1:
        return pos - 1 if pos > 0 else n + pos
    names = ", ".join(f"{i + 1} ({nm!r})" if nm else str(i + 1) for i, nm in enumerate(table.names))
    raise ValueError(f"{option} {spec!r}: {table.where} has no such column; its columns are {names}")


def _read_csv(path: Path) -> _Table:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text (CSV) file ({exc.reason})") from None
    rows, lines, names = [], [], None
    width = None
    for lineno, fields in enumerate(csv.reader(text.splitlines()), 1):
        if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue                                         # blank lines and # comments
        fields = [f.strip() for f in fields]
        if width is None:
            width = len(fields)
            if not all(_is_number(f) for f in fields):      # the first line names the columns
                names = fields
                continue
        if len(fields) != width:
            raise ValueError(f"{path} line {lineno}: {len(fields)} fields, expected {width} like the first line")
        rows.append(fields)
        lines.append(lineno)
    if not rows:
        raise ValueError(f"{path}: no data rows" + (" (only a header)" if names else ""))
    names = names or [""] * (width or 0)
    table = _Table(np.empty((len(rows), len(names))), names, lines, str(path))
    for r, fields in enumerate(rows):
        for c, field in enumerate(fields):
            try:
                value = float(field)
            except ValueError:
                raise ValueError(f"{path} line {lines[r]}, {_describe(table, c)}: {field!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"{path} line {lines[r]}, {_describe(table, c)}: {field!r} is not a finite number")
            table.values[r, c] = value
    return table


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _labels(table: _Table, col: int) -> np.ndarray:
    """Whole numbers ≥ 0 as int64, or a ValueError naming the first bad line."""
    values = table.values[:, col]
    bad = np.flatnonzero((values != np.round(values)) | (values < 0))
    if len(bad):
        r = int(bad[0])
        raise ValueError(f"{table.where} line {table.lines[r]}, {_describe(table, col)}: label {values[r]:g} is not "
                         "a whole number ≥ 0 (for real-valued targets use --target-columns)")
    return values.astype(np.int64)


def read_inputs(path: Path | str) -> np.ndarray:
    """Every column of a CSV/.npz table (or the X of an X, y .npz) as inputs."""
    path = Path(path)
    _exists(path)
    if path.suffix.lower() == ".npz":
        pair = _read_npz_pair(path)
        return pair.X if pair is not None else _npz_table(path).values
    return _read_csv(path).values


def _exists(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")


def read_table(path: Path | str, label_column: str | None = None, target_columns: str | None = None) -> Split:
    """X and y from a CSV or .npz file (see the module doc)."""
    path = Path(path)
    _exists(path)
    if label_column is not None and target_columns is not None:
        raise ValueError("give either --label-column (classes) or --target-columns (regression), not both")
    if path.suffix.lower() == ".npz":
        pair = _read_npz_pair(path)
        if pair is not None:
            if label_column is not None or target_columns is not None:
                raise ValueError(f"{path} holds arrays X and y: there are no columns to choose")
            return pair
        table = _npz_table(path)
    else:
        table = _read_csv(path)
    if target_columns is not None:
        cols = [_column(table, c, "--target-columns") for c in target_columns.split(",")]
        y = table.values[:, cols]
    else:
        cols = [_column(table, label_column or "-1", "--label-column")]
        y = _labels(table, cols[0])
    if len(cols) == table.values.shape[1]:
        raise ValueError(f"{path}: every column is a target; no input columns are left")
    return Split(np.delete(table.values, cols, axis=1), y)


def _read_npz_pair(path: Path) -> Split | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None
    if "X" not in arrays:
        if len(arrays) != 1:
            raise ValueError(f"{path}: expected arrays X and y, or a single 2-D table; found {sorted(arrays)}")
        return None
    if "y" not in arrays:
        raise ValueError(f"{path}: has X but no y (labels or targets); found {sorted(arrays)}")
    X, y = arrays["X"], arrays["y"]
    if X.ndim != 2 or len(y) != len(X) or not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{path}: X has shape {X.shape} ({X.dtype}) and y {y.shape}; expected X (samples, inputs) "
                         "of numbers and one y row per sample")
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        raise ValueError(f"{path}: X[{bad[0][0]}, {bad[0][1]}] is {X[tuple(bad[0])]}; every input must be finite")
    return Split(X.astype(float), y)


def _npz_table(path: Path) -> _Table:
    with np.load(path, allow_pickle=False) as z:
        (key,) = z.files
        values = z[key]
    if values.ndim != 2 or not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"{path}: array {key!r} has shape {values.shape} ({values.dtype}); expected a 2-D table "
                         "of numbers, one sample per row")
    table = _Table(values.astype(float), [""] * values.shape[1], list(range(1, len(values) + 1)), f"{path} ({key})")
    bad = np.argwhere(~np.isfinite(table.values))
    if len(bad):
        r, c = (int(i) for i in bad[0])
        raise ValueError(f"{table.where} row {r + 1}, {_describe(table, c)}: {table.values[r, c]} is not finite")
    return table
