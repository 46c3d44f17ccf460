"""neurograph.engine.aligned: arrays both engines hand to BLAS start on a 64-byte boundary."""
import numpy as np
from hypothesis import example, given, strategies as st

from neurograph.engine.aligned import aligned_array, aligned_zeros

shapes = st.one_of(st.integers(0, 70), st.tuples(st.integers(1, 9), st.integers(1, 9)))
dtypes = st.sampled_from([np.float64, np.float32, np.intp])


@given(shapes, dtypes)
@example(0, np.float64)          # numpy points an empty slice at its buffer's start
@example((3, 0), np.float32)
def test_aligned_zeros_has_the_shape_dtype_and_boundary_asked_for(shape, dtype):
    outs = [aligned_zeros(shape, dtype) for _ in range(16)]     # numpy's own boundary varies between calls
    for out in outs:
        assert out.shape == np.zeros(shape).shape and out.dtype == np.dtype(dtype)
        assert out.ctypes.data % 64 == 0 and out.flags.c_contiguous and out.flags.writeable
        assert not out.any()


@given(st.lists(st.floats(-1e6, 1e6), max_size=40), dtypes)
def test_aligned_array_holds_exactly_what_np_array_would(values, dtype):
    out = aligned_array(values, dtype)
    expected = np.array(values, dtype=dtype)
    assert out.ctypes.data % 64 == 0
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert np.array_equal(out, expected)
