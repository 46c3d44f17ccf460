"""Saving and loading networks as JSON: lossless, versioned, atomic.

Format (version 1)::

    {"format": "neurograph", "version": 1, "loss": "half_squared",
     "nodes": [{"id": 1, "kind": "input", "activation": "identity", "bias": null}, ...],
     "edges": [{"src": 1, "dst": 4, "weight": 0.15}, ...]}

Floats are written with ``repr`` precision, so every weight round-trips exactly.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from neurograph.engine.graph import Network
from neurograph.engine.losses import get_loss

FORMAT, VERSION = "neurograph", 1


def add_stored_input(net: Network, id: int, activation: str | None, bias: float | None) -> None:
    """Re-create an input as ``to_dict``/``to_networkx`` store it: an identity
    input without a bias is a plain input (a = x), anything else keeps its
    activation and bias."""
    plain = activation in (None, "identity") and bias is None
    net.add_input(id, activation=None if plain else activation, bias=bias)


def to_dict(net: Network) -> dict:
    """The network as plain JSON-ready data."""
    return {
        "format": FORMAT, "version": VERSION, "loss": net.loss,
        "nodes": [{"id": n.id, "kind": "input" if n.is_input else "neuron",
                   "activation": n.activation, "bias": n.bias} for n in net.nodes],
        "edges": [{"src": e.src.id, "dst": e.dst.id, "weight": e.weight} for e in net.edges],
    }


def from_dict(data: dict) -> Network:
    """Rebuild a network from ``to_dict`` data; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object at the top level, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"not a neurograph model (format is {data.get('format')!r}, expected {FORMAT!r})")
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported format version {data.get('version')!r}; this neurograph reads version {VERSION}")
    for key in ("loss", "nodes", "edges"):
        if key not in data:
            raise ValueError(f"missing key {key!r}")
    if not isinstance(data["nodes"], list) or not isinstance(data["edges"], list):
        raise ValueError("'nodes' and 'edges' must be lists")
    net = Network(loss=data["loss"])
    for i, spec in enumerate(data["nodes"]):
        if not isinstance(spec, dict) or "id" not in spec:
            raise ValueError(f"nodes[{i}] must be an object with an 'id', got {spec!r:.80}")
        kind, act, bias = spec.get("kind"), spec.get("activation"), spec.get("bias")
        if kind == "input":
            add_stored_input(net, spec["id"], act, bias)
        elif kind == "neuron":
            net.add_neuron(spec["id"], activation=act, bias=bias)
        else:
            raise ValueError(f"nodes[{i}] (id {spec['id']}): kind must be 'input' or 'neuron', got {kind!r}")
    edges = []
    for i, spec in enumerate(data["edges"]):
        if not isinstance(spec, dict) or not {"src", "dst", "weight"} <= spec.keys():
            raise ValueError(f"edges[{i}] must be an object with src, dst and weight, got {spec!r:.80}")
        edges.append((spec["src"], spec["dst"], spec["weight"]))
    net.connect_many(edges)
    net._compile()                      # a model must have inputs and neurons to compute
    get_loss(net.loss).check_outputs(net.outputs)
    return net


def save(net: Network, path) -> None:
    """Write the network to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    text = json.dumps(to_dict(net), indent=1, allow_nan=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path) -> Network:
    """Read a network saved by ``save``; any problem is a ValueError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such model file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text (JSON) file ({exc.reason})") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (truncated or corrupt?): {exc}") from None
    try:
        return from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: {exc}") from None
