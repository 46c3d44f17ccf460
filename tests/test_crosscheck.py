"""crosscheck: agreement on random networks, corruption caught and named, the CLI."""
import importlib.util
import json

import numpy as np
import pytest
from hypothesis import given, settings

import neurograph as ng
import neurograph.commands.check as check_command
from neurograph.engine.builders import worked_example
from neurograph.commands.cli import main
from neurograph.io.json_file import to_dict
from dags import dag_cases

HAS_TORCH = importlib.util.find_spec("torch") is not None


def batch(net, rows=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, net.n_inputs)), rng.uniform(size=(rows, net.n_outputs))


@settings(max_examples=25)
@given(dag_cases())
def test_random_dags_pass(case):
    net, X, T = case
    report = ng.crosscheck(net, X, T, samples=10, torch=False)
    assert report.ok, str(report)
    assert report.max_abs_diff < 1e-9
    assert report.max_fd_error < 1e-5
    assert len(report.fd) == min(10, len(net.edges) + sum(n.has_bias for n in net.nodes))


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed")
@settings(max_examples=8)
@given(dag_cases(max_layers=2))
def test_torch_autograd_agrees_on_random_dags(case):
    net, X, T = case
    report = ng.crosscheck(net, X, T, samples=3, torch=True)
    assert report.ok, str(report)
    assert report.torch_max_diff < 1e-9
    names = {e.name for e in report.torch}
    assert {f"∂C/∂{e.name}" for e in net.edges} <= names and "C" in names


def test_torch_skipped_cleanly_when_not_wanted():
    net = worked_example()
    report = ng.crosscheck(net, *batch(net), torch=False)
    assert report.torch is None and report.torch_max_diff is None
    assert "torch autograd:      skipped (torch=False)" in str(report)


def test_corrupted_weight_is_named():
    net = worked_example()
    X, T = batch(net)
    m = ng.MatrixNetwork.from_graph(net, convention="row")
    m.weights[(0, 1)][1, 2] += 0.25                          # row layout: source 2, destination 6
    report = ng.crosscheck(net, X, T, matrix=m, torch=False)
    assert not report.ok
    assert report.culprits[0] == "w_{6,2}"
    assert report.max_abs_diff >= 0.25 - 1e-12
    text = str(report)
    assert text.startswith("crosscheck NOT OK")
    assert "PARAMETERS THAT DIFFER" in text and "w_{6,2}" in text.split("failed:")[0]


def test_corrupted_bias_and_wrong_gradients_are_caught():
    net = worked_example()
    X, T = batch(net)
    m = ng.MatrixNetwork.from_graph(net)
    m.biases[2][1] -= 0.1                                    # node 9
    report = ng.crosscheck(net, X, T, matrix=m, torch=False)
    assert report.culprits[0] == "b_{9}"
    # a matrix whose gradients are wrong (but weights right) fails on gradients and FD
    m = ng.MatrixNetwork.from_graph(net)
    original = m.edge_grads
    m.edge_grads = lambda: {k: (g * 1.01 if k == (4, 8) else g) for k, g in original().items()}
    report = ng.crosscheck(net, X, T, matrix=m, samples=100, torch=False)
    assert not report.ok
    assert report.culprits[0] == "∂C/∂w_{8,4}"
    assert "∂C/∂w_{8,4} (finite differences)" in report.culprits
    assert report.max_fd_error > 1e-5


def test_users_network_is_left_alone():
    net = worked_example()
    before = json.dumps(to_dict(net))
    ng.crosscheck(net, *batch(net), samples=30, torch=False)
    assert json.dumps(to_dict(net)) == before
    assert net.node(4).z is None and net.edge(1, 4).grad is None   # no pass ran on it


def test_report_states_tolerances_and_worst_entries():
    net = ng.Network.layered([3, 4, 2], output_activation="softmax", loss="cross_entropy", seed=2)
    X, T = batch(net, rows=2)
    report = ng.crosscheck(net, X, T / T.sum(axis=1, keepdims=True), samples=5, tol=1e-9,
                           fd_tol=1e-6, torch=False)
    text = str(report)
    assert report.ok
    assert "tolerance |Δ| ≤ 1e-09·(1 + |graph|)" in text
    assert "tolerance |err| ≤ 1e-06·(|fd| + max(1, |C|))" in text
    assert "graph vs matrix, worst 10:" in text and "finite differences, worst 5:" in text
    assert "δ_{" in text and "∂C/∂" in text


def test_bad_input_and_mismatched_matrix():
    net = worked_example()
    with pytest.raises(ValueError, match=r"input batch X has shape \(2, 2\); expected \(3,\) or \(batch, 3\)"):
        ng.crosscheck(net, np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"T of shape \(2, 2\)"):
        ng.crosscheck(net, np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="target batch T contains nan"):
        ng.crosscheck(net, np.zeros((1, 3)), [[np.nan, 0.0]])
    other = ng.MatrixNetwork.from_graph(ng.Network.layered([3, 5, 2]))
    with pytest.raises(ValueError, match="not built from this network"):
        ng.crosscheck(net, np.zeros((1, 3)), np.zeros((1, 2)), matrix=other)


def test_cli_exit_codes(tmp_path, capsys, monkeypatch):
    path = tmp_path / "model.json"
    worked_example().save(path)
    assert main(["check", str(path), "--samples", "5", "--no-torch"]) == 0
    out = capsys.readouterr().out
    assert "crosscheck OK" in out and "random batch of 4 (seed 0)" in out

    def corrupted(net, X, T, **kw):                          # the same check on a broken matrix
        m = ng.MatrixNetwork.from_graph(net)
        m.weights[(1, 2)][0, 0] = 9.0
        return ng.crosscheck(net, X, T, matrix=m, **kw)
    monkeypatch.setattr(check_command, "crosscheck", corrupted)
    assert main(["check", str(path), "--no-torch"]) == 1
    assert "crosscheck NOT OK" in capsys.readouterr().out
    monkeypatch.undo()
    path.write_text("{not json")
    assert main(["check", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.json")]) == 2
