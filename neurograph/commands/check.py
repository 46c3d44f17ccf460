"""`neurograph check model.json`: graph engine vs matrix backend vs finite differences.

Exit code 0 when every number agrees within the stated tolerances, 1 when not
(2, from the CLI, for an unreadable model or bad options).
"""
from __future__ import annotations

import numpy as np

from neurograph.check.crosscheck import crosscheck
from neurograph.commands import example, samples
from neurograph.engine.graph import Network
from neurograph.engine.validation import positive
from neurograph.io.model_file import load_model


def add_parser(sub):
    p = sub.add_parser(
        "check", help="cross-check a saved network: graph engine vs matrix vs finite differences",
        description="Run a random batch through the graph engine (node by node) and the matrix "
                    "backend (batched W·x), compare every output, δ, ∂C/∂w and ∂C/∂b, and check "
                    "a random sample of gradients against central finite differences (and "
                    "PyTorch autograd when installed). Exit code 0 when all agree, 1 when not. "
                    "--mnist-index or --sample-from check one real sample instead of the random batch.",
        **example("neurograph check model.json --samples 50 --rows 8"))
    p.add_argument("model", help="a model saved with net.save() or `neurograph demo` (JSON), or an ONNX MLP (.onnx)")
    p.add_argument("--samples", type=int, default=20, metavar="N",
                   help="weights and biases to check by finite differences (default 20)")
    p.add_argument("--rows", type=int, default=4, metavar="R",
                   help="random input samples in the batch (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random batch and sample (default 0)")
    p.add_argument("--tol", type=float, default=1e-7,
                   help="engines agree when |Δ| ≤ tol·(1 + |value|) (default 1e-7)")
    p.add_argument("--convention", choices=("column", "row"), default="column",
                   help="matrix layout: column z = W·x, row z = x·W (default column)")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch autograd opinion")
    samples.add_options(p)
    return p


def random_batch(net: Network, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ~ N(0, 1); targets in [0, 1], rows summing to 1 for cross-entropy."""
    if rows < 1:
        raise ValueError(f"--rows must be at least 1, got {rows}")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, net.n_inputs))
    T = rng.uniform(size=(rows, net.n_outputs))
    if net.loss == "cross_entropy":
        T /= T.sum(axis=1, keepdims=True)
    return X, T


def run(args) -> int:
    positive(args.tol, "--tol")
    net = load_model(args.model)
    real = samples.chosen(args, net)
    if real is not None and real.t is None:
        raise ValueError(f"{real.source} has no target to check the backward pass with; give the label or "
                         "target columns (or a model with 10 outputs for MNIST)")
    if real is not None:
        assert real.t is not None                      # refused just above
        X, T = real.x[None], real.t[None]
    else:
        X, T = random_batch(net, args.rows, args.seed)
    report = crosscheck(net, X, T, samples=args.samples, tol=args.tol, seed=args.seed,
                        convention=args.convention, torch=False if args.no_torch else None)
    batch = real.source if real is not None else f"random batch of {args.rows} (seed {args.seed})"
    print(f"{args.model}: {net!r}, {batch}")
    print(report)
    return 0 if report.ok else 1
