"""ONNX in: ``Network.from_onnx(path_or_model, output=None)`` for MLP graphs.

The graph is read as one *dense chain* from its single data input:

    Gemm                      Y = α·A′·B′ + β·C     with A the chain, B and C constants:
                              W = α·B′ (B′ = Bᵀ when transB=1), b = β·C
    MatMul (+ Add)            Y = X·W (+ b)
    Relu Sigmoid Tanh Softmax the activation of the dense layer before it
    Identity Dropout Flatten  no-ops for a (batch, features) tensor; so are Cast to
    Cast Reshape              float/double and Reshape to (-1 or 0, width)

Each dense op starts a layer (z = a·W + b, row convention); the activation
after it becomes its neurons' activation (identity when there is none).
float32 weights become float64 exactly.  After the chain, skl2onnx's
post-processing is ignored: ArgMax, ArrayFeatureExtractor, ZipMap and the
casts and reshapes of the labels, and for a binary classifier
``Concat(1 − p, p)``: the network computes p = P(class 1), as ``from_sklearn`` does.

``output`` picks the graph output by name; by default it is the float
output that the chain computes (the probabilities before ZipMap).  Any other
op gets a ValueError naming the op, the node and what is supported.
onnx is imported lazily; without it a clear ImportError says how to install it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.losses import LOSSES
from neurograph.io.dense import DenseLayer, dense_network

ONNX_HINT = "onnx is needed for this: pip install 'neurograph[onnx]' (or pip install onnx onnxruntime)"

ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Softmax": "softmax"}
DENSE = ("Gemm", "MatMul", "Add")
NO_OPS = ("Identity", "Dropout", "Flatten", "Cast", "Reshape")
POST = ("ArgMax", "ArrayFeatureExtractor", "ZipMap", "Cast", "Reshape", "Identity", "Sub", "Concat")
SUPPORTED = (f"supported: {', '.join(DENSE)}, {', '.join(ACTIVATIONS)}, {', '.join(NO_OPS)} (no-ops), "
             "and skl2onnx's post-processing ArgMax, ArrayFeatureExtractor, ZipMap after the chain")
FLOATS = (1, 11)                                   # TensorProto.FLOAT, TensorProto.DOUBLE


def onnx_module():
    """The onnx package, or an ImportError with the install hint."""
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(f"{ONNX_HINT} ({exc})") from None
    return onnx


@dataclass
class _Chain:
    """The dense layers read so far; ``open`` is the last one while it may still get a bias or an activation."""

    width: int | None
    layers: list[DenseLayer] = field(default_factory=list)
    open: bool = False
    at: dict[str, list[DenseLayer]] = field(default_factory=dict)   # chain tensor → the layers computing it
    end: str = ""

    def state(self, name: str) -> None:
        """Remember the layers up to tensor ``name`` (the open last one as it is now)."""
        self.at[name] = self.layers[:-1] + [replace(self.layers[-1])] if self.layers else []
        self.end = name


def _label(node) -> str:
    return f"{node.op_type} node {node.name or '(unnamed)'!r}"


def _attrs(node) -> dict[str, Any]:
    onnx = onnx_module()
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _load(model) -> Any:
    onnx = onnx_module()
    if isinstance(model, onnx.ModelProto):
        return model
    if not isinstance(model, (str, Path)):
        raise TypeError(f"from_onnx needs a path or an onnx.ModelProto, got {type(model).__name__}")
    path = Path(model)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such ONNX file")
    try:
        return onnx.load(str(path))
    except Exception as exc:                         # protobuf raises its own DecodeError
        raise ValueError(f"{path}: not a readable ONNX model ({exc})") from None


def _constants(graph) -> dict[str, np.ndarray]:
    """Initializers and Constant nodes, as float64 (float32 → float64 is exact)."""
    onnx = onnx_module()
    values = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            values[node.output[0]] = onnx.numpy_helper.to_array(_attrs(node)["value"])
    return values


def _data_input(graph, constants) -> tuple[str, int | None]:
    inputs = [i for i in graph.input if i.name not in constants]
    if len(inputs) != 1:
        raise ValueError(f"an MLP graph has one data input, this one has {len(inputs)}: "
                         f"{', '.join(i.name for i in inputs) or 'none'}")
    dims = inputs[0].type.tensor_type.shape.dim
    width = dims[-1].dim_value if len(dims) == 2 and dims[-1].dim_value > 0 else None
    return inputs[0].name, width


def _weight(node, name: str, constants) -> np.ndarray:
    if name not in constants:
        raise ValueError(f"{_label(node)}: its weight {name!r} is not a constant (initializer); "
                         "only weights stored in the model are supported")
    W = np.asarray(constants[name], dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"{_label(node)}: weight {name!r} has shape {W.shape}, expected a matrix")
    return W


def _bias(node, value: np.ndarray, width: int) -> np.ndarray:
    b = np.asarray(value, dtype=np.float64)
    if b.size not in (1, width) or b.ndim > 2 or (b.ndim == 2 and b.shape[0] != 1):
        raise ValueError(f"{_label(node)}: bias of shape {b.shape} does not broadcast to ({width},) per sample")
    return np.broadcast_to(b.reshape(-1), (width,)).copy()


def _dense(node, chain: _Chain, x: str, constants) -> None:
    """Gemm / MatMul / Add on the chain tensor ``x``."""
    ins = list(node.input)
    if node.op_type == "Add":
        other = ins[1] if ins[0] == x else ins[0]
        if not chain.open or other not in constants:
            raise ValueError(f"{_label(node)}: an Add must add a constant bias right after a MatMul or Gemm")
        last = chain.layers[-1]
        bias = _bias(node, constants[other], last.W.shape[1])
        last.b = bias if last.b is None else last.b + bias
        return
    if ins[0] != x:
        raise ValueError(f"{_label(node)}: the chain must be its first operand (X·W, samples in rows); "
                         f"here it is operand {ins.index(x) + 1}")
    a = _attrs(node)
    if node.op_type == "Gemm" and a.get("transA", 0):
        raise ValueError(f"{_label(node)}: transA=1 would transpose the batch; only transA=0 is supported")
    W = _weight(node, ins[1], constants)
    if node.op_type == "Gemm":
        W = a.get("alpha", 1.0) * (W.T if a.get("transB", 0) else W)          # W = α·B′
    b: np.ndarray | None = None
    if len(ins) > 2 and ins[2]:
        if ins[2] not in constants:
            raise ValueError(f"{_label(node)}: its bias {ins[2]!r} is not a constant (initializer)")
        b = a.get("beta", 1.0) * _bias(node, constants[ins[2]], W.shape[1])    # b = β·C
    if chain.width is not None and W.shape[0] != chain.width:
        raise ValueError(f"{_label(node)}: W has shape {W.shape} but the chain carries {chain.width} features")
    chain.layers.append(DenseLayer(W, b, "identity"))
    chain.width, chain.open = W.shape[1], True


def _no_op(node, chain: _Chain, constants) -> None:
    """Refuse Flatten/Cast/Reshape/Dropout unless they leave a (batch, width) float tensor as it is."""
    a = _attrs(node)
    if node.op_type == "Flatten" and a.get("axis", 1) != 1:
        raise ValueError(f"{_label(node)}: only Flatten with axis=1 is a no-op here, got axis={a['axis']}")
    if node.op_type == "Cast" and a.get("to") not in FLOATS:
        raise ValueError(f"{_label(node)}: only a Cast to float or double keeps the numbers, got to={a.get('to')}")
    if node.op_type == "Reshape":
        shape = constants.get(node.input[1]) if len(node.input) > 1 else None
        if shape is None or len(shape) != 2 or shape[0] not in (-1, 0) or shape[1] not in (chain.width, -1):
            raise ValueError(f"{_label(node)}: only a Reshape to (-1, {chain.width}) is a no-op here, "
                             f"got {None if shape is None else shape.tolist()}")
    if node.op_type == "Dropout" and len(node.input) > 2 and node.input[2]:
        raise ValueError(f"{_label(node)}: a Dropout with a training_mode input is not supported")


def _activation(node, chain: _Chain) -> None:
    if not chain.open:
        raise ValueError(f"{_label(node)}: an activation must follow a MatMul/Gemm (+ Add); "
                         "two activations in a row, or one on the inputs, are not supported")
    if node.op_type == "Softmax" and _attrs(node).get("axis", -1) not in (-1, 1):
        raise ValueError(f"{_label(node)}: only Softmax over the features (axis=-1 or 1) is supported")
    chain.layers[-1].activation = ACTIVATIONS[node.op_type]
    chain.open = False


def _post(node, uses: list[str], chain: _Chain, post: dict[str, str], constants) -> str:
    """What a node after the chain computes: "labels", "probabilities" or (binary) "complement" 1 − p."""
    earlier = [i for i in uses if i in chain.at and i != chain.end]
    if earlier:
        raise ValueError(f"{_label(node)} uses {earlier[0]!r}, a tensor before the end of the chain: "
                         "only a single chain (no branches or skip connections) is supported")
    if node.op_type not in POST:
        raise ValueError(f"unsupported op {node.op_type} (node {node.name or '(unnamed)'!r}); {SUPPORTED}")
    kinds = [post.get(i, "end") for i in node.input if i in uses]
    if node.op_type == "Sub":                           # skl2onnx's binary classifier: 1 − p …
        one = constants.get(node.input[0])
        if kinds != ["end"] or one is None or not np.all(one == 1) or chain.width != 1:
            raise ValueError(f"{_label(node)}: after the chain only 1 − p of a single output is supported")
        return "complement"
    if node.op_type == "Concat":                        # … then [1 − p, p]
        if kinds != ["complement", "end"]:
            raise ValueError(f"{_label(node)}: after the chain only Concat(1 − p, p) is supported")
        return "probabilities"
    if node.op_type in ("ArgMax", "ArrayFeatureExtractor") or "labels" in kinds:
        return "labels"
    return "probabilities"


def _read_chain(graph, constants) -> tuple[_Chain, dict[str, str]]:
    """Walk the nodes in order: the dense chain, then what is derived from its end ("post")."""
    x, width = _data_input(graph, constants)
    chain = _Chain(width)
    chain.state(x)
    post: dict[str, str] = {}                           # tensor → what it is ("probabilities", "labels")
    for node in graph.node:
        if node.op_type == "Constant":
            continue
        uses = [i for i in node.input if i in chain.at or i in post]
        if not uses:
            if any(i not in constants for i in node.input if i):
                raise ValueError(f"{_label(node)} does not use the chain or constants: not an MLP graph")
            continue
        inside = [i for i in uses if i in chain.at]
        if inside and not post and inside == [chain.end] and node.op_type in (*DENSE, *ACTIVATIONS, *NO_OPS):
            if node.op_type in DENSE:
                _dense(node, chain, chain.end, constants)
            elif node.op_type in ACTIVATIONS:
                _activation(node, chain)
            else:
                _no_op(node, chain, constants)
            chain.state(node.output[0])
            continue
        for out in node.output:
            post[out] = _post(node, uses, chain, post, constants)
    return chain, post


def _pick(graph, chain: _Chain, post: dict[str, str], output: str | None) -> str:
    """The chain tensor the network should end at."""
    names = [o.name for o in graph.output]
    if output is not None:
        if output not in names:
            raise ValueError(f"output {output!r} is not an output of this graph; its outputs: {', '.join(names)}")
        if output in chain.at:
            return output
        if post.get(output) == "probabilities":
            return chain.end
        floats = [n for n in names if n in chain.at or post.get(n) == "probabilities"]
        raise ValueError(f"output {output!r} is the post-processing's labels (ArgMax…), not a float output "
                         f"of the dense chain; pick one of: {', '.join(floats)}")
    in_chain = [n for n in names if n in chain.at and chain.at[n]]
    if in_chain:
        return max(in_chain, key=lambda n: list(chain.at).index(n))
    if any(post.get(n) == "probabilities" for n in names):
        return chain.end
    raise ValueError(f"no output of this graph ({', '.join(names)}) is computed by its dense chain")


def default_loss(layers: list[DenseLayer]) -> str:
    """cross_entropy after softmax, binary_cross_entropy after one sigmoid output, else half_squared."""
    last = layers[-1]
    if last.activation == "softmax":
        return "cross_entropy"
    if last.activation == "sigmoid" and last.W.shape[1] == 1 and "binary_cross_entropy" in LOSSES:
        return "binary_cross_entropy"
    return "half_squared"


def from_onnx(model, output: str | None = None, loss: str | None = None) -> Network:
    """A ``Network`` from an ONNX MLP: a file path or an ``onnx.ModelProto`` (see the module docstring).

    ``output`` names the graph output to reproduce (default: the float output
    of the dense chain); ``loss`` defaults to ``default_loss`` of the last layer.
    """
    proto = _load(model)
    constants = _constants(proto.graph)
    chain, post = _read_chain(proto.graph, constants)
    layers = chain.at[_pick(proto.graph, chain, post, output)]
    if not layers:
        raise ValueError("the chosen output is the graph's input: there is no dense layer before it")
    return dense_network(layers, loss=loss or default_loss(layers))
