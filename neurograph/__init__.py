"""neurograph — see how a neural network really computes.

Every neuron is a ``Node``, every weight an ``Edge``; activations flow forward
and δ = ∂C/∂z flows backward along the same edges.  ``MatrixNetwork``
recomputes the same numbers as batched linear algebra, ``crosscheck``
compares the two with finite differences, ``train`` runs SGD on either engine
and ``explain`` writes the equations out with the numbers put in.

``import neurograph`` loads only what a plain ``Network`` needs; every other
public name (``MatrixNetwork``, ``train``, ``explain``, ``crosscheck`` …) loads its
module the first time it is used (PEP 562 ``__getattr__``).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from neurograph.engine.activations import ACTIVATIONS, get_activation
from neurograph.engine.graph import Edge, Network, Node
from neurograph.engine.losses import LOSSES, get_loss

if TYPE_CHECKING:                  # what the lazy names are, for mypy and editors
    from neurograph import examples
    from neurograph.check.compare import Comparison, check_backprop, compare
    from neurograph.check.crosscheck import CrosscheckReport, crosscheck
    from neurograph.check.grade import Grade, grade
    from neurograph.engine.initializers import INITIALIZERS
    from neurograph.explanations.equations import explain
    from neurograph.explanations.explanation import Explanation
    from neurograph.explanations.matrix_view import explain_matrix
    from neurograph.io.atomic import check_writable, write_atomic
    from neurograph.matrix.network import MatrixNetwork
    from neurograph.training import datasets
    from neurograph.training.datasets import load_mnist, mnist_subset, xor
    from neurograph.training.history import History, ScheduleFailed, TrainingDiverged, TrainingInterrupted
    from neurograph.training.loop import evaluate, train
    from neurograph.training.presets import run_preset

__version__ = "0.1.0"

#: the lazily loaded public names, by the module that defines them
_FROM = {
    "neurograph.engine.initializers": ("INITIALIZERS",),
    "neurograph.matrix.network": ("MatrixNetwork",),
    "neurograph.check.crosscheck": ("CrosscheckReport", "crosscheck"),
    "neurograph.check.compare": ("Comparison", "check_backprop", "compare"),
    "neurograph.check.grade": ("Grade", "grade"),
    "neurograph.explanations.equations": ("explain",),
    "neurograph.explanations.explanation": ("Explanation",),
    "neurograph.explanations.matrix_view": ("explain_matrix",),
    "neurograph.training.datasets": ("load_mnist", "mnist_subset", "xor"),
    "neurograph.training.history": ("History", "ScheduleFailed", "TrainingDiverged", "TrainingInterrupted"),
    "neurograph.training.loop": ("evaluate", "train"),
    "neurograph.training.presets": ("run_preset",),
    "neurograph.io.atomic": ("check_writable", "write_atomic"),
}
_LAZY = {name: module for module, names in _FROM.items() for name in names}
#: the lazily loaded public modules
_MODULES = {"examples": "neurograph.examples", "datasets": "neurograph.training.datasets"}


def __getattr__(name: str):
    """Load a lazy public name on first use and keep it (later uses are plain attribute reads)."""
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'neurograph' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_MODULES))


__all__ = ["ACTIVATIONS", "Comparison", "CrosscheckReport", "Edge", "Explanation", "Grade", "History",
           "INITIALIZERS", "LOSSES", "MatrixNetwork", "Network", "Node", "ScheduleFailed", "TrainingDiverged",
           "TrainingInterrupted", "check_backprop", "check_writable", "compare", "crosscheck", "datasets", "evaluate",
           "examples", "explain", "explain_matrix", "get_activation", "get_loss", "grade", "load_mnist",
           "mnist_subset", "run_preset", "train", "write_atomic", "xor", "__version__"]
