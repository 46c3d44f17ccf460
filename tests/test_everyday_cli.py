"""Everyday use from the shell (issue 17): new, train MODEL --data, real samples, data files, boundary."""
import configparser
import json
import os
import re
import shlex
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import neurograph as ng
import visualize
from neurograph.commands.cli import COMMANDS, main
from neurograph.training import datasets
from neurograph.training.data_files import load_data, read_table


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- neurograph new ----------------------------------------------------------------------

def test_new_passes_every_option_of_layered(tmp_path, capsys):
    path = tmp_path / "m.json"
    old = os.umask(0o022)
    try:
        code, out, _ = run(capsys, "new", "3-4-2", "--activation", "tanh", "--output-activation", "softmax",
                           "--loss", "cross_entropy", "--init", "he", "--seed", 3, "--input-activation", "relu",
                           "-o", path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644             # readable by the group and others
    assert code == 0 and "node ids by layer: 1–3 → 4–7 → 8–9" in out
    want = ng.Network.layered([3, 4, 2], activation="tanh", output_activation="softmax", loss="cross_entropy",
                              init="he", seed=3, input_activation="relu")
    got = ng.Network.load(path)
    assert [e.weight for e in got.edges] == [e.weight for e in want.edges]
    assert [n.activation for n in got.nodes] == ["relu"] * 3 + ["tanh"] * 4 + ["softmax"] * 2
    assert got.loss == "cross_entropy" and got.node(1).has_bias
    assert run(capsys, "new", "2,3,1", "--no-bias", "-o", path)[0] == 0
    assert not any(n.has_bias for n in ng.Network.load(path).nodes)
    code, _, err = run(capsys, "new", "2-0-1", "-o", path)
    assert code == 2 and "SIZES must be at least two positive layer widths" in err


def test_new_sets_hand_made_weights_from_csv_and_json(tmp_path, capsys):
    csv = tmp_path / "w.csv"
    csv.write_text("src,dst,weight\n1,3,0.15\n2,3,0.20\nb,3,0.35\n1,4,0.25\n2,4,0.30\n,4,0.35\n3,5,0.40\n4,5,0.45\n")
    code, out, _ = run(capsys, "new", "2-2-1", "--weights", csv, "-o", tmp_path / "a.json")
    assert code == 0 and "set 6 weights and 2 biases" in out
    a = ng.Network.load(tmp_path / "a.json")
    assert (a.edge(1, 3).weight, a.edge(2, 4).weight, a.edge(4, 5).weight) == (0.15, 0.30, 0.45)
    assert (a.node(3).bias, a.node(4).bias, a.node(5).bias) == (0.35, 0.35, 0.0)
    layers = tmp_path / "w.json"
    layers.write_text(json.dumps({"weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45]]],
                                  "biases": [[0.35, 0.35], [0.6]]}))
    assert run(capsys, "new", "2-2-1", "--weights", layers, "-o", tmp_path / "b.json")[0] == 0
    b = ng.Network.load(tmp_path / "b.json")
    assert [e.weight for e in b.edges] == [e.weight for e in a.edges] and b.node(5).bias == 0.6
    edges = tmp_path / "e.json"
    edges.write_text(json.dumps({"edges": [[1, 3, -1.5]], "biases": {"5": 2.0}}))
    assert run(capsys, "new", "2-2-1", "--weights", edges, "-o", tmp_path / "c.json")[0] == 0
    c = ng.Network.load(tmp_path / "c.json")
    assert c.edge(1, 3).weight == -1.5 and c.node(5).bias == 2.0
    csv.write_text("1,3,0.15\n1,5,0.2\n")
    code, _, err = run(capsys, "new", "2-2-1", "--weights", csv, "-o", tmp_path / "d.json")
    assert code == 2 and "w.csv line 2:" in err and not (tmp_path / "d.json").exists()
    csv.write_text("1,3,0.15,9\n")
    assert "w.csv line 1: 4 fields, expected src,dst,weight" in run(capsys, "new", "2-2-1", "--weights", csv)[2]
    layers.write_text(json.dumps({"weights": [[[0.15, 0.20]], [[0.40, 0.45]]]}))
    assert "weights[0] must be 2×2" in run(capsys, "new", "2-2-1", "--weights", layers)[2]


# -- neurograph train MODEL --data -------------------------------------------------------

def test_new_then_train_on_xor_reaches_100_percent(tmp_path, capsys):
    model, trained = tmp_path / "xor.json", tmp_path / "trained.json"
    assert run(capsys, "new", "2-2-1", "--activation", "tanh", "--output-activation", "sigmoid",
               "--seed", 1, "-o", model)[0] == 0
    code, out, _ = run(capsys, "train", model, "--data", "xor", "--epochs", 1000, "--lr", 1, "--no-progress",
                       "--save", trained)
    assert code == 0 and "test accuracy: 1.0000" in out
    X, y = ng.xor()
    net = ng.Network.load(trained)
    assert np.array_equal(net.forward(X)[:, 0] > 0.5, y == 1)      # the saved weights, along the edges


def help_example(command: str, capsys) -> list[str]:
    """The example command line at the end of ``neurograph COMMAND --help``, as argv."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    line = capsys.readouterr().out.split("example:")[1].strip().splitlines()[0]
    return shlex.split(line)[1:]


def test_the_help_examples_of_new_and_train_build_and_learn_xor(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    new, train = help_example("new", capsys), help_example("train", capsys)
    assert new[:2] == ["new", "2-2-1"] and "binary_cross_entropy" in new and train[:2] == ["train", "xor.json"]
    assert run(capsys, *new)[0] == 0
    code, out, _ = run(capsys, *train, "--no-progress")
    assert code == 0 and "test accuracy: 1.0000" in out
    X, y = ng.xor()
    assert np.array_equal(ng.Network.load(tmp_path / "xor-trained.json").forward(X)[:, 0] > 0.5, y == 1)


def test_train_regresses_a_csv_function_to_a_low_loss(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(80, 2))
    y = 0.8 * X[:, 0] * X[:, 1] + 0.3 * X[:, 0]
    table = tmp_path / "f.csv"
    table.write_text("x1,x2,y\n" + "".join(f"{a},{b},{c}\n" for a, b, c in np.c_[X, y].tolist()))
    model, trained = tmp_path / "f.json", tmp_path / "g.json"
    run(capsys, "new", "2-8-1", "--activation", "tanh", "--output-activation", "identity", "--seed", 0,
        "-o", model)
    code, out, _ = run(capsys, "train", model, "--data", table, "--target-columns", "y", "--epochs", 200,
                       "--lr", 0.05, "--batch-size", 4, "--no-progress", "--save", trained)
    assert code == 0 and "train R²" in out
    a = ng.Network.load(trained).forward(X)[:, 0]                 # independent: numpy on the saved model
    loss = np.mean(0.5 * (a - y) ** 2)
    r2 = 1 - np.sum((y - a) ** 2) / np.sum((y - y.mean()) ** 2)
    assert loss < 1e-3 and r2 > 0.97                              # measured: loss ≈ 2e-4, R² ≈ 0.99
    assert re.search(rf"train R²: {r2:.4f}", out)


def test_train_moons_plots_curves_and_the_decision_boundary(tmp_path, capsys):
    model = tmp_path / "m.json"
    run(capsys, "new", "2-8-1", "--activation", "tanh", "--output-activation", "sigmoid", "--seed", 0, "-o", model)
    code, out, _ = run(capsys, "train", model, "--data", "moons", "--epochs", 30, "--lr", 0.3, "--no-progress",
                       "--plot", tmp_path / "curves.png")
    assert code == 0
    accuracy = float(re.search(r"test accuracy: ([\d.]+)", out).group(1))
    assert accuracy > 0.95                                         # measured: 0.995
    for name in ("curves.png", "curves-boundary.png"):
        with Image.open(tmp_path / name) as im:
            assert im.format == "PNG" and im.size[0] >= 400


def test_list_presets_names_each_seed_text(capsys):
    code, out, _ = run(capsys, "train", "--list-presets")
    lines = out.strip().splitlines()
    assert code == 0 and [ln.split()[0] for ln in lines] == ["seed000", "seed001", "seed003", "seed004"]
    for line in lines:
        assert re.search(rf"From Seed {line[4:7]}\b", line) and "claimed:" in line


def test_bad_data_is_named_by_line_and_column(tmp_path, capsys):
    model = tmp_path / "m.json"
    run(capsys, "new", "2-2-1", "-o", model)
    cases = {
        "x1,x2,label\n0,0,0\n0,abc,1\n": "line 3, column 2 ('x2'): 'abc' is not a number",
        "x1,x2,label\n0,0,0\n\n1,0\n": "line 4: 2 fields, expected 3",
        "0,0,0\n0,1,1.5\n": "line 2, column 3: label 1.5 is not a whole number",
        "x1,x2,label\n0,0,0\n0,1,nan\n": "line 3, column 3 ('label'): 'nan' is not a finite number",
        "x1,x2,label\n": "no data rows (only a header)",
        "x1,x2,label\n0,0,3\n": "label 3 at index 0 is out of range",
    }
    for i, (text, message) in enumerate(cases.items()):
        (tmp_path / f"bad{i}.csv").write_text(text)
        code, _, err = run(capsys, "train", model, "--data", tmp_path / f"bad{i}.csv", "--no-progress")
        assert code == 2 and message in err, (text, err)
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,label\n0,0,0\n0,1,1\n")
    assert "--label-column 'lbl': " in run(capsys, "train", model, "--data", good, "--label-column", "lbl")[2]
    assert "its columns are 1 ('x1'), 2 ('x2'), 3 ('label')" in run(
        capsys, "train", model, "--data", good, "--label-column", "lbl")[2]
    code, _, err = run(capsys, "train", model, "--data", "moonz")
    assert code == 2 and "unknown data set 'moonz'; choose one of circles, mnist, mnist-subset, moons" in err
    code, _, err = run(capsys, "train", model, "--data", "mnist-subset")
    assert code == 2 and "784 input columns but" in err and "has 2 inputs" in err
    code, _, err = run(capsys, "train", model, "--data", good, "--target-columns", "x2,label")
    assert code == 2 and "1 input columns but" in err
    wide = tmp_path / "wide.csv"
    wide.write_text("x1,x2,y1,y2\n0,0,1,2\n")
    code, _, err = run(capsys, "train", model, "--data", wide, "--target-columns", "y1,y2")
    assert code == 2 and "labels y have shape (1, 2); expected (1,)" in err and "(1, 1) float targets" in err


def test_npz_tables_and_pairs(tmp_path):
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    np.savez(tmp_path / "pair.npz", X=X, y=np.array([0, 1, 0]))
    np.savez(tmp_path / "table.npz", data=np.c_[X, [1, 0, 1]])
    pair, table = read_table(tmp_path / "pair.npz"), read_table(tmp_path / "table.npz")
    assert np.array_equal(pair.X, X) and pair.y.tolist() == [0, 1, 0]
    assert np.array_equal(table.X, X) and table.y.tolist() == [1, 0, 1]
    assert read_table(tmp_path / "table.npz", target_columns="1").X.tolist() == [[1, 1], [3, 0], [5, 1]]
    np.savez(tmp_path / "two.npz", a=X, b=X)
    with pytest.raises(ValueError, match=r"expected arrays X and y, or a single 2-D table; found \['a', 'b'\]"):
        read_table(tmp_path / "two.npz")


def test_generated_sets_are_seeded_balanced_and_on_their_curves():
    for name in ("circles", "moons", "spiral"):
        data = load_data(name, seed=4, n_outputs=1)
        again = load_data(name, seed=4, n_outputs=1)
        assert np.array_equal(data.train.X, again.train.X) and not np.array_equal(data.train.X, data.test.X)
        assert data.train.X.shape == (len(data.train.y), 2) and np.bincount(data.train.y).tolist() == [
            len(data.train.y) // 2] * 2
    X, y = datasets.moons(n=50, noise=0.0, seed=0)               # without noise, exactly on the two arcs
    np.testing.assert_allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0, atol=1e-12)
    X, y = datasets.circles(n=50, noise=0.0, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 1, 0.3, 1.0), atol=1e-12)
    X, y = datasets.spiral(n=30, classes=3, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [10, 10, 10]
    np.testing.assert_allclose(np.hypot(X[y == 2, 0], X[y == 2, 1]), np.linspace(0, 1, 10), atol=1e-12)
    assert load_data("spiral", n_outputs=4).train.y.max() == 3     # one arm per output


# -- real samples for draw, explain and check -------------------------------------------------

def test_draw_mnist_digit_seven(tmp_path, capsys):
    model = tmp_path / "mnist.json"
    run(capsys, "new", "784-16-10", "--output-activation", "softmax", "--loss", "cross_entropy", "--seed", 0,
        "-o", model)
    code, out, _ = run(capsys, "draw", model, "--mnist-index", 0, "--split", "test", "-o", tmp_path / "seven.dot")
    assert code == 0 and "sample: MNIST test image 0 (a 7, x = pixel/256)" in out
    x = datasets.mnist_subset().test.X[0]
    assert datasets.mnist_subset().test.y[0] == 7
    a = ng.MatrixNetwork.from_graph(ng.Network.load(model)).forward(x[None])[0]     # the other engine
    assert f"C = {-np.log(a[7]):.4f}" in (tmp_path / "seven.dot").read_text()       # target one-hot at 7


def test_explain_defaults_to_a_real_digit_for_mnist_models(tmp_path, capsys):
    model = tmp_path / "mnist.json"
    run(capsys, "new", "784-4-10", "--output-activation", "softmax", "--loss", "cross_entropy", "--seed", 0,
        "-o", model)
    code, out, _ = run(capsys, "explain", model, "--loss")
    assert code == 0 and "(MNIST test image 0 (a 7, x = pixel/256)" in out
    assert "target t = [0, 0, 0, 0, 0, 0, … (3 more), 0]" in out       # one-hot at 7: hidden in the "…"
    code, out, _ = run(capsys, "explain", model, "--loss", "--mnist-index", 1)
    assert code == 0 and "MNIST train image 1 (a 0" in out


def test_check_and_explain_take_a_row_of_a_file(tmp_path, capsys):
    model = tmp_path / "m.json"
    run(capsys, "new", "2-3-1", "--seed", 0, "-o", model)
    table = tmp_path / "s.csv"
    table.write_text("x1,x2,label\n0.5,-1,0\n0.25,2,1\n")
    code, out, _ = run(capsys, "check", model, "--sample-from", table, "--row", 1, "--no-torch")
    assert code == 0 and f"{table} row 1 (label 1)" in out and "crosscheck OK" in out and "1 samples" in out
    code, out, _ = run(capsys, "explain", model, "--node", 3, "--sample-from", table, "--row", 1)
    assert code == 0 and "Sample x = [0.25, 2], target t = [1]" in out
    code, _, err = run(capsys, "explain", model, "--node", 3, "--sample-from", table, "--row", 2)
    assert code == 2 and "--row 2 is out of range" in err and "2 data rows (0–1)" in err
    code, _, err = run(capsys, "draw", model, "--mnist-index", 0)
    assert code == 2 and "--mnist-index needs a model with 784 inputs" in err


# -- help and the boundary picture ------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and re.search(rf"[Ee]xample.*?neurograph {command}\b", out, re.S), out[-300:]


def test_boundary_colours_the_two_half_planes(tmp_path):
    net = ng.Network.layered([2, 1], activation="sigmoid")          # a = σ(10·x₁): class 1 right of x₁ = 0
    net.edge(1, 3).weight, net.edge(2, 3).weight = 10.0, 0.0
    X = np.array([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    path = visualize.boundary(net, X, np.array([0, 1, 0, 1]), tmp_path / "b.png", margin=0.2)
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=int)
    h, w, _ = rgb.shape
    left, right = rgb[h // 2, int(0.25 * w)], rgb[h // 2, int(0.6 * w)]   # inside the axes, away from samples
    assert left[0] > left[2] + 40 and right[2] > right[0] + 40       # red where a < ½, blue where a > ½
    assert "<svg" in visualize.boundary(net, X, np.array([0, 1, 0, 1]), tmp_path / "b.svg").read_text()[:400]
    with pytest.raises(ValueError, match="2-D samples and a network with 2 inputs"):
        visualize.boundary(ng.Network.layered([3, 1]), np.zeros((2, 3)), np.array([0, 1]), tmp_path / "c.png")
    with pytest.raises(ValueError, match="saves .png or .svg pictures"):
        visualize.boundary(net, X, np.array([0, 1, 0, 1]), tmp_path / "b.pdf")


def test_bench_extra_does_not_pin_torch_down():
    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parent.parent / "setup.cfg")
    bench = [r.strip() for r in cfg["options.extras_require"]["bench"].splitlines() if r.strip()]
    (torch,) = [r for r in bench if r.startswith("torch")]
    assert re.fullmatch(r"torch>=[\d.]+", torch)                   # a newer installed torch stays
