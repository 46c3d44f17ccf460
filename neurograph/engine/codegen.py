"""Straight-line Python for small networks: one statement per neuron, the formula beside it.

For a network of at most ``MAX_EDGES`` edges whose activations are sigmoid,
tanh, relu or identity and whose loss is half_squared or squared, the plan is
turned into four plain functions (see ``Network.compiled_source()``)::

    forward(s, x)           z₄ = w₄,₁·a₁ + w₄,₂·a₂ + w₄,₃·a₃ + b₄,   a₄ = σ(z₄), …
    backward(s, t, fresh)   δ₈ = σ′(z₈)·(a₈ − t₈), …,  δ₄ = σ′(z₄)·(w₈,₄·δ₈ + w₉,₄·δ₉), …
                            ∂C/∂w₄,₁ += a₁·δ₄, …,  ∂C/∂b₄ += δ₄
    step(s, lr, decay, …)   w₄,₁ ← w₄,₁·(1 − η·λ) − η·∂C/∂w₄,₁, …
    train(s, x, t, lr, …)   all three for one sample (``Network.train_step``), the
                            parameters in local variables: w₄,₁ ← w₄,₁ − η·a₁·δ₄, …

They work on Python floats held in lists (``State``), which for a 3-4-2
network is several times faster than a numpy call per neuron.  The sums are
written in the order the general path adds them (numpy's add.reduce: left to
right below 8 terms, 8 running sums from 8 on; the backward sums in the order
the scatter visits them), so every +, − and × rounds the same.  a = f(z) is
one formula for both paths (``FORWARD``; the general path evaluates it through
``EACH``, one float at a time), with e^x, ln(1 + x) and tanh from Python's math
module (libm), not numpy's vectorised kernels, which differ from libm in the
last bit for a few arguments in a hundred.  So generated and general code
agree bit for bit, with every activation written here.

Checks are one per call: x finite at the top of forward and train (σ or tanh
of an input would hide an inf), t through the loss (a finite C needs a
finite t), and train's new parameters summed.  A refusal returns None with
nothing changed, and the general path then raises its usual message.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurograph.engine.activations import ACTIVATIONS

#: largest network (edges) compiled to straight-line code; measured: above a few
#: hundred edges the per-neuron numpy kernels win (benchmarks/graph_speed.py)
MAX_EDGES = 400
LOSSES = ("half_squared", "squared")
_PAIRWISE_BLOCK = 128                   # numpy sums longer runs recursively; not generated
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_FLOAT64 = np.dtype(np.float64)


FORWARD = {"sigmoid": ("(exp(-(log1p(exp({z})) - {z})) if {z} < 0.0 else exp(-log1p(exp(-{z}))))", "σ"),
           "tanh": ("tanh({z})", "tanh"), "relu": ("({z} if {z} > 0.0 else 0.0)", "relu"),
           "identity": ("{z}", "")}
# σ(z) = exp(−ln(1 + e^−z)) written as numpy's exp(−logaddexp(0, −z)) evaluates it: for z < 0,
# logaddexp(0, u) = u + ln(1 + e^−u) with u = −z; else ln(1 + e^u)
DERIVATIVE = {"sigmoid": "({a} * (1.0 - {a}))", "tanh": "(1.0 - {a} * {a})",
              "relu": "(1.0 if {z} > 0.0 else 0.0)", "identity": None}
NAMESPACE = {"_exp": math.exp, "_log1p": math.log1p, "_tanh": math.tanh, "_isfinite": math.isfinite}


def local_names(formulas: list[str]) -> str:
    """The line that makes the math functions these formulas call local names (fast to look up)."""
    used = [f for f in ("exp", "log1p", "tanh") if any(f"{f}(" in text for text in formulas)]
    return f"    {', '.join(used)} = {', '.join(f'_{f}' for f in used)}" if used else ""


def _each(name: str) -> Callable[[list[float]], list[float]]:
    """[f(z) for z in zs] by ``FORWARD``'s formula: the numbers generated code computes, one float at a time."""
    namespace: dict[str, Any] = dict(NAMESPACE)
    formula = FORWARD[name][0].format(z="z")
    exec(f"def each(zs):\n{local_names([formula])}\n    return [{formula} for z in zs]", namespace)  # noqa: S102
    return namespace["each"]


#: a = f(z) of the general path for the activations generated code writes (a = z is a copy on both):
#: one formula for both, evaluated with Python's math (libm), so the two agree bit for bit
EACH = {ACTIVATIONS[name]: _each(name) for name in FORWARD if name != "identity"}


@dataclass
class State:
    """The network's numbers as Python floats while the generated code runs (w, g by ``edge_positions``;
    b, ∂C/∂b, z, a, δ by slot)."""

    w: list[float]
    b: list[float]
    g: list[float] = field(default_factory=list)
    bg: list[float] = field(default_factory=list)
    z: list[float] = field(default_factory=list)
    a: list[float] = field(default_factory=list)
    d: list[float] = field(default_factory=list)


def pairwise(terms: list[str]) -> str:
    """Σ terms as an expression rounded exactly like numpy's add.reduce of them."""
    n = len(terms)
    if n < 8:
        return " + ".join(terms) if terms else "0.0"
    if n > _PAIRWISE_BLOCK:
        raise ValueError("longer sums are not generated")
    full = n - n % 8
    r = ["(" + " + ".join(terms[j:full:8]) + ")" for j in range(8)]
    head = f"(({r[0]} + {r[1]}) + ({r[2]} + {r[3]})) + (({r[4]} + {r[5]}) + ({r[6]} + {r[7]}))"
    return " + ".join([f"({head})"] + terms[full:])


def supported(nodes: list, loss_name: str, n_edges: int, fan_ins: list[int]) -> bool:
    """Whether ``generate`` handles this network."""
    return (loss_name in LOSSES and n_edges <= MAX_EDGES and max(fan_ins, default=0) <= _PAIRWISE_BLOCK
            and all(ACTIVATIONS.get(n.activation) is n.activation_function and n.activation in FORWARD
                    for n in nodes))


def edge_positions(store, n_slots: int) -> np.ndarray:
    """The flat store index of every edge, block by block: generated code's w[k] and g[k] are entry k
    of these (the store's room between blocks is left out of its lists)."""
    return np.concatenate([np.arange(store.first[s], store.first[s] + store.fan_in[s], dtype=np.intp)
                           for s in range(n_slots)] + [np.zeros(0, dtype=np.intp)])


def generate(nodes: list, plan, store, loss_name: str) -> str:
    """The source of ``forward``, ``backward``, ``step`` and ``train`` for this plan (see the module docstring)."""
    w = _Writer(nodes, plan, store)
    return "\n\n\n".join([w.forward(), w.backward(loss_name), w.step(), w.fused(loss_name)]) + "\n"


class _Writer:
    """Writes the four functions; locals are named by slot (weights by list index), comments by node id."""

    def __init__(self, nodes: list, plan, store):
        self.nodes, self.plan, self.store, self.n = nodes, plan, store, plan.n_slots
        positions = edge_positions(store, self.n)
        self.n_edges, self.compact = len(positions), {int(p): k for k, p in enumerate(positions)}
        self.ids = [n.id for n in nodes]
        self.math = local_names([FORWARD[n.activation][0] for n in nodes])

    def name(self, slot: int) -> str:
        return str(self.ids[slot]).translate(_SUB)

    def edges(self, slot: int) -> list[tuple[int, int]]:
        """(source slot, index in the lists) of every edge into ``slot``, in summation order."""
        block = self.store.block(slot)
        return [(int(s), self.compact[block.start + k]) for k, s in enumerate(self.store.sources[block])]

    def listed(self, prefix: str, slots) -> str:
        return ", ".join(f"{prefix}{j}" for j in slots)

    def forward(self) -> str:
        return "\n".join(["def forward(s, x):", "    w, b = s.w, s.b", self.math,
                          *self.passes_forward("w[{}]", "b[{}]"),
                          f"    s.z = [{self.listed('z', range(self.n))}]",
                          f"    s.a = [{self.listed('a', range(self.n))}]",
                          f"    return [{self.listed('a', self.plan.layers[-1].slots)}]"])

    def passes_forward(self, weight: str, bias: str) -> list[str]:
        """z_j and a_j of every neuron, weight i and bias j written ``weight.format(i)``, ``bias.format(j)``."""
        nodes, name, first = self.nodes, self.name, self.plan.layers[0].slots
        xs = self.listed("x", range(len(first)))
        lines = [f"    {xs}, = x", f"    if not _isfinite({xs.replace(', ', ' + ')}):",
                 "        return None                    # a NaN or inf in x: the general path refuses it"]
        for p, j in enumerate(first):
            plus, shown = (bias.format(j), f" + b{name(j)}") if nodes[j].has_bias else ("0.0", "")
            lines += [f"    z{j} = x{p} + {plus}    # z{name(j)} = x{name(j)}{shown}",
                      _activation(nodes[j], j, name(j))]
        for layer in self.plan.layers[1:]:
            for j in layer.slots:
                terms = [f"{weight.format(i)} * a{s}" for s, i in self.edges(j)]
                formula = " + ".join(f"w{name(j)},{name(s)}·a{name(s)}" for s, _ in self.edges(j))
                plus, shown = (bias.format(j), f" + b{name(j)}") if nodes[j].has_bias else ("0.0", "")
                lines += [f"    z{j} = {pairwise(terms)} + {plus}    # z{name(j)} = {formula}{shown}",
                          _activation(nodes[j], j, name(j))]
        return lines

    def senders(self) -> list[tuple[int, int, int]]:
        """(j, source slot, flat index) of every edge, in the order the backward scatter visits them."""
        return [(j, s, i) for layer in reversed(self.plan.layers[1:]) for j in layer.slots for s, i in self.edges(j)]

    def passes_backward(self, loss_name: str, weight: str, plain_inputs: bool) -> list[str]:
        """e = a − t, the loss C and δ_j of every node (of the plain inputs only if ``plain_inputs``).

        A finite C means finite e = a − t (so a finite t), hence finite δ_out = f′(z)·e, as 0 ≤ f′ ≤ 1 here.
        """
        nodes, name, out = self.nodes, self.name, self.plan.layers[-1]
        lines = [f"    e{j} = a{j} - t[{p}]    # a{name(j)} − t{name(j)}" for p, j in enumerate(out.slots)]
        half = "0.5 * " if loss_name == "half_squared" else ""
        groups = [f"{half}({pairwise([f'e{j} * e{j}' for j in np.asarray(out.slots)[pos]])})"
                  for _, _, pos in out.groups]             # each activation group summed, then the groups
        lines.append(f"    loss = {' + '.join(groups)}    # C = {'½' if half else ''}Σ(a − t)²")
        twice = "2.0 * " if loss_name == "squared" else ""
        lines += [_delta(nodes[j], j, name(j), f"({twice}e{j})", f"∂C/∂a{name(j)}") for j in out.slots]
        senders = self.senders()
        for layer in reversed(self.plan.layers[:-1]):
            for j in layer.slots:
                if nodes[j].is_input and not nodes[j].has_bias and not plain_inputs:
                    continue                               # δ of a plain input: needed by no gradient
                back = [(k, i) for k, s, i in senders if s == j]   # in the order the scatter adds them
                total = " + ".join(f"d{k} * {weight.format(i)}" for k, i in back) or "0.0"
                formula = " + ".join(f"w{name(k)},{name(j)}·δ{name(k)}" for k, _ in back) or "0"
                lines.append(_delta(nodes[j], j, name(j), f"({total})", formula))
        return lines + ["    if not _isfinite(loss):",
                        "        return None                    # overflow or a NaN/inf in t: the general path says"]

    def backward(self, loss_name: str) -> str:
        nodes, n = self.nodes, self.n
        reads_z = any("{z}" in (DERIVATIVE[m.activation] or "") for m in nodes)     # relu′ does
        lines = ["def backward(s, t, fresh):", "    w = s.w",
                 f"    {self.listed('z', range(n))}, = s.z" if reads_z else "",
                 f"    {self.listed('a', range(n))}, = s.a",
                 *self.passes_backward(loss_name, "w[{}]", plain_inputs=True)]
        products = ["0.0"] * self.n_edges
        for k, s, i in self.senders():
            products[i] = f"a{s} * d{k}"
        biased = [f"d{j}" if nodes[j].has_bias else "0.0" for j in range(n)]
        return "\n".join(lines + [
            f"    v = [{', '.join(products)}]    # a_i·δ_j: ∂C/∂w_ji of this sample",
            f"    vb = [{', '.join(biased)}]    # ∂C/∂b_j = δ_j",
            "    s.g = v if fresh else [x + y for x, y in zip(s.g, v)]",
            "    s.bg = vb if fresh else [x + y for x, y in zip(s.bg, vb)]",
            f"    s.d = [{self.listed('d', range(n))}]",
            "    return loss"])

    def step(self) -> str:
        end, n = self.n_edges, self.n
        biased = [f"b[{j}] - lr * bg[{j}]" if self.nodes[j].has_bias else f"b[{j}]" for j in range(n)]
        return "\n".join([
            "def step(s, lr, decay, biases):", "    w, g, b, bg = s.w, s.g, s.b, s.bg",
            "    if decay == 1.0:    # w ← w − η·∂C/∂w",
            f"        nw = [{', '.join(f'w[{i}] - lr * g[{i}]' for i in range(end))}]",
            "    else:               # w ← w·(1 − η·λ) − η·∂C/∂w",
            f"        nw = [{', '.join(f'w[{i}] * decay - lr * g[{i}]' for i in range(end))}]",
            f"    nb = [{', '.join(biased)}] if biases else b    # b ← b − η·∂C/∂b",
            "    if not _isfinite(sum(nw) + sum(nb)):",
            "        return False                   # a parameter would be NaN or ±inf: the general path says which",
            "    s.w, s.b = nw, nb",
            "    return True"])


    def fused(self, loss_name: str) -> str:
        """forward, backward from zero and step in one function, the parameters in locals (see ``Compiled.train``).

        Every number is rounded as in the three functions above (∂C/∂w = a·δ is
        formed, then scaled by η); the plain inputs' δ, which no gradient needs, is not computed.
        """
        nodes, name, n, end = self.nodes, self.name, self.n, self.n_edges
        wl, bl = self.listed("w", range(end)), self.listed("b", range(n))
        lines = ["def train(s, x, t, lr, decay, biases):", self.math, f"    {wl}, = s.w" if end else "",
                 f"    {bl}, = s.b", *self.passes_forward("w{}", "b{}"),
                 *self.passes_backward(loss_name, "w{}", plain_inputs=False),
                 "    if decay != 1.0:    # w ← w·(1 − η·λ), the L2 weight decay",
                 f"        {wl} = {', '.join(f'w{i} * decay' for i in range(end))}" if end else "        pass"]
        for k, s, i in sorted(self.senders(), key=lambda edge: edge[2]):
            w = f"w{name(k)},{name(s)}"
            lines.append(f"    w{i} = w{i} - lr * (a{s} * d{k})    # {w} ← {w} − η·a{name(s)}·δ{name(k)}")
        lines.append("    if biases:")
        lines += [f"        b{j} = b{j} - lr * d{j}    # b{name(j)} ← b{name(j)} − η·δ{name(j)}"
                  for j in range(n) if nodes[j].has_bias] or ["        pass"]
        plain = {j for j in range(n) if nodes[j].is_input and not nodes[j].has_bias}
        return "\n".join(lines + [
            f"    nw, nb = [{wl}], [{bl}]",
            "    if not _isfinite(sum(nw) + sum(nb)):",
            "        return None                    # a parameter would be NaN or ±inf: the general path says which",
            "    s.w, s.b = nw, nb",
            f"    s.z = [{self.listed('z', range(n))}]",
            f"    s.a = [{self.listed('a', range(n))}]",
            f"    s.d = [{', '.join('0.0' if j in plain else f'd{j}' for j in range(n))}]",
            "    return loss"])


def _activation(node, j: int, label: str) -> str:
    formula, symbol = FORWARD[node.activation]
    shown = f"{symbol}(z{label})" if symbol else f"z{label}"
    return f"    a{j} = {formula.format(z=f'z{j}')}    # a{label} = {shown}"


def _delta(node, j: int, label: str, grad: str, grad_formula: str) -> str:
    deriv = DERIVATIVE[node.activation]
    if deriv is None:
        return f"    d{j} = {grad}    # δ{label} = {grad_formula}"
    return (f"    d{j} = {deriv.format(a=f'a{j}', z=f'z{j}')} * {grad}"
            f"    # δ{label} = f′(z{label})·({grad_formula})")


class Compiled:
    """The generated functions of one plan and the list state they work on."""

    def __init__(self, source: str, n_inputs: int, n_outputs: int, positions: np.ndarray):
        self.source, self.positions = source, positions      # w[k] of the lists is store.weights[positions[k]]
        namespace: dict[str, Any] = dict(NAMESPACE)
        exec(compile(source, "<neurograph generated>", "exec"), namespace)   # noqa: S102 - our own text
        self.forward: Callable[[State, list[float]], list[float]] = namespace["forward"]
        self.backward: Callable[[State, list[float], bool], float | None] = namespace["backward"]
        #: step(state, lr, decay = 1 − η·λ, biases): True, or False (a non-finite step: nothing changed)
        self.update: Callable[[State, float, float, bool], bool] = namespace["step"]
        #: train(state, x, t, lr, decay = 1 − η·λ, biases): forward, backward from zero and step on the
        #: lists; the loss, or None (overflow or a non-finite step: nothing changed)
        self.train: Callable[[State, list[float], list[float], float, float, bool], float | None] = namespace["train"]
        self.x_shape, self.t_shape = (n_inputs,), (n_outputs,)
        self.state: State | None = None

    @staticmethod
    def floats(values, shape: tuple[int]) -> list[float] | None:
        """``values`` as a list of floats of this shape, or None (the general path decides).

        Whether they are finite the generated code checks: x at once, t through the loss.
        """
        if type(values) is np.ndarray:
            return values.tolist() if values.dtype is _FLOAT64 and values.shape == shape else None
        if type(values) in (list, tuple) and len(values) == shape[0] and all(type(v) is float for v in values):
            return list(values)
        return None
