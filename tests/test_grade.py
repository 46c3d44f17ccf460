"""ng.grade: hand-derived numbers for the worked example, judged at the digits written.

The expected numbers are computed here by hand in plain numpy (forward and
backward of the 3-4-2 sigmoid network, C = ½Σ(a − t)²), not by neurograph.
"""
import math

import numpy as np
import pytest

import neurograph as ng
from neurograph.check.grade import right_at_precision, written
from neurograph.commands.cli import main
from neurograph.engine.builders import WORKED_T, WORKED_X, worked_example


def hand():
    """z, a, δ of every node, ∂C/∂w, ∂C/∂b and C of the worked example, by numpy."""
    net = worked_example()
    W, b = net.to_matrices("column")
    x, t = np.array(WORKED_X), np.array(WORKED_T)
    z1 = W[0] @ x + b[0]
    a1 = 1 / (1 + np.exp(-z1))
    z2 = W[1] @ a1 + b[1]
    a2 = 1 / (1 + np.exp(-z2))
    d2 = (a2 - t) * a2 * (1 - a2)
    d1 = (W[1].T @ d2) * a1 * (1 - a1)
    return dict(net=net, W=W, b=b, z1=z1, a1=a1, z2=z2, a2=a2, d2=d2, d1=d1, x=x, t=t,
                C=0.5 * np.sum((a2 - t) ** 2))


def digits(v, n, mode="round"):
    """v written with n decimals, rounded or truncated, as a string."""
    q = 10 ** n
    v = math.trunc(v * q) / q if mode == "trunc" else round(v, n)
    return f"{v:.{n}f}"


def test_right_answers_rounded_or_truncated():
    h = hand()
    answers = {"z_4": digits(h["z1"][0], 4), "a_6": digits(h["a1"][2], 4, "trunc"),
               "delta_8": digits(h["d2"][0], 5), "δ_4": digits(h["d1"][0], 4, "trunc"),
               "dw_{8,4}": digits(h["a1"][0] * h["d2"][0], 6), "∂C/∂w_{4,1}": digits(h["x"][0] * h["d1"][0], 7),
               "db_9": digits(h["d2"][1], 4), "C": digits(h["C"], 4),
               "w_{8,4}": digits(h["W"][1][0, 0] - 0.5 * h["a1"][0] * h["d2"][0], 5),
               "b_9": digits(h["b"][1][1] - 0.5 * h["d2"][1], 5)}
    g = ng.grade(h["net"], WORKED_X, WORKED_T, answers, lr=0.5)
    assert g.ok, str(g)
    assert [a.verdict for a in g.answers][:2] == ["rounded", "truncated"]
    assert "10 of 10 right" in str(g) and len(repr(g)) < 300 and "<table>" in g._repr_html_()


def test_precision_rules():
    assert right_at_precision(written(-0.0223, "x"), -0.022314) == "rounded"
    assert right_at_precision(written("-0.0223", "x"), -0.022386) == "truncated"
    assert right_at_precision(written("-0.0224", "x"), -0.022386) == "rounded"
    assert right_at_precision(written("-0.0222", "x"), -0.022386) is None
    assert right_at_precision(written("0.2500", "x"), 0.25004) == "rounded"
    assert right_at_precision(written("0.2500", "x"), 0.2502) is None      # trailing zeros count as digits
    assert right_at_precision(written(0.25, "x"), 0.2502) == "rounded"     # a float's digits: repr 0.25
    assert right_at_precision(written("1.2e-3", "x"), 0.00124) == "rounded"
    assert right_at_precision(written("1.2e-3", "x"), 0.00126) == "truncated"
    assert right_at_precision(written("1.2e-3", "x"), 0.00131) is None
    assert right_at_precision(written("-0.02", "x"), 0.02) is None         # the sign is never truncated


def test_hints_name_the_mistake():
    h = hand()
    d2, a1, a2, t = h["d2"], h["a1"], h["a2"], h["t"]
    back = h["W"][1].T @ d2                               # Σ w·δ without σ′
    answers = {
        "δ_8": digits(a2[0] - t[0], 4),                  # no σ′ at the output
        "δ_5": digits(back[1], 5),                       # no σ′ in the hidden layer
        "dw_{9,5}": digits(a2[1] * d2[1], 5),            # this node's a instead of a_5
        "w_{9,4}": digits(h["W"][1][1, 0] + 0.5 * a1[0] * d2[1], 4),   # gradient added
        "C": digits(2 * h["C"], 4),                      # no ½
        "δ_9": digits(-d2[1], 4),
    }
    g = ng.grade(h["net"], WORKED_X, WORKED_T, answers, lr=0.5)
    kinds = {a.name: a.kind for a in g.answers}
    assert kinds == {"δ_8": "wrong_loss_delta", "δ_5": "missing_derivative", "dw_{9,5}": "wrong_input",
                     "w_{9,4}": "sign", "C": "scale", "δ_9": "sign"}, str(g)
    assert not g.ok
    hint = g.answers[0].hint
    assert hint == f"δ_8 is (a − t) without σ′(z_8) = a(1 − a) = {a2[0] * (1 - a2[0]):.4f}"
    assert any(line.startswith("δ_5: δ_5 is Σ w·δ without σ′(z_5)") for line in g.hints)


def test_hidden_delta_inherits_from_the_students_output_delta():
    h = hand()
    wrong_d2 = h["a2"] - h["t"]                          # the output mistake …
    inherited = (h["W"][1].T @ wrong_d2) * h["a1"] * (1 - h["a1"])   # … carried back correctly
    answers = {"δ_8": digits(wrong_d2[0], 6), "δ_9": digits(wrong_d2[1], 6), "δ_6": digits(inherited[2], 6)}
    g = ng.grade(h["net"], WORKED_X, WORKED_T, answers)
    assert [a.kind for a in g.answers] == ["wrong_loss_delta", "wrong_loss_delta", "inherited"], str(g)


def test_csv_answers_and_cli(tmp_path, capsys):
    h = hand()
    net = h["net"]
    model = tmp_path / "model.json"
    net.save(model)
    good = tmp_path / "good.csv"
    good.write_text(f"name,value\ndelta_8,{digits(h['d2'][0], 4)}\nw_{{8,4}},"
                    f"{digits(h['W'][1][0, 0] - 0.5 * h['a1'][0] * h['d2'][0], 4)}\n", encoding="utf-8")
    g = ng.grade(net, WORKED_X, WORKED_T, good, lr=0.5)
    assert g.ok and [a.yours for a in g.answers][0] == digits(h["d2"][0], 4)
    args = [str(model), str(good), "--input", "0.05,0.10,0.20", "--target", "0.01,0.99", "--lr", "0.5"]
    assert main(["grade"] + args) == 0
    assert "2 of 2 right" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(f"name,value\ndelta_8,{digits(h['a2'][0] - h['t'][0], 4)}\n", encoding="utf-8")
    assert main(["grade", str(model), str(bad), "--input", "0.05,0.10,0.20", "--target", "0.01,0.99"]) == 1
    assert "wrong_loss_delta" in capsys.readouterr().out
    broken = tmp_path / "broken.csv"
    broken.write_text("answer,number\nC,1\n", encoding="utf-8")
    assert main(["grade", str(model), str(broken), "--input", "0.05,0.10,0.20", "--target", "0.01,0.99"]) == 2
    assert "line 1 must be the header 'name,value'" in capsys.readouterr().err


@pytest.mark.parametrize("answers,kwargs,message", [
    ({"w_{4,1}": 0.1}, {}, "answer w_{4,1} is a value after one step: pass lr"),
    ({"dw_{8,1}": 0.1}, {}, "there is no edge 1 → 8"),
    ({"z_12": 0.1}, {}, "there is no node 12"),
    ({"q_4": 0.1}, {}, "answer name 'q_4' is not one of"),
    ({"C": "abc"}, {}, "answer C = 'abc' is not a number"),
    ({"C": True}, {}, "answer C must be a number"),
    ({"delta_1": 0.1}, {}, "node 1 is an input"),
])
def test_bad_answers(answers, kwargs, message):
    net = worked_example()
    before = [e.weight for e in net.edges]
    with pytest.raises((ValueError, TypeError)) as err:
        ng.grade(net, WORKED_X, WORKED_T, answers, **kwargs)
    assert message in str(err.value)
    assert before == [e.weight for e in net.edges]


def test_the_help_example_is_right(tmp_path):
    """The answers in `neurograph grade --help` are the worked example's real numbers."""
    import re

    from neurograph.commands.grade import EXAMPLE
    rows = re.search(r"printf '(.*?)' > answers.csv", EXAMPLE).group(1).replace("\\\\n", "\n").replace("\\n", "\n")
    (tmp_path / "answers.csv").write_text(rows, encoding="utf-8")
    worked_example().save(tmp_path / "model.json")
    assert main(["grade", str(tmp_path / "model.json"), str(tmp_path / "answers.csv"), "--input", "0.05,0.10,0.20",
                 "--target", "0.01,0.99", "--lr", "0.5"]) == 0
