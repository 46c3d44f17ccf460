"""Convert the classic ``mnist.pkl.gz`` into the compact file shipped with neurograph.

    python scripts/convert_mnist.py [path/to/mnist.pkl.gz]

The pickle stores every pixel as the float32 value pixel/256, so
``round(x·256)`` gives back the original byte exactly; the script checks
that, checks MNIST's known per-class counts, and writes
``neurograph/data/mnist_uint8.npz`` (uint8 pixels and labels, deflate
compressed, fixed zip timestamps so a rerun gives the same sha256).  Paste
the printed sha256 into ``neurograph.training.datasets.MNIST_SHA256``.

Run once by a maintainer; neurograph itself never reads the pickle at run time.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurograph.training.datasets import MNIST_FILE, check_class_counts, load_mnist_pkl, sha256_of, write_npz  # noqa: E402


def to_uint8(X: np.ndarray, split: str) -> np.ndarray:
    """pixel = round(x·256), verified to be exact (x = pixel/256 in the pickle)."""
    pixels = np.rint(np.asarray(X, dtype=np.float64) * 256.0)
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels / 256.0, X):
        raise ValueError(f"{split}: pixels are not exactly k/256 for k in 0..255; not the mnielsen scaling")
    return pixels.astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pickle", nargs="?", default=str(ROOT.parent / "shared" / "data" / "mnist.pkl.gz"),
                        help="the mnist.pkl.gz to convert (default: ../shared/data/mnist.pkl.gz)")
    parser.add_argument("--out", default=str(MNIST_FILE), help=f"output file (default: {MNIST_FILE})")
    args = parser.parse_args(argv)

    data = load_mnist_pkl(args.pickle)
    arrays = {}
    for split in ("train", "valid", "test"):
        X, y = getattr(data, split)
        arrays[f"x_{split}"] = to_uint8(X, split)
        arrays[f"y_{split}"] = y.astype(np.uint8)
    check_class_counts(np.concatenate([arrays["y_train"], arrays["y_valid"]]),
                       arrays["y_test"])
    out = Path(args.out)
    write_npz(out, arrays)
    digest = sha256_of(out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    for name, arr in arrays.items():
        print(f"  {name}: {arr.dtype} {arr.shape}")
    print(f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
