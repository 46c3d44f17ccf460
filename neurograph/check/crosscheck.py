"""Three independent computations of the same numbers, compared.

``crosscheck(net, X, T)`` runs a batch through

1. the graph engine, sample by sample, along the edges (``Network``);
2. the matrix backend, the whole batch at once (``MatrixNetwork``);
3. central finite differences of the mean loss, on a random sample of
   parameters:  ∂C/∂p ≈ (C(p + h) − C(p − h)) / 2h  (evaluated by the graph);
4. optionally PyTorch autograd (when torch is importable), built straight from
   the edges — a third opinion that shares no code with the other two.

Like is compared with like: the graph engine sums gradients over the samples
since ``zero_grad()``, the matrix backend returns batch means, so the graph's
sums are divided by the batch size.  Tolerances (stated in the report):

- engines agree when |graph − other| ≤ tol·(1 + |graph|);
- a gradient passes finite differences when
  |analytic − fd| ≤ fd_tol·(|fd| + max(1, |C|))   (the difference quotient
  loses about ε·|C|/h to rounding, hence the |C| term).

The user's network is never modified: everything runs on a copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import cast

import numpy as np

from neurograph.engine.graph import Edge, Network
from neurograph.matrix.network import MatrixNetwork
from neurograph.explanations.html import html_table
from neurograph.explanations.tables import format_table
from neurograph.engine.validation import positive, sample_batches, seed as seed_value, whole_number

#: how many rows each table of the report shows
SHOW = 10


@dataclass
class Entry:
    """One number computed twice: its name, both values and whether they agree."""

    name: str
    graph: float
    other: float
    limit: float                  # the largest |graph − other| allowed

    @property
    def diff(self) -> float:
        return abs(self.graph - self.other)

    @property
    def ok(self) -> bool:
        return self.diff <= self.limit

    @property
    def excess(self) -> float:
        """|Δ| in units of its tolerance (> 1 fails)."""
        return self.diff / self.limit


@dataclass
class FDEntry:
    """One parameter checked by central finite differences."""

    name: str
    fd: float
    graph: float
    matrix: float
    limit: float

    @property
    def error(self) -> float:
        return max(abs(self.graph - self.fd), abs(self.matrix - self.fd))

    @property
    def ok(self) -> bool:
        return self.error <= self.limit


@dataclass
class CrosscheckReport:
    """What ``crosscheck`` found; ``str(report)`` prints it as tables."""

    rows: int
    convention: str
    tol: float
    fd_tol: float
    h: float
    entries: list[Entry]
    parameters: list[Entry]
    fd: list[FDEntry]
    torch: list[Entry] | None = None
    torch_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def max_abs_diff(self) -> float:
        """Largest |graph − matrix| over outputs, δ, ∂C/∂w, ∂C/∂b, loss and parameters."""
        return max((e.diff for e in self.entries + self.parameters), default=0.0)

    @property
    def max_fd_error(self) -> float:
        """Largest |analytic − finite difference| of either engine."""
        return max((e.error for e in self.fd), default=0.0)

    @property
    def torch_max_diff(self) -> float | None:
        """Largest |graph − torch| over the compared numbers (None when torch did not run)."""
        return None if self.torch is None else max((e.diff for e in self.torch), default=0.0)

    @property
    def culprits(self) -> list[str]:
        """Names of everything that failed: differing parameters first, then the worst others."""
        failed = sorted((e for e in self.entries + (self.torch or []) if not e.ok),
                        key=lambda e: -e.excess)
        names = [e.name for e in self.parameters if not e.ok] + [e.name for e in failed]
        names += [f"∂C/∂{e.name} (finite differences)" for e in self.fd if not e.ok]
        return list(dict.fromkeys(names))

    @property
    def ok(self) -> bool:
        """True when the engines agree within tol and the gradients match finite differences within fd_tol."""
        return not self.culprits

    def __repr__(self) -> str:
        """One bounded line (``str(report)`` has the tables)."""
        verdict = "OK" if self.ok else f"NOT OK, {len(self.culprits)} failed"
        torch = "" if self.torch is None else f", torch max |Δ| {self.torch_max_diff:.3g}"
        return (f"<CrosscheckReport {verdict}: {self.rows} samples, graph vs matrix max |Δ| {self.max_abs_diff:.3g}, "
                f"finite differences max |err| {self.max_fd_error:.3g}{torch}>")

    def _repr_html_(self) -> str:
        """The verdict and one row per comparison; the failures (at most SHOW) named."""
        n_par = len(self.parameters)
        rows: list[tuple[str, int, float | None, str]] = [
            ("graph vs matrix", len(self.entries) + n_par, self.max_abs_diff, f"{self.tol:g}·(1 + |graph|)"),
                ("finite differences", len(self.fd), self.max_fd_error, f"{self.fd_tol:g}·(|fd| + max(1, |C|))")]
        if self.torch is not None:
            rows.append(("graph vs torch", len(self.torch), self.torch_max_diff, f"{self.tol:g}·(1 + |graph|)"))
        culprits = self.culprits
        verdict = "OK" if not culprits else "NOT OK — failed: " + ", ".join(culprits[:SHOW]) + (
            f" … and {len(culprits) - SHOW} more" if len(culprits) > SHOW else "")
        return html_table(["comparison", "numbers", "max |Δ|", "tolerance"], rows, floatfmt=".3g",
                          caption=f"crosscheck {verdict} ({self.rows} samples, {self.convention} convention)")

    def __str__(self) -> str:
        culprits = self.culprits
        verdict = "NOT OK" if culprits else "OK"
        n_par = len(self.parameters)
        lines = [
            f"crosscheck {verdict}: graph engine vs MatrixNetwork ({self.convention}) vs finite "
            f"differences, {self.rows} samples, {n_par} weights and biases",
            f"  graph vs matrix:     max |Δ| = {self.max_abs_diff:.3g} over "
            f"{len(self.entries) + n_par} numbers (outputs, δ, ∂C/∂w, ∂C/∂b, C, w, b); "
            f"tolerance |Δ| ≤ {self.tol:g}·(1 + |graph|)",
            f"  finite differences:  max |err| = {self.max_fd_error:.3g} on {len(self.fd)} "
            f"parameters (central, h = {self.h:g}); tolerance |err| ≤ {self.fd_tol:g}·(|fd| + max(1, |C|))",
            "  torch autograd:      " + (self.torch_note if self.torch is None else
                                         f"max |Δ| = {self.torch_max_diff:.3g} over {len(self.torch)} "
                                         f"numbers (C, ∂C/∂w, ∂C/∂b); same tolerance as the matrix"),
        ]
        lines += [f"  note: {n}" for n in self.notes]
        wrong = [e for e in self.parameters if not e.ok]
        if wrong:
            lines += ["", "PARAMETERS THAT DIFFER between the graph and the matrix:",
                      _entry_table(wrong[:SHOW], "matrix")]
        if culprits:
            lines += ["", "failed: " + ", ".join(culprits[:SHOW])
                      + (f" … and {len(culprits) - SHOW} more" if len(culprits) > SHOW else "")]
        worst = sorted(self.entries, key=lambda e: -e.excess)[:SHOW]
        lines += ["", f"graph vs matrix, worst {len(worst)}:", _entry_table(worst, "matrix")]
        if self.torch:
            worst = sorted(self.torch, key=lambda e: -e.excess)[:SHOW]
            lines += ["", f"graph vs torch, worst {len(worst)}:", _entry_table(worst, "torch")]
        fd = sorted(self.fd, key=lambda e: -e.error / e.limit)[:SHOW]
        rows = [(f"∂C/∂{e.name}", e.fd, e.graph, e.matrix, f"{e.error:.2e}", "yes" if e.ok else "NO")
                for e in fd]
        lines += ["", f"finite differences, worst {len(fd)}:",
                  format_table(["gradient", "finite diff", "graph", "matrix", "|err|", "ok"], rows,
                               floatfmt="+.8g")]
        return "\n".join(lines)


def _entry_table(entries: list[Entry], other: str) -> str:
    rows = [(e.name, e.graph, e.other, f"{e.diff:.2e}", "yes" if e.ok else "NO") for e in entries]
    return format_table(["what", "graph", other, "|Δ|", "ok"], rows, floatfmt="+.10g")


def _agree(name: str, graph: float, other: float, tol: float) -> Entry:
    return Entry(name, float(graph), float(other), tol * (1.0 + abs(graph)))


def crosscheck(net: Network, X, T, samples: int = 20, tol: float = 1e-7, fd_tol: float = 1e-5,
               h: float = 1e-5, seed: int | None = 0, convention: str = "column",
               matrix: MatrixNetwork | None = None, torch: bool | None = None) -> CrosscheckReport:
    """Compare graph engine, matrix backend and finite differences on the batch X, T.

    ``samples`` parameters (weights and biases, drawn with ``seed``) are checked
    by finite differences; ``matrix`` checks a given MatrixNetwork instead of a
    fresh one (its weights are compared with the graph's too); ``torch``:
    None = use PyTorch autograd when importable, False = don't, True = require it.
    """
    if not isinstance(net, Network):
        raise TypeError(f"crosscheck needs a neurograph Network, got {type(net).__name__}")
    work = net.copy()                                       # the user's network stays untouched
    X, T = sample_batches(X, T, work.n_inputs, work.n_outputs)
    whole_number(samples, "samples (parameters checked by finite differences)", 0)
    h = positive(h, "h (the finite-difference step)")
    tol = positive(tol, "tol (the graph vs matrix tolerance)")
    fd_tol = positive(fd_tol, "fd_tol (the finite-difference tolerance)")
    seed_value(seed)
    edges = work.edges
    if matrix is None:
        m = MatrixNetwork.from_graph(work, convention)
        weights = m.edge_weights()
    else:
        m, weights = matrix, _same_structure(work, edges, matrix)
    n = len(X)

    graph = _graph_numbers(work, edges, X, T)
    mat = _matrix_numbers(m, X, T)
    entries = [_agree(name, g, mat[name], tol) for name, g in graph.items()]
    parameters = _parameter_entries(work, edges, m, weights, tol)

    rng = np.random.default_rng(seed)
    params = _parameters(work, edges)
    chosen = sorted(rng.choice(len(params), size=min(samples, len(params)), replace=False))
    scale = max(1.0, abs(graph["C"]))
    fd = []
    for i in chosen:
        name, get, put = params[i]
        f = _finite_difference(work, get, put, X, T, h)
        fd.append(FDEntry(name, f, graph[f"∂C/∂{name}"], mat[f"∂C/∂{name}"], fd_tol * (abs(f) + scale)))

    report = CrosscheckReport(n, m.convention, tol, fd_tol, h, entries, parameters, fd)
    _torch_opinion(report, work, edges, X, T, graph, tol, torch)
    return report


def _same_structure(net: Network, edges, m: MatrixNetwork) -> dict[tuple[int, int], float]:
    """The given matrix's edge weights, once it is known to hold this network's nodes and edges."""
    if not isinstance(m, MatrixNetwork):
        raise TypeError(f"matrix must be a MatrixNetwork, got {type(m).__name__}")
    if m.dtype != np.float64:
        raise ValueError(f"crosscheck compares in float64; this MatrixNetwork computes in {m.dtype}")
    ids = sorted(i for layer in m.ids for i in layer)
    weights = m.edge_weights()
    if ids != [nd.id for nd in net.nodes] or set(weights) != {(e.src.id, e.dst.id) for e in edges}:
        raise ValueError("the MatrixNetwork was not built from this network: node ids or edges differ")
    return weights


def _graph_numbers(net: Network, edges, X: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """Outputs and δ per sample, mean ∂C/∂w, ∂C/∂b and C, from the graph engine."""
    out: dict[str, float] = {}
    net.zero_grad()
    total = 0.0
    for r, (x, t) in enumerate(zip(X, T, strict=True)):
        y = net.forward(x)
        total += net.backward(t)
        for node, value in zip(net.outputs, y, strict=True):
            out[f"a_{{{node.id}}} (sample {r})"] = value
        for node in net.nodes:
            out[f"δ_{{{node.id}}} (sample {r})"] = _known(node.delta)
    n = len(X)
    out["C"] = total / n
    for e in edges:
        out[f"∂C/∂{e.name}"] = _known(e.grad) / n          # graph sums, matrix means
    for node in net.nodes:
        if node.has_bias:
            out[f"∂C/∂b_{{{node.id}}}"] = _known(node.bias_grad) / n
    return out


def _matrix_numbers(m: MatrixNetwork, X: np.ndarray, T: np.ndarray) -> dict[str, float]:
    """The same names, computed by the matrix backend in one batch."""
    Y = m.forward(X)
    out: dict[str, float] = {"C": m.backward(T, input_deltas=True)}
    for p, nid in enumerate(m.ids[-1]):
        out.update((f"a_{{{nid}}} (sample {r})", float(v)) for r, v in enumerate(Y[:, p]))
    deltas = m.delta
    assert deltas is not None                           # m.backward just filled them
    for layer, ids in enumerate(m.ids):
        delta = deltas[layer]
        assert delta is not None
        for p, nid in enumerate(ids):
            out.update((f"δ_{{{nid}}} (sample {r})", float(v)) for r, v in enumerate(delta[:, p]))
    out.update((f"∂C/∂{Edge.name_of(s, d)}", g) for (s, d), g in m.edge_grads().items())
    out.update((f"∂C/∂b_{{{nid}}}", g) for nid, g in m.bias_grads().items())
    return out


def _parameter_entries(net: Network, edges, m: MatrixNetwork, weights: dict[tuple[int, int], float],
                       tol: float) -> list[Entry]:
    """Every weight and bias as the graph holds it vs as the matrix holds it (nodes without a bias
    have no parameter to compare: plain inputs, ``bias=None``)."""
    entries = [_agree(e.name, e.weight, weights[(e.src.id, e.dst.id)], tol) for e in edges]
    for node in (n for n in net.nodes if n.has_bias):
        layer, p = m.position(node.id)
        entries.append(_agree(f"b_{{{node.id}}}", _known(node.bias), m.biases[layer][p], tol))
    return entries


Parameter = tuple[str, Callable[[], float], Callable[[float], None]]


def _known(value: float | None) -> float:
    """A value the last forward/backward pass computed (never None here)."""
    assert value is not None
    return value


def _parameters(net: Network, edges) -> list[Parameter]:
    """(name, getter, setter) of every weight 'w_{d,s}', then every bias 'b_{j}'."""
    weights = [(e.name, lambda e=e: e.weight, lambda v, e=e: setattr(e, "weight", v)) for e in edges]
    biases = [(f"b_{{{nd.id}}}", lambda nd=nd: nd.bias, lambda v, nd=nd: setattr(nd, "bias", v))
              for nd in net.nodes if nd.has_bias]
    return cast(list[Parameter], weights + biases)


def _finite_difference(net: Network, get: Callable[[], float], put: Callable[[float], None],
                       X: np.ndarray, T: np.ndarray, h: float) -> float:
    """(C(p + h) − C(p − h)) / 2h of the graph's mean loss; p is restored exactly."""
    p = get()
    try:
        put(p + h)
        up = net.backward_batch(X, T)
        put(p - h)
        down = net.backward_batch(X, T)
    finally:
        put(p)
    return (up - down) / (2 * h)


def _torch_opinion(report: CrosscheckReport, net: Network, edges, X, T, graph: dict[str, float],
                   tol: float, use: bool | None) -> None:
    """Fill report.torch with the graph vs torch autograd comparison, or say why not."""
    if use is False:
        report.torch_note = "skipped (torch=False)"
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        if use:
            raise ImportError("crosscheck(torch=True) needs PyTorch: pip install '.[bench]'") from None
        report.torch_note = "skipped (torch not importable; pip install '.[bench]')"
        return
    from neurograph.check.torch_reference import torch_gradients
    numbers = torch_gradients(net, X, T, edges)
    report.torch = [_agree(name, graph[name], value, tol) for name, value in numbers.items()]
