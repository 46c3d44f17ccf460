"""Data: the shipped MNIST, the loaders for users' copies, the toy sets, one-hot targets."""
import gzip
import pickle
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neurograph import datasets
from neurograph.training.datasets import (MNIST_FILE, MNIST_SHA256, TEST_COUNTS, TRAIN_COUNTS, load_idx,
                                 load_mnist, load_mnist_idx, load_mnist_pkl, mnist_subset, one_hot,
                                 sha256_of, write_npz, xor)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def test_shipped_file_is_small_and_matches_its_recorded_hash():
    assert MNIST_FILE.stat().st_size < 12_000_000
    assert sha256_of(MNIST_FILE) == MNIST_SHA256


def test_shipped_mnist_has_the_classic_split_and_counts(mnist):
    assert [len(s.X) for s in mnist] == [50000, 10000, 10000]
    assert all(s.X.shape[1] == 784 and s.X.dtype == np.float32 for s in mnist)
    counts60k = np.bincount(np.concatenate([mnist.train.y, mnist.valid.y]), minlength=10)
    assert tuple(counts60k) == TRAIN_COUNTS
    assert tuple(np.bincount(mnist.test.y, minlength=10)) == TEST_COUNTS
    # the first test labels of MNIST's t10k set are 7 2 1 0 4 1 4 9 5 9
    assert mnist.test.y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_mnielsen_scaling_is_pixel_over_256(mnist):
    pixels = mnist.train.X[:100] * 256
    assert np.array_equal(pixels, np.round(pixels))           # every value is k/256
    assert mnist.train.X.min() == 0.0 and mnist.train.X.max() == np.float32(255 / 256)


def test_seed003_scaling_maps_bytes_to_0_01_to_1(mnist):
    scaled = datasets.SCALINGS["seed003"](np.array([0, 255, 51], dtype=np.float32))
    np.testing.assert_allclose(scaled, [0.01, 1.0, 51 / 255 * 0.99 + 0.01], rtol=1e-6)
    sub = mnist_subset("seed003")
    np.testing.assert_allclose(sub.train.X, mnist.train.X[:1000] * 256 / 255 * 0.99 + 0.01, rtol=1e-6)


def test_subset_is_fixed_first_1k_of_train_and_test(mnist):
    sub = mnist_subset()
    assert sub.valid is None and len(sub.train.X) == len(sub.test.X) == 1000
    assert np.array_equal(sub.train.X, mnist.train.X[:1000])
    assert np.array_equal(sub.test.y, mnist.test.y[:1000])


def test_checksum_mismatch_names_the_file_and_both_hashes(tmp_path):
    fake = tmp_path / "mnist_uint8.npz"
    shutil.copy(MNIST_FILE, fake)
    with open(fake, "ab") as f:
        f.write(b"tampered")
    with pytest.raises(ValueError) as err:
        load_mnist(path=fake)
    msg = str(err.value)
    assert str(fake) in msg and MNIST_SHA256 in msg and sha256_of(fake) in msg


def test_missing_file_and_unknown_scale_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_mnist(path=tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="unknown scale 'x/3'"):
        load_mnist(scale="x/3")


def _tiny_bytes(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=n).astype(np.uint8)


def test_write_npz_is_reproducible_and_loadable_without_hash(tmp_path):
    pixels, labels = _tiny_bytes(6, 0)
    arrays = {f"{k}_{s}": (pixels if k == "x" else labels)[i * 2:(i + 1) * 2]
              for i, s in enumerate(("train", "valid", "test")) for k in ("x", "y")}
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    write_npz(a, arrays)
    write_npz(b, arrays)
    assert a.read_bytes() == b.read_bytes()
    data = load_mnist(path=a, sha256=None)
    assert np.array_equal(data.valid.X * 256, pixels[2:4].reshape(2, -1))
    assert data.test.y.tolist() == labels[4:].tolist()


def test_pickle_loader_reads_the_classic_layout(tmp_path):
    rng = np.random.default_rng(1)
    parts = tuple((rng.integers(0, 256, (n, 784)).astype(np.float32) / 256, rng.integers(0, 10, n))
                  for n in (5, 3, 4))
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump(parts, f, protocol=2)
    data = load_mnist_pkl(path)
    for (X, y), split in zip(parts, data, strict=True):
        assert np.array_equal(split.X, X) and split.y.tolist() == y.tolist()
    (tmp_path / "bad.pkl.gz").write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="bad.pkl.gz"):
        load_mnist_pkl(tmp_path / "bad.pkl.gz")


def _idx_bytes(arr: np.ndarray) -> bytes:
    """IDX by hand: 0 0, type code 0x08 (ubyte), ndim, big-endian uint32 sizes, data."""
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


@pytest.mark.parametrize("gz", [False, True])
def test_idx_loader_reads_plain_and_gzipped(tmp_path, gz):
    pixels, labels = _tiny_bytes(7, 2)
    for name, arr in (("img", pixels), ("lab", labels)):
        raw = _idx_bytes(arr)
        path = tmp_path / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(raw) if gz else raw)
        assert np.array_equal(load_idx(path), arr)


def test_idx_folder_loader_splits_like_the_pickle(tmp_path):
    tr_x, tr_y = _tiny_bytes(9, 3)
    te_x, te_y = _tiny_bytes(4, 4)
    files = {"train-images-idx3-ubyte.gz": tr_x, "train-labels-idx1-ubyte": tr_y,
             "t10k-images-idx3-ubyte": te_x, "t10k-labels-idx1-ubyte.gz": te_y}
    for name, arr in files.items():
        raw = _idx_bytes(arr)
        (tmp_path / name).write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
    data = load_mnist_idx(tmp_path, n_valid=3)
    assert [len(s.X) for s in data] == [6, 3, 4]
    assert np.array_equal(data.valid.X, tr_x[6:].reshape(3, 784) / np.float32(256))
    assert data.test.y.tolist() == te_y.tolist()


def test_idx_errors_name_the_file(tmp_path):
    (tmp_path / "junk").write_bytes(b"\x01\x02\x03\x04abcd")
    with pytest.raises(ValueError, match="junk is not an IDX file"):
        load_idx(tmp_path / "junk")
    (tmp_path / "short").write_bytes(_idx_bytes(np.zeros((2, 3)))[:-1])
    with pytest.raises(ValueError, match=r"short: header says shape \(2, 3\)"):
        load_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist_idx(tmp_path)


@given(st.lists(st.integers(0, 9), min_size=1, max_size=20),
       st.floats(0, 0.4), st.floats(0.6, 1))
def test_one_hot_puts_on_at_the_label_and_off_elsewhere(labels, off, on):
    T = one_hot(np.array(labels), 10, on=on, off=off)
    assert T.shape == (len(labels), 10)
    assert np.argmax(T, axis=1).tolist() == labels
    np.testing.assert_allclose(T.sum(axis=1), on + 9 * off)


def test_one_hot_single_output_and_bad_labels():
    assert one_hot(np.array([0, 1, 1]), 1, on=0.99, off=0.01).ravel().tolist() == [0.01, 0.99, 0.99]
    with pytest.raises(ValueError, match="0..9"):
        one_hot(np.array([3, 10]))
    with pytest.raises(ValueError, match="integers"):
        one_hot(np.array([0.5]))


def test_xor_is_the_truth_table():
    X, y = xor()
    assert y.tolist() == [int(a) ^ int(b) for a, b in X]
