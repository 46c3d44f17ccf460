"""Train a small MNIST network on the object engine, then check it on the matrix engine.

    python examples/train_mnist.py [OUT_DIR]   # ~20 s: 784-30-10 on the 1k/1k subset

Shows the Python API behind `neurograph train`: build a Network, call
``train`` (weights stay on the edges), read the History, save the curves and
the model, and score the saved model again with the other engine.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurograph import Network  # noqa: E402
from neurograph.training.datasets import mnist_subset  # noqa: E402
from neurograph.training.loop import evaluate, train  # noqa: E402


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = mnist_subset()
    net = Network.layered([784, 30, 10], activation="sigmoid", output_activation="softmax",
                          loss="cross_entropy", init="normal", seed=0)
    history = train(net, data.train.X, data.train.y, engine="graph", epochs=5, lr=0.5,
                    batch_size=10, test=data.test, seed=0)
    print(history.table())
    history.plot(out / "train_mnist_curves.png", title="784-30-10 on the 1k MNIST subset (graph engine)")
    net.save(out / "train_mnist_model.json")
    loss, acc = evaluate(Network.load(out / "train_mnist_model.json"), data.test.X, data.test.y,
                         engine="matrix")
    print(f"saved model, rescored on the matrix engine: test loss {loss:.4f}, accuracy {acc:.4f}")
    print(f"weight w_{{815,785}} after training: {net.edge(785, 815).weight:+.6f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
