"""neurograph — see how a neural network really computes.

Every neuron is a ``Node``, every weight an ``Edge``; activations flow forward
and δ = ∂C/∂z flows backward along the same edges.  ``MatrixNetwork``
recomputes the same numbers as batched linear algebra and ``crosscheck``
compares the two with finite differences.
"""
from .activations import ACTIVATIONS, get_activation
from .graph import Edge, Network, Node
from .initializers import INITIALIZERS
from .losses import LOSSES, get_loss
from .crosscheck import CrosscheckReport, crosscheck
from .matrix import MatrixNetwork
from .explain import explain
from .explain_matrix import explain_matrix

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "CrosscheckReport", "Edge", "INITIALIZERS", "LOSSES", "MatrixNetwork", "Network", "Node",
           "explain", "explain_matrix", "crosscheck", "get_activation", "get_loss", "__version__"]
