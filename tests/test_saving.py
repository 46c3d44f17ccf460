"""Issue 12, lost work and files: save writes only what load reads back, writes through
symlinks, keeps file modes, syncs before renaming, and a failed save changes no byte."""
import errno
import json
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurograph as ng
from neurograph.io import json_file
from neurograph.io.json_file import to_dict


def trained():
    net = ng.Network.layered([3, 4, 2], seed=3)
    net.forward([0.1, 0.2, 0.3])
    net.backward([0.0, 1.0])
    net.step(0.5)
    return net


# -- item 13: whatever save writes, load reads back (or save refuses first) -----------------------

def _inputs_only():
    net = ng.Network()
    net.add_input(1)
    net.add_input(2, activation="tanh", bias=0.5)
    return net


def _neurons_only():
    net = ng.Network()
    net.add_neuron(1, bias=0.3)
    net.add_neuron(2)
    net.connect(1, 2, 0.7)
    return net


@pytest.mark.parametrize("build,missing", [(ng.Network, "no input nodes"), (_inputs_only, "no neurons"),
                                           (_neurons_only, "no input nodes")])
def test_a_network_load_cannot_read_is_refused_before_writing(tmp_path, build, missing):
    net = build()
    path = tmp_path / "m.json"
    with pytest.raises(ValueError, match=rf"cannot save to .*m\.json: load could not read the file back "
                                         rf"\(the network has {missing}"):
        net.save(path)
    assert not path.exists() and os.listdir(tmp_path) == []
    old = b'{"old": "bytes"}'
    path.write_bytes(old)
    with pytest.raises(ValueError):
        net.save(path)
    assert path.read_bytes() == old


@given(st.lists(st.integers(1, 6), min_size=1, max_size=5), st.booleans(), st.integers(0, 10**6))
def test_every_saved_layered_network_loads_back_equal(tmp_path_factory, sizes, bias, seed):
    net = ng.Network.layered([2, *sizes], bias=bias, seed=seed)
    path = tmp_path_factory.mktemp("rt") / "m.json"
    net.save(path)
    assert to_dict(ng.Network.load(path)) == to_dict(net)


# -- item 14: symlinks, modes, fsync, byte-identical files after a failed save ---------------------

def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text("stale")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    net = trained()
    net.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert to_dict(ng.Network.load(target)) == to_dict(net)
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real"] and os.listdir(tmp_path / "real") == ["model.json"]
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "real" / "new.json")
    net.save(dangling)
    assert dangling.is_symlink() and to_dict(ng.Network.load(tmp_path / "real" / "new.json")) == to_dict(net)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o664, 0o755])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "m.json"
    path.write_text("{}")
    path.chmod(mode)
    trained().save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umask_default(tmp_path, umask):
    old = os.umask(umask)
    try:
        trained().save(tmp_path / "m.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o666 & ~umask


def test_the_temporary_file_is_fsynced_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode))),
                                                 real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", None)), real_replace(a, b)))
    trained().save(tmp_path / "m.json")
    assert events == [("fsync", False), ("replace", None), ("fsync", True)]     # file, rename, folder


def _fail_after(n_bytes):
    """An os.write that writes n_bytes and then fails with ENOSPC (a full disk)."""
    real_write, written = os.write, [0]

    def write(fd, data):
        if written[0] >= n_bytes:
            raise OSError(errno.ENOSPC, "No space left on device")
        k = real_write(fd, bytes(data[:max(1, n_bytes - written[0])]))
        written[0] += k
        return k
    return write


@given(st.floats(0, 1, exclude_max=True), st.sampled_from(["write", "fsync", "replace", "fchmod"]))
def test_a_failed_save_leaves_the_old_file_byte_identical(tmp_path_factory, fraction, where):
    folder = tmp_path_factory.mktemp("fail")
    path = folder / "m.json"
    ng.Network.layered([2, 3, 1], seed=1).save(path)
    path.chmod(0o640)
    old = path.read_bytes()
    net = trained()
    size = len(json.dumps(to_dict(net), indent=1).encode())
    failing = {"write": _fail_after(int(fraction * size))}.get(where, lambda *a: (_ for _ in ()).throw(
        OSError(errno.EIO, "Input/output error")))
    mp = pytest.MonkeyPatch()
    mp.setattr(os, where, failing)
    try:
        with pytest.raises(OSError, match=r"cannot save to .*m\.json: ") as info:
            net.save(path)
    finally:
        mp.undo()
    assert ".tmp" not in str(info.value)                      # the model file is named, not the temporary
    assert path.read_bytes() == old and os.listdir(folder) == ["m.json"]


def test_save_path_errors_name_the_path(tmp_path, monkeypatch):
    net = trained()
    with pytest.raises(ValueError, match="the model path is empty; give a file name such as model.json"):
        net.save("")
    with pytest.raises(IsADirectoryError, match=rf"cannot save to {tmp_path}: it is a directory"):
        net.save(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cannot save to .*nodir/m\.json: the folder .*nodir does not exist"):
        net.save(tmp_path / "nodir" / "m.json")
    monkeypatch.setattr(os, "access", lambda p, mode: False)   # as a non-root user in a read-only folder
    with pytest.raises(PermissionError, match=rf"cannot save to .*m\.json: {tmp_path} is not writable"):
        net.save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


# -- item 18: load names the file for deep nesting and huge numbers --------------------------------

@given(st.integers(2000, 200000), st.sampled_from("[{"))
def test_deeply_nested_json_is_an_error_naming_the_file(tmp_path_factory, depth, bracket):
    path = tmp_path_factory.mktemp("deep") / "deep.json"
    path.write_text(bracket * depth if bracket == "[" else '{"a":' * depth)
    with pytest.raises(ValueError, match=r"deep\.json: the JSON is nested too deeply"):
        ng.Network.load(path)


@given(st.integers(4301, 20000), st.sampled_from(["version", "weight", "id"]))
def test_a_huge_integer_is_an_error_naming_the_file(tmp_path_factory, digits, where):
    data = to_dict(ng.Network.layered([2, 1], seed=0))
    placeholder = 123456789
    if where == "version":
        data["version"] = placeholder
    elif where == "weight":
        data["edges"][0]["weight"] = placeholder
    else:
        data["nodes"][0]["id"] = placeholder
    path = tmp_path_factory.mktemp("huge") / "huge.json"
    path.write_text(json.dumps(data).replace(str(placeholder), "7" * digits))
    with pytest.raises(ValueError, match=rf"huge\.json: .*{digits} digits"):
        ng.Network.load(path)


def test_a_directory_or_unreadable_file_is_named(tmp_path, monkeypatch):
    with pytest.raises(IsADirectoryError, match=rf"{tmp_path} is a directory, not a model file"):
        ng.Network.load(tmp_path)
    path = tmp_path / "m.json"
    trained().save(path)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")
    monkeypatch.setattr(type(path), "read_text", denied)
    with pytest.raises(PermissionError, match=r"m\.json: cannot read the model file \(Permission denied\)"):
        json_file.load(path)
