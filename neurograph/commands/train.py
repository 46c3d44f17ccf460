"""`neurograph train` (not implemented yet)."""
from __future__ import annotations


def add_parser(sub):
    return sub.add_parser("train", help="(coming soon)")


def run(args) -> int:
    raise RuntimeError("'neurograph train' is not implemented yet")
