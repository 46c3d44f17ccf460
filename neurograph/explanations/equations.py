"""Explain one node, one edge or the loss: the equations written out, numbers put in.

``explain(net, 4)`` after a forward and a backward pass prints, for node 4 of
the 3-4-2 network::

    z_4 = w_{4,1}·a_1 + w_{4,2}·a_2 + w_{4,3}·a_3 + b_4          (forward)
        = (-0.4800)·0.0500 + (-0.4000)·0.1000 + 0.6300·0.2000 + (-0.1500)
        = -0.0880
    a_4 = σ(z_4) = σ(-0.0880) = 0.4780
    δ_4 = σ′(z_4)·(w_{8,4}·δ_8 + w_{9,4}·δ_9)                     (backward)
    ∂C/∂w_{4,1} = a_1·δ_4 = …

Every number comes from the engine (``node.z``, ``node.a``, ``node.delta``,
``edge.grad``, the target ``net.target`` that ``backward`` was given) or from
the engine's own activation and loss functions, so the explanation can never
drift from what the network computed.  Once the weights change (``step()``,
an edit) the stored z, a and δ belong to the old weights, and explain asks for
a new forward pass instead of mixing the two.

Each equation is written once, as a ``Template`` in
``neurograph.explanations.templates`` whose fields this builder fills with
symbols and numbers; ``neurograph.explanations.notation`` renders them as
``"text"`` (Unicode, for the terminal), ``"markdown"`` (prose with ``$…$``
math) or ``"latex"`` (one ``\\[ … \\]`` display equation per line, in the
subset of LaTeX that matplotlib's mathtext also renders).
"""
from __future__ import annotations

from collections import ChainMap

import numpy as np

from neurograph.engine.graph import Edge, Network, Node
from neurograph.engine.validation import finite_array, node_id, whole_number
from neurograph.explanations.explanation import Explanation
from neurograph.explanations.notation import FORMATS, Eq, Prose, TextStyle, shorten, style, terms
from neurograph.explanations.templates import (
    A_MINUS_T, A_SUM_T_MINUS_T, ACTIVATION, BACKWARD, BIAS_GRAD, CARRIES, CLEARED, DC_DA, DERIVATIVE, DERIVATIVE_VALUE,
    DOWNHILL, EDGE_GRAD, EDGE_TITLE, FORWARD, HIDDEN_DELTA, INCOMING, INPUT, INPUT_Z, ITS_GRADIENT, LOSS, LOSS_TERMS,
    LOSS_TITLE, MORE_EDGES, NEURON_Z, NEURON_Z_NO_BIAS, NODE_TITLE, NOT_YET, OTHER_TARGET, OUTPUT_DELTA, OUTPUT_DELTAS,
    PRODUCT, SENDS, SOFTMAX, SOFTMAX_COUPLES, SOFTMAX_DELTA, SUM, TERM, WEIGHT)

__all__ = ["FORMATS", "explain"]

STALE = ("the weights or biases changed after the last forward pass (step() or an edit), so z, a and δ "
         "belong to the old parameters: run forward again (and backward(t)) before explaining")


# -- public entry point ------------------------------------------------------------

def explain(net: Network, target, format: str = "text", *, t=None,
            digits: int = 4, max_terms: int = 6) -> Explanation:
    """The equations behind one node, one edge or the loss, with the numbers put in.

    ``target`` is a node id (``4``), an edge as ``(src, dst)`` (``(1, 4)`` is
    w_{4,1}) or ``"loss"``.  Run ``net.forward(x)`` first; after
    ``net.backward(t)`` the backward equations (δ = ∂C/∂z, ∂C/∂w = a·δ) are
    shown too.  The loss and the output δ use the target t that ``backward``
    was given (``net.target``), or ``t=`` when passed.  Values from before the
    weights changed (``net.stale``) are refused: run forward again.  ``format``
    is "text", "markdown" or "latex"; numbers use ``digits`` decimals; sums
    longer than ``max_terms`` are shortened with "…" and a count of the terms
    left out.
    """
    s = style(format, digits)
    ex = _Explainer(net, s, t, whole_number(max_terms, "max_terms", 2))
    if isinstance(target, str):
        if target != "loss":
            raise ValueError(f"target {target!r} is not understood; give a node id, (src, dst) or 'loss'")
        items = ex.loss()
    elif isinstance(target, (tuple, list)):
        if len(target) != 2:
            raise ValueError(f"an edge target is (src, dst), e.g. (1, 4) for w_{{4,1}}; got {target!r}")
        items = ex.edge(_lookup(net.edge, node_id(target[0], "edge source id"),
                                node_id(target[1], "edge destination id")))
    else:
        items = ex.node(_lookup(net.node, node_id(target)))
    return Explanation(s.render(items), format,
                       lambda other: explain(net, target, other, t=t, digits=digits, max_terms=max_terms))


def _lookup(getter, *ids):
    """net.node / net.edge, with their KeyError turned into a ValueError naming the id."""
    try:
        return getter(*ids)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None


def _v(value: float | None) -> float:
    """A number the forward (or backward) pass has computed: explain checked that it ran."""
    assert value is not None
    return value


def _kind(node: Node) -> str:
    return "input" if node.is_input else "output" if node.is_output else "hidden"


# -- the builder ---------------------------------------------------------------------

class _Explainer:
    """Fills the templates for one target, in one style."""

    def __init__(self, net: Network, s: TextStyle, t, max_terms: int):
        if not net.forward_ready:
            raise RuntimeError("nothing to explain yet: run net.forward(x) first "
                               "(and net.backward(t) for δ and the gradients)")
        if net.stale:
            raise RuntimeError(STALE)
        self.net, self.s, self.max_terms = net, s, max_terms
        self.loss_fn = net.loss_function
        self.outputs = net.outputs
        self.t = net.target if t is None else finite_array(t, "target t", len(self.outputs), allow_batch=False)

    # small helpers ----------------------------------------------------------
    def terms(self, items: list[str]) -> str:
        return terms(self.s, items, self.max_terms)

    def m(self, math: str) -> str:
        return self.s.inline(math)

    def f(self, template: str, **values: str) -> str:
        """A piece of a formula (a product, one term of a sum) in this style."""
        return template.format_map(ChainMap(values, self.s.symbols))

    def groups(self, node: Node) -> list[Node]:
        """The nodes sharing node's softmax group: same layer, same activation."""
        return [n for n in self.net.layers[node.layer] if n.activation == node.activation]

    def targets(self) -> np.ndarray:
        """t of every output: there is one whenever an output δ or the loss is explained."""
        assert self.t is not None
        return self.t

    def t_of(self, node: Node) -> float:
        return float(self.targets()[self.outputs.index(node)])

    def no_delta_yet(self, j: int) -> Prose:
        s = self.s
        return NOT_YET.fill(s, delta_j=self.m(s.sub(s.delta, j)), backward=s.code("backward(t)"))

    def _need_t(self, what: str) -> None:
        if self.t is None:
            raise ValueError(f"{what} needs the target t: run net.backward(t) first or pass t=[...] (one value "
                             f"per output node {', '.join(str(n.id) for n in self.outputs)})")

    # node ---------------------------------------------------------------------
    def node(self, node: Node) -> list:
        s = self.s
        items = [NODE_TITLE.fill(s, id=str(node.id), kind=_kind(node), layer=str(node.layer),
                                 activation=node.activation), FORWARD.fill(s)]
        items += self.forward(node)
        items.append(BACKWARD.fill(s))
        if not self.net.backward_ready:
            return items + [self.no_delta_yet(node.id)]
        items += self.output_delta(node) if node.is_output else self.hidden_delta(node)
        return items + self.parameter_grads(node)

    def forward(self, node: Node) -> list:
        s, j = self.s, node.id
        if node.is_input and not node.has_bias:
            return [INPUT.fill(s, a_j=s.sub("a", j), x_j=s.sub("x", j), a=s.num(_v(node.a)))]
        if node.is_input:
            z = INPUT_Z.fill(s, z_j=s.sub("z", j), x_j=s.sub("x", j), b_j=s.sub("b", j),
                             x=s.fac(_v(node.z) - _v(node.bias)), b=s.fac(_v(node.bias)), z=s.num(_v(node.z)))
        else:
            edges = node.inputs
            sums = {"sum": self.terms([self.f(TERM, x=e.name, y=s.sub("a", e.src.id)) for e in edges]),
                    "sum_values": self.terms([self.f(TERM, x=s.fac(e.weight), y=s.fac(_v(e.src.a))) for e in edges])}
            z_j, z_value = s.sub("z", j), s.num(_v(node.z))
            z = (NEURON_Z.fill(s, z_j=z_j, b_j=s.sub("b", j), b=s.fac(_v(node.bias)), z=z_value, **sums)
                 if node.has_bias else NEURON_Z_NO_BIAS.fill(s, z_j=z_j, z=z_value, **sums))
        return [z, self.activation_eq(node)]

    def activation_eq(self, node: Node) -> Eq:
        """a_j = f(z_j); softmax: a_j = e^{z_j} / Σ_k e^{z_k} over its group."""
        s, j = self.s, node.id
        if node.activation == "softmax":
            denominator = self.terms([s.exp(s.num(_v(n.z))) for n in self.groups(node)])
            return SOFTMAX.fill(s, a_j=s.sub("a", j), a=s.num(_v(node.a)),
                                softmax=s.frac(s.exp(s.sub("z", j)), s.sum_k(s.exp(s.sub("z", "k")))),
                                softmax_values=s.frac(s.exp(s.num(_v(node.z))), denominator))
        return ACTIVATION.fill(s, a_j=s.sub("a", j), f=s.func(node.activation), z_j=s.sub("z", j),
                               z=s.num(_v(node.z)), a=s.num(_v(node.a)))

    def derivative_eq(self, node: Node) -> tuple[str, float, Eq]:
        """f′(z_j) in the form the seeds use: σ′ = σ(1 − σ), tanh′ = 1 − tanh², relu′ = 1[z > 0]."""
        s, j = self.s, node.id
        act = node.activation_function
        fp = float(act.derivative(np.array([_v(node.z)]), np.array([_v(node.a)]))[0])
        fprime = f"{s.prime(s.func(node.activation))}({s.sub('z', j)})"
        eq = DERIVATIVE.get(node.activation, DERIVATIVE_VALUE).fill(
            s, fprime=fprime, value=s.num(fp), a_j=s.sub("a", j), a=s.fac(_v(node.a)),
            a_j_squared=s.sq(s.sub("a", j)), a_squared=s.sq(s.num(_v(node.a))),
            step_j=s.indicator(s.sub("z", j)), step=s.indicator(s.num(_v(node.z))))
        return fprime, fp, eq

    def downstream(self, node: Node) -> dict[str, str]:
        """Σ_k w_kj·δ_k over node's outgoing edges, as symbols and as numbers."""
        s, out = self.s, node.outputs
        return {"sum": self.terms([self.f(TERM, x=e.name, y=s.sub(s.delta, e.dst.id)) for e in out]),
                "sum_values": self.terms([self.f(TERM, x=s.fac(e.weight), y=s.fac(_v(e.dst.delta))) for e in out])}

    @staticmethod
    def downstream_value(node: Node) -> float:
        """The value of Σ_k w_kj·δ_k alone (= ∂C/∂a_j)."""
        return float(sum(e.weight * _v(e.dst.delta) for e in node.outputs))

    def hidden_delta(self, node: Node) -> list:
        """δ_j = f′(z_j)·Σ_k w_kj·δ_k (softmax group: δ_j = a_j·(g_j − Σ_k a_k·g_k))."""
        s, j = self.s, node.id
        sums, total = self.downstream(node), self.downstream_value(node)
        if node.activation == "softmax":
            g = {n.id: self.downstream_value(n) for n in self.groups(node)}
            return [SUM.fill(s, lhs=s.partial(s.sub("a", j)), value=s.num(total), **sums),
                    *self.softmax_delta(node, g)[0]]
        if node.activation == "identity":                       # f′ = 1: δ is the sum itself
            return [SUM.fill(s, lhs=s.sub(s.delta, j), value=s.num(_v(node.delta)), **sums)]
        fprime, fp, d_eq = self.derivative_eq(node)
        return [d_eq, HIDDEN_DELTA.fill(s, delta_j=s.sub(s.delta, j), fprime=fprime, fp=s.fac(fp),
                                        total=s.fac(total), value=s.num(_v(node.delta)), **sums)]

    def softmax_delta(self, node: Node, g: dict[int, float]) -> tuple[list, float]:
        """Jacobian form δ_j = a_j·(g_j − Σ_k a_k·g_k), g = ∂C/∂a over the softmax group;
        returns the items and the value of δ_j."""
        s, j = self.s, node.id
        group = self.groups(node)
        value = _v(node.a) * (g[j] - sum(_v(n.a) * g[n.id] for n in group))
        g_j = s.sub("g", j)
        return [SOFTMAX_COUPLES.fill(s, g_is_dC_da=self.m(f"{g_j} = {s.partial(s.sub('a', j))}")),
                SOFTMAX_DELTA.fill(s, delta_j=s.sub(s.delta, j), a_j=s.sub("a", j), g_j=g_j,
                                   sum_ag=s.sum_k(self.f(TERM, x=s.sub("a", "k"), y=s.sub("g", "k"))),
                                   a=s.fac(_v(node.a)), g=s.fac(g[j]), value=s.num(value),
                                   ag_values=self.terms([self.f(TERM, x=s.fac(_v(n.a)), y=s.fac(g[n.id]))
                                                         for n in group]))], value

    def output_delta(self, node: Node) -> list:
        """δ of an output node from the loss and the target: a − t for the cross-entropies,
        ∂C/∂a_j·f′(z_j) (softmax: through the Jacobian) otherwise."""
        s, j = self.s, node.id
        a, t = _v(node.a), self.t_of(node)
        symbols = {"delta_j": s.sub(s.delta, j), "a_j": s.sub("a", j), "t_j": s.sub("t", j), "t": s.fac(t)}
        loss = self.loss_fn.name
        if loss == "binary_cross_entropy" or (loss == "cross_entropy" and float(np.sum(self.targets())) == 1):
            value = a - t                                                   # δ = a − t
            return [A_MINUS_T.fill(s, a=s.fac(a), value=s.num(value), **symbols)] + self._check(node, value)
        if loss == "cross_entropy":                                         # δ = a·Σt − t
            t_sum = float(np.sum(self.targets()))
            value = a * t_sum - t
            return [A_SUM_T_MINUS_T.fill(s, sum_t=s.sum_k(s.sub("t", "k")), a=s.fac(a), t_sum=s.fac(t_sum),
                                         value=s.num(value), **symbols)] + self._check(node, value)
        dC_da, dC_da_values = (self.f(form, a_j=symbols["a_j"], t_j=symbols["t_j"], a=s.fac(a), t=s.fac(t))
                               for form in DC_DA[loss])
        if node.activation == "softmax":
            g = {n.id: float(self.loss_fn.grad(np.array([_v(n.a)]), np.array([self.t_of(n)]))[0])
                 for n in self.groups(node)}
            items, value = self.softmax_delta(node, g)
            return [SUM.fill(s, lhs=s.partial(symbols["a_j"]), sum=dC_da, sum_values=dC_da_values,
                             value=s.num(g[j]))] + items + self._check(node, value)
        fprime, fp, d_eq = self.derivative_eq(node)
        value = float(self.loss_fn.grad(np.array([a]), np.array([t]))[0]) * fp
        return [d_eq, OUTPUT_DELTA.fill(s, delta_j=symbols["delta_j"], dC_da=dC_da, fprime=fprime,
                                        dC_da_values=dC_da_values, fp=s.fac(fp), value=s.num(value))
                ] + self._check(node, value)

    def _check(self, node: Node, value: float) -> list:
        """Warn when the δ computed from the given t is not the engine's δ."""
        d = node.delta
        if d is None or abs(value - d) <= 1e-9 * (1 + abs(d)):
            return []
        s = self.s
        return [OTHER_TARGET.fill(s, delta_j=self.m(s.sub(s.delta, node.id)), value=self.m(s.num(d)))]

    def parameter_grads(self, node: Node) -> list:
        """∂C/∂b_j = δ_j and ∂C/∂w_ji = a_i·δ_j for every incoming edge."""
        s, j = self.s, node.id
        items: list = []
        if node.has_bias:
            items.append(BIAS_GRAD.fill(s, dC_db=s.partial(s.sub("b", j)), delta_j=s.sub(s.delta, j),
                                        value=s.num(_v(node.delta))))
        edges = node.inputs
        if not edges:
            return items
        code = {"edge_grad": s.code("edge.grad"), "zero_grad": s.code("zero_grad()"),
                "a_delta": self.m(f"a{s.dot}{s.delta}")}
        rule = f"{s.partial('w')} = {self.f(TERM, x=s.sub('a', 'src'), y=s.sub(s.delta, 'dst'))}"
        items.append(INCOMING.fill(s, rule=self.m(rule), **code))

        def gap(hidden: int) -> Prose:
            return MORE_EDGES.fill(s, ldots_m=self.m(s.ldots), hidden=str(hidden))
        items += [e if isinstance(e, Prose) else self.edge_grad_eq(e) for e in shorten(edges, self.max_terms, gap)]
        if edges[0].grad is None:                                # zero_grad() ran after the backward pass
            items.append(CLEARED.fill(s, **code))
        return items

    def edge_grad_eq(self, e: Edge) -> Eq:
        """∂C/∂w_ji = a_i·δ_j, with edge.grad beside it when it sums several samples."""
        s = self.s
        a, d = _v(e.src.a), _v(e.dst.delta)
        grad = e.grad
        note = "" if grad is None or abs(grad - a * d) <= 1e-12 * (1 + abs(a * d)) else \
            s.annotate("accumulated", s.num(grad))
        return EDGE_GRAD.fill(s, dC_dw=s.partial(e.name), a_i=s.sub("a", e.src.id), delta_j=s.sub(s.delta, e.dst.id),
                              a=s.fac(a), delta=s.fac(d), value=s.num(a * d), note=note)

    # edge -----------------------------------------------------------------------
    def edge(self, e: Edge) -> list:
        s, i, j = self.s, e.src.id, e.dst.id
        items = [EDGE_TITLE.fill(s, i=str(i), j=str(j), arrow_m=self.m(s.arrow), w_m=self.m(e.name)),
                 WEIGHT.fill(s, w=e.name, value=s.num(e.weight)),
                 FORWARD.fill(s),
                 CARRIES.fill(s, a_i=self.m(s.sub("a", i)), j=str(j), n=str(len(e.dst.inputs)),
                              z_j=self.m(f"{s.sub('z', j)} = {s.num(_v(e.dst.z))}")),
                 PRODUCT.fill(s, w=e.name, x_i=s.sub("a", i), w_value=s.fac(e.weight), x=s.fac(_v(e.src.a)),
                              value=s.num(e.weight * _v(e.src.a))),
                 BACKWARD.fill(s)]
        if not self.net.backward_ready:
            return items + [self.no_delta_yet(j)]
        code = {"edge_grad": s.code("edge.grad"), "zero_grad": s.code("zero_grad()")}
        step = f"{e.name} {s.larrow} {e.name}{s.minus}{s.eta}{s.dot}{s.partial(e.name)}"
        return items + [
            SENDS.fill(s, w_delta=self.m(self.f(TERM, x=e.name, y=s.sub(s.delta, j))), i=str(i),
                       sum=self.m(s.sum_k(self.f(TERM, x=s.sub("w", "k", i), y=s.sub(s.delta, "k"))))),
            PRODUCT.fill(s, w=e.name, x_i=s.sub(s.delta, j), w_value=s.fac(e.weight), x=s.fac(_v(e.dst.delta)),
                         value=s.num(e.weight * _v(e.dst.delta))),
            ITS_GRADIENT.fill(s, **code),
            self.edge_grad_eq(e)] + ([CLEARED.fill(s, a_delta=self.m(f"a{s.dot}{s.delta}"), **code)]
                                     if e.grad is None else []) + [
            DOWNHILL.fill(s, step=s.code("net.step(lr)"), rule=self.m(step))]

    # loss -----------------------------------------------------------------------
    def loss(self) -> list:
        self._need_t("explain(net, 'loss')")
        s, outs = self.s, self.outputs
        name = self.loss_fn.name
        form, form_values = LOSS_TERMS["squared" if name.endswith("squared") else name]
        symbols = [self.f(form, t_k=s.sub("t", "k"), a_k=s.sub("a", "k"), ln_a_k=s.ln(s.sub("a", "k")),
                          ln_1_minus_a_k=s.ln(f"1{s.minus}{s.sub('a', 'k')}"))]
        values = [self.f(form_values, t=s.fac(self.t_of(n)), a=s.fac(_v(n.a)), ln_a=s.ln(s.num(_v(n.a))),
                         ln_1_minus_a=s.ln(f"1{s.minus}{s.num(_v(n.a))}")) for n in outs]
        if name.endswith("cross_entropy"):                               # C = −Σ_k …
            total, total_values = "-" + s.sum_k(symbols[0]), f"-({self.terms(values)})"
        else:                                                            # C = (½·)Σ_k (a_k − t_k)²
            total, total_values = s.sum_k(s.sq(symbols[0])), self.terms([s.sq(v) for v in values])
            if name == "half_squared":
                total, total_values = s.half(total), s.half(f"({total_values})")
        items = [LOSS_TITLE.fill(s, name=s.code(name)),
                 LOSS.fill(s, sum=total, sum_values=total_values, value=s.num(self._loss_value())),
                 OUTPUT_DELTAS.fill(s)]
        for n in outs:
            items += self.output_delta(n)
        return items

    def _loss_value(self) -> float:
        """C summed over the output groups with the engine's own loss, from z (as ``backward`` computes it)."""
        total = 0.0
        for group in dict.fromkeys(tuple(self.groups(n)) for n in self.outputs):
            a = np.array([_v(n.a) for n in group])
            z = np.array([_v(n.z) for n in group])
            t = np.array([self.t_of(n) for n in group])
            total += float(self.loss_fn.value(a, t, z, group[0].activation_function))
        return total
