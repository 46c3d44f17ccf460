"""Find the bug in your backprop: a student's numpy code, neurograph's diagnosis, and the fix.

The student wrote a 3-4-2 sigmoid network with C = ½Σ(a − t)² in the row
convention (z = a·W + b, W is n_in × n_out, rows are samples) and returns the
batch-mean gradients.  ``ng.check_backprop`` calls the function on copies of
the weights, recomputes every number with neurograph's matrix backend, and
names what is wrong — here a hidden δ without σ′(z) — and which layers only
inherit it.  Run:  python examples/find_my_bug.py
"""
import numpy as np

import neurograph as ng


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def my_backprop(W, b, X, T):
    """The student's version: one line is wrong."""
    m = len(X)
    A1 = sigmoid(X @ W[0] + b[0])
    A2 = sigmoid(A1 @ W[1] + b[1])
    D2 = (A2 - T) * A2 * (1 - A2)               # δ_2 = (a − t) ⊙ σ′(z_2)
    D1 = D2 @ W[1].T                            # BUG: δ_1 needs ⊙ σ′(z_1) = A1(1 − A1)
    return [X.T @ D1 / m, A1.T @ D2 / m], [D1.sum(axis=0) / m, D2.sum(axis=0) / m]


def fixed_backprop(W, b, X, T):
    """The same code with the line the diagnosis pointed at fixed."""
    m = len(X)
    A1 = sigmoid(X @ W[0] + b[0])
    A2 = sigmoid(A1 @ W[1] + b[1])
    D2 = (A2 - T) * A2 * (1 - A2)
    D1 = (D2 @ W[1].T) * A1 * (1 - A1)          # fixed: δ_1 = (δ_2·W_2ᵀ) ⊙ σ′(z_1)
    return [X.T @ D1 / m, A1.T @ D2 / m], [D1.sum(axis=0) / m, D2.sum(axis=0) / m]


def main() -> None:
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    b = [np.zeros(4), np.zeros(2)]
    net = ng.Network.from_matrices(W, b, convention="row", activation="sigmoid", loss="half_squared")
    X = rng.uniform(size=(5, 3))
    T = rng.uniform(size=(5, 2))

    print("== the student's backprop ==")
    report = ng.check_backprop(my_backprop, net, X, T, convention="row", reduction="mean")
    print(report)
    print()
    print("== after the fix ==")
    print(ng.check_backprop(fixed_backprop, net, X, T, convention="row", reduction="mean"))


if __name__ == "__main__":
    main()
