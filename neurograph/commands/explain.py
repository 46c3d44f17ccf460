"""`neurograph explain` (not implemented yet)."""
from __future__ import annotations


def add_parser(sub):
    return sub.add_parser("explain", help="(coming soon)")


def run(args) -> int:
    raise RuntimeError("'neurograph explain' is not implemented yet")
