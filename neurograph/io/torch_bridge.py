"""Leaving for PyTorch: the same network as a ``torch.nn.Module``, and back.

neurograph is for seeing and checking every number of a network that fits
on one machine.  When a model outgrows that (GPUs, distributed training,
convolutions), ``to_torch`` hands it to PyTorch with the very same weights:

- a layered network (every neuron fed by the whole previous layer, one
  activation per layer, plain inputs) becomes ``nn.Sequential`` of
  ``nn.Linear`` + activation modules, with ``Linear.weight[j, i]`` = the
  weight of the edge from the i-th node of one layer to the j-th of the next
  (the column convention z = W·x + b, ids in increasing order);
- any other DAG (skip connections, mixed activations, input activations)
  becomes a ``GraphModule`` that follows the graph node by node, exactly
  like the object engine: z_j = Σ_i w_ji·a_i + b_j, a_j = f(z_j).

``from_torch`` turns a plain MLP (``nn.Sequential`` of ``nn.Linear`` and
supported activations) back into a ``Network``.  torch is imported lazily;
without it a clear ImportError says how to install it.
"""
from __future__ import annotations

from itertools import pairwise
from typing import Any

from neurograph.engine.graph import Network, Node
from neurograph.engine.losses import get_loss

TORCH_HINT = "PyTorch is needed for this: pip install 'neurograph[bench]' (or pip install torch==2.13.0)"


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"{TORCH_HINT} ({exc})") from None
    return torch


def activation_module(name: str):
    """The torch module computing one neurograph activation (softmax over the last axis)."""
    nn = _torch().nn
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "identity": nn.Identity, "softmax": lambda: nn.Softmax(dim=-1)}[name]()


def _incoming(node: Node) -> tuple[list[int], list[float]]:
    """Source ids and weights of a node's incoming edges, by source id."""
    edges = node.inputs
    return [e.src.id for e in edges], [e.weight for e in edges]


def _is_layered(layers: list[list[Node]]) -> bool:
    """True when the net is a plain MLP: plain inputs, full layers, one activation
    and one bias habit per layer."""
    if any(n.has_bias or n.activation != "identity" for n in layers[0]):
        return False
    for prev, layer in pairwise(layers):
        prev_ids = [n.id for n in prev]
        if len({n.activation for n in layer}) != 1 or len({n.has_bias for n in layer}) != 1:
            return False
        if any(_incoming(n)[0] != prev_ids for n in layer):
            return False
    return True


def to_torch(net: Network, dtype: Any = None):
    """``net`` as a torch module with the same weights (float64 unless ``dtype`` says otherwise).

    Layered networks give ``nn.Sequential(Linear, act, Linear, act, …)``;
    other DAGs a ``GraphModule``.  The module maps a (batch, n_inputs) tensor
    to (batch, n_outputs), inputs and outputs in id order as in ``net.forward``.
    """
    torch = _torch()
    dtype = dtype or torch.float64
    layers = net.layers
    if not _is_layered(layers):
        return _graph_module_class()(net, dtype)
    modules = []
    for prev, layer in pairwise(layers):
        has_bias = layer[0].has_bias
        lin = torch.nn.Linear(len(prev), len(layer), bias=has_bias, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([_incoming(n)[1] for n in layer], dtype=dtype))
            if has_bias:
                lin.bias.copy_(torch.tensor([n.bias for n in layer], dtype=dtype))
        modules.append(lin)
        if layer[0].activation != "identity":
            modules.append(activation_module(layer[0].activation))
    return torch.nn.Sequential(*modules)


_GRAPH_MODULE = None


def _graph_module_class():
    """Define GraphModule on first use, so that importing neurograph never imports torch."""
    global _GRAPH_MODULE
    if _GRAPH_MODULE is not None:
        return _GRAPH_MODULE
    torch = _torch()

    class GraphModule(torch.nn.Module):
        """A neurograph DAG in torch, computed node by node along the edges.

        Parameters are named ``w{id}`` (incoming weights of node id, by source
        id) and ``b{id}`` (its bias), so ``module.w4[0]`` is w_{4,1}.
        """

        def __init__(self, net: Network, dtype):
            super().__init__()
            layers = net.layers
            self.input_ids = [n.id for n in layers[0]]
            self.output_ids = [n.id for n in layers[-1]]
            self.plan = []                      # per layer: [(activation, [(id, src ids)])]
            for layer in layers:
                groups: dict[str, list] = {}
                for n in layer:
                    srcs, weights = _incoming(n)
                    if not n.is_input:
                        self.register_parameter(f"w{n.id}", torch.nn.Parameter(torch.tensor(weights, dtype=dtype)))
                    if n.has_bias:
                        self.register_parameter(f"b{n.id}", torch.nn.Parameter(torch.tensor(n.bias, dtype=dtype)))
                    groups.setdefault(n.activation, []).append((n.id, srcs))
                self.plan.append([(activation_module(act), members) for act, members in groups.items()])

        def _z(self, nid: int, srcs: list[int], a: dict, x_of: dict):
            z = x_of[nid] if nid in x_of else torch.stack([a[s] for s in srcs], -1) @ getattr(self, f"w{nid}")
            bias = getattr(self, f"b{nid}", None)
            return z if bias is None else z + bias                  # z_j = Σ_i w_ji·a_i + b_j

        def forward(self, x):
            x_of = {nid: x[..., k] for k, nid in enumerate(self.input_ids)}
            a: dict[int, Any] = {}
            for groups in self.plan:
                for act, members in groups:
                    z = torch.stack([self._z(nid, srcs, a, x_of) for nid, srcs in members], -1)
                    out = act(z)                                    # a_j = f(z_j), softmax over the group
                    a.update({nid: out[..., k] for k, (nid, _) in enumerate(members)})
            return torch.stack([a[nid] for nid in self.output_ids], -1)

    _GRAPH_MODULE = GraphModule
    return GraphModule


def sample_losses(name: str, a, t, z=None, activation: str | None = None):
    """C of every sample (summed over the last axis) for a neurograph loss, in torch.

    half_squared ½Σ(a − t)², squared Σ(a − t)², cross_entropy −Σ t·ln a (ln a as
    log_softmax(z) when z of a softmax group is given, else ln of a floored at 1e-300),
    binary_cross_entropy −Σ[t ln a + (1 − t) ln(1 − a)] (torch's logits form
    ``binary_cross_entropy_with_logits(z, t)`` when z of sigmoid outputs is given, else BCELoss's
    ``binary_cross_entropy(a, t)``, which clamps ln at −100).
    """
    torch = _torch()
    if name == "half_squared":
        return 0.5 * ((a - t) ** 2).sum(dim=-1)
    if name == "squared":
        return ((a - t) ** 2).sum(dim=-1)
    if name == "cross_entropy":
        log_a = torch.log_softmax(z, dim=-1) if activation == "softmax" and z is not None \
            else torch.log(a.clamp_min(1e-300))
        return -(t * log_a).sum(dim=-1)
    if name == "binary_cross_entropy":
        functional = torch.nn.functional
        per_output = (functional.binary_cross_entropy_with_logits(z, t, reduction="none")
                      if activation == "sigmoid" and z is not None
                      else functional.binary_cross_entropy(a, t, reduction="none"))
        return per_output.sum(dim=-1)
    get_loss(name)                                   # an unknown name fails here, listing the valid ones
    raise NotImplementedError(f"loss {name!r} has no torch form yet")


def loss_fn(name: str):
    """The torch form of a neurograph loss, summed over outputs and samples."""
    get_loss(name)                                   # an unknown name fails here, listing the valid ones
    return lambda a, t: sample_losses(name, a, t).sum()


def from_torch(module, loss: str = "half_squared") -> Network:
    """A ``Network`` from a plain MLP: ``nn.Sequential`` of ``nn.Linear`` and
    ``nn.Sigmoid`` / ``nn.Tanh`` / ``nn.ReLU`` / ``nn.Identity`` / ``nn.Softmax(dim=-1)``.

    Ids are numbered layer by layer from 1 as in ``Network.layered``; a Linear
    without a following activation gets the identity.  Anything else raises a
    ValueError naming the offending module.
    """
    torch = _torch()
    nn = torch.nn
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"from_torch needs an nn.Sequential of Linear and activations, got {type(module).__name__}")
    names = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Identity: "identity", nn.Softmax: "softmax"}
    specs: list[list] = []                      # [Linear, activation name]
    for i, m in enumerate(module):
        if isinstance(m, nn.Linear):
            specs.append([m, "identity"])
        elif type(m) in names and specs and specs[-1][1] == "identity":
            if isinstance(m, nn.Softmax) and m.dim not in (-1, 1):
                raise ValueError(f"module [{i}]: only Softmax over the features (dim=-1) is supported, got dim={m.dim}")
            specs[-1][1] = names[type(m)]
        else:
            raise ValueError(f"module [{i}] ({m.__class__.__name__}) is not supported here: expected Linear, "
                             f"then at most one of {', '.join(sorted(set(names.values())))} after each Linear")
    if not specs:
        raise ValueError("from_torch needs at least one nn.Linear")
    net = Network(loss=loss)
    prev = [net.add_input(i + 1).id for i in range(specs[0][0].in_features)]
    edges = []
    for k, (lin, act) in enumerate(specs):
        if lin.in_features != len(prev):
            raise ValueError(f"Linear #{k} takes {lin.in_features} inputs but the layer before has {len(prev)}")
        W = lin.weight.detach().cpu().double().numpy()
        b = lin.bias.detach().cpu().double().numpy() if lin.bias is not None else None
        start = prev[-1] + 1
        layer = [net.add_neuron(start + j, activation=act, bias=None if b is None else float(b[j])).id
                 for j in range(lin.out_features)]
        edges.extend((s, d, float(W[j, i])) for j, d in enumerate(layer) for i, s in enumerate(prev))
        prev = layer
    net.connect_many(edges)
    get_loss(loss).check_outputs(net.outputs)
    return net

