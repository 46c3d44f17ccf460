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
supported activations; ``Dropout`` in eval mode, ``Flatten`` and ``Identity``
are no-ops, ``LeakyReLU(0)`` is a ReLU) or a ``GraphModule`` back into a
``Network``.  ``copy_to_network`` writes a module's (trained) parameters back
onto the edges of the network it came from.  torch is imported lazily;
without it a clear ImportError says how to install it.
"""
from __future__ import annotations

from itertools import pairwise
from typing import Any

from neurograph.engine.graph import Network
from neurograph.engine.losses import get_loss
from neurograph.io.dense import DenseLayer, dense_network, incoming, layered_reason

TORCH_HINT = "PyTorch is needed for this: pip install 'neurograph[torch]' (or pip install torch==2.13.0)"


def torch_module():
    """The torch package, or an ImportError with the install hint."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"{TORCH_HINT} ({exc})") from None
    return torch


def activation_module(name: str):
    """The torch module computing one neurograph activation (softmax over the last axis)."""
    nn = torch_module().nn
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "identity": nn.Identity, "softmax": lambda: nn.Softmax(dim=-1)}[name]()


def to_torch(net: Network, dtype: Any = None):
    """``net`` as a torch module with the same weights (float64 unless ``dtype`` says otherwise).

    Layered networks give ``nn.Sequential(Linear, act, Linear, act, …)``;
    other DAGs a ``GraphModule``.  The module maps a (batch, n_inputs) tensor
    to (batch, n_outputs), inputs and outputs in id order as in ``net.forward``.
    """
    torch = torch_module()
    dtype = dtype or torch.float64
    layers = net.layers
    if layered_reason(net) is not None:
        return _graph_module_class()(net, dtype)
    modules = []
    for prev, layer in pairwise(layers):
        has_bias = layer[0].has_bias
        lin = torch.nn.Linear(len(prev), len(layer), bias=has_bias, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([incoming(n)[1] for n in layer], dtype=dtype))
            if has_bias:
                lin.bias.copy_(torch.tensor([n.bias for n in layer], dtype=dtype))
        modules.append(lin)
        if layer[0].activation != "identity":
            modules.append(activation_module(layer[0].activation))
    return torch.nn.Sequential(*modules)


_GRAPH_MODULE = None


def structure_text(loss: str, input_ids: list[int], output_ids: list[int], nodes: list[list[tuple]]) -> str:
    """A GraphModule's repr body: one line per layer, ``id activation ← source ids`` per node (``+b``: a bias)."""
    lines = [f"loss={loss}, inputs={input_ids}, outputs={output_ids}"]
    for depth, layer in enumerate(nodes):
        cells = [f"{nid} {act}{' +b' if bias else ''}" + (f" ← {', '.join(map(str, srcs))}" if srcs else "")
                 for nid, act, _, bias, srcs in layer]
        lines.append(f"layer {depth}: " + "; ".join(cells))
    return "\n".join(lines)


def _graph_module_class():
    """Define GraphModule on first use, so that importing neurograph never imports torch."""
    global _GRAPH_MODULE
    if _GRAPH_MODULE is not None:
        return _GRAPH_MODULE
    torch = torch_module()

    class GraphModule(torch.nn.Module):
        """A neurograph DAG in torch, computed node by node along the edges.

        Parameters are named ``w{id}`` (incoming weights of node id, by source
        id) and ``b{id}`` (its bias), so ``module.w4[0]`` is w_{4,1}.  ``nodes``
        keeps the structure — (id, activation, is input, has bias, source ids)
        per node, layer by layer — so that ``from_torch`` can rebuild the network.
        """

        def __init__(self, net: Network, dtype):
            super().__init__()
            layers = net.layers
            self.loss = net.loss
            self.input_ids = [n.id for n in layers[0]]
            self.output_ids = [n.id for n in layers[-1]]
            self.nodes = [[(n.id, n.activation, n.is_input, n.has_bias, incoming(n)[0]) for n in layer]
                          for layer in layers]
            self.plan = []                      # per layer: [(activation, [(id, src ids)])]
            for layer in layers:
                groups: dict[str, list] = {}
                for n in layer:
                    srcs, weights = incoming(n)
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

        def extra_repr(self) -> str:
            return structure_text(self.loss, self.input_ids, self.output_ids, self.nodes)

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
    torch = torch_module()
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


#: the output activation each loss expects after a model that ends in logits
_LOGIT_HINTS = {"cross_entropy": ("softmax", "nn.Softmax(dim=-1)", "nn.CrossEntropyLoss"),
                "binary_cross_entropy": ("sigmoid", "nn.Sigmoid()", "nn.BCEWithLogitsLoss")}


def _activation_of(m, i: int, nn) -> str | None:
    """The neurograph activation of module [i], None for a no-op; ValueError for anything else."""
    names = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Softmax: "softmax"}
    where = f"module [{i}] ({type(m).__name__})"
    if isinstance(m, nn.Identity):
        return None
    if isinstance(m, nn.Flatten):
        if (m.start_dim, m.end_dim) != (1, -1):
            raise ValueError(f"{where}: only Flatten(start_dim=1, end_dim=-1) is a no-op for an MLP, "
                             f"got start_dim={m.start_dim}, end_dim={m.end_dim}")
        return None
    if isinstance(m, nn.Dropout):
        if m.training and m.p > 0:
            raise ValueError(f"{where} is in training mode: call module.eval() first (in eval mode it passes "
                             "its input through)")
        return None
    if isinstance(m, nn.LeakyReLU):
        if m.negative_slope != 0:
            raise ValueError(f"{where}: only LeakyReLU(negative_slope=0), which is a ReLU, is supported; "
                             f"got negative_slope={m.negative_slope}")
        return "relu"
    if type(m) in names:
        if isinstance(m, nn.Softmax) and m.dim not in (-1, 1):
            raise ValueError(f"{where}: only Softmax over the features (dim=-1) is supported, got dim={m.dim}")
        return names[type(m)]
    raise ValueError(f"{where} is not supported here: expected Linear, then at most one of sigmoid, softmax, "
                     "tanh, relu (ReLU or LeakyReLU(0)) after each Linear; Identity, Flatten and Dropout "
                     "(eval mode) are skipped")


def _sequential_layers(module, nn) -> list[DenseLayer]:
    """The dense layers of an nn.Sequential MLP (W in the row layout: Linear.weight transposed)."""
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"from_torch needs an nn.Sequential of Linear and activations (or a module made by "
                        f"to_torch), got {type(module).__name__}")
    layers: list[DenseLayer] = []
    is_open = False                             # the last Linear has no activation yet
    for i, m in enumerate(module):
        if isinstance(m, nn.Linear):
            if layers and m.in_features != layers[-1].W.shape[1]:
                raise ValueError(f"Linear #{len(layers)} takes {m.in_features} inputs but the layer before has "
                                 f"{layers[-1].W.shape[1]}")
            W = m.weight.detach().cpu().double().numpy().T
            b = m.bias.detach().cpu().double().numpy() if m.bias is not None else None
            layers.append(DenseLayer(W, b, "identity"))
            is_open = True
            continue
        act = _activation_of(m, i, nn)
        if act is None:
            continue
        if not is_open:
            raise ValueError(f"module [{i}] ({type(m).__name__}) does not follow a Linear: expected at most "
                             "one activation after each Linear")
        layers[-1].activation, is_open = act, False
    if not layers:
        raise ValueError("from_torch needs at least one nn.Linear")
    return layers


def _from_graph_module(module, loss: str | None) -> Network:
    """Rebuild the network of a ``GraphModule`` with its current parameter values."""
    from neurograph.io.json_file import add_stored_input

    net = Network(loss=loss or module.loss)
    edges: list[tuple[int, int, float]] = []
    for layer in module.nodes:
        for nid, act, is_input, has_bias, srcs in layer:
            bias = float(getattr(module, f"b{nid}").detach()) if has_bias else None
            if is_input:
                add_stored_input(net, nid, act, bias)
                continue
            net.add_neuron(nid, activation=act, bias=bias)
            weights = getattr(module, f"w{nid}").detach().cpu().double().tolist()
            edges.extend((s, nid, w) for s, w in zip(srcs, weights, strict=True))
    net.connect_many(edges)
    return net


def from_torch(module, loss: str | None = None, output_activation: str | None = None) -> Network:
    """A ``Network`` from a plain MLP — ``nn.Sequential`` of ``nn.Linear`` and
    ``nn.Sigmoid`` / ``nn.Tanh`` / ``nn.ReLU`` (or ``LeakyReLU(0)``) / ``nn.Softmax(dim=-1)``,
    with ``Identity``, ``Flatten`` and ``Dropout`` in eval mode skipped — or from a
    ``GraphModule`` made by ``to_torch`` (same ids, activations and loss).

    Ids are numbered layer by layer from 1 as in ``Network.layered``; a Linear
    without a following activation gets the identity, or ``output_activation``
    for the last one (a model that ends in logits).  ``loss`` defaults to
    half_squared (a GraphModule's own loss).  Anything else raises a ValueError
    naming the offending module.
    """
    nn = torch_module().nn
    if isinstance(module, _graph_module_class()):
        if output_activation is not None:
            raise ValueError("output_activation is for an nn.Sequential that ends in logits; "
                             "a GraphModule keeps its own activations")
        net = _from_graph_module(module, loss)
    else:
        layers = _sequential_layers(module, nn)
        loss = loss or "half_squared"
        last = layers[-1]
        if output_activation is not None:
            if last.activation != "identity":
                raise ValueError(f"output_activation={output_activation!r}, but the last Linear is already "
                                 f"followed by {last.activation}")
            last.activation = output_activation
        elif last.activation == "identity" and loss in _LOGIT_HINTS:
            act, module_name, torch_loss = _LOGIT_HINTS[loss]
            raise ValueError(f"the model ends in logits (no activation after its last Linear), but loss={loss!r} "
                             f"needs {act} outputs: add {module_name} at the end, or pass "
                             f"output_activation={act!r} (torch's {torch_loss} applies the {act} inside the loss)")
        net = dense_network(layers, loss=loss)
    get_loss(net.loss).check_outputs(net.outputs)
    return net


def copy_to_network(module, net: Network) -> None:
    """Write the parameters of ``module`` = ``to_torch(net)`` (after training, say) back onto ``net``'s
    edges and biases."""
    torch = torch_module()
    if isinstance(module, torch.nn.Sequential):
        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        for layer, lin in zip(net.layers[1:], linears, strict=True):
            W = lin.weight.detach().cpu().double().tolist()                      # W[j][i] = w_{j,i}
            b = lin.bias.detach().cpu().double().tolist() if lin.bias is not None else None
            for j, node in enumerate(layer):
                for edge, w in zip(node.inputs, W[j], strict=True):
                    edge.weight = w
                if b is not None:
                    node.bias = b[j]
        return
    for node in net.nodes:
        if not node.is_input:
            weights = getattr(module, f"w{node.id}").detach().cpu().double().tolist()
            for edge, w in zip(node.inputs, weights, strict=True):
                edge.weight = w
        if node.has_bias:
            node.bias = float(getattr(module, f"b{node.id}").detach())
