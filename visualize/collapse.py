"""Big layers: keep the first k and last k neurons, stand one node for the rest.

A layer of n > max_per_layer neurons is drawn as its first k neurons, one
"⋮ 774 more (6–779)" node and its last k neurons, with k = (max_per_layer − 1) // 2,
so at most max_per_layer rows per layer.  The drawn neurons keep their true ids.
Edges that touch a hidden neuron are not drawn one by one: each is summarised
by the "more" node of its layer (see ``visualize.dot``).
"""
from __future__ import annotations

from dataclasses import dataclass

from neurograph.engine.validation import whole_number


@dataclass(frozen=True)
class More:
    """The stand-in for the hidden neurons of one layer."""

    layer: int
    ids: tuple[int, ...]

    @property
    def name(self) -> str:
        """DOT node name, e.g. ``more0`` for the input layer."""
        return f"more{self.layer}"

    @property
    def span(self) -> str:
        """'6–779' for a contiguous run of ids, else 'first…last'."""
        lo, hi = self.ids[0], self.ids[-1]
        return f"{lo}–{hi}" if hi - lo + 1 == len(self.ids) else f"{lo}…{hi}"

    @property
    def text(self) -> str:
        return f"{len(self.ids)} more ({self.span})"


Slot = int | More   # one row of a drawn layer: a real node id, or the stand-in


def check_max_per_layer(value) -> None:
    """Raise ValueError unless ``value`` is an integer ≥ 3 (bools refused)."""
    whole_number(value, "max_per_layer", 3)


def collapse(layer_ids: list[list[int]], max_per_layer: int) -> list[list[Slot]]:
    """The rows to draw for each layer (ids in order, ``More`` in the middle when needed).

    ``max_per_layer`` must already be valid (``check_max_per_layer``; ``Options`` checks it).

    >>> collapse([[1, 2, 3], list(range(4, 20))], 5)
    [[1, 2, 3], [4, 5, More(layer=1, ids=(6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)), 18, 19]]
    """
    k = (max_per_layer - 1) // 2
    rows: list[list[Slot]] = []
    for index, ids in enumerate(layer_ids):
        if len(ids) <= max_per_layer:
            rows.append(list(ids))
        else:
            rows.append(list(ids[:k]) + [More(index, tuple(ids[k:-k]))] + list(ids[-k:]))
    return rows


def stand_in(rows: list[list[Slot]]) -> dict[int, More]:
    """Map every hidden id to the ``More`` node that stands for it."""
    return {i: slot for layer in rows for slot in layer if isinstance(slot, More) for i in slot.ids}
