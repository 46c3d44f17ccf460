"""Atomic file writes: the one careful save every neurograph writer goes through.

``write_atomic(path, data)`` never leaves half a file behind:

    1. a temporary ``.<name>.<random>.tmp`` is created beside the target (mode 0666 & ~umask),
    2. the bytes are written and fsynced (on disk before anyone can see them),
    3. it is renamed over the target (readers see the old file or the new one, never a mix),
    4. the folder is fsynced (the rename itself survives a power cut).

A symlink is written through to its target (the link stays a link); an existing
file keeps its permission bits, a new one gets the umask's default (never
0600, which is what ``tempfile.mkstemp`` would give).  Any failure removes the
temporary file, leaves the old file byte for byte as it was, and names the
target path, not the temporary one.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def check_writable(path: str | os.PathLike[str], example: str = "model.json") -> Path:
    """The file a save to ``path`` writes: ``path`` itself, or the file a symlink points to.

    Checked before anything is written (``neurograph train --save`` calls this
    before training): an empty path, a directory, a missing or read-only folder
    and a read-only file are errors that name ``path``.  ``example`` is the file
    name the hints suggest (``model.json`` for a model, ``net.svg`` for a picture).
    """
    if not str(path):
        raise ValueError(f"the {Path(example).stem} path is empty; give a file name such as {example}")
    target = Path(os.path.realpath(path))             # write through symlinks to their target
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"cannot save to {path}: it is a directory; "
                                f"give a file name such as {Path(path) / example}")
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"cannot save to {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        denied = target if target.exists() and not os.access(target, os.W_OK) else folder
        raise PermissionError(errno.EACCES, f"cannot save to {path}: {denied} is not writable")
    return target


def write_atomic(path: str | os.PathLike[str], data: bytes, example: str = "model.json") -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring) and return ``Path(path)``.

    ``path`` is checked first with ``check_writable(path, example)``; an OSError
    while writing is re-raised as the same type with ``cannot save to <path>: …``.
    """
    target = check_writable(path, example)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    try:
        fd, tmp = _create_temporary(target)
        try:
            try:
                if mode is not None:
                    os.fchmod(fd, mode)
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:                              # name the file, not the temporary one
        raise type(exc)(exc.errno, f"cannot save to {path}: {exc.strerror or exc}") from None
    _fsync_folder(target.parent)
    return Path(path)


def _create_temporary(target: Path) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.tmp`` beside ``target``, created with mode 0666 so the
    umask applies (``tempfile.mkstemp`` would make every saved file 0600)."""
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{os.urandom(4).hex()}.tmp")   # = secrets.token_hex(4)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary file name beside {target}")


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out (a write may take only part of them)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the system allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
