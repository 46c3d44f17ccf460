"""neurograph — see how a neural network really computes.

Every neuron is a ``Node``, every weight an ``Edge``; activations flow forward
and δ = ∂C/∂z flows backward along the same edges.  ``MatrixNetwork``
recomputes the same numbers as batched linear algebra, ``crosscheck``
compares the two with finite differences, ``train`` runs SGD on either engine
and ``explain`` writes the equations out with the numbers put in.
"""
from neurograph.engine.activations import ACTIVATIONS, get_activation
from neurograph.engine.graph import Edge, Network, Node
from neurograph.engine.initializers import INITIALIZERS
from neurograph.engine.losses import LOSSES, get_loss
from neurograph.matrix.network import MatrixNetwork
from neurograph.check.crosscheck import CrosscheckReport, crosscheck
from neurograph.explanations.equations import explain
from neurograph.explanations.explanation import Explanation
from neurograph.explanations.matrix_view import explain_matrix
from neurograph import examples
from neurograph.check.compare import Comparison, check_backprop, compare
from neurograph.check.grade import Grade, grade
from neurograph.training import datasets
from neurograph.training.datasets import load_mnist, mnist_subset, xor
from neurograph.training.history import History, ScheduleFailed, TrainingDiverged, TrainingInterrupted
from neurograph.training.loop import evaluate, train
from neurograph.training.presets import run_preset
from neurograph.io.atomic import check_writable, write_atomic

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "Comparison", "CrosscheckReport", "Edge", "Explanation", "Grade", "History",
           "INITIALIZERS", "LOSSES", "MatrixNetwork", "Network", "Node", "ScheduleFailed", "TrainingDiverged",
           "TrainingInterrupted", "check_backprop", "check_writable", "compare", "crosscheck", "datasets", "evaluate",
           "examples", "explain", "explain_matrix", "get_activation", "get_loss", "grade", "load_mnist",
           "mnist_subset", "run_preset", "train", "write_atomic", "xor", "__version__"]
