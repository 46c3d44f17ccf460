"""`neurograph check` (not implemented yet)."""
from __future__ import annotations


def add_parser(sub):
    return sub.add_parser("check", help="(coming soon)")


def run(args) -> int:
    raise RuntimeError("'neurograph check' is not implemented yet")
