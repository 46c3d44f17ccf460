"""A topological order kept up to date edge by edge, so ``connect`` never rebuilds the graph.

Every node has a rank; every edge s → d keeps rank[s] < rank[d].  A new edge
that already goes "forward" (the usual case: layers are added in order) costs
O(1).  Otherwise only the nodes ranked between d and s are searched, and either
the search reaches s (the edge would close a cycle) or those nodes are
re-ranked (Pearce & Kelly, "A dynamic topological sort algorithm for directed
acyclic graphs", 2006).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

Neighbours = Callable[[int], Iterable[int]]


class TopologicalOrder:
    """rank[slot] for every node, with rank[s] < rank[d] along every edge."""

    def __init__(self) -> None:
        self.rank: list[int] = []

    def add_node(self) -> None:
        self.rank.append(len(self.rank))

    def add_edge(self, s: int, d: int, targets: Neighbours, sources: Neighbours) -> list[int] | None:
        """Re-rank for the new edge s → d; return None, or the cycle d → … → s it would close."""
        rank = self.rank
        low, high = rank[d], rank[s]
        if high < low:
            return None
        parent: dict[int, int] = {d: d}                 # forward from d, ranks up to s's
        stack, ahead = [d], []
        while stack:
            n = stack.pop()
            ahead.append(n)
            for m in targets(n):
                if m == s:
                    path = [n]
                    while path[-1] != d:
                        path.append(parent[path[-1]])
                    return path[::-1] + [s]
                if m not in parent and rank[m] < high:
                    parent[m] = n
                    stack.append(m)
        seen, stack, behind = {s}, [s], []              # backward from s, ranks down to d's
        while stack:
            n = stack.pop()
            behind.append(n)
            for m in sources(n):
                if m not in seen and rank[m] > low:
                    seen.add(m)
                    stack.append(m)
        behind.sort(key=rank.__getitem__)
        ahead.sort(key=rank.__getitem__)
        moved = behind + ahead                          # s and what leads to it go first
        for n, r in zip(moved, sorted(rank[n] for n in moved), strict=True):
            rank[n] = r
        return None

    def rebuild(self, sources: Neighbours, targets: Neighbours) -> list[int] | None:
        """Rank all nodes afresh (Kahn's algorithm, O(nodes + edges)) after many edges at once;
        return None, or a cycle (slots, each an edge to the next) when there is one."""
        n = len(self.rank)
        waiting = [sum(1 for _ in sources(v)) for v in range(n)]
        ready = [v for v in range(n) if not waiting[v]]
        order = []
        while ready:
            v = ready.pop()
            order.append(v)
            for m in targets(v):
                waiting[m] -= 1
                if not waiting[m]:
                    ready.append(m)
        if len(order) < n:                              # what is left has a predecessor left: walk back
            at = min(v for v in range(n) if waiting[v])
            walk: list[int] = []
            while at not in walk:
                walk.append(at)
                at = next(p for p in sources(at) if waiting[p])
            return walk[walk.index(at):][::-1]
        for r, v in enumerate(order):
            self.rank[v] = r
        return None

    def sorted_slots(self) -> list[int]:
        """All slots, sources before destinations."""
        return sorted(range(len(self.rank)), key=self.rank.__getitem__)
