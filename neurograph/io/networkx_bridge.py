"""networkx in and out: plain data that any graph tool understands."""
from __future__ import annotations

import networkx as nx

from neurograph.engine.graph import Network
from neurograph.engine.losses import get_loss
from neurograph.io.json_file import add_stored_input


def to_networkx(net: Network) -> nx.DiGraph:
    """A DiGraph with node attributes id, kind, layer, activation, bias, z, a,
    delta, bias_grad and edge attributes weight, grad (None where not computed)."""
    g = nx.DiGraph(loss=net.loss)
    for n in net.nodes:
        g.add_node(n.id, id=n.id, kind="input" if n.is_input else "neuron", layer=n.layer,
                   activation=n.activation, bias=n.bias, z=n.z, a=n.a, delta=n.delta,
                   bias_grad=n.bias_grad)
    for e in net.edges:
        g.add_edge(e.src.id, e.dst.id, weight=e.weight, grad=e.grad, name=e.name)
    return g


def from_networkx(graph: nx.DiGraph) -> Network:
    """Build a Network from a DiGraph whose nodes are positive integer ids.

    Node attributes read: ``kind`` ("input"/"neuron"; default: input when the
    node has no incoming edge), ``activation`` (inputs: none; neurons:
    sigmoid), ``bias`` (None means no bias).  Edge attribute ``weight``
    (default 0).  ``graph.graph["loss"]`` picks the loss (default half_squared).
    """
    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise TypeError(f"from_networkx needs a networkx DiGraph, got {type(graph).__name__}")
    net = Network(loss=graph.graph.get("loss", "half_squared"))
    for nid in sorted(graph.nodes, key=lambda i: (not isinstance(i, int), i if isinstance(i, int) else 0)):
        attrs = graph.nodes[nid]
        kind = attrs.get("kind", "input" if graph.in_degree(nid) == 0 else "neuron")
        if kind == "input":
            add_stored_input(net, nid, attrs.get("activation"), attrs.get("bias"))
        elif kind == "neuron":
            net.add_neuron(nid, activation=attrs.get("activation", "sigmoid"), bias=attrs.get("bias", 0.0))
        else:
            raise ValueError(f"node {nid}: kind must be 'input' or 'neuron', got {kind!r}")
    net.connect_many((s, d, data.get("weight", 0.0)) for s, d, data in graph.edges(data=True))
    get_loss(net.loss).check_outputs(net.outputs)
    return net
