"""Fast start: ``import neurograph`` loads its public names lazily, and they are the very objects
their modules define (the lazy ``__getattr__`` must not change what a name means)."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import neurograph as ng

#: every public name of neurograph/__init__.py and where it is defined: the contract, written out independently
DEFINED_IN = {
    "ACTIVATIONS": "neurograph.engine.activations", "get_activation": "neurograph.engine.activations",
    "Edge": "neurograph.engine.graph", "Network": "neurograph.engine.graph", "Node": "neurograph.engine.graph",
    "INITIALIZERS": "neurograph.engine.initializers",
    "LOSSES": "neurograph.engine.losses", "get_loss": "neurograph.engine.losses",
    "MatrixNetwork": "neurograph.matrix.network",
    "CrosscheckReport": "neurograph.check.crosscheck", "crosscheck": "neurograph.check.crosscheck",
    "explain": "neurograph.explanations.equations", "Explanation": "neurograph.explanations.explanation",
    "explain_matrix": "neurograph.explanations.matrix_view",
    "Comparison": "neurograph.check.compare", "check_backprop": "neurograph.check.compare",
    "compare": "neurograph.check.compare", "Grade": "neurograph.check.grade", "grade": "neurograph.check.grade",
    "load_mnist": "neurograph.training.datasets", "mnist_subset": "neurograph.training.datasets",
    "xor": "neurograph.training.datasets",
    "History": "neurograph.training.history", "ScheduleFailed": "neurograph.training.history",
    "TrainingDiverged": "neurograph.training.history", "TrainingInterrupted": "neurograph.training.history",
    "evaluate": "neurograph.training.loop", "train": "neurograph.training.loop",
    "run_preset": "neurograph.training.presets",
    "check_writable": "neurograph.io.atomic", "write_atomic": "neurograph.io.atomic",
}
MODULES = {"examples": "neurograph.examples", "datasets": "neurograph.training.datasets"}


def run_python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def test_all_lists_exactly_the_public_names():
    assert sorted(ng.__all__) == sorted([*DEFINED_IN, *MODULES, "__version__"])
    assert ng.__version__ == "0.1.0"


@pytest.mark.parametrize("name", sorted(DEFINED_IN))
def test_every_public_name_is_the_object_its_module_defines(name):
    assert getattr(ng, name) is getattr(importlib.import_module(DEFINED_IN[name]), name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_public_modules_are_the_modules(name):
    assert getattr(ng, name) is importlib.import_module(MODULES[name])


def test_star_import_and_dir_show_every_public_name():
    namespace: dict = {}
    exec("from neurograph import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(ng.__all__)
    assert namespace["train"] is importlib.import_module("neurograph.training.loop").train
    assert set(ng.__all__) <= set(dir(ng))


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="module 'neurograph' has no attribute 'trian'"):
        ng.trian                                        # noqa: B018
    assert not hasattr(ng, "trian")


def test_a_lazy_name_loads_its_module_only_when_used():
    out = json.loads(run_python(
        "import sys, json, neurograph as ng\n"
        "before = 'neurograph.matrix.network' in sys.modules\n"
        "m = ng.MatrixNetwork(ng.Network.layered([2, 3, 1], seed=0))\n"
        "print(json.dumps([before, 'neurograph.matrix.network' in sys.modules, 'MatrixNetwork' in vars(ng),\n"
        "                  'neurograph.training.loop' in sys.modules]))"))
    assert out == [False, True, True, False]
