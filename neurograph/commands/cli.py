"""The ``neurograph`` command: demo, draw, check, train, explain, compare, grade.

Each subcommand lives in ``neurograph/commands/<name>.py`` with two
functions, ``add_parser(subparsers)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from neurograph import __version__

COMMANDS = ("demo", "draw", "check", "train", "explain", "compare", "grade", "explore")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurograph",
        description="See how a neural network really computes: neurons as objects, "
                    "weights as edges, real numbers in every picture.")
    parser.add_argument("--version", action="version", version=f"neurograph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"neurograph.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"neurograph {args.command}: error: {exc}", file=sys.stderr)
        return 2
