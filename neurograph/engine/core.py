"""The state every part of ``Network`` shares: its arrays, the compiled plan and the generated code.

``_Core`` owns ``__init__`` (every field is declared once, here), turns the
structure into a ``neurograph.engine.plan.Plan`` and hands the numbers to and
from the generated straight-line code of small networks.  The other engine
modules build on it in one line: ``_Core`` → ``_Parameters`` (lookups, all
parameters at once) → ``_Structure`` (building) → ``Network`` (the passes).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurograph.engine import codegen as straight_line
from neurograph.engine import plan as planning
from neurograph.engine.losses import Loss, get_loss
from neurograph.engine.order import TopologicalOrder
from neurograph.engine.aligned import aligned_zeros
from neurograph.engine.store import ParameterStore
from neurograph.engine.validation import boolean

if TYPE_CHECKING:
    from neurograph.engine.objects import Node

_NODE_ARRAYS = ("_bias", "_bias_grad", "_z", "_a", "_delta", "_sum_w_delta")


class _Core:
    """The fields of a Network, its compiled plan and its generated code."""

    def __init__(self, loss: str | Loss = "half_squared"):
        self._loss: Loss = get_loss(loss)
        self._nodes: list[Node] = []          # by slot (creation order)
        self._by_id: dict[int, Node] = {}
        self._store = ParameterStore()        # every weight and ∂C/∂w, one block per neuron
        self._order = TopologicalOrder()      # rank[slot], sources before destinations
        self._plan: planning.Plan | None = None
        cap = 8                               # per node slot: b, ∂C/∂b, z, a, δ and Σ_k w_kj·δ_k
        self._bias, self._bias_grad, self._z, self._a, self._delta, self._sum_w_delta = (
            aligned_zeros(cap) for _ in _NODE_ARRAYS)
        self._forward_ready = self._backward_ready = self._grads_ready = False
        self._inputs_pending = False          # plain inputs' δ not yet gathered (see _input_deltas)
        self._inputs_unknown = False          # ... and never will be (train_step): it reads None
        self._backward_weights: np.ndarray | None = None   # a copy kept for them when weights change first
        self._target: list[float] | np.ndarray | None = None   # the t of the last backward pass
        self._weight_bound: float | None = None   # ≥ max|w| (None: not known; see step)
        self._grad_bound = 0.0                 # ≥ max|∂C/∂w| since zero_grad
        self._hot: straight_line.Compiled | None = None   # generated code whose lists hold the numbers now
        self._codegen = True
        self._version = self._forward_version = 0   # parameter changes so far / at the last forward

    def _parameters_changed(self) -> None:
        self._version += 1

    # -- generated code for small networks ---------------------------------------
    @property
    def codegen(self) -> bool:
        """Whether a small network runs as generated straight-line code (``compiled_source()``);
        False always takes the general per-neuron path (same numbers, see ``neurograph.engine.codegen``)."""
        return self._codegen

    @codegen.setter
    def codegen(self, on: bool) -> None:
        self._cold()
        self._codegen, self._plan = boolean(on, "codegen"), None

    def compiled_source(self) -> str:
        """The straight-line Python this network runs as (one statement per neuron, formulas beside).

        ValueError when it is not compiled: too large, or an activation or loss
        the generator does not write (see ``neurograph.engine.codegen``).
        """
        fast = self._compile().compiled
        if fast is None:
            raise ValueError(f"this network runs on the general per-neuron path: code is generated for at most "
                             f"{straight_line.MAX_EDGES} edges, activations {', '.join(straight_line.FORWARD)} "
                             f"and losses {', '.join(straight_line.LOSSES)} (codegen={self._codegen})")
        return fast.source

    def _heat(self, fast: straight_line.Compiled) -> None:
        """Hand the numbers to the generated code's lists (they are authoritative until ``_cold``)."""
        n, edges = self._compile().n_slots, fast.positions
        fast.state = straight_line.State(self._store.weights[edges].tolist(), self._bias[:n].tolist(),
                                   self._store.grads[edges].tolist(), self._bias_grad[:n].tolist(),
                                   self._z[:n].tolist(), self._a[:n].tolist(), self._delta[:n].tolist())
        self._hot = fast

    def _cold(self) -> None:
        """Write the generated code's lists back into the arrays, which are authoritative again."""
        fast, self._hot = self._hot, None
        if fast is None or fast.state is None:
            return
        self._weight_bound = None
        s, edges, n = fast.state, fast.positions, len(fast.state.b)
        self._store.weights[edges], self._store.grads[edges] = s.w, s.g
        self._bias[:n], self._bias_grad[:n] = s.b, s.bg
        self._z[:n], self._a[:n], self._delta[:n] = s.z, s.a, s.d
        fast.state = None

    # -- the compiled plan -------------------------------------------------------
    def _compile(self) -> planning.Plan:
        if self._plan is None:
            self._cold()
            small = straight_line.supported(self._nodes, self._loss.name, sum(self._store.fan_in), self._store.fan_in)
            plan = planning.build(self._nodes, self._store, self._a, self._sum_w_delta, self._order.sorted_slots(),
                                  reduce=small)
            if self._codegen and small:
                source = straight_line.generate(self._nodes, plan, self._store, self._loss.name)
                plan.compiled = straight_line.Compiled(source, len(plan.layers[0].slots), len(plan.layers[-1].slots),
                                                       straight_line.edge_positions(self._store, plan.n_slots))
            self._plan = plan
        return self._plan

    @property
    def n_inputs(self) -> int:
        """Number of input nodes."""
        return len(self._compile().layers[0].slots)

    @property
    def n_outputs(self) -> int:
        """Number of output nodes."""
        return len(self._compile().layers[-1].slots)
