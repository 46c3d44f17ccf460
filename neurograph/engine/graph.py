"""The object engine: a Node per neuron, an Edge per weight, a Network of them.

Conventions (fixed; the README's "Conventions" table)
-----------------------------------------------------
- node ids are positive integers; ``Network.layered([3, 4, 2])`` numbers the
  inputs 1–3, the hidden layer 4–7 and the outputs 8–9;
- an edge goes from a source to a destination; ``net.edge(1, 4)`` is the
  seeds' w₄,₁ (written target first), displayed ``w_{4,1}``;
- ``delta`` is δ = ∂C/∂z of a node, ``grad`` of an edge is ∂C/∂w, and
  ``bias_grad`` of a node is ∂C/∂b.  Gradients accumulate (sum) over the
  samples seen since ``zero_grad()``.

The two passes (``Network.forward`` and ``Network.backward`` below) walk
neuron by neuron along the edges in topological order — they never build
layer matrices (that is ``MatrixNetwork``'s job):

    forward   z_j = Σ_i w_ji·a_i + b_j,   a_j = f(z_j)
    backward  δ_j = f′(z_j) · Σ_k w_kj·δ_k            (k runs over j's outgoing edges)
              ∂C/∂w_ji += a_i·δ_j,   ∂C/∂b_j += δ_j

The backward sum Σ_k w_kj·δ_k is gathered by letting every neuron k, once its
δ_k is known, send w_kj·δ_k back along each of its incoming edges.

How the numbers are stored
--------------------------
All weights live in one flat array (``neurograph.engine.store``): a neuron's
incoming weights are one contiguous block, its ∂C/∂w the same block of a
second array, and an ``Edge`` is a live, writable view of one entry.  z, a,
δ, Σw·δ, b and ∂C/∂b of every node live in flat arrays indexed by the node's
slot.  ``neurograph.engine.plan`` prepares, once per structure, the views
each neuron reads.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from neurograph.engine import codegen as straight_line
from neurograph.engine import plan as planning
from neurograph.engine.activations import ACTIVATIONS, Activation, get_activation
from neurograph.engine.losses import Loss, get_loss
from neurograph.engine.order import TopologicalOrder
from neurograph.engine.store import ParameterStore
from neurograph.engine.validation import (boolean, edge_triple, finite_array, finite_number, node_id, non_negative,
                                         sample_batches)

if TYPE_CHECKING:
    import networkx as nx

_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_IDENTITY = ACTIVATIONS["identity"]
_SAFE = 8e307                           # below max/2: a sum of two such magnitudes cannot overflow
_NODE_ARRAYS = ("_bias", "_bias_grad", "_z", "_a", "_delta", "_sum_w_delta")


class Network:
    """A feed-forward network of Node objects joined by Edge objects (any DAG).

    >>> net = Network.layered([3, 4, 2], seed=0)
    >>> [n.id for n in net.inputs], [n.id for n in net.outputs]
    ([1, 2, 3], [8, 9])
    """

    def __init__(self, loss: str = "half_squared"):
        self._loss: Loss = get_loss(loss)
        self._nodes: list[Node] = []          # by slot (creation order)
        self._by_id: dict[int, Node] = {}
        self._store = ParameterStore()        # every weight and ∂C/∂w, one block per neuron
        self._order = TopologicalOrder()      # rank[slot], sources before destinations
        self._plan: planning.Plan | None = None
        cap = 8                               # per node slot: b, ∂C/∂b, z, a, δ and Σ_k w_kj·δ_k
        self._bias, self._bias_grad, self._z, self._a, self._delta, self._sum_w_delta = (
            np.zeros(cap) for _ in _NODE_ARRAYS)
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

    # -- the engine ------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """Propagate x (one sample, or rows of samples) and return the outputs.

        For a batch the node values left behind are those of the last row.
        """
        plan = self._plan or self._compile()
        fast = plan.compiled
        if fast is not None and (xs := fast.floats(x, fast.n_inputs)) is not None:
            if self._hot is not fast:
                self._heat(fast)
            out = fast.forward(fast.state, xs)             # the generated straight-line code
            self._forward_ready, self._backward_ready = True, False
            self._forward_version = self._version
            return np.array(out)
        self._cold()
        if type(x) is np.ndarray and x.shape == (len(plan.layers[0].slots),) and x.dtype == np.float64 \
                and math.isfinite(x.sum()):                # a NaN or inf anywhere makes the sum non-finite
            return self._forward_one(plan, x)
        X = finite_array(x, "input x", self.n_inputs)
        if X.ndim == 2:
            return np.stack([self._forward_one(plan, row) for row in X])
        return self._forward_one(plan, X)

    def _forward_one(self, plan: planning.Plan, x: np.ndarray) -> np.ndarray:
        z, a, b = self._z, self._a, self._bias
        z[plan.inputs] = x + b[plan.inputs]                # inputs: z = x (+ b)
        for layer in plan.layers:
            if layer.dots is not None:                     # every neuron: a view of a, one ddot
                z[layer.where] = [w.dot(xs) for w, xs in layer.dots]
                z[layer.where] += b[layer.where]           # z_j = Σ_i w_ji·a_i + b_j
            for j, w, _, xs, take, tmp, reduce, _, _ in layer.kernels if layer.dots is None else ():
                if take is not None:
                    np.take(a, take, out=xs)               # a_i of every incoming edge
                s = np.add.reduce(np.multiply(w, xs, out=tmp)) if reduce else w.dot(xs)
                z[j] = s + b[j]                            # z_j = Σ_i w_ji·a_i + b_j
            for act, where, _ in layer.groups:
                if act is _IDENTITY:
                    a[where] = z[where]                    # a_j = z_j
                else:
                    a[where] = act(z[where])               # a_j = f(z_j); softmax over its group
        self._forward_ready, self._backward_ready = True, False
        self._forward_version = self._version
        return a[plan.layers[-1].where].copy()

    def backward(self, t) -> float:
        """Backpropagate the target t of the last forward pass; return the loss C.

        Fills every node's δ, adds a_i·δ_j to every edge's grad and δ_j to
        every bias_grad (accumulating until ``zero_grad()``).
        """
        if not self._forward_ready:
            raise RuntimeError("backward(t) needs a forward(x) first")
        plan = self._plan or self._compile()
        fast = self._hot
        if fast is not None and fast.state is not None and (ts := fast.floats(t, fast.n_outputs)) is not None:
            loss = fast.backward(fast.state, ts, not self._grads_ready)
            if loss is not None:                           # None: overflow, reported below
                self._backward_ready = self._grads_ready = True
                self._target = ts
                return loss
        self._cold()
        out = plan.layers[-1].slots
        if type(t) is np.ndarray and t.shape == (len(out),) and t.dtype == np.float64 and math.isfinite(t.sum()):
            T = t                                          # a NaN or inf anywhere makes the sum non-finite
        else:
            T = finite_array(t, "target t", len(out), allow_batch=False)
        fresh = not self._grads_ready                      # start from zero: no stale sums
        if fresh:
            self._bias_grad[:] = 0.0
        loss = self._output_deltas(plan, T)
        z, a, d = self._z, self._a, self._delta
        self._sum_w_delta[:] = 0.0                         # collects Σ_k w_kj·δ_k
        for layer in reversed(plan.layers[1:]):
            if layer is not plan.layers[-1]:
                for act, where, _ in layer.groups:
                    d[where] = act.backward(z[where], a[where], self._sum_w_delta[where])   # δ_j = f′(z_j)·Σ_k w_kj·δ_k
            self._send_back(layer, fresh)
        self._input_deltas(plan, deferred=False)
        self._bias_grad[plan.biased] += d[plan.biased]     # ∂C/∂b_j = δ_j
        n = plan.n_slots                                   # |a_i·δ_j| ≤ ‖a‖·‖δ‖, for step's bound
        size = math.sqrt(float(a[:n].dot(a[:n])) * float(d[:n].dot(d[:n])))
        self._grad_bound = size + (0.0 if fresh else self._grad_bound)
        self._backward_ready = self._grads_ready = True
        self._inputs_pending, self._backward_weights, self._inputs_unknown = plan.deferred, None, False
        self._target = T.copy()
        return loss

    def _send_back(self, layer: planning.Layer, fresh: bool) -> None:
        """∂C/∂w_ji (+)= a_i·δ_j for the layer's neurons j, and each sends w_ji·δ_j back to its sources i."""
        d, acc = self._delta, self._sum_w_delta
        if fresh and layer.plain_sources:                  # sources are all plain inputs: nothing to send
            for (_, _, g, xs, *_), dj in zip(layer.kernels, d[layer.where].tolist(), strict=True):
                np.multiply(xs, dj, out=g)                 # ∂C/∂w_ji = a_i·δ_j
            return
        for j, w, g, xs, _, tmp, _, back, _ in layer.kernels:
            dj = d[j]
            if fresh:
                np.multiply(xs, dj, out=g)                 # ∂C/∂w_ji = a_i·δ_j (every block is written)
            else:
                np.add(g, np.multiply(xs, dj, out=tmp), out=g)   # ∂C/∂w_ji += a_i·δ_j
            if back is not None:                           # node i receives w_ji·δ_j
                acc[back[0]] += dj * (w if back[1] is None else w[back[1]])

    def _output_deltas(self, plan: planning.Plan, T: np.ndarray) -> float:
        """C and δ_out = ∂C/∂z of the output layer, checked for overflow."""
        z, a, out = self._z, self._a, plan.layers[-1]
        with np.errstate(over="ignore", invalid="ignore"):     # overflow is reported below
            loss = sum(float(self._loss.value(a[w], T[pos], z[w], act)) for act, w, pos in out.groups)
            deltas = [self._loss.output_delta(z[w], a[w], T[pos], act) for act, w, pos in out.groups]
        if not math.isfinite(loss) or not all(math.isfinite(dl.sum()) or np.all(np.isfinite(dl)) for dl in deltas):
            raise ValueError(f"the loss overflowed (C = {loss}) for this input and target; "
                             "scale the inputs or weights down")
        for (_, w, _), delta in zip(out.groups, deltas, strict=True):
            self._delta[w] = delta
        return loss

    def _input_deltas(self, plan: planning.Plan, deferred: bool) -> None:
        """δ of the inputs: those with a bias now (deferred=False), the plain ones when read (True).

        A plain input's δ = Σ_k w_ki·δ_k is needed by no gradient, so backward
        leaves it until ``Node.delta`` asks; it is gathered in the same order
        as the scatter above, so the numbers are the same.
        """
        acc, d, first = self._sum_w_delta, self._delta, plan.layers[0]
        if deferred:
            saved = self._backward_weights                 # the weights backward saw, if they changed since
            for layer in reversed(plan.layers[1:]):
                for j, w, *_, later in layer.kernels:
                    if later is not None:
                        if saved is not None:
                            w = saved[self._store.block(j)]
                        acc[later[0]] += d[j] * (w if later[1] is None else w[later[1]])
            self._inputs_pending, self._backward_weights = False, None
        elif not plan.biased_inputs:
            return
        for act, where, _ in first.groups:
            d[where] = act.backward(self._z[where], self._a[where], acc[where])

    def backward_batch(self, X, T) -> float:
        """forward + backward for each row of X, T; returns the mean loss.

        Gradients accumulate as sums over the rows (divide by len(X) for the
        batch mean that ``MatrixNetwork.backward`` reports).
        """
        X, T = sample_batches(X, T, self.n_inputs, self.n_outputs)
        total = 0.0
        for x, t in zip(X, T, strict=True):
            self.forward(x)
            total += self.backward(t)
        return total / len(X)

    def step(self, lr: float, weight_decay: float = 0.0, biases: bool = True) -> None:
        """Gradient descent: w ← w − η·(∂C/∂w + λ·w), b ← b − η·∂C/∂b.

        λ is the L2 weight decay of seeds 001/002 (C + λ/2·Σw²); biases are not
        decayed, and ``biases=False`` keeps them fixed (Mazur's example).  A
        gradient that reads None (after ``zero_grad`` or a change of structure)
        is not applied.  A step that would make any parameter NaN or ±inf raises
        ValueError naming it and changes nothing.
        """
        if not (type(lr) is float and 0.0 <= lr < math.inf and type(weight_decay) is float and weight_decay == 0.0
                and biases is True):
            lr, weight_decay = non_negative(lr, "learning rate lr"), non_negative(weight_decay, "weight_decay")
            biases = boolean(biases, "biases")             # (the common call step(η) skips these checks)
        plan = self._plan or self._compile()
        fast = self._hot
        if fast is not None and fast.state is not None:
            state = fast.state
            if not self._grads_ready:                      # nothing to apply but the decay
                state.g, state.bg = [0.0] * len(state.g), [0.0] * len(state.bg)
            listed = fast.update(state, lr, 1.0 - lr * weight_decay if weight_decay else 1.0, biases)
            if math.isfinite(sum(listed[0])) and math.isfinite(sum(listed[1])):
                state.w, state.b = listed
                self._parameters_changed()
                return
        self._cold()                                       # the general step recomputes it and names the culprit
        self._keep_backward_weights()
        store, b = self._store, self._bias
        w, g = store.weights[:store.end], store.grads[:store.end]
        decay = 1.0 - lr * weight_decay                    # the λ·w part: w·(1 − η·λ)
        new_b = b[plan.biased]
        with np.errstate(over="ignore", invalid="ignore"):     # refused below, naming the culprit
            if self._grads_ready and biases:
                new_b = new_b - lr * self._bias_grad[plan.biased]
            if self._weight_bound is None:
                self._weight_bound = float(np.abs(w).max(initial=0.0))
            bound = abs(decay) * self._weight_bound + (lr * self._grad_bound if self._grads_ready else 0.0)
            if bound < _SAFE and math.isfinite(float(new_b.sum())):
                if weight_decay:                           # |w_new| ≤ |1 − η·λ|·max|w| + η·max|∂C/∂w|: finite,
                    w *= decay                             # so the step is done in place
                if self._grads_ready:
                    w -= np.multiply(g, lr, out=self._step_buffer(plan, len(w)))
                b[plan.biased] = new_b
                self._weight_bound = bound
                self._parameters_changed()
                return
            new_w = w * decay if weight_decay else w.copy()
            if self._grads_ready:
                new_w -= lr * g
        self._refuse_non_finite(new_w, new_b, plan, f"step(lr={lr:g})")
        np.copyto(w, new_w)                                # w ← w − η·(∂C/∂w + λ·w)
        self._weight_bound = None
        b[plan.biased] = new_b                             # b ← b − η·∂C/∂b
        self._parameters_changed()

    @staticmethod
    def _step_buffer(plan: planning.Plan, n: int) -> np.ndarray:
        if plan.step_buffer is None or len(plan.step_buffer) != n:
            plan.step_buffer = np.empty(n)
        return plan.step_buffer

    def _refuse_non_finite(self, new_w: np.ndarray, new_b: np.ndarray, plan: planning.Plan, what: str) -> None:
        """ValueError naming the first edge or bias that ``what`` would make NaN or ±inf."""
        if math.isfinite(float(new_w.sum())) and math.isfinite(float(new_b.sum())):
            return                                         # a NaN or inf anywhere makes a sum non-finite
        bad = np.flatnonzero(~np.isfinite(new_w))
        if len(bad):
            slot, k = self._store.owner(int(bad[0]))
            dst = self._nodes[slot]
            src = next(self._nodes[s] for s, p in dst._source_position.items() if p == k)
            name, value = Edge(src, dst, k).name, new_w[bad[0]]
        else:
            i = int(np.flatnonzero(~np.isfinite(new_b))[0])
            name, value = f"the bias of node {self._nodes[np.arange(plan.n_slots)[plan.biased][i]].id}", new_b[i]
        raise ValueError(f"{what} would make {name} {value}; no parameter was changed "
                         "(try a smaller learning rate)")

    def train_step(self, x, t, lr: float, weight_decay: float = 0.0, biases: bool = True) -> float:
        """One sample of gradient descent in one call; returns the loss C of x before the step.

        The numbers are exactly those of ``zero_grad(); forward(x); C = backward(t);
        step(lr, weight_decay, biases); zero_grad()`` (the per-sample path of
        ``train(..., batch_size=1)``): generated code runs forward, backward and step
        back to back on its lists; the general path writes ∂C/∂w = a_i·δ_j once
        instead of adding it to zeros.  Gradients read None afterwards; on the general path
        so does the δ of a plain input (no gradient needs it, and keeping it would cost a copy
        of the weights per sample).
        """
        plan = self._compile()
        fast = plan.compiled
        lr = finite_number(lr, "learning rate lr")
        if fast is not None and lr >= 0 and type(weight_decay) is float and weight_decay >= 0 \
                and math.isfinite(weight_decay) and type(biases) is bool \
                and (xs := fast.floats(x, fast.n_inputs)) is not None \
                and (ts := fast.floats(t, fast.n_outputs)) is not None:
            if self._hot is not fast:
                self._heat(fast)
            done = fast.train(xs, ts, lr, 1.0 - lr * weight_decay, biases)
            if done is not None:                           # None: overflow; the general path reports it
                self._forward_ready = self._backward_ready = True
                self._grads_ready = False
                self._forward_version = self._version
                self._target = ts
                self._parameters_changed()
                return done
        self.zero_grad()
        self.forward(x)
        loss = self.backward(t)
        self._inputs_pending, self._inputs_unknown = False, self._inputs_pending   # no copy of w kept for them
        self.step(lr, weight_decay, biases)
        self.zero_grad()
        return loss

    def last_outputs(self) -> np.ndarray:
        """a of the output nodes from the last forward pass (what ``forward`` returned), as a new array."""
        if not self._forward_ready:
            raise RuntimeError("last_outputs() needs a forward(x) first")
        out = self._compile().layers[-1].slots
        if self._hot is not None and self._hot.state is not None:
            a = self._hot.state.a
            return np.array([a[j] for j in out])
        return self._a[out]

    def zero_grad(self) -> None:
        """Forget every accumulated ∂C/∂w and ∂C/∂b (they read None, and the next backward starts from 0)."""
        self._grads_ready = False

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
        n, end = self._compile().n_slots, self._store.end
        fast.state = straight_line.State(self._store.weights[:end].tolist(), self._bias[:n].tolist(),
                                   self._store.grads[:end].tolist(), self._bias_grad[:n].tolist(),
                                   self._z[:n].tolist(), self._a[:n].tolist(), self._delta[:n].tolist())
        self._hot = fast

    def _cold(self) -> None:
        """Write the generated code's lists back into the arrays, which are authoritative again."""
        fast, self._hot = self._hot, None
        if fast is None or fast.state is None:
            return
        self._weight_bound = None
        s, end, n = fast.state, self._store.end, len(fast.state.b)
        self._store.weights[:end], self._store.grads[:end] = s.w, s.g
        self._bias[:n], self._bias_grad[:n] = s.b, s.bg
        self._z[:n], self._a[:n], self._delta[:n] = s.z, s.a, s.d
        fast.state = None

    # -- building ------------------------------------------------------------
    @property
    def loss(self) -> str:
        """Name of the loss: half_squared, squared, cross_entropy or binary_cross_entropy.

        Setting it checks the loss against the output activations (ValueError: cross_entropy
        needs softmax outputs, binary_cross_entropy sigmoid outputs)."""
        return self._loss.name

    @loss.setter
    def loss(self, name: str) -> None:
        loss = get_loss(name)
        loss.check_outputs(self.outputs)
        self._cold()
        self._loss = loss
        self._plan = None                                  # generated code depends on the loss
        self._backward_ready = False

    @property
    def target(self) -> np.ndarray | None:
        """The target t given to the last ``backward(t)`` (None before one, or after a new forward)."""
        return np.array(self._target, dtype=float) if self._backward_ready and self._target is not None else None

    @property
    def stale(self) -> bool:
        """True when the weights or biases changed (``step()``, or an edit) after the last
        forward pass, so z, a and δ belong to the old parameters: run forward again."""
        return self._forward_ready and self._version != self._forward_version

    def _parameters_changed(self) -> None:
        self._version += 1

    @property
    def loss_function(self) -> Loss:
        """The Loss object itself (its value and output δ), for the other engines."""
        return self._loss

    def add_input(self, id: int, activation: str | None = None, bias: float | None = None) -> Node:
        """Add an input node.  Plain inputs pass x through (a = x, no bias);
        with an activation the node computes a = f(x + b) (seed 000's tanh layer)."""
        if activation is None:
            if bias is not None:
                raise ValueError(f"input {id}: a bias needs an activation (a = f(x + b))")
            return self._add_node(id, "identity", None, is_input=True)
        return self._add_node(id, activation, 0.0 if bias is None else bias, is_input=True)

    def add_neuron(self, id: int, activation: str = "sigmoid", bias: float | None = 0.0) -> Node:
        """Add a neuron computing a = f(Σ w·a + b); ``bias=None`` means no bias at all."""
        return self._add_node(id, activation, bias, is_input=False)

    def _add_node(self, id, activation, bias, is_input) -> Node:
        self._cold()
        nid = node_id(id)
        if nid in self._by_id:
            raise ValueError(f"node {nid} already exists")
        act = get_activation(activation)
        b = None if bias is None else finite_number(bias, f"bias of node {nid}")
        slot = len(self._nodes)
        self._grow(slot + 1)
        node = Node(self, nid, slot, act, has_bias=b is not None, is_input=is_input)
        self._bias[slot] = b or 0.0
        self._nodes.append(node)
        self._by_id[nid] = node
        self._store.add_node()
        self._order.add_node()
        self._structure_changed()
        return node

    def _grow(self, n: int) -> None:
        cap = len(self._bias)
        if n <= cap:
            return
        for name in _NODE_ARRAYS:
            grown = np.zeros(max(n, 2 * cap))
            grown[:cap] = getattr(self, name)
            setattr(self, name, grown)

    def connect(self, src: int, dst: int, weight: float = 0.0) -> Edge:
        """Add the edge src → dst (the seeds' w_{dst,src}) and return it."""
        self.connect_many([(src, dst, weight)])
        s, d = self._by_id[src], self._by_id[dst]
        return Edge(s, d, d._source_position[s._slot])

    def connect_many(self, edges: Iterable[tuple[int, int, float]]) -> None:
        """Add many edges at once, checked together.

        Raises ValueError naming the offending ids for an unknown node, an edge
        into an input, a self-loop, a duplicate or a cycle; then nothing is added.
        Each edge costs O(1) unless it goes against the current topological
        order (see ``neurograph.engine.order``).
        """
        self._cold()
        new = [edge_triple(item, i) for i, item in enumerate(edges)]
        seen: set[tuple[int, int]] = set()
        for s, d, _ in new:
            for i in (s, d):
                if i not in self._by_id:
                    raise ValueError(f"edge {s} → {d}: node {i} does not exist; add it first")
            if s == d:
                raise ValueError(f"edge {s} → {d} is a self-loop; networks must be acyclic")
            if self._by_id[d].is_input:
                raise ValueError(f"edge {s} → {d}: node {d} is an input and cannot receive edges")
            if (s, d) in seen or self._by_id[s]._slot in self._by_id[d]._source_position:
                raise ValueError(f"edge {s} → {d} (w_{{{d},{s}}}) already exists")
            seen.add((s, d))
        self._attach([(self._by_id[s], self._by_id[d], w) for s, d, w in new])

    def connect_arrays(self, src: np.ndarray, dst: np.ndarray, weights: np.ndarray) -> None:
        """``connect_many`` for edges given as three equal-length arrays (ids, ids, weights),
        checked in bulk with numpy — ``Network.load`` of a 784-100-10 model uses it.

        Edges are added in the given order (z_dst sums its inputs in that order).
        Anything the bulk checks do not clear (a bad id or weight, a duplicate, an
        edge into an input or against the topological order, a cycle) goes through
        ``connect_many``, which adds the edges or names the one that is wrong.
        """
        s, d, w = np.asarray(src), np.asarray(dst), np.asarray(weights)
        if not (s.ndim == d.ndim == w.ndim == 1 and len(s) == len(d) == len(w) and len(s)
                and s.dtype.kind == d.dtype.kind == "i" and w.dtype.kind == "f"):
            self.connect_many(zip(s.tolist(), d.tolist(), w.tolist(), strict=True))
            return
        ids = np.array([n.id for n in self._nodes], dtype=np.int64)
        order = np.argsort(ids)
        slot_s = order[np.clip(np.searchsorted(ids, s, sorter=order), 0, len(ids) - 1)]
        slot_d = order[np.clip(np.searchsorted(ids, d, sorter=order), 0, len(ids) - 1)]
        rank = np.array(self._order.rank)
        is_input = np.array([n.is_input for n in self._nodes])
        pair = np.sort(slot_d * len(ids) + slot_s)
        fresh = np.array(self._store.fan_in)[slot_d] == 0
        if (np.array_equal(ids[slot_s], s) and np.array_equal(ids[slot_d], d) and np.isfinite(w).all()
                and not is_input[slot_d].any() and (rank[slot_s] < rank[slot_d]).all()
                and fresh.all() and not (pair[1:] == pair[:-1]).any()):
            nodes = self._nodes
            self._attach_in_order([(nodes[a], nodes[b], v) for a, b, v
                                   in zip(slot_s.tolist(), slot_d.tolist(), w.tolist(), strict=True)])
        else:
            self.connect_many(zip(s.tolist(), d.tolist(), w.tolist(), strict=True))

    def wire(self, dst: int, sources: Sequence[int], weights) -> None:
        """Add the edges s → dst for every s in ``sources``, with ``weights`` (one per source).

        The quick way to give one neuron all its incoming edges (builders,
        ``MatrixNetwork.to_graph`` and ``copy`` use it); the checks are those of
        ``connect_many``, done in bulk.  z_dst sums its inputs in this order.
        """
        w = finite_array(weights, f"weights into node {dst}", len(sources), allow_batch=False)
        self.connect_many(zip(sources, [dst] * len(sources), w.tolist(), strict=True))

    def _attach(self, new: list[tuple[Node, Node, float]]) -> None:
        """Join the checked edges, keeping the topological order; undo all of them on a cycle.

        Edges that already go forward in the order are appended in bulk; one
        edge against it re-ranks only the nodes between its ends; many re-rank
        everything once.
        """
        rank = self._order.rank
        self._attach_in_order(new)
        if all(rank[s._slot] < rank[d._slot] for s, d, _ in new):
            return
        if len(new) == 1:
            s, d, _ = new[0]
            cycle = self._order.add_edge(s._slot, d._slot, self._targets_of, self._sources_of)
        else:
            cycle = self._order.rebuild(self._sources_of, self._targets_of)
        if cycle is not None:
            for s, d, _ in reversed(new):
                self._store.drop_last(d._slot, 1)
                del d._source_position[s._slot]
                s._targets.pop()
            ids = [self._nodes[k].id for k in cycle]
            start = ids.index(min(ids))
            ids = ids[start:] + ids[:start]
            path = " → ".join(str(i) for i in ids + ids[:1])
            raise ValueError(f"these edges would close the cycle {path}; networks must be acyclic")

    def _attach_in_order(self, new: list[tuple[Node, Node, float]]) -> None:
        by_dst: dict[Node, list[tuple[Node, float]]] = {}
        for s, d, w in new:
            by_dst.setdefault(d, []).append((s, w))
        for d, items in by_dst.items():
            count = self._store.fan_in[d._slot]
            self._store.append(d._slot, [s._slot for s, _ in items], [w for _, w in items])
            for k, (s, _) in enumerate(items, start=count):
                d._source_position[s._slot] = k
                s._targets.append(d)
        self._structure_changed()

    def _targets_of(self, slot: int) -> list[int]:
        return [d._slot for d in self._nodes[slot]._targets]

    def _sources_of(self, slot: int) -> Iterable[int]:
        return self._nodes[slot]._source_position.keys()

    def _structure_changed(self) -> None:
        self._plan, self._weight_bound = None, None
        self._forward_ready = self._backward_ready = self._grads_ready = False
        self._inputs_pending = False

    # -- looking things up -----------------------------------------------------
    def node(self, id: int) -> Node:
        try:
            return self._by_id[id]
        except (KeyError, TypeError):
            raise KeyError(f"no node {id!r}; ids are {self._id_range()}") from None

    def edge(self, src: int, dst: int) -> Edge:
        """The edge src → dst, i.e. the seeds' w_{dst,src}."""
        s, d = self.node(src), self.node(dst)
        k = d._source_position.get(s._slot)
        if k is None:
            reverse = d._slot in s._source_position
            hint = f"; did you mean net.edge({dst}, {src}), i.e. w_{{{src},{dst}}}?" if reverse else ""
            raise KeyError(f"no edge {src} → {dst} (w_{{{dst},{src}}}) in this network{hint}")
        return Edge(s, d, k)

    def _id_range(self) -> str:
        ids = sorted(self._by_id)
        return f"{ids[0]}–{ids[-1]}" if ids else "none (empty network)"

    @property
    def nodes(self) -> list[Node]:
        """All nodes in id order."""
        return sorted(self._nodes, key=lambda n: n.id)

    @property
    def edges(self) -> list[Edge]:
        """All edges, ordered by destination id, then source id (w_{4,1}, w_{4,2}, …)."""
        return [e for n in self.nodes for e in n.inputs]

    @property
    def inputs(self) -> list[Node]:
        return [n for n in self.nodes if n.is_input]

    @property
    def outputs(self) -> list[Node]:
        return [n for n in self.nodes if n.is_output]

    @property
    def layers(self) -> list[list[Node]]:
        """Nodes grouped by layer (see ``Node.layer``), each in id order."""
        return [[self._nodes[s] for s in layer.slots] for layer in self._compile().layers]

    @property
    def forward_ready(self) -> bool:
        """True when z and a hold the values of a forward pass on the current structure."""
        return self._forward_ready

    @property
    def backward_ready(self) -> bool:
        """True when every δ holds the value of a backward pass after the last forward."""
        return self._backward_ready

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __repr__(self) -> str:
        from neurograph.explanations.network_view import summary
        return summary(self, n_edges=sum(self._store.fan_in))

    def _repr_html_(self) -> str:
        from neurograph.explanations.network_view import network_html
        return network_html(self, n_edges=sum(self._store.fan_in))

    # -- the compiled plan -------------------------------------------------------
    def _compile(self) -> planning.Plan:
        if self._plan is None:
            self._cold()
            small = straight_line.supported(self._nodes, self._loss.name, sum(self._store.fan_in), self._store.fan_in)
            plan = planning.build(self._nodes, self._store, self._a, self._order.sorted_slots(), reduce=small)
            if self._codegen and small:
                source = straight_line.generate(self._nodes, plan, self._store, self._loss.name)
                plan.compiled = straight_line.Compiled(source, len(plan.layers[0].slots), len(plan.layers[-1].slots))
            self._plan = plan
        return self._plan

    @property
    def n_inputs(self) -> int:
        return len(self._compile().layers[0].slots)

    @property
    def n_outputs(self) -> int:
        return len(self._compile().layers[-1].slots)

    # -- all parameters at once ----------------------------------------------------
    def _edge_order(self) -> np.ndarray:
        """Flat-store index of every edge, in ``net.edges`` order (cached with the plan)."""
        plan = self._compile()
        if plan.edge_order is None:
            index = []
            for n in self.nodes:
                start = self._store.first[n._slot]
                index += [start + k for _, k in sorted((self._nodes[s].id, k) for s, k in n._source_position.items())]
            plan.edge_order = np.array(index, dtype=np.intp)
        return plan.edge_order

    def _biased_in_id_order(self) -> np.ndarray:
        return np.array([n._slot for n in self.nodes if n.has_bias], dtype=np.intp)

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(source ids, destination ids, weights) of every edge, in ``net.edges`` order."""
        self._cold()
        order = self._edge_order()
        ids = np.array([n.id for n in self._nodes], dtype=np.int64)
        dst = np.repeat(np.arange(len(self._nodes)), self._store.fan_in)
        slot_dst = np.empty(self._store.end, dtype=np.int64)
        slot_dst[np.concatenate([np.arange(self._store.first[s], self._store.first[s] + c)
                                 for s, c in enumerate(self._store.fan_in)] + [np.zeros(0, np.intp)])] = dst
        return ids[self._store.sources[order]], ids[slot_dst[order]], self._store.weights[order].copy()

    def get_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """(weights, biases) as two new flat arrays: weights in ``net.edges`` order,
        biases of the nodes that have one, in id order."""
        self._cold()
        return self._store.weights[self._edge_order()], self._bias[self._biased_in_id_order()]

    def set_parameters(self, weights, biases) -> None:
        """Write all weights and biases at once (the layout of ``get_parameters``).

        A wrong shape or a NaN/inf raises ValueError and changes nothing.
        """
        order, slots = self._edge_order(), self._biased_in_id_order()
        w = finite_array(weights, "weights", len(order), allow_batch=False)
        b = finite_array(biases, "biases", len(slots), allow_batch=False)
        self._cold()
        self._keep_backward_weights()
        self._weight_bound = None
        self._store.weights[order] = w
        self._bias[slots] = b
        self._parameters_changed()

    def _keep_backward_weights(self) -> None:
        """Before a weight changes: keep the weights the pending plain inputs' δ will need."""
        if self._inputs_pending and self._backward_weights is None:
            self._backward_weights = self._store.weights[:self._store.end].copy()

    def _settle_inputs(self) -> None:
        """Gather the plain inputs' δ now if it was left for later (before a weight changes: it uses them)."""
        if self._inputs_pending:
            self._input_deltas(self._compile(), deferred=True)

    # -- conversions (implemented in builders and io/) ------------------------------
    @classmethod
    def layered(cls, sizes, activation: str = "sigmoid", output_activation: str | None = None,
                loss: str = "half_squared", init="uniform", seed: int | None = None,
                input_activation: str | None = None, bias: bool = True) -> Network:
        """A fully connected network; see ``neurograph.engine.builders.layered``."""
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
        return to_matrices(self, convention)

    def to_networkx(self) -> nx.DiGraph:
        from neurograph.io.networkx_bridge import to_networkx
        return to_networkx(self)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> Network:
        from neurograph.io.networkx_bridge import from_networkx
        return from_networkx(graph)

    def save(self, path) -> None:
        from neurograph.io.json_file import save
        save(self, path)

    @classmethod
    def load(cls, path) -> Network:
        from neurograph.io.json_file import load
        return load(path)

    def to_torch(self, dtype=None):
        """The same network as a torch ``nn.Module`` (see ``neurograph.io.torch_bridge``)."""
        from neurograph.io.torch_bridge import to_torch
        return to_torch(self, dtype=dtype)

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
        return to_sklearn(self)

    @classmethod
    def from_onnx(cls, model, output: str | None = None, loss: str | None = None) -> Network:
        """A Network from an ONNX MLP graph, a path or a ModelProto (see ``neurograph.io.onnx_in``)."""
        from neurograph.io.onnx_in import from_onnx
        return from_onnx(model, output=output, loss=loss)

    def to_onnx(self, path, dtype: str = "float32"):
        """Write the network as an ONNX model and return it (see ``neurograph.io.onnx_out``)."""
        from neurograph.io.onnx_out import to_onnx
        return to_onnx(self, path, dtype=dtype)

    def copy(self) -> Network:
        """An independent copy with the same structure, weights and biases (no gradients)."""
        twin = Network(loss=self.loss)
        for n in self._nodes:                                  # same slots, same order
            twin._add_node(n.id, n._activation, n.bias, n.is_input)
        twin._order.rank[:] = self._order.rank
        self._cold()
        for n in self._nodes:
            block = self._store.block(n._slot)
            sources = [self._nodes[s].id for s in self._store.sources[block]]
            twin.wire(n.id, sources, self._store.weights[block])
        return twin


class Edge:
    """One weight w_{dst,src}: a live, writable view of one entry of the flat store."""

    __slots__ = ("src", "dst", "_position")

    def __init__(self, src: Node, dst: Node, position: int):
        self.src, self.dst, self._position = src, dst, position   # position in dst's block

    def _index(self) -> int:
        """Where the weight is in the flat store (after the generated code, if running, wrote it back)."""
        self.dst._net._cold()
        return self.dst._net._store.first[self.dst._slot] + self._position

    @property
    def weight(self) -> float:
        return float(self.dst._net._store.weights[self._index()])

    @weight.setter
    def weight(self, value: float) -> None:
        value = finite_number(value, f"weight of {self.name}")
        index = self._index()
        net = self.dst._net
        net._keep_backward_weights()
        if net._weight_bound is not None:
            net._weight_bound = max(net._weight_bound, abs(value))
        net._store.weights[index] = value
        self.dst._net._parameters_changed()

    @property
    def grad(self) -> float | None:
        """∂C/∂w summed since ``zero_grad()``; None before any backward pass."""
        net, index = self.dst._net, self._index()
        return float(net._store.grads[index]) if net._grads_ready else None

    @property
    def name(self) -> str:
        """The seeds' target-first name, e.g. ``w_{4,1}`` for the edge 1 → 4."""
        return Edge.name_of(self.src.id, self.dst.id)

    @property
    def pretty(self) -> str:
        """Unicode form of ``name``, e.g. ``w₄,₁``."""
        return Edge.pretty_of(self.src.id, self.dst.id)

    @staticmethod
    def name_of(src: int, dst: int) -> str:
        """``name`` of the edge src → dst without the Edge: ``Edge.name_of(1, 4) == "w_{4,1}"``."""
        return f"w_{{{dst},{src}}}"

    @staticmethod
    def pretty_of(src: int, dst: int) -> str:
        """``pretty`` of the edge src → dst: ``Edge.pretty_of(1, 4) == "w₄,₁"``."""
        return f"w{str(dst).translate(_SUBSCRIPT)},{str(src).translate(_SUBSCRIPT)}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and (self.src, self.dst) == (other.src, other.dst)

    def __hash__(self) -> int:
        return hash((self.src.id, self.dst.id))

    def __repr__(self) -> str:
        return f"<Edge {self.pretty}: {self.src.id} → {self.dst.id}, w={self.weight:.6g}>"


class Node:
    """One neuron (or input).  Its numbers are views into the network's arrays."""

    __slots__ = ("_net", "id", "_slot", "_activation", "has_bias", "is_input", "_source_position", "_targets")

    def __init__(self, net: Network, id: int, slot: int, act: Activation, has_bias: bool, is_input: bool):
        self._net, self.id, self._slot, self._activation = net, id, slot, act
        self.has_bias, self.is_input = has_bias, is_input
        self._source_position: dict[int, int] = {}   # source slot → position in this node's block
        self._targets: list[Node] = []               # destination nodes, in the order they were joined

    # -- identity and structure -------------------------------------------
    @property
    def activation(self) -> str:
        return self._activation.name

    @property
    def activation_function(self) -> Activation:
        """The Activation object itself (f and its backward rule), for the other engines."""
        return self._activation

    @property
    def layer(self) -> int:
        """0 for inputs; 1 + the deepest predecessor's layer; outputs share the last."""
        return self._net._compile().layer_of[self._slot]

    @property
    def inputs(self) -> list[Edge]:
        """Incoming edges, by source id."""
        nodes = self._net._nodes
        return sorted((Edge(nodes[s], self, k) for s, k in self._source_position.items()),
                      key=lambda e: e.src.id)

    @property
    def outputs(self) -> list[Edge]:
        """Outgoing edges, by destination id."""
        return sorted((Edge(self, d, d._source_position[self._slot]) for d in self._targets),
                      key=lambda e: e.dst.id)

    @property
    def summed_inputs(self) -> list[Edge]:
        """Incoming edges in the order z = Σ w·a adds them up (the order they were connected);
        ``save`` writes them so, and a loaded network gives bit-identical outputs."""
        block = self._net._store.block(self._slot)
        nodes = self._net._nodes
        return [Edge(nodes[s], self, k) for k, s in enumerate(self._net._store.sources[block])]

    @property
    def is_output(self) -> bool:
        return not self.is_input and not self._targets

    # -- numbers -------------------------------------------------------------
    @property
    def bias(self) -> float | None:
        """b, or None for a node without a bias (a plain input, or bias=None)."""
        self._net._cold()
        return float(self._net._bias[self._slot]) if self.has_bias else None

    @bias.setter
    def bias(self, value: float) -> None:
        if not self.has_bias:
            raise ValueError(f"node {self.id} has no bias (it was created with bias=None)")
        self._net._cold()
        self._net._bias[self._slot] = finite_number(value, f"bias of node {self.id}")
        self._net._parameters_changed()

    def _state(self, name: str, ready: bool) -> float | None:
        self._net._cold()
        return float(getattr(self._net, name)[self._slot]) if ready else None

    @property
    def z(self) -> float | None:
        """z = Σ w·a + b from the last forward pass (None before one)."""
        return self._state("_z", self._net._forward_ready)

    @property
    def a(self) -> float | None:
        """a = f(z) from the last forward pass (None before one)."""
        return self._state("_a", self._net._forward_ready)

    @property
    def delta(self) -> float | None:
        """δ = ∂C/∂z from the last backward pass (None before one)."""
        if self.is_input:
            self._net._settle_inputs()         # a plain input's δ is gathered when first read
            if self._net._inputs_unknown and not self.has_bias:
                return None
        return self._state("_delta", self._net._backward_ready)

    @property
    def bias_grad(self) -> float | None:
        """∂C/∂b summed since ``zero_grad()`` (None before a backward pass or without bias)."""
        return self._state("_bias_grad", self._net._grads_ready and self.has_bias)

    def __repr__(self) -> str:
        kind = "input" if self.is_input else "output" if self.is_output else "hidden"
        return f"<Node {self.id} {kind} {self.activation}>"
