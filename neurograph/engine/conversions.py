"""The ways into and out of a Network: builders, matrices, networkx, JSON files, torch, sklearn and ONNX.

Each method is a thin door to the module that does the work (``neurograph.engine.builders``,
``neurograph.engine.matrices`` and ``neurograph.io``), imported when first used so that
``import neurograph`` does not load networkx, torch, sklearn or onnx.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

    from neurograph.engine.graph import Network


class _Conversions:
    """``Network.layered``, ``from_/to_matrices``, ``from_/to_networkx``, ``save``/``load``, torch, sklearn, ONNX."""

    @classmethod
    def layered(cls, sizes, activation: str = "sigmoid", output_activation: str | None = None,
                loss: str = "half_squared", init="uniform", seed: int | None = None,
                input_activation: str | None = None, bias: bool = True) -> Network:
        """A fully connected network; ids run layer by layer from 1 (``neurograph.engine.builders.layered``).

        ``layered([3, 4, 2])`` has inputs 1–3, hidden 4–7 and outputs 8–9.

        - ``sizes``: the layer widths, inputs first, at least two;
        - ``activation``: f of the hidden layers (and of the outputs unless ``output_activation`` is given);
        - ``loss``: half_squared, squared, cross_entropy or binary_cross_entropy;
        - ``init``: the first weights, ``init(n_in, n_out, rng)`` or its name in
          ``neurograph.engine.initializers``; biases start at 0;
        - ``seed``: seeds that rng (None: a fresh one);
        - ``input_activation``: gives every input a bias and an activation, a = f(x + b) (seed 000);
        - ``bias=False``: neurons without biases (seed 003).
        """
        from neurograph.engine.builders import layered
        return layered(sizes, activation=activation, output_activation=output_activation,
                       loss=loss, init=init, seed=seed, input_activation=input_activation,
                       bias=bias)

    @classmethod
    def from_matrices(cls, weights, biases=None, *, convention: str = "row", activation: str = "sigmoid",
                      output_activation: str | None = None, loss: str = "half_squared",
                      input_activation: str | None = None) -> Network:
        """A layered Network from one weight matrix per layer (see ``neurograph.engine.matrices``)."""
        from neurograph.engine.matrices import from_matrices
        return from_matrices(weights, biases, convention=convention, activation=activation,
                             output_activation=output_activation, loss=loss, input_activation=input_activation)

    def to_matrices(self, convention: str = "row") -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """(weights, biases) per layer as fresh arrays, in the row or column layout."""
        from neurograph.engine.matrices import to_matrices
        return to_matrices(cast("Network", self), convention)

    def to_networkx(self) -> nx.DiGraph:
        """The network as a networkx DiGraph (see ``neurograph.io.networkx_bridge``).

        Node attributes id, kind ("input"/"neuron"), layer, activation, bias, z, a, delta
        and bias_grad; edge attributes weight, grad and name (``w_{4,1}``); ``graph["loss"]``
        is the loss.  Numbers not computed yet are None.
        """
        from neurograph.io.networkx_bridge import to_networkx
        return to_networkx(cast("Network", self))

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> Network:
        """A Network from a DiGraph whose nodes are positive integer ids (see ``neurograph.io.networkx_bridge``).

        Reads the node attributes kind, activation and bias (None: no bias), the edge
        attribute weight (default 0) and ``graph["loss"]`` (default half_squared), as
        ``to_networkx`` writes them.
        """
        from neurograph.io.networkx_bridge import from_networkx
        return from_networkx(graph)

    def save(self, path) -> None:
        """Write the network to ``path`` as JSON, atomically (see ``neurograph.io.json_file``).

        The file holds the format name and version, the loss, every node's id, kind,
        activation and bias, and every edge's src, dst and weight in the order z = Σ w·a
        sums them; floats are written exactly, so ``load`` gives bit-identical outputs.
        """
        from neurograph.io.json_file import save
        save(cast("Network", self), path)

    @classmethod
    def load(cls, path) -> Network:
        """Read a network written by ``save`` (JSON, see ``neurograph.io.json_file``);
        any problem is a ValueError naming the file."""
        from neurograph.io.json_file import load
        return load(path)

    def to_torch(self, dtype=None):
        """The same network as a torch ``nn.Module`` (see ``neurograph.io.torch_bridge``)."""
        from neurograph.io.torch_bridge import to_torch
        return to_torch(cast("Network", self), dtype=dtype)

    @classmethod
    def from_torch(cls, module, loss: str | None = None, output_activation: str | None = None) -> Network:
        """A Network from an ``nn.Sequential`` MLP or a ``to_torch`` module (see ``neurograph.io.torch_bridge``)."""
        from neurograph.io.torch_bridge import from_torch
        return from_torch(module, loss=loss, output_activation=output_activation)

    @classmethod
    def from_sklearn(cls, model) -> Network:
        """A Network from a fitted sklearn MLPClassifier/MLPRegressor (see ``neurograph.io.sklearn_bridge``)."""
        from neurograph.io.sklearn_bridge import from_sklearn
        return from_sklearn(model)

    def to_sklearn(self):
        """The same network as a fitted sklearn MLP (see ``neurograph.io.sklearn_bridge``)."""
        from neurograph.io.sklearn_bridge import to_sklearn
        return to_sklearn(cast("Network", self))

    @classmethod
    def from_onnx(cls, model, output: str | None = None, loss: str | None = None) -> Network:
        """A Network from an ONNX MLP graph, a path or a ModelProto (see ``neurograph.io.onnx_in``)."""
        from neurograph.io.onnx_in import from_onnx
        return from_onnx(model, output=output, loss=loss)

    def to_onnx(self, path, dtype: str = "float32"):
        """Write the network as an ONNX model and return it (see ``neurograph.io.onnx_out``)."""
        from neurograph.io.onnx_out import to_onnx
        return to_onnx(cast("Network", self), path, dtype=dtype)
