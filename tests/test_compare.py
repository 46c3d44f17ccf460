"""ng.compare / ng.check_backprop against deliberately buggy numpy backprop (tests/backprop_bugs.py).

Each bug has a known kind and layer; the test also computes, independently of
neurograph, which of the returned arrays differ from the correct
implementation's, and demands that exactly those are flagged: the cause with
the bug's kind at its layer, every other one "inherited" from it.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurograph as ng
from backprop_bugs import BUGS, as_dict, backprop, diagnose_case, problem

SHAPES = [[3, 4, 4, 2], [3, 3, 2], [2, 2, 2]]   # square layers, two softmax outputs, non-square


def check_case(sizes, m, head, convention, bug, everything, seed=0, reduction="mean", hidden="sigmoid"):
    net, W, b, X, T = problem(sizes, m, head, seed, convention, hidden)
    before = [e.weight for e in net.edges] + [n.bias or 0.0 for n in net.nodes]
    c, problem_found = diagnose_case(net, W, b, X, T, convention, head, bug, everything, reduction, hidden)
    assert before == [e.weight for e in net.edges] + [n.bias or 0.0 for n in net.nodes]   # net unchanged
    assert problem_found is None, f"{bug} {sizes} m={m} {head} {convention} everything={everything}: " \
                                  f"{problem_found}\n{c}"
    return c


CASES = list(itertools.product(SHAPES, (1, 4), ("sigmoid", "softmax"), ("row", "column"), sorted(BUGS)))


@pytest.mark.parametrize("sizes,m,head,convention,bug", CASES,
                         ids=["-".join(map(str, (s, m, h, c, b))) for s, m, h, c, b in CASES])
def test_every_bug_named_in_both_conventions(sizes, m, head, convention, bug):
    for everything in (False, True):
        check_case(sizes, m, head, convention, bug, everything)


@settings(max_examples=40, deadline=None)
@given(widths=st.lists(st.integers(2, 4), min_size=3, max_size=4), m=st.integers(1, 5),
       head=st.sampled_from(["sigmoid", "softmax"]), convention=st.sampled_from(["row", "column"]),
       bug=st.sampled_from(sorted(BUGS)), everything=st.booleans(), seed=st.integers(0, 10_000),
       hidden=st.sampled_from(["sigmoid", "tanh"]))
def test_bugs_named_over_random_shapes_and_seeds(widths, m, head, convention, bug, everything, seed, hidden):
    check_case(widths, m, head, convention, bug, everything, seed=seed, hidden=hidden)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("convention", ["row", "column"])
@pytest.mark.parametrize("head", ["sigmoid", "softmax"])
def test_correct_code_gives_no_findings(reduction, convention, head):
    for sizes, m, seed in itertools.product(SHAPES, (1, 3, 7), range(3)):
        net, W, b, X, T = problem(sizes, m, head, seed, convention)
        mine = backprop(W, b, X, T, convention=convention, head=head, reduction=reduction, everything=True)
        c = ng.compare(net, X, T, mine, convention=convention, reduction=reduction)
        assert c.ok and c.findings == [], str(c)
        assert "rtol = 1.5e-08 (√ε of float64)" in str(c)


def test_float32_data_judged_at_float32_precision():
    net, W, b, X, T = problem([3, 4, 2], 5, "sigmoid", 1)
    f32 = lambda v: [np.asarray(a, dtype=np.float32) for a in v]     # noqa: E731
    dW, db = backprop(f32(W), f32(b), X.astype(np.float32), T.astype(np.float32))
    c = ng.compare(net, X.astype(np.float32), T.astype(np.float32), {"dW": dW, "db": db})
    assert dW[0].dtype == np.float32 and c.ok, str(c)
    assert c.rtol == pytest.approx(np.sqrt(np.finfo(np.float32).eps)) and "float32" in str(c)
    # the same float32 numbers judged as float64 data fail: float32 rounding is far above √ε of float64
    strict = ng.compare(net, X, T, {"dW": [d.astype(float) for d in dW], "db": [d.astype(float) for d in db]})
    assert not strict.ok


def test_sum_in_the_mean_case_reads_m_and_the_message():
    net, W, b, X, T = problem([3, 4, 2], 5, "sigmoid", 2)
    c = ng.compare(net, X, T, as_dict(backprop(W, b, X, T, bug="sum_not_mean")))
    first = c.findings[0]
    assert (first.kind, first.quantity, first.layer) == ("scale", "dW", 2)
    assert first.factor == pytest.approx(5.0)
    assert "summed over the batch of m = 5 instead of averaging" in first.message
    assert first.worst and first.worst[0].name.startswith("w_{")
    w = first.worst[0]
    assert w.yours == pytest.approx(5 * w.expected)
    assert [f.kind for f in c.findings[1:]] == ["inherited"] * 3


def test_two_softmax_outputs_one_sample_bias_wins_over_scale():
    """δ rows ∝ (1, −1): one sample's bias gradient is also a constant multiple; the docs say which wins."""
    net, W, b, X, T = problem([3, 3, 2], 4, "softmax", 3)
    dW, db = backprop(W, b, X, T, head="softmax", bug="db_one_sample", layer=2)
    c = ng.compare(net, X, T, {"dW": dW, "db": db})
    assert [(f.kind, f.quantity, f.layer) for f in c.findings] == [("bias_not_reduced", "db", 2)]


def test_check_backprop_calls_on_copies_and_reports_changed_inputs():
    net, W, b, X, T = problem([3, 4, 2], 3, "sigmoid", 4)
    weights_before = net.to_matrices()[0]

    def fn(W, b, X, T):
        return backprop(W, b, X, T)

    assert ng.check_backprop(fn, net, X, T).ok

    def stepping(W, b, X, T):
        dW, db = backprop(W, b, X, T)
        W[0] -= 0.5 * dW[0]                 # a step inside the gradient function
        return {"dW": dW, "db": db}

    c = ng.check_backprop(stepping, net, X, T)
    assert [(f.kind, f.quantity, f.layer) for f in c.findings] == [("mismatch", "weights", 1)]
    assert all(np.array_equal(u, v) for u, v in zip(weights_before, net.to_matrices()[0], strict=True))

    def column_code(W, b, X, T):
        return backprop(W, b, X, T, convention="column", bug="no_fprime", layer=1)

    c = ng.check_backprop(column_code, net, X, T, convention="column")
    assert (c.findings[0].kind, c.findings[0].layer) == ("missing_derivative", 1)


def test_forward_values_and_loss_are_judged_and_inherited():
    net, W, b, X, T = problem([3, 4, 2], 3, "sigmoid", 5)
    mine = backprop(W, b, X, T, everything=True)
    mine["z"][0] = X @ W[0]                               # forgot the bias of layer 1
    mine["a"][0] = 1 / (1 + np.exp(-mine["z"][0]))
    c = ng.compare(net, X, T, {"z": mine["z"], "a": mine["a"]})
    assert [(f.kind, f.quantity, f.layer) for f in c.findings][:2] == [("mismatch", "z", 1), ("inherited", "a", 1)]
    right = backprop(W, b, X, T, everything=True)
    c = ng.compare(net, X, T, {"loss": right["loss"] * 3})
    assert [(f.kind, f.factor) for f in c.findings] == [("scale", pytest.approx(3.0))]
    assert "summed over the batch of m = 3" in c.findings[0].message
    c = ng.compare(net, X, T, {"loss": right["loss"] * 1.37})
    assert c.findings[0].kind == "mismatch"           # one number: a ratio alone names nothing


def test_reports_str_repr_html():
    net, W, b, X, T = problem([3, 4, 4, 2], 5, "sigmoid", 6)
    c = ng.compare(net, X, T, as_dict(backprop(W, b, X, T, bug="no_fprime", layer=2)))
    text = str(c)
    assert "missing_derivative" in text and "tolerance" in text and "rtol = 1.5e-08" in text
    assert len(repr(c)) < 300 and "missing_derivative" in repr(c)
    assert "<table>" in c._repr_html_() and "missing_derivative" in c._repr_html_()
    ok = ng.compare(net, X, T, as_dict(backprop(W, b, X, T)))
    assert str(ok).startswith("compare OK") and len(repr(ok)) < 300


@pytest.mark.parametrize("mine,message", [
    ({"dw": []}, "unknown key(s) 'dw'"),
    ({"dW": [np.zeros((3, 4))]}, "expected one per layer 1–2"),
    ({"dW": {3: np.zeros((4, 2))}}, "no layer 3"),
    ({"dW": [np.zeros((3, 5)), None]}, "mine['dW'] of layer 1 (row convention: n_in × n_out) has shape (3, 5); "
                                       "expected (3, 4)"),
    ({"db": [np.zeros(4), np.array([0.0, np.nan])]}, "mine['db'] of layer 2 contains nan"),
    ({"delta": [np.zeros((2, 4)), None]}, "has shape (2, 4); expected (3, 4)"),
    ({"loss": float("inf")}, "mine['loss'] must be finite"),
])
def test_bad_input_names_the_array_and_shape(mine, message):
    net, W, b, X, T = problem([3, 4, 2], 3, "sigmoid", 7)
    with pytest.raises(ValueError, match=None) as err:
        ng.compare(net, X, T, mine)
    assert message in str(err.value)


def test_bad_options():
    net, W, b, X, T = problem([3, 4, 2], 3, "sigmoid", 7)
    with pytest.raises(ValueError, match="reduction"):
        ng.compare(net, X, T, {}, reduction="average")
    with pytest.raises(ValueError, match="convention"):
        ng.compare(net, X, T, {}, convention="col")
    with pytest.raises(ValueError, match="T of shape"):
        ng.compare(net, X, T[:2], {})


def test_cli_compare_exit_codes(tmp_path, capsys):
    from neurograph.commands.cli import main
    net, W, b, X, T = problem([3, 4, 4, 2], 5, "sigmoid", 8, convention="column")
    model = tmp_path / "model.json"
    net.save(model)
    right = backprop(W, b, X, T, convention="column", everything=True)
    arrays = {f"{q}{k}": v for q in ("dW", "db", "delta") for k, v in enumerate(right[q], 1)}
    np.savez(tmp_path / "right.npz", X=X, T=T, loss=right["loss"], **arrays)
    assert main(["compare", str(model), str(tmp_path / "right.npz"), "--convention", "column"]) == 0
    assert capsys.readouterr().out.startswith("compare OK")
    dW, db = backprop(W, b, X, T, convention="column", bug="no_fprime", layer=2)
    np.savez(tmp_path / "bug.npz", X=X, T=T, dW1=dW[0], dW2=dW[1], dW3=dW[2], db1=db[0])
    assert main(["compare", str(model), str(tmp_path / "bug.npz"), "--convention", "column"]) == 1
    out = capsys.readouterr().out
    assert "1. missing_derivative — dW of layer 2" in out and "2. inherited — dW of layer 1" in out
    np.savez(tmp_path / "odd.npz", X=X, T=T, dW7=dW[0])
    assert main(["compare", str(model), str(tmp_path / "odd.npz")]) == 2
    assert "array dW7 names layer 7, but the model has layers 1–3" in capsys.readouterr().err
    np.savez(tmp_path / "shape.npz", X=X, T=T, dW1=dW[1])
    assert main(["compare", str(model), str(tmp_path / "shape.npz"), "--convention", "column"]) == 2
    assert "mine['dW'] of layer 1 (column convention: n_out × n_in) has shape (4, 4); expected (4, 3)" in \
        capsys.readouterr().err


@pytest.mark.parametrize("command", ["compare", "grade"])
def test_help_shows_an_example(command, capsys):
    from neurograph.commands.cli import main
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "example:" in out and f"neurograph {command} model.json" in out


@pytest.mark.parametrize("convention", ["row", "column"])
def test_from_matrices_round_trip_is_exact_and_convention_decides(convention):
    rng = np.random.default_rng(9)
    W = [rng.normal(size=(3, 3)), rng.normal(size=(3, 2) if convention == "row" else (2, 3))]
    b = [rng.normal(size=3), rng.normal(size=2)]
    net = ng.Network.from_matrices(W, b, convention=convention, activation="tanh", output_activation="softmax",
                                   loss="cross_entropy")
    W2, b2 = net.to_matrices(convention)
    assert all(np.array_equal(u, v) for u, v in zip(W, W2, strict=True))
    assert all(np.array_equal(u, v) for u, v in zip(b, b2, strict=True))
    assert W2[0] is not net.to_matrices(convention)[0][0]            # fresh arrays
    # the square first layer: row W[i, j] is the edge from node i+1 to node 4+j; column W[j, i]
    i, j = 0, 2
    expect = W[0][i, j] if convention == "row" else W[0][j, i]
    assert net.edge(1 + i, 4 + j).weight == expect
    other = "column" if convention == "row" else "row"
    assert np.array_equal(net.to_matrices(other)[0][0], W[0].T)
    x = rng.normal(size=3)
    row = [w if convention == "row" else w.T for w in W]
    h = np.tanh(x @ row[0] + b[0])
    z = h @ row[1] + b[1]
    assert net.forward(x) == pytest.approx(np.exp(z) / np.exp(z).sum(), rel=1e-12)
    assert net.node(4).activation == "tanh" and net.loss == "cross_entropy"


def test_from_matrices_bad_input():
    with pytest.raises(ValueError, match=r"weights\[1\] \(layer 2\) has shape \(3, 2\) but layer 1 has 4 nodes; "
                                         r"expected \(4, 2\) in the row convention"):
        ng.Network.from_matrices([np.zeros((3, 4)), np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"biases\[0\] \(layer 1\) has shape \(3,\); expected \(4,\)"):
        ng.Network.from_matrices([np.zeros((3, 4))], [np.zeros(3)])
    with pytest.raises(ValueError, match="convention"):
        ng.Network.from_matrices([np.zeros((3, 4))], convention="rows")
    net = ng.Network.from_matrices([np.ones((2, 2))])
    assert net.to_matrices()[1] is None and not net.node(3).has_bias
    skip = ng.Network()
    for i in (1, 2):
        skip.add_input(i)
    skip.add_neuron(3)
    skip.add_neuron(4)
    skip.connect_many([(1, 3, 0.1), (2, 3, 0.2), (3, 4, 0.3), (1, 4, 0.4)])
    with pytest.raises(ValueError, match="node 4 is not fed by exactly every node of layer 1"):
        skip.to_matrices()


def test_example_find_my_bug_runs_and_names_the_bug():
    import runpy
    import contextlib
    import io
    import pathlib
    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "find_my_bug.py"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(path), run_name="__main__")
    text = out.getvalue()
    before, after = text.split("== after the fix ==")
    assert "1. missing_derivative — dW of layer 1" in before and "2. inherited — db of layer 1" in before
    assert "sigmoid′(z_1) = a_1 ⊙ (1 − a_1)" in before
    assert after.strip().startswith("compare OK: all 26 of your numbers match")


def test_readme_shows_the_examples_real_output():
    import pathlib
    import subprocess
    import sys
    root = pathlib.Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "examples" / "find_my_bug.py")], capture_output=True,
                         text=True, check=True).stdout.rstrip()
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "## Find the bug in your backprop" in readme
    assert f"```text\n{out}\n```" in readme


def test_more_shapes_of_the_same_mistakes():
    """a list starting with X, a (m, n) bias gradient, a non-square dW in the other layout, f′ at a on the output."""
    net, W, b, X, T = problem([2, 3, 4], 3, "sigmoid", 11)
    mine = backprop(W, b, X, T, everything=True)
    mine["a"] = [X] + mine["a"]
    assert ng.compare(net, X, T, mine).ok
    D = mine["delta"][1]
    c = ng.compare(net, X, T, {"db": [None, D / 3]})
    assert [(f.kind, f.quantity, f.layer) for f in c.findings] == [("bias_not_reduced", "db", 2)]
    dW, db = backprop(W, b, X, T, bug="dW_transposed", layer=1)
    assert dW[0].shape == (3, 2)
    c = ng.compare(net, X, T, {"dW": dW, "db": db})
    assert [(f.kind, f.layer) for f in c.findings] == [("transposed", 1)]
    assert c.findings[0].worst[0].name.startswith("w_{")
    A = [X] + mine["a"][1:]
    a2 = A[2]
    wrong = (a2 - T) * (1 / (1 + np.exp(-a2))) * (1 - 1 / (1 + np.exp(-a2)))      # σ(a)(1 − σ(a))
    c = ng.compare(net, X, T, {"delta": [None, wrong]})
    assert [(f.kind, f.quantity, f.layer) for f in c.findings] == [("derivative_at_a", "delta", 2)]


@pytest.mark.parametrize("everything", [False, True])
def test_two_independent_mistakes_are_both_named(everything):
    """a − t through a sigmoid AND a sum over the batch: the factor is divided out first."""
    net, W, b, X, T = problem([3, 4, 3, 2], 4, "sigmoid", 12)
    mine = as_dict(backprop(W, b, X, T, bug="loss_delta", everything=everything))
    mine["dW"] = [g * 4 for g in mine["dW"]]
    mine["db"] = [g * 4 for g in mine["db"]]
    c = ng.compare(net, X, T, mine)
    causes = [(f.kind, f.quantity, f.layer) for f in c.causes]
    if everything:       # δ given: the δ mistake first, then each summed gradient on its own
        assert causes[0] == ("wrong_loss_delta", "delta", 3)
        assert {k for k, _, _ in causes[1:]} == {"scale"} and len(causes) == 7
    else:
        assert causes == [("scale", "dW", 3), ("wrong_loss_delta", "dW", 3)]
        assert c.findings[0].factor == pytest.approx(4.0) and "m = 4" in c.findings[0].message
        assert [f.kind for f in c.findings[2:]] == ["inherited"] * 5
