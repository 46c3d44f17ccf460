"""`neurograph new 2-2-1 -o xor.json`: build a fully connected network and save it.

Every option of ``Network.layered`` is here; ``--weights FILE`` then sets
chosen weights and biases by hand, from a CSV edge list or a JSON file:

- CSV, one line per number, ``src,dst,weight`` (a header line is allowed);
  a bias is written with ``b`` (or nothing) as the source: ``b,3,0.35``.
- JSON, either ``{"weights": [W¹, W², …], "biases": [b¹, b², …]}`` with one
  matrix per layer, row j holding the incoming weights of the layer's j-th
  neuron (W·x, the shape ``init`` returns), or ``{"edges": [[src, dst, w], …],
  "biases": {"3": 0.35, …}}``.

Numbers not in the file keep their ``--init`` values.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from neurograph.commands import example
from neurograph.engine.activations import ACTIVATIONS
from neurograph.engine.graph import Network
from neurograph.engine.initializers import INITIALIZERS
from neurograph.engine.losses import LOSSES


def add_parser(sub):
    p = sub.add_parser(
        "new", help="build a fully connected network (sizes like 2-2-1) and save it as JSON",
        description="Build Network.layered(SIZES, …) with ids 1, 2, … layer by layer and save it. "
                    "--weights sets chosen weights and biases by hand (CSV lines src,dst,weight with "
                    "b,dst,bias for a bias; or JSON, see `python -m pydoc neurograph.commands.new`).",
        **example("neurograph new 2-2-1 --activation tanh --output-activation sigmoid "
                  "--loss binary_cross_entropy --init uniform --seed 0 -o xor.json"))
    p.add_argument("sizes", metavar="SIZES", help="layer widths from inputs to outputs, e.g. 2-2-1 or 784,100,10")
    p.add_argument("-o", "--output", default="model.json", help="where to save the model (default model.json)")
    p.add_argument("--activation", default="sigmoid", choices=sorted(ACTIVATIONS),
                   help="activation of the hidden layers (default sigmoid)")
    p.add_argument("--output-activation", default=None, choices=sorted(ACTIVATIONS),
                   help="activation of the output layer (default: the same as --activation)")
    p.add_argument("--input-activation", default=None, choices=sorted(ACTIVATIONS),
                   help="give each input a bias and an activation, a = f(x + b) (seed 000); default plain inputs")
    p.add_argument("--loss", default="half_squared", choices=sorted(LOSSES), help="loss C (default half_squared)")
    p.add_argument("--init", default="uniform", choices=sorted(INITIALIZERS),
                   help="weight initialisation (default uniform: Glorot U(±√(6/(n_in+n_out))))")
    p.add_argument("--seed", type=int, default=None, help="seed of the initial weights (default: random)")
    p.add_argument("--no-bias", action="store_true", help="neurons without biases (seed 003)")
    p.add_argument("--weights", metavar="FILE", help="a CSV or JSON file of weights and biases to set by hand")
    return p


def parse_sizes(text: str) -> list[int]:
    """``"2-2-1"`` or ``"2,2,1"`` → [2, 2, 1]."""
    parts = text.replace(",", "-").split("-")
    if len(parts) < 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"SIZES must be at least two positive layer widths like 2-2-1 or 784,100,10; got {text!r}")
    return [int(p) for p in parts]


def _set(net: Network, src, dst, value, where: str) -> str:
    """Set one weight (src → dst) or, with src None, the bias of dst; returns 'weight' or 'bias'."""
    try:
        value = float(value)
        dst = int(dst)
        if src is None:
            node = net.node(dst)
            if not node.has_bias:
                raise ValueError(f"node {dst} has no bias")
            node.bias = value
            return "bias"
        net.edge(int(src), dst).weight = value
        return "weight"
    except (KeyError, ValueError, TypeError) as exc:
        message = exc.args[0] if exc.args else exc
        raise ValueError(f"{where}: {message}") from None


def _from_csv(net: Network, path: Path) -> list[str]:
    done = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for lineno, fields in enumerate(csv.reader(f), 1):
            fields = [v.strip() for v in fields]
            if not any(fields) or fields[0].startswith("#"):
                continue
            if len(fields) != 3:
                raise ValueError(f"{path} line {lineno}: {len(fields)} fields, expected src,dst,weight "
                                 "(or b,dst,bias)")
            if lineno == 1 and fields[0].lower() in ("src", "source", "from"):
                continue                                             # the header
            src = None if fields[0].lower() in ("", "b", "bias") else fields[0]
            done.append(_set(net, src, fields[1], fields[2], f"{path} line {lineno}"))
    return done


def _from_json(net: Network, path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not ({"weights", "edges"} & data.keys()):
        raise ValueError(f"{path}: expected an object with 'weights' (one matrix per layer) or 'edges' "
                         "([src, dst, w] lists)")
    return _json_edges(net, path, data) if "edges" in data else _json_layers(net, path, data)


def _json_edges(net: Network, path: Path, data: dict) -> list[str]:
    """{"edges": [[src, dst, w], …], "biases": {"id": b, …}}"""
    done = []
    for i, edge in enumerate(data["edges"]):
        if not isinstance(edge, list) or len(edge) != 3:
            raise ValueError(f"{path}: edges[{i}] must be [src, dst, weight], got {edge!r:.60}")
        done.append(_set(net, edge[0], edge[1], edge[2], f"{path} edges[{i}]"))
    for key, value in dict(data.get("biases", {})).items():
        done.append(_set(net, None, key, value, f"{path} biases[{key!r}]"))
    return done


def _json_layers(net: Network, path: Path, data: dict) -> list[str]:
    """{"weights": [W¹, …], "biases": [b¹, …]}: row j of Wᵏ holds the weights into neuron j of layer k."""
    done = []
    layers = net.layers
    weights, biases = data["weights"], data.get("biases", [])
    if len(weights) != len(layers) - 1 or len(biases) not in (0, len(layers) - 1):
        raise ValueError(f"{path}: {len(weights)} weight matrices and {len(biases)} bias vectors for a network "
                         f"with {len(layers) - 1} layers of weights")
    for k, (prev, layer) in enumerate(zip(layers, layers[1:], strict=False), 1):
        rows = weights[k - 1]
        if len(rows) != len(layer) or any(len(r) != len(prev) for r in rows):
            raise ValueError(f"{path}: weights[{k - 1}] must be {len(layer)}×{len(prev)} (row j: the weights "
                             f"into neuron {layer[0].id}+j), got {len(rows)} rows")
        for j, dst in enumerate(layer):
            for i, src in enumerate(prev):
                done.append(_set(net, src.id, dst.id, rows[j][i], f"{path} weights[{k - 1}][{j}][{i}]"))
            if biases:
                done.append(_set(net, None, dst.id, biases[k - 1][j], f"{path} biases[{k - 1}][{j}]"))
    return done


def set_weights(net: Network, path: Path | str) -> list[str]:
    """Apply a CSV or JSON weights file to ``net``; returns what was set ('weight'/'bias' per number)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such weights file")
    return _from_json(net, path) if path.suffix.lower() == ".json" else _from_csv(net, path)


def run(args) -> int:
    sizes = parse_sizes(args.sizes)
    net = Network.layered(sizes, activation=args.activation, output_activation=args.output_activation,
                          loss=args.loss, init=args.init, seed=args.seed, input_activation=args.input_activation,
                          bias=not args.no_bias)
    if args.weights:
        done = set_weights(net, args.weights)
        print(f"set {done.count('weight')} weights and {done.count('bias')} biases from {args.weights}")
    net.save(args.output)
    print(f"{net!r} saved to {args.output}")
    ids = " → ".join(f"{layer[0].id}–{layer[-1].id}" if len(layer) > 1 else str(layer[0].id) for layer in net.layers)
    print(f"node ids by layer: {ids}")
    return 0
