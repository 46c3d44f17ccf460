"""neurograph — see how a neural network really computes.

Every neuron is a ``Node``, every weight an ``Edge``; activations flow forward
and δ = ∂C/∂z flows backward along the same edges.  ``MatrixNetwork``
recomputes the same numbers as batched linear algebra, ``crosscheck``
compares the two with finite differences, ``train`` runs SGD on either engine
and ``explain`` writes the equations out with the numbers put in.
"""
from .activations import ACTIVATIONS, get_activation
from .graph import Edge, Network, Node
from .initializers import INITIALIZERS
from .losses import LOSSES, get_loss
from .matrix import MatrixNetwork
from .crosscheck import CrosscheckReport, crosscheck
from .explain import explain
from .explain_matrix import explain_matrix
from .datasets import load_mnist, mnist_subset, xor
from .train import History, TrainingDiverged, evaluate, train
from .presets import run_preset

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "CrosscheckReport", "Edge", "History", "INITIALIZERS", "LOSSES",
           "MatrixNetwork", "Network", "Node", "TrainingDiverged", "crosscheck", "evaluate",
           "explain", "explain_matrix", "get_activation", "get_loss", "load_mnist",
           "mnist_subset", "run_preset", "train", "xor", "__version__"]
