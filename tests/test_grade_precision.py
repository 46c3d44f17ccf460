"""ng.grade's precision rule: judged at the digits written, with at least one significant digit.

The written answers are made here with Python's own ``decimal`` rounding
(ROUND_HALF_EVEN, ROUND_DOWN of the float's exact value), and "enough digits"
is decided here as 10^q ≤ |v| with exact Decimal arithmetic — independent of
neurograph.check.precision.
"""
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

import neurograph as ng
from neurograph.check.grade import right_at_precision, written
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example

# a true value |v| in [1e-7, 1e6), either sign, and a written precision 10^q
values = st.builds(lambda s, m, e: s * m * 10.0 ** e, st.sampled_from([1.0, -1.0]),
                   st.floats(1.0, 9.999999), st.integers(-7, 5))
places = st.integers(-12, 6)


def write(v: float, q: int, mode) -> Decimal:
    """v rounded (ROUND_HALF_EVEN) or truncated (ROUND_DOWN) to the place 10^q, exactly."""
    return Decimal(v).quantize(Decimal(1).scaleb(q), rounding=mode)


def forms(d: Decimal, q: int) -> list[str]:
    """The same digits as a plain string (when that keeps the place), in e-notation, with a '−'."""
    out = [format(d, "e"), format(d, "E")]
    if q <= 0:
        out += [format(d, "f"), format(d, "f").replace("-", "−")]
    return out


def enough(v: float, q: int) -> bool:
    """At least one significant digit of v: the written place 10^q is not above |v|'s first digit."""
    return Decimal(1).scaleb(q) <= abs(Decimal(v))


def off_the_boundary(v: float, q: int) -> bool:
    return abs(abs(Decimal(v)) / Decimal(1).scaleb(q) - 1) > Decimal("1e-9")


@given(values, places, st.sampled_from([ROUND_HALF_EVEN, ROUND_DOWN]))
def test_rounded_or_truncated_with_enough_digits_is_always_right(v, q, mode):
    assume(enough(v, q) and off_the_boundary(v, q))
    d = write(v, q, mode)
    for text in forms(d, q):
        assert right_at_precision(written(text, "x"), v) in ("rounded", "truncated"), (text, v)


@given(values, places, st.integers(-3, 3))
def test_too_coarse_answers_are_never_right(v, q, k):
    assume(not enough(v, q) and off_the_boundary(v, q))
    u = Decimal(1).scaleb(q)
    candidates = [write(v, q, ROUND_HALF_EVEN), write(v, q, ROUND_DOWN), k * u, Decimal(0).scaleb(q)]
    for d in candidates:
        for text in forms(d, q):
            assert right_at_precision(written(text, "x"), v) is None, (text, v)


@given(values, places)
def test_wrong_digits_are_never_right(v, q):
    """Two units off at the written place is wrong, down to ~10 significant digits (1e-12·|v| is float noise)."""
    assume(off_the_boundary(v, q) and Decimal(1).scaleb(q) >= abs(Decimal(v)) * Decimal("1e-10"))
    d = write(v, q, ROUND_HALF_EVEN) + 2 * Decimal(1).scaleb(q) * (1 if v >= 0 else -1)
    for text in forms(d, q):
        assert right_at_precision(written(text, "x"), v) is None, (text, v)


def test_the_reviewers_examples():
    assert right_at_precision(written(0, "C"), 0.1796) is None
    assert right_at_precision(written(0.0, "δ"), -0.0223) is None
    assert right_at_precision(written("0.2", "C"), 0.1796) == "rounded"      # one significant digit is enough
    assert right_at_precision(written("0.1", "C"), 0.1796) == "truncated"
    assert right_at_precision(written("1", "a"), 0.96) is None               # 0.96 needs its tenths: 1.0
    assert right_at_precision(written("1.0", "a"), 0.96) == "rounded"
    assert right_at_precision(written("-0.02", "δ"), -0.0223) == "rounded"
    assert right_at_precision(written("-2e-2", "δ"), -0.0223) == "rounded"


@given(st.floats(-1.49e-8, 1.49e-8), st.integers(-12, 2))       # √ε = 2^−26 ≈ 1.4901e-8
def test_zero_is_right_for_a_true_zero_or_a_value_below_the_tolerance(v, q):
    """0 to the place 10^q is right exactly when it is v truncated there, |v| < 10^q, however coarse."""
    assume(off_the_boundary(v, q) if v else True)
    verdict = right_at_precision(Decimal(0).scaleb(q), v)
    assert (verdict in ("rounded", "truncated")) == (abs(Decimal(v)) < Decimal(1).scaleb(q)), (v, q, verdict)
    assert right_at_precision(written(0, "x"), 0.0) == "rounded"


def test_zero_is_wrong_just_above_the_tolerance():
    assert right_at_precision(written(0, "x"), 2e-6) is None
    assert right_at_precision(written("0.000000", "x"), 2e-6) is None         # 0 to 1e-6 is not 2e-6
    assert right_at_precision(written("0.000002", "x"), 2e-6) == "rounded"


@given(st.dictionaries(st.sampled_from(["z_4", "a_5", "δ_8", "delta_4", "dw_{8,4}", "db_9", "C"]),
                       st.tuples(st.integers(-8, 0), st.sampled_from(["round", "trunc", "zero"])),
                       min_size=1, max_size=4))
def test_csv_answers_follow_the_rule(tmp_path_factory, plan):
    """Answers to the worked example through a CSV file: right exactly when enough digits and rounded/truncated."""
    import numpy as np
    net = worked_example()
    W, b = net.to_matrices("column")
    x, t = np.array(WORKED_X), np.array(WORKED_T)
    a1 = 1 / (1 + np.exp(-(W[0] @ x + b[0])))
    z2 = W[1] @ a1 + b[1]
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - t) * a2 * (1 - a2)
    d1 = (W[1].T @ d2) * a1 * (1 - a1)
    truth = {"z_4": (W[0] @ x + b[0])[0], "a_5": a1[1], "δ_8": d2[0], "delta_4": d1[0], "dw_{8,4}": a1[0] * d2[0],
             "db_9": d2[1], "C": 0.5 * np.sum((a2 - t) ** 2)}
    rows, expect = ["name,value"], {}
    for name, (q, how) in plan.items():
        v = float(truth[name])
        assume(off_the_boundary(v, q))
        d = Decimal(0).scaleb(q) if how == "zero" else write(v, q, ROUND_HALF_EVEN if how == "round" else ROUND_DOWN)
        rows.append(f"{name},{format(d, 'e')}")
        expect[name] = enough(v, q) and how != "zero"         # with enough digits, 0 is never v written
    path = tmp_path_factory.mktemp("csv") / "answers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    g = ng.grade(net, WORKED_X, WORKED_T, path)
    assert {a.name: a.ok for a in g.answers} == expect, str(g)
    for a in g.answers:                                       # wrong for lack of digits ⇔ the coarse hint
        coarse = not enough(float(truth[a.name]), plan[a.name][0])
        assert a.coarse == coarse and a.hint.startswith("write more digits: ") == coarse, str(g)


def test_a_coarse_answer_is_wrong_with_a_hint():
    g = ng.grade(worked_example(), WORKED_X, WORKED_T, {"C": 0, "δ_4": 0.0, "z_4": "-0.1", "δ_8": "0.1224"})
    assert [a.ok for a in g.answers] == [False, False, False, True]
    assert [a.coarse for a in g.answers] == [True, True, True, False]
    assert g.hints[:2] == ["C: write more digits: 0 cannot tell 0.1796 from 0; write it to 0.1 or finer",
                           "δ_4: write more digits: 0.0 cannot tell -0.02233 from 0; write it to 0.01 or finer"]
    assert g.hints[2] == ("z_4: write more digits: -0.1 is written to 0.1, coarser than -0.088; "
                          "write it to 0.01 or finer")
    assert "1 of 4 right" in str(g) and str(g).count("too coarse") == 3
