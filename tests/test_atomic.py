"""Issue 12 item 14 for every writer: each one goes through neurograph.write_atomic, so each one
writes through a symlink, keeps an existing file's mode, gives a new file the umask's default,
and a failure while writing leaves the old file byte-identical, no temporary file, and an error
naming the target."""
import errno
import os
import re
import shutil
import stat

import numpy as np
import pytest

import neurograph as ng
import visualize
from visualize.frames import gif
from neurograph.training.datasets import write_npz

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def net(seed: int) -> ng.Network:
    return ng.Network.layered([2, 3, 1], seed=seed)


def onnx_file(path, seed):
    pytest.importorskip("onnx", reason="to_onnx needs the onnx extra: pip install 'neurograph[onnx]'")
    net(seed).to_onnx(path)


def npz_file(path, seed):
    write_npz(path, {"X": np.random.default_rng(seed).random((4, 3)), "y": np.arange(4) + seed})


def curves_file(path, seed):
    pytest.importorskip("matplotlib")
    X, y = ng.xor()
    ng.train(net(seed), X, y, epochs=2, progress=False).plot(path)


def boundary_file(path, seed):
    pytest.importorskip("matplotlib")
    X, y = ng.xor()
    visualize.boundary(net(seed), X, y, path, resolution=20)


def gif_file(path, seed):
    network = net(seed)
    gif([visualize.draw(network), visualize.draw(network, labels="edge")], path, dpi=30)


#: every writer: (file name, write(path, seed)); different seeds write different bytes
WRITERS = {
    "json save": ("model.json", lambda path, seed: net(seed).save(path)),
    "to_onnx": ("model.onnx", onnx_file),
    "Diagram.save dot": ("net.dot", lambda path, seed: visualize.draw(net(seed)).save(path)),
    "Diagram.save svg": pytest.param("net.svg", lambda path, seed: visualize.draw(net(seed)).save(path),
                                     marks=needs_dot),
    "Diagram.render png": pytest.param("net.png", lambda path, seed: visualize.draw(net(seed)).render(path, dpi=30),
                                       marks=needs_dot),
    "Explorer.save": pytest.param("page.html", lambda path, seed: visualize.explore(net(seed)).save(path),
                                  marks=needs_dot),
    "write_npz": ("data.npz", npz_file),
    "History.plot": ("curves.png", curves_file),
    "boundary": ("boundary.png", boundary_file),
    "gif": pytest.param("net.gif", gif_file, marks=needs_dot),
}
writers = pytest.mark.parametrize("name,write", list(WRITERS.values()),
                                  ids=list(WRITERS))


def written_bytes(tmp_path, name, write, seed) -> bytes:
    """What the writer puts in a fresh, plain file (the independent reference)."""
    folder = tmp_path / f"reference{seed}"
    folder.mkdir()
    write(folder / name, seed)
    return (folder / name).read_bytes()


@writers
def test_writing_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path, name, write):
    expected = written_bytes(tmp_path, name, write, 1)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / name
    target.write_bytes(b"stale")
    link = tmp_path / f"link_{name}"
    link.symlink_to(target)
    write(link, 1)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == expected != b"stale"
    assert os.listdir(tmp_path / "real") == [name]                 # no temporary file left beside it


@writers
@pytest.mark.parametrize("mode", [0o600, 0o755])
def test_an_existing_file_keeps_its_mode(tmp_path, name, write, mode):
    path = tmp_path / name
    path.write_bytes(b"old")
    path.chmod(mode)
    write(path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_bytes() != b"old"


@writers
@pytest.mark.parametrize("umask", [0o077, 0o002])
def test_a_new_file_gets_the_umask_default(tmp_path, name, write, umask):
    old = os.umask(umask)
    try:
        write(tmp_path / name, 1)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask     # 0600 only if the umask says so


def _failing(where: str):
    """os.write that writes 10 bytes into a regular file and then fails with ENOSPC (a full disk;
    pipes to Graphviz's dot still work), or an os.fsync / os.replace that fails with EIO."""
    real_write, written = os.write, [0]

    def write(fd, data):
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return real_write(fd, data)
        if written[0] >= 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        k = real_write(fd, bytes(data[:10 - written[0]]))
        written[0] += k
        return k

    def fail(*args):
        raise OSError(errno.EIO, "Input/output error")
    return write if where == "write" else fail


@writers
@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_byte_identical(tmp_path, monkeypatch, name, write, where):
    path = tmp_path / name
    write(path, 1)
    path.chmod(0o640)
    old = path.read_bytes()
    assert written_bytes(tmp_path, name, write, 2) != old             # the new save would change the bytes
    monkeypatch.setattr(os, where, _failing(where))
    with pytest.raises(OSError, match=rf"cannot save to {re.escape(str(path))}: ") as info:
        write(path, 2)
    monkeypatch.undo()
    assert ".tmp" not in str(info.value)                             # the target is named, not the temporary
    assert path.read_bytes() == old and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == sorted([name, "reference2"])


def test_write_atomic_returns_the_path_as_given_and_checks_it_first(tmp_path):
    link = tmp_path / "link.bin"
    link.symlink_to(tmp_path / "file.bin")
    assert ng.write_atomic(str(link), b"\x00\x01") == link and (tmp_path / "file.bin").read_bytes() == b"\x00\x01"
    assert ng.check_writable(link) == tmp_path / "file.bin"
    with pytest.raises(IsADirectoryError, match=rf"cannot save to {re.escape(str(tmp_path))}: it is a directory; "
                                                rf"give a file name such as .*net\.svg"):
        ng.write_atomic(tmp_path, b"x", example="net.svg")
    with pytest.raises(FileNotFoundError, match=r"cannot save to .*nowhere.*: the folder .*nowhere does not exist"):
        ng.write_atomic(tmp_path / "nowhere" / "f.bin", b"x")
    with pytest.raises(ValueError, match="the model path is empty; give a file name such as model.json"):
        ng.check_writable("")
    assert sorted(os.listdir(tmp_path)) == ["file.bin", "link.bin"]


@needs_dot
def test_every_file_of_a_handout_is_written_through_its_link_keeping_its_mode(tmp_path):
    names = ["answers.md", "key.svg", "quiz.svg", "worksheet.md"]
    x, t = [0.1, 0.2], [1.0]
    reference = sorted(p.name for p in visualize.handout(net(1), x, t, tmp_path / "reference", formats=("svg",)))
    assert reference == names
    (tmp_path / "real").mkdir()
    (tmp_path / "out").mkdir()
    for name in names:
        (tmp_path / "real" / name).write_bytes(b"stale")
        (tmp_path / "real" / name).chmod(0o640)
        (tmp_path / "out" / name).symlink_to(tmp_path / "real" / name)
    visualize.handout(net(1), x, t, tmp_path / "out", formats=("svg",))
    for name in names:
        assert (tmp_path / "out" / name).is_symlink()
        assert (tmp_path / "real" / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()
        assert stat.S_IMODE((tmp_path / "real" / name).stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path / "real")) == names
