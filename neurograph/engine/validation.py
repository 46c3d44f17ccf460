"""Boundary checks, done once where data enters, with messages that name the value."""
from __future__ import annotations

import math
import numbers

import numpy as np


#: node ids are stored as int64 by the matrix backend and numpy: 1 … 2⁶³ − 1
MAX_ID = 2**63 - 1


def show(value) -> str:
    """``repr(value)`` cut to 80 characters; an integer too long to print says how long it is."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**100:
        return f"an integer with {_digits(int(value))} digits"
    return f"{value!r:.80}"


def _digits(n: int) -> int:
    """Decimal digits of n, without str() (which refuses more than 4300 digits)."""
    n = abs(n)
    k = int(n.bit_length() * math.log10(2))          # 10**k ≤ n·10, so n has k or k + 1 digits
    return k + 1 if n >= 10**k else k


def _not_a_number(value) -> str | None:
    """Why ``value`` is no real number (None when it is one): bools, complex, str, None, objects."""
    if isinstance(value, (bool, np.bool_)):
        return f"the bool {value!r}"
    if isinstance(value, numbers.Real):
        return None
    kind = ("the complex number" if isinstance(value, numbers.Complex)
            else "the text" if isinstance(value, (str, bytes)) else f"a {type(value).__name__}")
    return f"{kind} {show(value)}" if value is not None else "None"


def real_array(values, what: str) -> np.ndarray:
    """``values`` as a numpy array of real numbers (ints and floats keep their dtype).

    Refused with a TypeError naming ``what`` and the first bad entry: bools,
    complex numbers, strings, None and other objects (numpy would silently make
    them 1.0, drop the imaginary part, parse "1" or read NaN).  An integer
    beyond the float range is a ValueError, and so are rows of unequal length.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return values                                   # the common case, no copy
    if isinstance(values, np.ndarray) or hasattr(values, "__array__"):
        arr = np.asarray(values)
    else:                                               # lists and scalars: look at each entry
        try:
            arr = np.asarray(values, dtype=object)
        except ValueError:
            raise ValueError(f"{what} has rows of different lengths; expected a rectangular array") from None
    if arr.dtype.kind in "iuf":
        return arr
    if arr.dtype.kind != "O":
        kind = {"b": "bools", "c": "complex numbers", "U": "text", "S": "bytes"}.get(arr.dtype.kind, str(arr.dtype))
        raise TypeError(f"{what} must be numbers (real, not bool), got an array of {kind} "
                        f"(dtype {arr.dtype}, shape {arr.shape})")
    types = set(map(type, arr.flat))
    if any(t in (list, tuple) or issubclass(t, np.ndarray) for t in types):
        raise ValueError(f"{what} has rows of different lengths; expected a rectangular array")
    if not all(t in (int, float) for t in types):
        for index, v in np.ndenumerate(arr):
            why = _not_a_number(v)
            if why:
                raise TypeError(f"{what} must be numbers (real, not bool), got {why} at index {index}")
    for index, v in np.ndenumerate(arr):
        if isinstance(v, numbers.Integral) and abs(int(v)) > 2**1023:
            raise ValueError(f"{what} contains {show(v)} at index {index}, beyond the float range "
                             "(±1.8e308); every value must be finite")
    return arr.astype(float)


def finite_array(values, what: str, width: int, allow_batch: bool = True) -> np.ndarray:
    """Return ``values`` as a float array of shape (width,) or (m, width).

    Raises TypeError for non-numbers (see ``real_array``) and ValueError for a
    wrong shape or a NaN/inf entry, naming ``what`` and the expected shape.
    """
    expected = f"({width},)" + (f" or (batch, {width})" if allow_batch else "")
    arr = np.asarray(real_array(values, what), dtype=float)
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
    """A finite real number, or a clear error naming ``what`` (bools, complex, str and None refused)."""
    if type(value) is float and math.isfinite(value):     # the common case, without the checks below
        return value
    why = _not_a_number(value)
    if why:
        raise TypeError(f"{what} must be a real number, got {why}")
    try:
        value = float(value)
    except OverflowError:                  # an int beyond float range, e.g. 10**400 read from JSON
        raise ValueError(f"{what} must be finite, got {show(value)}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


def boolean(value, what: str) -> bool:
    """``True`` or ``False`` (numpy bools accepted); anything else is a TypeError naming ``what``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {show(value)}")
    return bool(value)


def non_negative(value, what: str) -> float:
    """A finite number ≥ 0, such as a learning rate η or a weight decay λ."""
    value = finite_number(value, what)
    if value < 0:
        raise ValueError(f"{what} must be ≥ 0, got {value}")
    return value


def positive(value, what: str) -> float:
    """A finite number > 0, such as a finite-difference step h."""
    value = finite_number(value, what)
    if value <= 0:
        raise ValueError(f"{what} must be > 0, got {value}")
    return value


def seed(value, what: str = "seed") -> int | None:
    """A random seed: None or an integer ≥ 0 (what ``numpy.random.default_rng`` accepts)."""
    return None if value is None else whole_number(value, what, 0)


def node_id(value, what: str = "node id") -> int:
    """A positive integer id up to 2⁶³ − 1 (numpy ints accepted, bools and floats refused)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or not 1 <= int(value) <= MAX_ID):
        raise ValueError(f"{what} must be a positive integer up to 2**63 - 1 (ids are int64), got {show(value)}")
    return int(value)


def edge_triple(item, index: int) -> tuple[int, int, float]:
    """One (src, dst, weight) of ``connect_many``, checked; ``index`` is its place in the list."""
    if not isinstance(item, (tuple, list)) or len(item) != 3:
        raise ValueError(f"connect_many takes (src, dst, weight) triples, e.g. [(1, 4, 0.15)]; "
                         f"item {index} is {show(item)}")
    s, d, w = item
    return node_id(s, "source id"), node_id(d, "destination id"), finite_number(w, f"weight of edge {s} → {d}")


def lookup(registry: dict, name, kind: str, hint: str = ""):
    """``registry[name]``, or a ValueError that lists the valid names of this ``kind``."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {kind} {name!r}; choose one of {', '.join(sorted(registry))}{hint}") from None


def is_whole(value, lowest: int, highest: int | None = None) -> bool:
    """True for an integer (numpy ints too, never a bool or a float) from ``lowest`` to ``highest``."""
    return (not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) >= lowest
            and (highest is None or int(value) <= highest))


def whole_number(value, what: str, lowest: int, highest: int | None = None) -> int:
    """An integer ≥ ``lowest`` (and ≤ ``highest`` if given); numpy ints accepted, bools and floats refused."""
    if not is_whole(value, lowest, highest):
        bounds = f"≥ {lowest}" if highest is None else f"from {lowest} to {highest}"
        raise ValueError(f"{what} must be an integer {bounds}, got {show(value)}")
    return int(value)


def sample_batches(X, T, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """X and T as finite 2-D float batches with one target row per input row."""
    X = np.atleast_2d(finite_array(X, "input batch X", n_in))
    T = np.atleast_2d(finite_array(T, "target batch T", n_out))
    if len(X) != len(T):
        raise ValueError(f"X has {len(X)} rows but T has {len(T)}; expected T of shape "
                         f"({len(X)}, {n_out}), one target per sample")
    return X, T
