"""The speed benchmarks must time the same work: after one epoch the hand-written
numpy loop and the matrix backend (both ways it is driven) hold the same weights."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from matrix_speed import make_data, matrix_backend, numpy_loop  # noqa: E402

import neurograph as ng  # noqa: E402


@pytest.mark.parametrize("convention, checked", [("row", False), ("column", False), ("row", True)])
def test_matrix_backend_epoch_equals_the_numpy_loop(convention, checked):
    X, Y = make_data(96, seed=3)
    net = ng.Network.layered([784, 100, 10], activation="sigmoid", output_activation="softmax",
                             loss="cross_entropy", init="uniform", seed=0)
    loop = numpy_loop(net, X, Y, batch=32, lr=0.5)
    ours = matrix_backend(net, X, Y, batch=32, lr=0.5, convention=convention, checked=checked)
    loop()
    ours()
    W1, W2, b1, b2 = loop.params
    m = ours.model
    assert not np.allclose(W2, ng.MatrixNetwork.from_graph(net, convention="row").weights[(1, 2)])  # it moved
    for got, want in [(m.weights[(0, 1)], W1), (m.weights[(1, 2)], W2), (m.biases[1], b1), (m.biases[2], b2)]:
        got = got.T if convention == "column" and got.ndim == 2 else got
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_per_sample_backend_and_its_blas_floor_do_the_same_work():
    """The batch-1 goal compares like with like: one epoch of the fused path and of the
    hand-written dgemv/dger floor end on the same weights."""
    from matrix_speed import blas2_floor, per_sample_backend
    X, Y = make_data(40, seed=4)
    net = ng.Network.layered([784, 100, 10], activation="sigmoid", output_activation="softmax",
                             loss="cross_entropy", init="uniform", seed=0)
    floor, ours = blas2_floor(net, X, Y, lr=0.5), per_sample_backend(net, X, Y, lr=0.5)
    floor()
    ours()
    W1, W2, b1, b2 = floor.params
    m = ours.model
    for got, want in [(m.weights[(0, 1)], W1), (m.weights[(1, 2)], W2), (m.biases[1], b1), (m.biases[2], b2)]:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
