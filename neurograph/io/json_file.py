"""Saving and loading networks as JSON: lossless, versioned, atomic.

Format (version 1)::

    {"format": "neurograph", "version": 1, "loss": "half_squared",
     "nodes": [{"id": 1, "kind": "input", "activation": "identity", "bias": null}, ...],
     "edges": [{"src": 1, "dst": 4, "weight": 0.15}, ...]}

Floats are written with ``repr`` precision, so every weight round-trips exactly.
"""
from __future__ import annotations

import errno
import json
from operator import itemgetter
from pathlib import Path

import numpy as np

from neurograph.engine.graph import Network
from neurograph.engine.losses import get_loss
from neurograph.io.atomic import write_atomic

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
        "edges": [{"src": e.src.id, "dst": e.dst.id, "weight": e.weight}      # in the order z = Σ w·a sums
                  for n in net.nodes for e in n.summed_inputs],             # them: a loaded net is bit-identical
    }


#: the keys every stored node states (``"bias": null`` for a node without a bias)
NODE_KEYS = ("id", "kind", "activation", "bias")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` for json.loads: a key given twice in one object is an error, not the last one."""
    data = dict(pairs)
    if len(data) == len(pairs):                   # the usual case, in one call
        return data
    data = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"the key {key!r} appears twice in one JSON object ({value!r:.40} and {data[key]!r:.40})")
        data[key] = value
    return data


def _decode(text: str):
    """``json.loads`` in which a key given twice in one object is a ValueError (``_unique_keys``).

    Fast path: the plain decoder, then a count.  Every key in the text is followed by a colon,
    so the text has at least as many colons as keys; when the top-level object and the objects
    in its "nodes" and "edges" lists hold as many keys as the text has colons, no key was lost
    to a duplicate.  Anything else (a colon inside a string, other nested objects, a decoding
    error) is decoded again with the hook, which finds and names the duplicate as before.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return json.loads(text, object_pairs_hook=_unique_keys)
    if _stored_keys(data) != text.count(":"):
        return json.loads(text, object_pairs_hook=_unique_keys)
    return data


def _stored_keys(data) -> int:
    """Keys of the top-level object and of every object in its "nodes" and "edges" lists
    (-1 unless it is an object whose "nodes" and "edges" are lists of objects)."""
    if type(data) is not dict:
        return -1
    total = len(data)
    for key in ("nodes", "edges"):
        items = data.get(key)
        if type(items) is not list or not set(map(type, items)) <= {dict}:
            return -1
        total += sum(map(len, items))
    return total


def _add_stored_node(net: Network, i: int, spec) -> None:
    """Add ``nodes[i]`` of a stored model, which must state every one of NODE_KEYS."""
    if not isinstance(spec, dict) or "id" not in spec:
        raise ValueError(f"nodes[{i}] must be an object with an 'id', got {spec!r:.80}")
    missing = [key for key in NODE_KEYS if key not in spec]
    if missing:
        raise ValueError(f"nodes[{i}] (id {spec['id']}) has no {', '.join(map(repr, missing))} key; every node "
                         f"states {', '.join(NODE_KEYS)} (\"bias\": null for a node without a bias)")
    kind, act, bias = spec["kind"], spec["activation"], spec["bias"]
    if kind == "input":
        add_stored_input(net, spec["id"], act, bias)
    elif kind == "neuron":
        net.add_neuron(spec["id"], activation=act, bias=bias)
    else:
        raise ValueError(f"nodes[{i}] (id {spec['id']}): kind must be 'input' or 'neuron', got {kind!r}")


def _stored_edges(specs: list) -> tuple[list, list, list]:
    """The stored edges as three columns (src, dst, weight), read in bulk; a bad entry is named."""
    if set(map(type, specs)) <= {dict} and set(map(len, specs)) <= {3}:
        try:
            return list(map(itemgetter("src"), specs)), list(map(itemgetter("dst"), specs)), \
                list(map(itemgetter("weight"), specs))
        except KeyError:
            pass                                  # named below
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not {"src", "dst", "weight"} <= spec.keys():
            raise ValueError(f"edges[{i}] must be an object with src, dst and weight, got {spec!r:.80}")
    return [e["src"] for e in specs], [e["dst"] for e in specs], [e["weight"] for e in specs]


def _connect_stored_edges(net: Network, edges: tuple[list, list, list]) -> None:
    """Add the stored edges in bulk when every id is an int and every weight a float (what
    ``save`` writes); anything else goes edge by edge, so that the error names the edge."""
    src, dst, weights = edges
    if set(map(type, src)) | set(map(type, dst)) <= {int} and set(map(type, weights)) <= {float}:
        try:
            s, d = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)    # ids ≤ 2⁶³ − 1 (validation.MAX_ID)
        except OverflowError:
            s = d = np.zeros(0, dtype=np.int64)
        if len(s) == len(src) and (s > 0).all() and (d > 0).all():
            net.connect_arrays(s, d, np.array(weights, dtype=float))
            return
    net.connect_many(zip(src, dst, weights, strict=True))


def from_dict(data: dict) -> Network:
    """Rebuild a network from ``to_dict`` data; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object at the top level, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"not a neurograph model (format is {data.get('format')!r}, expected {FORMAT!r})")
    if type(data.get("version")) is not int or data["version"] != VERSION:     # not true, not 1.0
        raise ValueError(f"unsupported format version {data.get('version')!r}; this neurograph reads version {VERSION}")
    for key in ("loss", "nodes", "edges"):
        if key not in data:
            raise ValueError(f"missing key {key!r}")
    if not isinstance(data["nodes"], list) or not isinstance(data["edges"], list):
        raise ValueError("'nodes' and 'edges' must be lists")
    net = Network(loss=data["loss"])
    for i, spec in enumerate(data["nodes"]):
        _add_stored_node(net, i, spec)
    _connect_stored_edges(net, _stored_edges(data["edges"]))
    _ = net.layers                      # a model must have inputs and neurons to compute (else ValueError)
    get_loss(net.loss).check_outputs(net.outputs)
    return net


def save(net: Network, path) -> None:
    """Write the network to ``path`` atomically: a temporary file beside the
    target, written, fsynced, then renamed over it (and the folder fsynced).

    A symlink is written through to its target (the link stays a link); an
    existing file keeps its permission bits, a new one gets the umask's default.
    A network that ``load`` could not read back is refused before anything is
    written, and a failed save leaves the old file byte for byte as it was.
    """
    data = to_dict(net)
    try:
        from_dict(data)                                 # whatever save writes, load reads back
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"cannot save to {path}: load could not read the file back ({exc})") from None
    write_atomic(path, json.dumps(data, indent=1, allow_nan=False).encode("utf-8"))


def load(path) -> Network:
    """Read a network saved by ``save``; any problem is a ValueError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, f"{path} is a directory, not a model file") from None
    except OSError as exc:
        raise type(exc)(exc.errno, f"{path}: cannot read the model file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text (JSON) file ({exc.reason})") from None
    if not text.strip():
        raise ValueError(f"{path}: the file is empty")
    try:
        data = _decode(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON (truncated or corrupt?): {exc}") from None
    except RecursionError:
        raise ValueError(f"{path}: the JSON is nested too deeply to be a neurograph model") from None
    except ValueError as exc:                           # e.g. an integer of more than 4300 digits, a duplicate key
        raise ValueError(f"{path}: not a neurograph model: {exc}") from None
    try:
        return from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: {exc}") from None
