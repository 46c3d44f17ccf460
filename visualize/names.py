"""What a picture calls each neuron: its id (default), textbook symbols, or the caller's labels.

``names="symbolic"`` numbers the neurons within their layer, as a textbook does:
inputs x₁ x₂ …, hidden neurons h₁ h₂ … (h¹₁, h²₁ … when there are several hidden
layers: the superscript is the layer), outputs ŷ₁ ŷ₂ ….  A dict {id: label} names
the neurons it lists and leaves the others with their ids.
"""
from __future__ import annotations

from collections.abc import Mapping

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
STYLES = ("symbolic",)


def check_names(names) -> None:
    """Raise unless ``names`` is None, "symbolic" or a dict of integer ids to strings."""
    if names is None or (isinstance(names, str) and names in STYLES):
        return
    if isinstance(names, str) or not isinstance(names, Mapping):
        raise ValueError(f"names must be None, 'symbolic' or a dict {{node id: label}}, got {names!r}")
    for key, label in names.items():
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"names: node ids are integers, got the key {key!r}")
        if not isinstance(label, str) or not label.strip():
            raise TypeError(f"names: the label of node {key} must be a non-empty string, got {label!r}")


def symbolic(layers: list[list[int]]) -> dict[int, str]:
    """x₁…, h₁… (hˡ₁… for several hidden layers), ŷ₁… by position in each layer.

    >>> symbolic([[1, 2], [3, 4], [5]])
    {1: 'x₁', 2: 'x₂', 3: 'h₁', 4: 'h₂', 5: 'ŷ₁'}
    >>> symbolic([[1], [2], [3], [4]])[3]
    'h²₁'
    """
    last, several = len(layers) - 1, len(layers) > 3
    out = {}
    for index, ids in enumerate(layers):
        if index == 0:
            base = "x"
        elif index == last:
            base = "ŷ"
        else:
            base = "h" + (str(index).translate(SUP) if several else "")
        out.update({i: base + str(k).translate(SUB) for k, i in enumerate(ids, start=1)})
    return out


def resolve(names, layers: list[list[int]]) -> dict[int, str] | None:
    """The label of every node, or None (``names=None``) to draw plain ids."""
    return None if names is None else labels(names, layers)


def labels(names: str | Mapping[int, str], layers: list[list[int]]) -> dict[int, str]:
    """The label of every node for "symbolic" or a dict (unlisted ids keep their id; unknown ids
    are a ValueError)."""
    if isinstance(names, str):
        return symbolic(layers)
    known = {i for ids in layers for i in ids}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"names: the network has no node {unknown[0]} (its ids are "
                         f"{min(known)}–{max(known)})")
    return {i: names.get(i, str(i)) for i in sorted(known)}
