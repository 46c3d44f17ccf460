"""One module per ``neurograph`` subcommand: ``add_parser(sub)`` and ``run(args)``."""
from __future__ import annotations

import argparse


def parse_numbers(text: str, what: str) -> list[float]:
    """``"0.05,0.10,0.20"`` → ``[0.05, 0.1, 0.2]``; a clear ValueError naming the option otherwise."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, e.g. 0.05,0.10,0.20; got {text!r}") from None


class _ExampleFormatter(argparse.HelpFormatter):
    """argparse's wrapping for the description, the example lines kept exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("example:"):
            return text
        return super()._fill_text(text, width, indent)


def example(*commands: str) -> dict:
    """``sub.add_parser`` keyword arguments that end ``--help`` with an example command line."""
    return {"epilog": "example:\n" + "\n".join(f"  {c}" for c in commands), "formatter_class": _ExampleFormatter}


def typed_sample(args) -> tuple[list[float] | None, list[float] | None]:
    """(x, t) typed as --input and --target (None where not given); --target alone is refused."""
    if args.target and not args.input:
        raise ValueError("--target needs --input (the sample whose target it is)")
    x = parse_numbers(args.input, "--input") if args.input else None
    t = parse_numbers(args.target, "--target") if args.target else None
    return x, t
