"""explain_matrix's backward section: δ, ∂C/∂W and ∂C/∂b labelled with node ids, checked
against the graph engine (node by node) in both conventions."""
import re

import numpy as np
import pytest

import neurograph as ng
from neurograph.engine.builders import worked_example


def table(text, title):
    """The labelled table under a title line, as {(row id, column id): value}."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 1
    head = lines[start].split()
    out = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        cells = line.split()
        out.update({(cells[0], h): float(v) for h, v in zip(head, cells[1:], strict=True)})
    return out


@pytest.mark.parametrize("convention", ["column", "row"])
def test_backward_matrices_match_the_graph_engine(convention):
    net = worked_example()
    X = np.array([[0.05, 0.10, 0.20], [0.3, -0.2, 0.9], [1.0, 0.5, -0.4]])
    T = np.array([[0.01, 0.99], [0.5, 0.5], [1.0, 0.0]])
    m = ng.MatrixNetwork(net, convention=convention)
    m.forward(X)
    m.backward(T)
    text = ng.explain_matrix(m, 1, digits=6)
    g = net.copy()
    g.forward(X[0])
    g.backward(T[0])
    first = {n.id: n.delta for n in g.nodes}
    g.zero_grad()
    g.backward_batch(X, T)                                   # sums over the 3 samples
    col = convention == "column"
    delta = table(text, "δ as a")
    for j in (4, 5, 6, 7):
        key = (str(j), "δ") if col else ("δ", str(j))
        assert delta[key] == pytest.approx(first[j], abs=5e-7)
    grads = table(text, "∂C/∂W (")
    assert len(grads) == 12
    for e in g.edges:
        if e.dst.id in (4, 5, 6, 7):
            key = (str(e.dst.id), str(e.src.id)) if col else (str(e.src.id), str(e.dst.id))
            assert grads[key] == pytest.approx(e.grad / 3, abs=5e-7)
    bias = table(text, "∂C/∂b")
    for j in (4, 5, 6, 7):
        key = (str(j), "∂C/∂b") if col else ("∂C/∂b", str(j))
        assert bias[key] == pytest.approx(g.node(j).bias_grad / 3, abs=5e-7)
    assert "averaged over the batch of m = 3" in text
    line = next(x for x in text.split("\n") if x.startswith("∂C/∂w_{4,1}"))
    assert float(re.search(r"= (\S+)  \(the edge 1 → 4", line).group(1)) == pytest.approx(
        g.edge(1, 4).grad / 3, abs=5e-7)


def test_no_backward_section_before_backward():
    m = ng.MatrixNetwork(worked_example())
    m.forward([[0.05, 0.10, 0.20]])
    assert "Backward pass" not in ng.explain_matrix(m, 1)
