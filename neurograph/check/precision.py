"""Judge a number at the digits it was written with, as ``grade`` does.

An answer d is right when it is the true value v rounded or truncated to d's
last written digit, whose place value is u = 10^e (0.0223 → u = 0.0001,
2e-1 → u = 0.1, 0 → u = 1):

    rounded:    |d − v| ≤ u/2
    truncated:  0 ≤ |v| − |d| < u, with d's sign that of v (or d = 0)

and when it carries at least one significant digit of v:  u ≤ |v|.  A coarser
answer cannot be judged — ``0`` would pass for 0.1796, ``0.0`` for −0.0223,
``1`` for 0.96 — so it is wrong, with the hint "write more digits".  The one
exception is a true value that is exactly 0 or at most ZERO_BELOW = √ε ≈ 1.5e-8
(the float64 tolerance of ``compare``): 0 written to any precision is right then.
"""
from __future__ import annotations

import numbers
from decimal import Decimal, InvalidOperation

import numpy as np

from neurograph.check.reference import tolerance

ZERO_BELOW = tolerance(np.float64)        # |v| at or below this counts as 0: √ε ≈ 1.5e-8
NOISE = Decimal("1e-12")                  # relative float noise allowed in the value itself


def written(value, name: str) -> Decimal:
    """The answer as the digits written: a string as is, a float by its shortest repr."""
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        raise TypeError(f"answer {name} must be a number or a string of digits, got {value!r}")
    text = value.strip().replace("−", "-") if isinstance(value, str) else repr(float(value)) \
        if not isinstance(value, numbers.Integral) else str(int(value))
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"answer {name} = {value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"answer {name} = {value!r} must be finite")
    return d


def unit(d: Decimal) -> Decimal:
    """The place value u of d's last written digit: 0.0223 → 0.0001, 2e-1 → 0.1, 0 → 1."""
    return Decimal(1).scaleb(int(d.as_tuple().exponent))     # d is finite


def too_coarse(d: Decimal, value: float) -> bool:
    """True when d's last digit lies above v's first: u > |v|, for |v| > ZERO_BELOW."""
    v = abs(Decimal(float(value)))
    return v > Decimal(ZERO_BELOW) and unit(d) > v * (1 + NOISE)


def at_digits(d: Decimal, value: float) -> str | None:
    """'rounded' or 'truncated' when d is v written to d's last digit, else None (coarse or not)."""
    v = Decimal(float(value))
    u = unit(d)
    slack = abs(v) * NOISE
    if abs(d - v) <= u / 2 + slack:
        return "rounded"
    toward_zero = (v - d) if v >= 0 else (d - v)
    if (d == 0 or (d > 0) == (v > 0)) and -slack <= toward_zero < u + slack:
        return "truncated"
    return None


def right_at_precision(d: Decimal, value: float) -> str | None:
    """'rounded' or 'truncated' when d is v written to d's last digit and u ≤ |v|, else None."""
    return None if too_coarse(d, value) else at_digits(d, value)


def coarse_hint(d: Decimal, value: float) -> str:
    """'write more digits: …' for an answer right at its own digits but coarser than the value."""
    v = float(value)
    need = f"{Decimal(1).scaleb(Decimal(abs(v)).adjusted()):f}"      # the place of v's first digit
    what = f"{d} cannot tell {v:.4g} from 0" if d == 0 else f"{d} is written to {unit(d):f}, coarser than {v:.4g}"
    return f"write more digits: {what}; write it to {need} or finer"
