"""The ``neurograph`` command: demo, draw, check, train, explain, compare, grade, handout.

Each subcommand lives in ``neurograph/commands/<name>.py`` with two
functions, ``add_parser(subparsers)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from neurograph import __version__

COMMANDS = ("demo", "new", "draw", "check", "train", "explain", "compare", "grade", "explore", "handout")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``neurograph`` parser with every subcommand, or with ``only`` that one (it alone is then imported)."""
    parser = argparse.ArgumentParser(
        prog="neurograph",
        description="See how a neural network really computes: neurons as objects, "
                    "weights as edges, real numbers in every picture.")
    parser.add_argument("--version", action="version", version=f"neurograph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"neurograph.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)   # `neurograph draw …` loads draw only
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:    # bad input: one line, exit 2
        print(f"neurograph {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neurograph {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED


#: exit code after Ctrl-C (128 + SIGINT, as shells report it)
INTERRUPTED = 130


def one_line(exc: BaseException) -> str:
    """The error as one line that names its file: ``[Errno 2] …: 'x.json'`` becomes ``x.json: …``."""
    if isinstance(exc, OSError) and exc.strerror:
        name = exc.filename if exc.filename is not None else ""
        text = exc.strerror if not name or str(name) in exc.strerror else f"{name}: {exc.strerror}"
    elif isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())
