"""``labels="edge"``: each label sits on its own edge, where no other label is.

Graphviz's own edge labels go beside the edge's middle, where the edges between
two layers cross, so a label can read as another edge's.  Instead:

1. ``dot`` lays the picture out without labels (one run, ``-Tjson``);
2. every edge is the straight segment between its two neurons; its label, a small
   white tag framed in the edge's colour, is centred *on* that segment at the first
   fraction f (0.5, 0.475, 0.525, … out to 0.15 and 0.85) where the tag overlaps no neuron and no tag placed
   before it, and covers as few other edges as possible;
3. the picture is drawn with every node and tag pinned where step 1 and 2 put them
   (Graphviz ``neato`` with fixed positions, straight edges).

Without Graphviz installed there is no layout to place against: the labels stay
Graphviz edge labels (``Diagram.source`` never needs ``dot``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import graphviz

#: where a tag may sit along its edge, tried in this order: the middle first, then outwards
FRACTIONS = tuple(sorted((k / 40 for k in range(6, 35)), key=lambda f: (abs(f - 0.5), f)))
CHAR, LINE, PAD = 6.0, 11.0, 8.0   # points: one character and one line at 9 pt (generous), padding


@dataclass(frozen=True)
class Box:
    """An axis-aligned box: centre (x, y), width w, height h (points)."""

    x: float
    y: float
    w: float
    h: float

    def overlap(self, other: Box) -> float:
        """The area the two boxes share."""
        dx = min(self.x + self.w / 2, other.x + other.w / 2) - max(self.x - self.w / 2, other.x - other.w / 2)
        dy = min(self.y + self.h / 2, other.y + other.h / 2) - max(self.y - self.h / 2, other.y - other.h / 2)
        return max(dx, 0.0) * max(dy, 0.0)

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Does the segment a–b pass through the box? (sampled at 24 points; enough at these sizes)"""
        return any(abs(a[0] + (b[0] - a[0]) * k / 24 - self.x) < self.w / 2
                   and abs(a[1] + (b[1] - a[1]) * k / 24 - self.y) < self.h / 2 for k in range(25))


def tag_size(text: str) -> tuple[float, float]:
    """Estimated (width, height) of a tag holding ``text`` (one line per row)."""
    lines = text.split("\n")
    return max(len(line) for line in lines) * CHAR + PAD, len(lines) * LINE + PAD


def layout(graph: graphviz.Digraph) -> dict[str, Box] | None:
    """Every node's box as ``dot`` lays ``graph`` out, or None when Graphviz is not installed."""
    try:
        data = json.loads(graph.pipe("json"))
    except graphviz.ExecutableNotFound:
        return None
    boxes = {}
    for obj in data.get("objects", []):
        if "pos" in obj and "width" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            boxes[obj["name"]] = Box(x, y, float(obj["width"]) * 72, float(obj["height"]) * 72)
    return boxes


def place(nodes: dict[str, Box], edges: list[tuple[str, str, str, tuple[float, float]]]) -> dict[str, Box]:
    """Tag name → its box, for edges given as (tag name, tail node, head node, tag size).

    Greedy, in the order given: each tag takes the first fraction along its own segment
    with the least cost (overlap with neurons and earlier tags first, then the number
    of other edges the tag would hide).
    """
    segments = {tag: (nodes[tail], nodes[head]) for tag, tail, head, _ in edges}
    placed: dict[str, Box] = {}
    for tag, _, _, (w, h) in edges:
        a, b = segments[tag]
        best: tuple[float, int, Box] | None = None
        for f in FRACTIONS:
            box = Box(a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f, w, h)
            clash = sum(box.overlap(n) for n in nodes.values()) + sum(box.overlap(p) for p in placed.values())
            hidden = sum(box.crossed_by((s.x, s.y), (e.x, e.y)) for other, (s, e) in segments.items()
                         if other != tag)
            if best is None or (clash, hidden) < (best[0], best[1]):
                best = (clash, hidden, box)
            if clash == 0 and hidden == 0:
                break
        assert best is not None          # FRACTIONS is not empty
        placed[tag] = best[2]
    return placed
