"""One layer of a ``MatrixNetwork`` as the matrices a textbook writes, labelled with node ids.

``explain_matrix(m, 1)`` for the 3-4-2 network in the column convention shows
W (4×3: rows are nodes 4–7, columns nodes 1–3), the column a of nodes 1–3, b,
z = W·a + b and a = f(z) for the first sample of the last forward pass, and
spells out the first row's product so the matrix entry W[4, 1] can be found on
the picture as the edge 1 → 4 (the seeds' w_{4,1}).  In the row convention W
is 3×4 (rows are the source nodes) and the same numbers read z = a·W + b.
After ``m.backward(T)`` it also shows the backward pass of that layer: δ of
the first sample, and ∂C/∂W (in W's own layout, same row and column ids) and
∂C/∂b as batch means, so hand-made matrices can be held against it entry by
entry.
"""
from __future__ import annotations

import numpy as np

from neurograph.engine.graph import Edge
from neurograph.explanations.notation import TextStyle, shorten, style, terms
from neurograph.matrix.network import MatrixNetwork
from neurograph.explanations.tables import format_table
from neurograph.engine.validation import whole_number


def _shown(n: int, limit: int) -> list[int | None]:
    """Indices to print: all of them, or the first limit−1, None (for "…") and the last."""
    return shorten(range(n), limit, lambda hidden: None)


def _source_a(m: MatrixNetwork, a: list[np.ndarray], node_id) -> float:
    """a of a source node in the first sample (``a`` = m.a); the constant bias input "1" is 1."""
    if node_id == "1":
        return 1.0
    layer, column = m.position(node_id)
    return a[layer][0, column]


def _matrix(values: np.ndarray, row_ids: list, col_ids: list, s: TextStyle, limit: int) -> str:
    """A labelled matrix: the ids on the left and on top, long sides cut with '…'."""
    rows, cols = _shown(len(row_ids), limit), _shown(len(col_ids), limit)
    head = [""] + ["…" if c is None else str(col_ids[c]) for c in cols]
    body = [["⋮" if r is None else str(row_ids[r])]
            + ["" if r is None else "…" if c is None else s.num(values[r, c]) for c in cols]
            for r in rows]
    return format_table(head, body)


def explain_matrix(m: MatrixNetwork, layer: int, *, digits: int = 4, max_terms: int = 8) -> str:
    """W, a, b, z and a = f(z) of one layer of ``m``, labelled with node ids.

    The numbers are those of the first sample of the last ``m.forward(X)``.
    W is shown in m's convention — column: W is n_out×n_in and z = W·a + b;
    row: W is n_in×n_out and z = a·W + b — with node ids on its rows and
    columns.  With ``bias_column`` the biases are W's extra column (row) that
    multiplies the constant input "1".  Matrices wider or taller than
    ``max_terms`` are cut to their first and last entries.
    """
    if not isinstance(m, MatrixNetwork):
        raise TypeError(f"explain_matrix needs a MatrixNetwork, got {type(m).__name__}")
    z_all, a_all = m.z, m.a
    if z_all is None or a_all is None:
        raise RuntimeError("nothing to explain yet: run m.forward(X) first")
    max_terms = whole_number(max_terms, "max_terms", 2)
    s = style("text", digits)
    W, in_ids, out_ids = m.layer_matrix(layer)     # validates the layer number
    a_in = np.array([_source_a(m, a_all, i) for i in in_ids])
    in_ids = ["+1" if i == "1" else i for i in in_ids]   # the constant bias input of seed 002
    z, a = z_all[layer][0], a_all[layer][0]
    b = None if m.bias_column else m.biases[layer]       # with bias_column, b is W's extra column (row)
    col = m.convention == "column"
    acts = ", ".join(m.activations(layer))                # as m.describe() names them
    product = "W·a" if col else "a·W"
    formula = f"z = {product}" + ("" if b is None else " + b")
    lines = [f"Layer {layer} (nodes {out_ids[0]}–{out_ids[-1]}), {m.convention} convention: {formula}, "
             f"a = f(z) with f = {acts}; first sample of the last forward pass", ""]
    rows, cols = (out_ids, in_ids) if col else (in_ids, out_ids)
    kind = ("rows = destination nodes, columns = source nodes" if col
            else "rows = source nodes, columns = destination nodes")
    lines += [f"W ({W.shape[0]}×{W.shape[1]}, {kind}; entry [{rows[0]}, {cols[0]}] is the edge "
              f"{in_ids[0]} → {out_ids[0]}, {Edge.name_of(in_ids[0], out_ids[0])}):",
              _matrix(W, rows, cols, s, max_terms), ""]
    vectors = [("a of the source nodes", "a", a_in, in_ids)] + \
        ([] if b is None else [("the biases", "b", b, out_ids)]) + \
        [(formula, "z", z, out_ids), ("a = f(z)", f"{acts}(z)", a, out_ids)]
    for name, symbol, vec, ids in vectors:
        table = (_matrix(vec[:, None], ids, [symbol], s, max_terms) if col
                 else _matrix(vec[None, :], [symbol], ids, s, max_terms))
        lines += [f"{name} as a {'column' if col else 'row'}:", table, ""]
    Wd = W if col else W.T                                     # rows = destination nodes
    j = out_ids[0]
    products = [f"{s.fac(Wd[0, k])}{s.dot}{s.fac(a_in[k])}" for k in range(len(in_ids))]
    tail = "" if b is None else f" + {s.fac(b[0])}"
    where = f"row {j} of W times a" if col else f"a times column {j} of W"
    lines.append(f"z_{j} = {where}{'' if b is None else f' + b_{j}'} = {terms(s, products, max_terms)}{tail} "
                 f"= {s.num(z[0])}  (node {j}'s z in the picture)")
    deltas = None if m.delta is None else m.delta[layer]
    if deltas is not None:                                     # after m.backward(T)
        lines += [""] + _backward(m, deltas, layer, [i for i in in_ids if i != "+1"], out_ids, s, max_terms)
    return "\n".join(lines)


def _backward(m: MatrixNetwork, deltas: np.ndarray, layer: int, in_ids: list, out_ids: list[int],
              s: TextStyle, limit: int) -> list[str]:
    """δ (first sample), ∂C/∂W and ∂C/∂b (batch means) of one layer, labelled like W."""
    col = m.convention == "column"
    delta, batch = deltas[0], len(deltas)
    a_all = m.a
    assert a_all is not None                     # a backward pass follows a forward pass
    grads, bias_grads = m.edge_grads(), m.bias_grads()
    G = np.array([[grads.get((i, j), 0.0) for i in in_ids] for j in out_ids])    # rows = destination nodes
    rows, cols = (out_ids, in_ids) if col else (in_ids, out_ids)
    shape = "δ·aᵀ" if col else "aᵀ·δ"
    mean = "" if batch == 1 else f", averaged over the batch of m = {batch}"
    lines = [f"Backward pass of layer {layer} (after m.backward(T)): δ = ∂C_x/∂z of the first sample, "
             f"∂C/∂W = {shape}{mean}", ""]
    vec = delta[:, None] if col else delta[None, :]
    lines += [f"δ as a {'column' if col else 'row'}:",
              _matrix(vec, out_ids if col else ["δ"], ["δ"] if col else out_ids, s, limit), ""]
    lines += [f"∂C/∂W ({len(rows)}×{len(cols)}, the layout of W; entry [{rows[0]}, {cols[0]}] is "
              f"∂C/∂{Edge.name_of(in_ids[0], out_ids[0])}):", _matrix(G if col else G.T, rows, cols, s, limit), ""]
    if bias_grads:
        db = np.array([bias_grads.get(j, 0.0) for j in out_ids])
        table = (_matrix(db[:, None], out_ids, ["∂C/∂b"], s, limit) if col
                 else _matrix(db[None, :], ["∂C/∂b"], out_ids, s, limit))
        lines += [f"∂C/∂b = Σ_rows δ{'' if batch == 1 else ' / m'} as a {'column' if col else 'row'}:", table, ""]
    i, j = in_ids[0], out_ids[0]
    per = f"δ_{j}·a_{i}" if batch == 1 else f"(1/m)·Σ_x δ_{j}·a_{i}"
    first = "" if batch > 1 else f" = {s.fac(delta[0])}{s.dot}{s.fac(_source_a(m, a_all, i))}"
    lines.append(f"∂C/∂{Edge.name_of(i, j)} = {per}{first} = {s.num(G[0, 0])}  (the edge {i} → {j} in the picture)")
    return lines
