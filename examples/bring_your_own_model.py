"""Bring your own model: scikit-learn in, ONNX out, PyTorch as the engine — and how close each one is.

    python examples/bring_your_own_model.py [--out DIR]

Needs the extras: pip install 'neurograph[sklearn,onnx,torch]'.  Prints the largest
difference between neurograph and the outside library for each bridge, and
writes an MLPClassifier's picture and its ONNX file to DIR (default out/models).
"""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import onnxruntime
from sklearn.neural_network import MLPClassifier, MLPRegressor

import neurograph as ng
import visualize


def sklearn_gap(X: np.ndarray, rng: np.random.Generator) -> float:
    """max |net.forward − sklearn| over multiclass, binary and regression models with every activation."""
    worst = 0.0
    for act in ("identity", "logistic", "tanh", "relu"):
        cases = [(MLPClassifier(hidden_layer_sizes=(8, 6), activation=act, max_iter=200, random_state=0),
                  rng.integers(0, 4, len(X)), lambda m: m.predict_proba(X)),
                 (MLPClassifier(hidden_layer_sizes=(8,), activation=act, max_iter=200, random_state=0),
                  rng.integers(0, 2, len(X)), lambda m: m.predict_proba(X)[:, 1:]),
                 (MLPRegressor(hidden_layer_sizes=(8,), activation=act, max_iter=200, random_state=0),
                  X.sum(axis=1), lambda m: m.predict(X)[:, None])]
        for model, y, predicted in cases:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")            # 200 iterations: maybe not converged, never mind
                model.fit(X, y)
            worst = max(worst, float(np.abs(ng.Network.from_sklearn(model).forward(X) - predicted(model)).max()))
    return worst


def onnx_gap(net: ng.Network, X: np.ndarray, dtype: str) -> float:
    """max |onnxruntime(net.to_onnx()) − net.forward|."""
    session = onnxruntime.InferenceSession(net.to_onnx(None, dtype=dtype).SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return float(np.abs(session.run(None, {"x": X.astype(dtype)})[0] - net.forward(X)).max())


def engine_gap(X: np.ndarray, y: np.ndarray, loss: str, out: str) -> tuple[float, float]:
    """(max |Δw|, max |Δ train loss|) between engine="torch" and engine="matrix" after 5 epochs."""
    a = ng.Network.layered([X.shape[1], 16, 3], activation="tanh", output_activation=out, loss=loss, seed=2)
    b = a.copy()
    options = dict(epochs=5, lr={0: 0.5, 3: 0.1}, batch_size=10, weight_decay=1e-3, progress=False)
    ha = ng.train(a, X, y, engine="matrix", **options)
    hb = ng.train(b, X, y, engine="torch", device="cpu", **options)
    dw = np.abs(np.array([e.weight for e in a.edges]) - [e.weight for e in b.edges]).max()
    return float(dw), float(np.abs(np.array(ha.column("train_loss")) - hb.column("train_loss")).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/models", help="folder for the picture and the ONNX file")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    print(f"from_sklearn: max |forward − sklearn| over 12 models = {sklearn_gap(X, rng):.3g}")
    layered = ng.Network.layered([5, 16, 8, 3], activation="tanh", output_activation="softmax",
                                 loss="cross_entropy", seed=1)
    for name, net, Xn in (("layered 5-16-8-3", layered, X), ("skip DAG", ng.examples.skip_dag()[0], X[:, :2])):
        for dtype in ("float64", "float32"):
            print(f"to_onnx {name} {dtype}: max |onnxruntime − forward| = {onnx_gap(net, Xn, dtype):.3g}")
    y = rng.integers(0, 3, len(X))
    for loss, act in (("cross_entropy", "softmax"), ("half_squared", "sigmoid")):
        dw, dloss = engine_gap(X, y, loss, act)
        print(f"engine='torch' vs 'matrix', {loss}, 5 epochs: max |Δw| = {dw:.3g}, max |Δ train loss| = {dloss:.3g}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(X, y)
    net = ng.Network.from_sklearn(mlp)
    print(f"picture: {visualize.draw(net).save(out / 'mlp.svg')}")
    net.to_onnx(out / "mlp.onnx")
    print(f"ONNX: {out / 'mlp.onnx'} (neurograph draw {out / 'mlp.onnx'} -o mlp.png draws it again)")


if __name__ == "__main__":
    main()
