"""Colours and number formats shared by every picture.

Colour: one colour-blind-safe diverging map, ColorBrewer *PuOr* — orange for
negative values, white for 0, purple for positive ones.  A value v is placed on
the map by t = v / vmax ∈ [−1, 1], where vmax is the largest |value| of its kind
in the picture (so the strongest weight is always the darkest).

Numbers: a fixed number of decimals, always signed, with the Unicode minus
sign (−0.52, +0.09).  A value that has not been computed yet (None: no forward
or no backward pass so far) is never shown as 0 but as ``MISSING``.
"""
from __future__ import annotations

#: ColorBrewer PuOr (9 classes), negative (orange) → 0 (white) → positive (purple)
PUOR = ("#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7",
        "#d8daeb", "#b2abd2", "#8073ac", "#542788")
NEUTRAL = "#9a9a9a"          # rings and edges when there is nothing to encode
UNKNOWN_FILL = "#eeeeee"     # fill of a node whose value is not known yet
UNKNOWN_TEXT = "#9a9a9a"     # text of a value that is not known yet
UNKNOWN_ON_DARK = "#d8d8d8"  # the same on a dark fill
SUMMARY = "#a0a0a0"          # dashed edges standing for many hidden ones
HIGHLIGHT = "#000000"        # outline of the layer a frame has just computed
QUIZ_FILL = "#ffffff"        # every node of a structure-only picture (values=False)
QUIZ_EDGE = "#777777"        # every edge of a structure-only picture
FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"

#: how a missing value reads in labels, legends and tooltips
MISSING = "—"
NOT_YET = "not computed yet"
MINUS = "\u2212"

PEN_MIN, PEN_MAX = 0.4, 5.0  # edge widths (points) for |w| = 0 and |w| = max


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def diverging(value: float | None, vmax: float) -> str:
    """Colour of ``value`` on PuOr, scaled so that ±vmax are the darkest ends.

    Linear interpolation between the 9 classes: t = value / vmax ∈ [−1, 1],
    position p = (t + 1)/2 · 8 along the palette.
    """
    if value is None:
        return UNKNOWN_FILL
    t = 0.0 if vmax <= 0 else max(-1.0, min(1.0, value / vmax))
    p = (t + 1.0) / 2.0 * (len(PUOR) - 1)
    i = min(int(p), len(PUOR) - 2)
    f = p - i
    lo, hi = _rgb(PUOR[i]), _rgb(PUOR[i + 1])
    return "#" + "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(lo, hi, strict=True))


def text_colour(background: str) -> str:
    """Black or white text, whichever reads better on ``background`` (relative luminance)."""
    r, g, b = _rgb(background)
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 120 else "#000000"


def pen_width(value: float | None, vmax: float) -> float:
    """Edge width ∝ |value|: PEN_MIN + (PEN_MAX − PEN_MIN)·|value|/vmax."""
    if value is None or vmax <= 0:
        return 1.0
    return PEN_MIN + (PEN_MAX - PEN_MIN) * min(1.0, abs(value) / vmax)


def number(value: float | None, precision: int = 2) -> str:
    """Signed, fixed decimals, Unicode minus: −0.52, +0.09; None → '—'.

    A non-zero value that would round to ±0.00 keeps ``precision`` significant
    digits instead (−0.0021), so a small gradient never reads as zero.
    """
    if value is None:
        return MISSING
    if value != 0 and abs(value) < 0.5 * 10.0 ** -precision:
        return f"{value:+.{max(precision, 1)}g}".replace("-", MINUS)
    return f"{value:+.{precision}f}".replace("-", MINUS)


def full(value: float | None) -> str:
    """Full precision for tooltips (shortest text that reads back the same float)."""
    return NOT_YET if value is None else repr(float(value))


def largest(values) -> float:
    """max |v| over the known values (0.0 when there are none)."""
    return max((abs(v) for v in values if v is not None), default=0.0)
