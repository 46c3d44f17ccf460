"""The matrix backend's kernels: one BLAS gemm that adds into its output, whole-layer
activations written in place, and the cheap NaN/inf checks.

Nothing here allocates per call except where a comment says so; the backend
keeps every output array in its buffers (``neurograph.matrix.buffers``).
scipy's BLAS wrappers are imported on the first product, not with the package.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from neurograph.engine.validation import finite_array

Forward = Callable[[np.ndarray, np.ndarray], object]                          # f(z, out): out = f(z)
Backward = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], object]  # f(z, a, g, out): out = f′(z)·g

FLOAT64 = np.dtype(np.float64)
_GEMM: dict[str, Callable] = {}        # dtype char → scipy's ?gemm, filled by load_blas()
_BLAS2: dict[str, tuple[Callable, Callable, Callable]] = {}    # dtype char → (?gemv, ?ger, ?axpy)


def load_blas() -> None:
    """Import scipy's BLAS wrappers now (gemm, gemv, ger, axpy in float64 and float32).

    ``train`` calls this before it caps the BLAS threads: threadpoolctl can only
    limit a BLAS library that is already loaded.
    """
    if not _GEMM:
        from scipy.linalg import blas
        _GEMM.update(d=blas.dgemm, f=blas.sgemm)
        _BLAS2.update(d=(blas.dgemv, blas.dger, blas.daxpy), f=(blas.sgemv, blas.sger, blas.saxpy))


def blas2(dtype: np.dtype) -> tuple[Callable, Callable, Callable]:
    """(gemv, ger, axpy) of scipy's BLAS for float64 or float32:
    y ← α·op(A)·x + β·y,  A ← α·x·yᵀ + A,  y ← α·x + y."""
    load_blas()
    return _BLAS2[dtype.char]


def gemm(alpha: float, A: np.ndarray, B: np.ndarray, beta: float, out: np.ndarray) -> None:
    """out ← α·A·B + β·out, in place, as one BLAS gemm.

    numpy's matmul can only overwrite its output (β = 0), which costs a scratch
    array and one more pass whenever a product is to be added to something (a
    bias, another block, the weights themselves).  gemm is column-major: the
    C-contiguous ``out`` seen column-major is outᵀ, so it computes
    outᵀ ← α·Bᵀ·Aᵀ + β·outᵀ, passing each factor either as its transpose (a
    C-contiguous factor) or with gemm's transpose flag (a column-major one, such
    as Wᵀ), so that nothing is copied.
    """
    fn = _GEMM.get(out.dtype.char)
    if fn is None:
        load_blas()
        fn = _GEMM[out.dtype.char]
    a, trans_a = (B.T, 0) if B.flags.c_contiguous else (B, 1)      # op(a) = Bᵀ
    b, trans_b = (A.T, 0) if A.flags.c_contiguous else (A, 1)      # op(b) = Aᵀ
    fn(alpha, a, b, beta, out.T, trans_a, trans_b, 1)             # by position: f2py parses keywords slowly


# -- whole-layer activations, in place (tests check them against neurograph.engine.activations) --
def in_place(dtype: np.dtype) -> dict[str, tuple[Forward, Backward | None]]:
    """{activation name: (a = f(z) into out, δ = f′(z)·g into out)} for arrays of ``dtype``.

    Their constants are 0-d arrays of that dtype, made once: numpy converts a Python
    float operand anew on every call, which costs as much as the arithmetic itself
    on a 100-wide layer of one sample (about 0.2 µs).  The ufuncs are bound here and
    take ``out`` by position where numpy allows it (not for minimum/maximum): about
    80 ns less per call, 13 calls per sample of a sigmoid + softmax net.  The numbers
    are the same.
    """
    one, zero, cap = (np.array(v, dtype=dtype) for v in (1.0, 0.0, 709.0))
    negative, minimum, exp, add, reciprocal = np.negative, np.minimum, np.exp, np.add, np.reciprocal
    subtract, multiply, divide, largest, total = np.subtract, np.multiply, np.divide, np.maximum.reduce, np.add.reduce

    def sigmoid(z: np.ndarray, out: np.ndarray) -> None:
        negative(z, out)
        minimum(out, cap, out=out)                   # e^709 is finite: no overflow (σ < 1e-307 there)
        exp(out, out)
        add(out, one, out)
        reciprocal(out, out)                         # σ(z) = 1/(1 + e^−z)

    def sigmoid_back(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        subtract(one, a, out)
        multiply(out, a, out)
        multiply(out, g, out)                        # δ = σ(1 − σ)·g

    def tanh_back(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
        multiply(a, a, out)
        subtract(one, out, out)
        multiply(out, g, out)                        # δ = (1 − tanh²)·g

    def softmax(z: np.ndarray, out: np.ndarray) -> None:
        """Over the last axis: a batch (m, n) row by row, or one sample (n,)."""
        subtract(z, largest(z, axis=-1, keepdims=True), out)       # z − max
        exp(out, out)
        divide(out, total(out, axis=-1, keepdims=True), out)       # a_i = e^{z_i − max} / Σ_j e^{z_j − max}

    return {
        "sigmoid": (sigmoid, sigmoid_back),
        "tanh": (lambda z, out: np.tanh(z, out), tanh_back),
        "relu": (lambda z, out: np.maximum(z, zero, out=out),
                 lambda z, a, g, out: multiply(g, z > zero, out)),
        "identity": (lambda z, out: np.copyto(out, z), lambda z, a, g, out: np.copyto(out, g)),
        "softmax": (softmax, None),
    }


IN_PLACE = in_place(FLOAT64)


# -- NaN/inf checks -------------------------------------------------------------------------
def all_finite(values: np.ndarray) -> bool:
    """True when no entry is NaN or ±inf, in one BLAS dot product: Σv² is finite
    only if every v is (a huge finite v whose square overflows reads as False,
    so callers then run the full, exact check)."""
    return math.isfinite(np.vdot(values, values))


def verify(values: np.ndarray, what: str, width: int) -> np.ndarray:
    """values, if they are all finite; else finite_array's error naming the bad entry."""
    if not all_finite(values):
        finite_array(values, what, width)            # raises, unless Σv² merely overflowed
    return values


def as_batch(values, what: str, width: int, verify_finite: bool = True,
             dtype: np.dtype = FLOAT64) -> np.ndarray:
    """A (batch, width) array of ``dtype``; ``finite_array`` explains anything else.

    A batch of that dtype and the right shape skips the copy, and is checked for
    NaN/inf with one dot product — or not here with ``verify_finite=False``, when
    the caller checks it another way (forward: through the first layer's z)
    or not at all (``check_finite=False``).
    """
    if (isinstance(values, np.ndarray) and values.dtype == dtype and values.ndim == 2
            and values.shape[1] == width and len(values)):
        return verify(values, what, width) if verify_finite else values
    arr = finite_array(values, what, width)
    arr = arr[None, :] if arr.ndim == 1 else arr
    return arr if arr.dtype == dtype else arr.astype(dtype)
