"""Data for training: MNIST shipped with the package, loaders for your own copy, toy sets.

Nothing here downloads.  The shipped file ``neurograph/data/mnist_uint8.npz``
holds the 28×28 pixels as bytes (0–255) and the labels (0–9) of the classic
50,000 / 10,000 / 10,000 train / valid / test split of ``mnist.pkl.gz``
(train = first 50k of MNIST's 60k training images, valid = the last 10k,
test = the 10k t10k images).  It was written by ``scripts/convert_mnist.py``
and its sha256 is checked every time it is read.

Pixel scalings (``scale=``), all computed from the byte value p:

- ``"mnielsen"``  x = p / 256          (exactly the floats of mnist.pkl.gz; seeds 000, 004)
- ``"unit"``      x = p / 255          (0 … 1; the seed 003 code listing)
- ``"seed003"``   x = p / 255 · 0.99 + 0.01   (0.01 … 1.0, so no input is exactly 0)

Images come back as float32 rows (one 784-vector per sample, row-major
28×28) to keep the 70k images at 220 MB; the engines compute in float64.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from collections.abc import Callable

import numpy as np

from neurograph.engine.validation import is_whole, lookup, whole_number
from neurograph.io.atomic import write_atomic

MNIST_FILE = Path(__file__).resolve().parent.parent / "data" / "mnist_uint8.npz"
#: sha256 of MNIST_FILE, printed by scripts/convert_mnist.py
MNIST_SHA256 = "1886fd326848ef09b357b3557b005837ba9f15dfa555db3ba23c595fd138eff9"

#: images per digit 0–9 in MNIST's 60k training set and its 10k test set
TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

SCALINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mnielsen": lambda p: p / np.float32(256),                                  # x = p/256
    "unit": lambda p: p / np.float32(255),                                      # x = p/255
    "seed003": lambda p: p / np.float32(255) * np.float32(0.99) + np.float32(0.01),  # x = p/255·0.99 + 0.01
}


class Split(NamedTuple):
    """One part of a data set: X (samples × features) and integer labels y."""

    X: np.ndarray
    y: np.ndarray


class MnistData(NamedTuple):
    """train / valid / test splits (valid may be None for the small subset)."""

    train: Split
    valid: Split | None
    test: Split


def sha256_of(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_npz(path: Path | str, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but with fixed zip timestamps (reproducible sha256),
    written atomically (``write_atomic``: never half an archive, through symlinks, keeping the mode)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)
    write_atomic(path, archive.getvalue(), example="data.npz")


def check_class_counts(y_train60k: np.ndarray, y_test: np.ndarray) -> None:
    """ValueError unless the labels have MNIST's known per-digit counts."""
    for name, y, expected in (("train (60k)", y_train60k, TRAIN_COUNTS), ("test", y_test, TEST_COUNTS)):
        got = tuple(int(c) for c in np.bincount(np.asarray(y, dtype=np.int64), minlength=10))
        if got != expected:
            raise ValueError(f"{name} labels have per-digit counts {got}; MNIST has {expected}")


def _scaler(scale: str) -> Callable[[np.ndarray], np.ndarray]:
    return lookup(SCALINGS, scale, "scale")


def _from_bytes(pixels: dict[str, np.ndarray], labels: dict[str, np.ndarray], scale: str) -> MnistData:
    f = _scaler(scale)
    splits = {k: Split(f(pixels[k].reshape(len(pixels[k]), -1).astype(np.float32)),
                       labels[k].astype(np.int64)) for k in pixels}
    return MnistData(splits["train"], splits.get("valid"), splits["test"])


def load_mnist(scale: str = "mnielsen", path: Path | str = MNIST_FILE,
               sha256: str | None = MNIST_SHA256) -> MnistData:
    """The shipped MNIST (50k/10k/10k), scaled as ``scale`` says (see the module doc).

    The file's sha256 must equal ``sha256`` (pass None to skip the check for
    a file of your own in the same layout); a mismatch raises ValueError
    naming the file and both hashes.
    """
    _scaler(scale)                                   # a bad scale fails before the file is hashed
    return _from_bytes(*_read_npz(Path(path), sha256), scale)


def _read_npz(path: Path, sha256: str | None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The uint8 pixels and labels of every split of a checked MNIST .npz file."""
    if not path.is_file():
        raise FileNotFoundError(f"MNIST file {path} is missing; reinstall neurograph or run "
                                "scripts/convert_mnist.py")
    if sha256 is not None:
        got = sha256_of(path)
        if got != sha256:
            raise ValueError(f"MNIST file {path} is damaged or not the shipped one: sha256 is {got}, "
                             f"expected {sha256}")
    with np.load(path, allow_pickle=False) as z:
        pixels = {k: z[f"x_{k}"] for k in ("train", "valid", "test")}
        labels = {k: z[f"y_{k}"] for k in ("train", "valid", "test")}
    return pixels, labels


@lru_cache(maxsize=4)
def mnist_subset(scale: str = "mnielsen", n_train: int = 1000, n_test: int = 1000) -> MnistData:
    """A fixed small MNIST for quick runs and tests: the first ``n_train``
    training and the first ``n_test`` test images (no validation split).

    Cached after the first call; the arrays are read-only so they cannot drift.
    """
    _scaler(scale)
    whole_number(n_train, "n_train", 1, 50000)
    whole_number(n_test, "n_test", 1, 10000)
    pixels, labels = _read_npz(MNIST_FILE, MNIST_SHA256)
    keep = {"train": n_train, "test": n_test}                # scale only the images kept
    data = _from_bytes({k: pixels[k][:n] for k, n in keep.items()}, {k: labels[k][:n] for k, n in keep.items()},
                       scale)
    for split in (data.train, data.test):
        split.X.flags.writeable = split.y.flags.writeable = False
    return data


def load_mnist_pkl(path: Path | str) -> MnistData:
    """Read the classic ``mnist.pkl.gz`` (mnielsen / deeplearning.net layout).

    A gzip-compressed pickle of ((X_train, y_train), (X_valid, y_valid),
    (X_test, y_test)) with X float32 = pixel/256; returned as stored.
    Only open pickles you trust: unpickling can run code.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (expected mnist.pkl.gz)")
    try:
        with gzip.open(path, "rb") as f:
            parts = pickle.load(f, encoding="latin1")
        splits = [Split(np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)) for X, y in parts]
    except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError) as exc:
        raise ValueError(f"{path} is not an mnist.pkl.gz ((X, y) × train/valid/test): {exc}") from None
    if len(splits) != 3 or any(s.X.ndim != 2 or len(s.X) != len(s.y) for s in splits):
        raise ValueError(f"{path}: expected three (X, y) pairs with one label per image row")
    return MnistData(*splits)


#: IDX type codes (third byte of the magic number) → numpy big-endian dtypes
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path: Path | str) -> np.ndarray:
    """Read one IDX file (the raw MNIST format), gzipped or not.

    Layout: two zero bytes, a type code, the number of dimensions d, then d
    big-endian uint32 sizes and the data in row-major order.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (magic bytes {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes of data) "
                         f"but the file holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no {stem}[.gz] in {folder}")


def load_mnist_idx(folder: Path | str, scale: str = "mnielsen", n_valid: int = 10000) -> MnistData:
    """The four raw MNIST IDX files from ``folder`` (gzipped or not), split like
    mnist.pkl.gz: the last ``n_valid`` training images become the validation set."""
    folder = Path(folder)
    Xtr, ytr = (load_idx(_find(folder, f"train-{k}-idx{d}-ubyte")) for k, d in (("images", 3), ("labels", 1)))
    Xte, yte = (load_idx(_find(folder, f"t10k-{k}-idx{d}-ubyte")) for k, d in (("images", 3), ("labels", 1)))
    if len(Xtr) != len(ytr) or len(Xte) != len(yte) or not 0 <= n_valid < len(Xtr):
        raise ValueError(f"{folder}: {len(Xtr)} training images, {len(ytr)} labels, "
                         f"{len(Xte)} test images, {len(yte)} labels, n_valid={n_valid}")
    cut = len(Xtr) - n_valid
    pixels = {"train": Xtr[:cut], "valid": Xtr[cut:], "test": Xte}
    labels = {"train": ytr[:cut], "valid": ytr[cut:], "test": yte}
    return _from_bytes(pixels, labels, scale)


def one_hot(y, n_classes: int = 10, on: float = 1.0, off: float = 0.0, what: str = "labels") -> np.ndarray:
    """Targets t with t[label] = ``on`` and ``off`` elsewhere (seed 003: 0.99 / 0.01).

    With ``n_classes=1`` (one output neuron, labels 0/1) t = on for label 1, off for 0.
    A label outside 0 … n_classes − 1 is a ValueError naming it and its index (``what`` names y).
    """
    n_classes = whole_number(n_classes, "n_classes", 1)
    y = np.asarray(y)
    highest = max(n_classes, 2) - 1
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{what} must be a 1-D array of integers in 0..{highest}, "
                         f"got dtype {y.dtype}, shape {y.shape}")
    bad = np.flatnonzero((y < 0) | (y > highest))
    if bad.size:
        raise ValueError(f"{what}: label {y[bad[0]]} at index {bad[0]} is out of range; labels must be "
                         f"integers in 0..{highest} ({bad.size} out of range in all)")
    if n_classes == 1:
        return np.where(y[:, None] == 1, on, off).astype(float)
    T = np.full((len(y), n_classes), float(off))
    T[np.arange(len(y)), y] = on
    return T


def xor() -> Split:
    """The four XOR points: x ∈ {0,1}², label = x₁ XOR x₂."""
    return Split(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0]))


# -- small 2-D classification sets (TensorFlow Playground style), numpy only -----------

def circles(n: int = 200, noise: float = 0.1, factor: float = 0.5, seed: int | None = 0) -> Split:
    """Two concentric rings: label 0 on the circle of radius 1, label 1 on radius ``factor``,
    each point moved by N(0, noise²) in x and y; angles θ ~ U(0, 2π)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    theta = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.c_[np.cos(theta), np.sin(theta)] + rng.normal(0, noise, (n, 2))
    return Split(X, y.astype(np.int64))


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> Split:
    """Two interleaved half circles: label 0 is (cos t, sin t), label 1 is (1 − cos t, ½ − sin t),
    t ~ U(0, π), plus N(0, noise²) in x and y."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return Split(X + rng.normal(0, noise, (n, 2)), y.astype(np.int64))


def spiral(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = 0) -> Split:
    """``classes`` arms of a spiral (the CS231n toy set): arm k has radius r = i/m for its m
    points and angle θ = 4k + 4r + N(0, noise²); x = r·(sin θ, cos θ)."""
    if not is_whole(classes, 2):
        raise ValueError(f"spiral needs at least 2 classes, got {classes!r}")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    r = np.empty(n)
    for k in range(classes):
        arm = y == k
        r[arm] = np.linspace(0.0, 1.0, int(arm.sum()))
    theta = 4.0 * y + 4.0 * r + rng.normal(0, noise, n)
    return Split(r[:, None] * np.c_[np.sin(theta), np.cos(theta)], y.astype(np.int64))


def mnist_image(index: int, split: str = "train", scale: str = "mnielsen") -> tuple[np.ndarray, int]:
    """Image ``index`` of the shipped MNIST ``split`` ("train", "valid" or "test") as a scaled
    784-vector, and its label (``mnist_image(0, "test")`` is a 7)."""
    f = _scaler(scale)
    pixels, labels = _read_npz(MNIST_FILE, MNIST_SHA256)
    images = lookup(pixels, split, "MNIST split")
    index = whole_number(index, f"MNIST {split} image index", 0, len(images) - 1)
    return f(images[index].reshape(-1).astype(np.float32)).astype(float), int(labels[split][index])
