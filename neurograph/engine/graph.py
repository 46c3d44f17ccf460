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
from collections import deque
from itertools import repeat

import numpy as np

from neurograph.engine import plan as planning
from neurograph.engine.activations import ACTIVATIONS
from neurograph.engine.codegen import EACH
from neurograph.engine.conversions import _Conversions
from neurograph.engine.objects import Edge, Node
from neurograph.engine.structure import _Structure
from neurograph.engine.validation import boolean, finite_array, finite_number, non_negative, sample_batches

__all__ = ["Edge", "Network", "Node"]

_IDENTITY = ACTIVATIONS["identity"]
_INF = math.inf
_SAFE = 8e307                           # below max/2: a sum of two such magnitudes cannot overflow


def _one_sample(v, n: int) -> bool:
    """v is a float64 vector of n finite numbers, by one BLAS ddot: Σv² is not finite when any v is NaN
    or ±inf (nor when a |v| > 1e154 overflows it; False then sends v to ``finite_array``'s full check)."""
    return type(v) is np.ndarray and v.shape == (n,) and v.dtype == np.float64 and math.isfinite(v.dot(v))


class Network(_Conversions, _Structure):
    """A feed-forward network of Node objects joined by Edge objects (any DAG).

    >>> net = Network.layered([3, 4, 2], seed=0)
    >>> [n.id for n in net.inputs], [n.id for n in net.outputs]
    ([1, 2, 3], [8, 9])

    The passes are here; the rest comes from a line of bases, each using only
    itself and those below it: ``_Structure`` (building, ``neurograph.engine.structure``)
    → ``_Parameters`` (lookups, all parameters at once, ``neurograph.engine.parameters``)
    → ``_Core`` (the fields, the compiled plan, the generated code, ``neurograph.engine.core``);
    ``_Conversions`` (``neurograph.engine.conversions``) adds the ways in and out.
    """

    # -- the engine ------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """Propagate x (one sample, or rows of samples) and return the outputs.

        For a batch the node values left behind are those of the last row.
        """
        plan = self._plan or self._compile()
        fast = plan.compiled
        if fast is not None and (xs := fast.floats(x, fast.x_shape)) is not None:
            if self._hot is not fast:
                self._heat(fast)
            out = fast.forward(fast.state, xs)             # the generated straight-line code
            if out is not None:                            # None: a NaN or inf in x, refused below
                self._forward_ready, self._backward_ready = True, False
                self._forward_version = self._version
                return np.array(out)
        self._cold()
        if _one_sample(x, len(plan.layers[0].slots)):
            return self._forward_one(plan, x).copy()
        X = finite_array(x, "input x", self.n_inputs)
        if X.ndim == 2:
            return np.stack([self._forward_one(plan, row).copy() for row in X])
        return self._forward_one(plan, X).copy()

    def _forward_one(self, plan: planning.Plan, x: np.ndarray) -> np.ndarray:
        """z and a of every node for the sample x; returns a of the outputs (a view, overwritten next time)."""
        z, a, b = self._z, self._a, self._bias
        ddot = plan.blas().ddot                            # the same sums as numpy's w.dot(x)
        z[plan.inputs] = x + b[plan.inputs] if plan.layers[0].biased else x   # inputs: z = x (+ b)
        for layer in plan.layers:
            if layer.dots is not None:                     # every neuron: a view of a, one ddot
                z[layer.where] = list(map(ddot, *layer.dots))
                if layer.biased:
                    z[layer.where] += b[layer.where]       # z_j = Σ_i w_ji·a_i + b_j
            for j, w, _, xs, take, tmp, reduce, _, _ in layer.kernels if layer.dots is None else ():
                if take is not None:
                    np.take(a, take, out=xs)               # a_i of every incoming edge
                s = np.add.reduce(np.multiply(w, xs, out=tmp)) if reduce else ddot(w, xs)
                z[j] = s + b[j]                            # z_j = Σ_i w_ji·a_i + b_j
            for act, where, _ in layer.groups:
                if act is _IDENTITY:
                    a[where] = z[where]                    # a_j = z_j
                elif not plan.large and (each := EACH.get(act)) is not None:
                    a[where] = each(z[where].tolist())     # a_j = f(z_j) by libm, as generated code does
                                                           # (a large net, which has none, takes numpy's f)
                else:
                    a[where] = act(z[where])               # a custom f, or softmax over its group
        self._forward_ready, self._backward_ready = True, False
        self._forward_version = self._version
        return a[plan.layers[-1].where]

    def backward(self, t) -> float:
        """Backpropagate the target t of the last forward pass; return the loss C.

        Fills every node's δ, adds a_i·δ_j to every edge's grad and δ_j to
        every bias_grad (accumulating until ``zero_grad()``).
        """
        if not self._forward_ready:
            raise RuntimeError("backward(t) needs a forward(x) first")
        fast = self._hot
        if fast is not None and (state := fast.state) is not None and (ts := fast.floats(t, fast.t_shape)) is not None:
            loss = fast.backward(state, ts, not self._grads_ready)
            if loss is not None:                           # None: overflow, reported below
                self._backward_ready = self._grads_ready = True
                self._inputs_unknown = False
                self._target = ts
                return loss
        plan = self._plan or self._compile()
        self._cold()
        out = plan.layers[-1].slots
        T = t if _one_sample(t, len(out)) else finite_array(t, "target t", len(out), allow_batch=False)
        fresh = not self._grads_ready                      # start from zero: no stale sums
        if fresh:
            self._bias_grad[:] = 0.0
            self._store.grads[:self._store.end] = 0.0      # each neuron then adds a_i·δ_j to exact zeros
        loss = self._output_deltas(plan, T)
        a, d = self._a, self._delta
        self._sum_w_delta[:] = 0.0                         # collects Σ_k w_kj·δ_k
        for layer in reversed(plan.layers[1:]):
            if layer is not plan.layers[-1]:
                self._hidden_deltas(layer)
            self._send_back(layer, fresh, plan.blas())
        self._input_deltas(plan, deferred=False)
        self._bias_grad[plan.biased] += d[plan.biased]     # ∂C/∂b_j = δ_j
        n = plan.n_slots                                   # |a_i·δ_j| ≤ ‖a‖·‖δ‖, for step's bound
        size = math.sqrt(float(a[:n].dot(a[:n])) * float(d[:n].dot(d[:n])))
        self._grad_bound = size + (0.0 if fresh else self._grad_bound)
        self._backward_ready = self._grads_ready = True
        self._inputs_pending, self._backward_weights, self._inputs_unknown = plan.deferred, None, False
        self._target = T.copy()
        return loss

    def _hidden_deltas(self, layer: planning.Layer) -> None:
        z, a, d, acc = self._z, self._a, self._delta, self._sum_w_delta
        for act, where, _ in layer.groups:
            d[where] = act.backward(z[where], a[where], acc[where])   # δ_j = f′(z_j)·Σ_k w_kj·δ_k

    def _send_back(self, layer: planning.Layer, fresh: bool, blas: planning.Blas1) -> None:
        """∂C/∂w_ji (+)= a_i·δ_j for the layer's neurons j, and each sends w_ji·δ_j back to its sources i.

        Every product is rounded before it is added, as in Σ written out edge by edge:
        a fresh gradient is δ_j·a_i + 0 (one daxpy into the zeroed block), and a sum
        s + δ_j·w is dscal's δ_j·w added by daxpy with α = 1 (1·p is exact, so its
        fused multiply-add rounds s + p once, like s + p).
        """
        d, acc = self._delta, self._sum_w_delta
        daxpy, dcopy, dscal = blas[1:]
        xs, ws, ns = layer.columns
        gs, tmps = layer.grads, layer.tmps
        ds = d[layer.learning].tolist()
        if fresh:
            deque(map(daxpy, xs, gs, ns, ds), 0)           # ∂C/∂w_ji = a_i·δ_j (every block is written)
        else:
            deque(map(dcopy, xs, tmps), 0)
            deque(map(dscal, ds, tmps), 0)
            deque(map(daxpy, tmps, gs, ns, repeat(1.0)), 0)   # ∂C/∂w_ji += a_i·δ_j
        if layer.send_columns is not None:                 # node i receives w_ji·δ_j, neuron after neuron
            _, views, _ = layer.send_columns
            deque(map(dcopy, ws, tmps), 0)
            deque(map(dscal, ds, tmps), 0)
            deque(map(daxpy, tmps, views, ns, repeat(1.0)), 0)
            return
        for (_, w, _, _, tmp, n, back, view), dj in zip(layer.learners, ds, strict=True) if layer.sends else ():
            if view is not None:
                dscal(dj, dcopy(w, tmp))
                daxpy(tmp, view, n, 1.0)
            elif back is not None:
                acc[back[0]] += dj * (w if back[1] is None else w[back[1]])

    def _output_deltas(self, plan: planning.Plan, T: np.ndarray) -> float:
        """C and δ_out = ∂C/∂z of the output layer, checked for overflow."""
        z, a, out, loss_function = self._z, self._a, plan.layers[-1], self._loss
        loss, deltas = 0.0, []
        with np.errstate(over="ignore", invalid="ignore"):     # overflow is reported below
            for act, w, pos in out.groups:
                zw, aw, tw = z[w], a[w], T[pos]
                loss += float(loss_function.value(aw, tw, zw, act))
                deltas.append(loss_function.output_delta(zw, aw, tw, act))
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
        if not (type(lr) is float and 0.0 <= lr < _INF and type(weight_decay) is float and weight_decay == 0.0
                and biases is True):
            lr, weight_decay = non_negative(lr, "learning rate lr"), non_negative(weight_decay, "weight_decay")
            biases = boolean(biases, "biases")             # (the common call step(η) skips these checks)
        fast = self._hot
        if fast is not None and (state := fast.state) is not None:
            if not self._grads_ready:                      # nothing to apply but the decay
                state.g, state.bg = [0.0] * len(state.g), [0.0] * len(state.bg)
            if fast.update(state, lr, 1.0 - lr * weight_decay if weight_decay else 1.0, biases):
                self._version += 1                         # the parameters changed
                return
        plan = self._plan or self._compile()
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

        The numbers are those of ``zero_grad(); forward(x); C = backward(t);
        step(lr, weight_decay, biases); zero_grad()`` (the per-sample path of
        ``train(..., batch_size=1)``): in a small network one generated function does all
        three with the parameters in local variables (``train`` in ``compiled_source()``;
        None from it means refused, and the general path below says why), bit for bit; the
        general path (``_fused_step``) sends δ back and steps each neuron with one daxpy,
        whose fused multiply-add rounds once where the four calls round the product first,
        so C is the same and the weights agree to 1e-15.  Gradients read None afterwards,
        and so does the δ of a plain input (no gradient needs it, and keeping it would cost
        a copy of the weights per sample).
        """
        fast = self._hot or (self._plan or self._compile()).compiled     # the generated code, if any
        plain = type(weight_decay) is float and 0.0 <= weight_decay < _INF and type(biases) is bool
        if fast is not None and plain and type(lr) is float and 0.0 <= lr < _INF \
                and (xs := fast.floats(x, fast.x_shape)) is not None \
                and (ts := fast.floats(t, fast.t_shape)) is not None:
            if self._hot is not fast:
                self._heat(fast)
            if (state := fast.state) is not None \
                    and (done := fast.train(state, xs, ts, lr, 1.0 - lr * weight_decay, biases)) is not None:
                self._forward_ready = self._backward_ready = True
                self._grads_ready, self._inputs_pending, self._inputs_unknown = False, False, True
                self._forward_version, self._version = self._version, self._version + 1   # the step changed them
                self._target = ts
                return done
        lr = finite_number(lr, "learning rate lr")
        plan = self._compile()
        if plan.compiled is None and plain and lr >= 0:   # (generated code: the four calls, bit for bit)
            done = self._fused_step(plan, x, t, lr, weight_decay, biases)
            if done is not None:                           # None: refused or overflowed; reported below
                return done
        self.zero_grad()
        self.forward(x)
        loss = self.backward(t)
        self._inputs_pending, self._inputs_unknown = False, self._inputs_pending   # no copy of w kept for them
        self.step(lr, weight_decay, biases)
        self.zero_grad()
        return loss

    def _fused_step(self, plan: planning.Plan, x, t, lr: float, weight_decay: float, biases: bool) -> float | None:
        """The general path of ``train_step``: forward, backward and step neuron by neuron, no ∂C/∂w array.

            δ_j = f′(z_j)·Σ_k w_kj·δ_k     (one daxpy per neuron k: Σw·δ of its sources += δ_k·w_k)
            w_ji ← w_ji·(1 − η·λ) − η·δ_j·a_i   (one daxpy per neuron j, α = −η·δ_j, into its weights)

        daxpy rounds s + α·x once (a fused multiply-add) where the four public calls round
        α·x first, so these numbers agree with theirs to 1e-15, not bit for bit.  The step is
        only taken when the bound of ``step`` proves every new weight finite
        (|w_new| ≤ |1 − η·λ|·max|w| + η·‖a‖·‖δ‖) and every new bias is; otherwise (and on
        a loss that overflows) nothing is changed and None is returned.
        """
        if not (_one_sample(x, len(plan.layers[0].slots)) and _one_sample(t, len(plan.layers[-1].slots))):
            return None                                    # the four calls check (and explain) anything else
        self._cold()
        self._forward_one(plan, x)
        try:
            loss = self._output_deltas(plan, t)
        except ValueError:
            return None
        self._fused_backward(plan)
        if not self._fused_update(plan, lr, weight_decay, biases):
            return None
        self._forward_ready = self._backward_ready = True
        self._grads_ready = self._inputs_pending = False
        self._inputs_unknown, self._backward_weights = plan.deferred, None
        self._target = t.copy()
        self._parameters_changed()
        return loss

    def _fused_backward(self, plan: planning.Plan) -> None:
        """Every δ, from δ_out: each neuron k adds δ_k·w_k to its sources' Σw·δ (one daxpy)."""
        d, acc = self._delta, self._sum_w_delta
        daxpy = plan.blas().daxpy
        acc[:] = 0.0
        for layer in reversed(plan.layers[1:]):
            if layer is not plan.layers[-1]:
                self._hidden_deltas(layer)
            if layer.send_columns is not None:             # Σw·δ of j's sources += δ_j·w_j, for every j
                deque(map(daxpy, *layer.send_columns, d[layer.learning].tolist()), 0)
                continue
            for (_, w, _, _, _, n, back, view), dj in zip(layer.learners, d[layer.learning].tolist(), strict=True) \
                    if layer.sends else ():
                if view is not None:
                    daxpy(w, view, n, dj)                  # Σw·δ of j's sources += δ_j·w_j
                elif back is not None:
                    acc[back[0]] += dj * (w if back[1] is None else w[back[1]])
        if plan.biased_inputs:
            self._input_deltas(plan, deferred=False)

    def _fused_update(self, plan: planning.Plan, lr: float, weight_decay: float, biases: bool) -> bool:
        """w_ji ← w_ji·(1 − η·λ) − η·δ_j·a_i (one daxpy per neuron), b ← b − η·δ, if the bound
        proves every new number finite (False, and nothing changed, otherwise)."""
        a, d, b, n = self._a, self._delta, self._bias, plan.n_slots
        decay = 1.0 - lr * weight_decay
        new_b = b[plan.biased] - lr * d[plan.biased] if biases and plan.has_biases else None
        if self._weight_bound is None:
            self._weight_bound = float(np.abs(self._store.weights).max(initial=0.0))
        bound = abs(decay) * self._weight_bound + lr * math.sqrt(float(a[:n].dot(a[:n])) * float(d[:n].dot(d[:n])))
        if not (bound < _SAFE and (new_b is None or math.isfinite(float(new_b.sum())))):
            return False
        if weight_decay:
            self._store.weights *= decay                   # w·(1 − η·λ)
        daxpy = plan.blas().daxpy
        for layer in plan.layers[1:]:                      # w_ji ← w_ji − η·δ_j·a_i, one daxpy per neuron j
            deque(map(daxpy, *layer.columns, (d[layer.learning] * -lr).tolist()), 0)
        if new_b is not None:
            b[plan.biased] = new_b                         # b ← b − η·δ
        self._weight_bound = bound
        return True

    def last_outputs(self) -> np.ndarray:
        """a of the output nodes from the last forward pass (what ``forward`` returned), as a new array."""
        if not self._forward_ready:
            raise RuntimeError("last_outputs() needs a forward(x) first")
        out = self._compile().layers[-1]
        if self._hot is not None and self._hot.state is not None:
            a = self._hot.state.a
            return np.array([a[j] for j in out.slots])
        return self._a[out.where].copy()

    def zero_grad(self) -> None:
        """Forget every accumulated ∂C/∂w and ∂C/∂b (they read None, and the next backward starts from 0)."""
        self._grads_ready = False

    def _settle_inputs(self) -> None:
        """Gather the plain inputs' δ now if it was left for later (before a weight changes: it uses them)."""
        if self._inputs_pending:
            self._input_deltas(self._compile(), deferred=True)

    def __repr__(self) -> str:
        from neurograph.explanations.network_view import summary
        return summary(self, n_edges=sum(self._store.fan_in))

    def _repr_html_(self) -> str:
        from neurograph.explanations.network_view import network_html
        return network_html(self, n_edges=sum(self._store.fan_in))
