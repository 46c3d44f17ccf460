"""Boundary checks, done once where data enters, with messages that name the value."""
from __future__ import annotations

import math
import numbers

import numpy as np


def finite_array(values, what: str, width: int, allow_batch: bool = True) -> np.ndarray:
    """Return ``values`` as a float array of shape (width,) or (m, width).

    Raises TypeError for non-numeric data and ValueError for a wrong shape or a
    NaN/inf entry, naming ``what`` and the expected shape.
    """
    expected = f"({width},)" + (f" or (batch, {width})" if allow_batch else "")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be numbers, shape {expected}; got {values!r:.80} ({exc})") from None
    ok_shape = (arr.ndim == 1 and arr.shape[0] == width) or (
        allow_batch and arr.ndim == 2 and arr.shape[1] == width and arr.shape[0] > 0)
    if not ok_shape:
        raise ValueError(f"{what} has shape {arr.shape}; expected {expected}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{what} contains {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}; "
                         "every value must be finite")
    return arr


def finite_number(value, what: str) -> float:
    """A finite real number (bools refused), or a clear error naming ``what``."""
    if type(value) is float and math.isfinite(value):     # the common case, without the checks below
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {value!r}")
    try:
        value = float(value)
    except OverflowError:                  # an int beyond float range, e.g. 10**400 read from JSON
        raise ValueError(f"{what} must be finite, got an integer with {len(str(value))} digits") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


def boolean(value, what: str) -> bool:
    """``True`` or ``False`` (numpy bools accepted); anything else is a TypeError naming ``what``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def node_id(value, what: str = "node id") -> int:
    """A positive integer id (numpy ints accepted, bools and floats refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def lookup(registry: dict, name, kind: str, hint: str = ""):
    """``registry[name]``, or a ValueError that lists the valid names of this ``kind``."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {kind} {name!r}; choose one of {', '.join(sorted(registry))}{hint}") from None


def whole_number(value, what: str, lowest: int, highest: int | None = None) -> int:
    """An integer ≥ ``lowest`` (and ≤ ``highest`` if given); numpy ints accepted, bools and floats refused."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lowest
            or (highest is not None and value > highest)):
        bounds = f"≥ {lowest}" if highest is None else f"from {lowest} to {highest}"
        raise ValueError(f"{what} must be an integer {bounds}, got {value!r}")
    return int(value)


def sample_batches(X, T, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """X and T as finite 2-D float batches with one target row per input row."""
    X = np.atleast_2d(finite_array(X, "input batch X", n_in))
    T = np.atleast_2d(finite_array(T, "target batch T", n_out))
    if len(X) != len(T):
        raise ValueError(f"X has {len(X)} rows but T has {len(T)}; expected T of shape "
                         f"({len(X)}, {n_out}), one target per sample")
    return X, T
