"""Issue 12, items 12 and 17: the CLI never loses a trained model and reports bad input in one line.

Exit codes: 0 ok, 1 checked and found different, 2 bad input, 130 interrupted (Ctrl-C).
"""
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
from neurograph.commands.cli import INTERRUPTED, main
from neurograph.engine.builders import worked_example
from neurograph.io.json_file import to_dict
from neurograph.training.presets import get_preset

TRAIN = ["train", "--preset", "seed000", "--subset", "--epochs", "1", "--seed", "1", "--no-progress"]


def _one_line_error(capsys, code, *names):
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for name in names:
        assert str(name) in err, (name, err)
    return err


# -- item 17: every command reports a bad file or flag in one line, exit 2 --------------------------

@pytest.mark.parametrize("command", [["check"], ["draw"], ["explain", "--node", "4"], ["draw", "-o", "x.dot"]])
def test_a_directory_missing_or_unreadable_model_is_one_line_exit_2(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "adir"
    folder.mkdir()
    assert _one_line_error(capsys, main([command[0], str(folder), *command[1:]]), folder).endswith(
        "is a directory, not a model file")
    _one_line_error(capsys, main([command[0], str(tmp_path / "gone.json"), *command[1:]]), "gone.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "neurograph", "version": 1, "loss": ')
    _one_line_error(capsys, main([command[0], str(bad), *command[1:]]), "bad.json", "not valid JSON")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000)
    _one_line_error(capsys, main([command[0], str(deep), *command[1:]]), "deep.json", "nested too deeply")
    model = tmp_path / "m.json"
    worked_example().save(model)
    model.chmod(0)
    if os.access(model, os.R_OK):                         # root reads anything: simulate the refusal
        real_open = open

        def denied(path, *args, **kwargs):
            if str(path) == str(model):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)
        real_read_text = Path.read_text

        def denied_read_text(self, *args, **kwargs):       # Python 3.10's pathlib bound io.open at import
            if str(self) == str(model):
                raise PermissionError(13, "Permission denied", str(self))
            return real_read_text(self, *args, **kwargs)
        monkeypatch.setattr("builtins.open", denied)
        monkeypatch.setattr("io.open", denied)
        monkeypatch.setattr(Path, "read_text", denied_read_text)
    _one_line_error(capsys, main([command[0], str(model), *command[1:]]), "m.json", "Permission denied")


@given(st.sampled_from(["0", "-1e-7", "nan", "inf", "-inf"]))
def test_check_tol_must_be_positive(tmp_path_factory, tol):
    model = tmp_path_factory.mktemp("tol") / "m.json"
    worked_example().save(model)
    code = main(["check", str(model), f"--tol={tol}", "--no-torch"])
    assert code == 2


def test_check_tol_zero_names_the_flag(tmp_path, capsys):
    model = tmp_path / "m.json"
    worked_example().save(model)
    _one_line_error(capsys, main(["check", str(model), "--tol", "0", "--no-torch"]), "--tol")


def test_draw_into_a_folder_that_cannot_exist_is_one_line_exit_2(tmp_path, capsys):
    model = tmp_path / "m.json"
    worked_example().save(model)
    _one_line_error(capsys, main(["draw", str(model), "-o", str(model / "x.dot")]), "m.json")
    assert main(["draw", str(model), "-o", str(tmp_path / "new_dir" / "x.dot")]) == 0   # a new folder is made
    assert (tmp_path / "new_dir" / "x.dot").read_text().startswith("digraph")


def test_explain_an_unknown_node_names_it(tmp_path, capsys):
    model = tmp_path / "m.json"
    worked_example().save(model)
    _one_line_error(capsys, main(["explain", str(model), "--node", "99"]), "no node 99")


# -- item 12: train --save checks the path first, rescues the model, keeps it on Ctrl-C -------------

def _watch_training(monkeypatch):
    """A list that gets an entry whenever the matrix engine is asked to train (it must stay empty)."""
    trained = []
    for method in ("fit_batch", "fit_samples"):
        monkeypatch.setattr(ng.MatrixNetwork, method, lambda *a, _m=method, **k: trained.append(_m))
    return trained


def _interrupt_epoch(monkeypatch, stop_epoch, done_in_epoch):
    """Ctrl-C in epoch ``stop_epoch`` (from 1) of a batch-1 matrix training, after ``done_in_epoch``
    of its samples were trained on (MatrixNetwork.fit_samples runs one epoch per call)."""
    real, calls = ng.MatrixNetwork.fit_samples, [0]

    def fit_samples(self, X, T, *args, order=None, **kwargs):
        calls[0] += 1
        if calls[0] == stop_epoch:
            if done_in_epoch:
                real(self, X, T, *args, order=order[:done_in_epoch], **kwargs)   # some steps are taken …
            raise KeyboardInterrupt                                           # … then Ctrl-C
        return real(self, X, T, *args, order=order, **kwargs)
    monkeypatch.setattr(ng.MatrixNetwork, "fit_samples", fit_samples)
    return real

@pytest.mark.parametrize("where", ["nodir/m.json", "adir", ""])
def test_a_bad_save_path_is_refused_before_training(tmp_path, capsys, monkeypatch, where):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    trained = _watch_training(monkeypatch)
    code = main([*TRAIN, "--save", where])
    _one_line_error(capsys, code, "cannot save to" if where else "the model path is empty", where)
    assert trained == [] and sorted(os.listdir(tmp_path)) == ["adir"]


def test_a_read_only_save_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(folder) else real_access(p, mode))
    trained = _watch_training(monkeypatch)
    _one_line_error(capsys, main([*TRAIN, "--save", str(folder / "m.json")]), f"{folder} is not writable")
    assert trained == []


def test_when_saving_still_fails_the_model_is_rescued_and_the_place_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "m.json"
    real_save = ng.Network.save

    def flaky(net, path):                     # the check passes, then the disk fills up at the end
        if str(path) == str(target):
            raise OSError(28, "No space left on device")
        real_save(net, path)
    monkeypatch.setattr(ng.Network, "save", flaky)
    code = main([*TRAIN, "--save", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and not target.exists()
    rescued = [p for p in os.listdir(tmp_path) if p.startswith("neurograph-rescued-seed000-")]
    assert len(rescued) == 1 and str(tmp_path / rescued[0]) in err and "No space left on device" in err
    expected = ng.run_preset("seed000", subset=True, epochs=1, seed=1, progress=False).network
    assert to_dict(ng.Network.load(tmp_path / rescued[0])) == to_dict(expected)


@pytest.mark.parametrize("stop_epoch,done_in_epoch", [(2, 500), (1, 999)])
def test_ctrl_c_keeps_the_last_finished_epoch_and_exits_130(tmp_path, capsys, monkeypatch, stop_epoch,
                                                            done_in_epoch):
    """1000 samples per epoch, one step each: Ctrl-C after 500 steps of epoch 2 keeps epoch 1, late in
    epoch 1 keeps the initial network.  No traceback, exit code 130."""
    model = tmp_path / "m.json"
    real_fit = _interrupt_epoch(monkeypatch, stop_epoch, done_in_epoch)
    code = main([*TRAIN[:5], "2", *TRAIN[6:], "--save", str(model)])
    out, err = capsys.readouterr()
    kept = stop_epoch - 1
    assert code == INTERRUPTED == 130 and "Traceback" not in out + err
    assert f"interrupted (Ctrl-C) during epoch {kept + 1}; the weights are those of the end of epoch {kept}" in out
    assert f"model saved to {model}" in out
    monkeypatch.setattr(ng.MatrixNetwork, "fit_samples", real_fit)
    if kept:
        expected = ng.run_preset("seed000", subset=True, epochs=kept, seed=1, progress=False).network
    else:
        expected = get_preset("seed000").build(1)
    assert to_dict(ng.Network.load(model)) == to_dict(expected)


@given(st.integers(1, 4), st.integers(0, 3), st.sampled_from(["graph", "matrix"]), st.sampled_from([1, 3]))
def test_train_interrupted_anywhere_keeps_the_last_finished_epoch(stop_epoch, done_in_epoch, engine, batch):
    """Ctrl-C in epoch e after some of its steps keeps e − 1 epochs: exactly the network that
    training for e − 1 epochs gives (the initial one for e = 1), on both engines and batch sizes."""
    X, y = ng.xor()
    net = ng.Network.layered([2, 3, 1], seed=4)
    initial = to_dict(net)
    mp = pytest.MonkeyPatch()
    if engine == "matrix" and batch == 1:
        _interrupt_epoch(mp, stop_epoch, done_in_epoch)
    else:       # graph: one backward or (a batch of one, generated code) train_step per sample; matrix: fit_batch
        methods = [(ng.Network, "backward"), (ng.Network, "train_step")] if engine == "graph" else \
            [(ng.MatrixNetwork, "fit_batch")]
        per_epoch = 4 if engine == "graph" else 2
        stop_at = (stop_epoch - 1) * per_epoch + done_in_epoch % per_epoch + 1
        calls = [0]

        def counting(real):
            def call(self, *args, **kwargs):
                calls[0] += 1
                if calls[0] == stop_at:
                    raise KeyboardInterrupt
                return real(self, *args, **kwargs)
            return call
        for cls, method in methods:
            mp.setattr(cls, method, counting(getattr(cls, method)))
    try:
        with pytest.raises(ng.TrainingInterrupted) as info:
            ng.train(net, X, y, engine=engine, epochs=5, lr=0.5, batch_size=batch, progress=False)
    finally:
        mp.undo()
    kept = stop_epoch - 1
    history = info.value.history
    assert isinstance(info.value, KeyboardInterrupt) and len(history) == kept and history.network is net
    expected = ng.Network.layered([2, 3, 1], seed=4)
    if kept:
        ng.train(expected, X, y, engine=engine, epochs=kept, lr=0.5, batch_size=batch, progress=False)
    assert to_dict(net) == (to_dict(expected) if kept else initial)


@pytest.mark.parametrize("where", ["schedule", "on_epoch"])
def test_ctrl_c_between_epochs_keeps_every_finished_epoch(where):
    X, y = ng.xor()
    net = ng.Network.layered([2, 3, 1], seed=4)

    def stop(epoch):
        if epoch == 2:
            raise KeyboardInterrupt
        return 0.5
    kwargs = {"lr": stop} if where == "schedule" else {
        "lr": 0.5, "on_epoch": lambda r: stop(r.epoch) if r.epoch == 2 else None}
    with pytest.raises(ng.TrainingInterrupted, match="the weights are those of the end of epoch 2"):
        ng.train(net, X, y, epochs=4, progress=False, **kwargs)
    expected = ng.Network.layered([2, 3, 1], seed=4)
    ng.train(expected, X, y, epochs=2, lr=0.5, progress=False)
    np.testing.assert_array_equal([e.weight for e in net.edges], [e.weight for e in expected.edges])


def test_demo_into_a_file_instead_of_a_folder_is_one_line_exit_2(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    _one_line_error(capsys, main(["demo", "--out", str(taken)]), "taken")
    assert taken.read_text() == "not a folder"
