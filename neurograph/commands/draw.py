"""`neurograph draw` (not implemented yet)."""
from __future__ import annotations


def add_parser(sub):
    return sub.add_parser("draw", help="(coming soon)")


def run(args) -> int:
    raise RuntimeError("'neurograph draw' is not implemented yet")
