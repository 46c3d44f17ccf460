"""One module per ``neurograph`` subcommand: ``add_parser(sub)`` and ``run(args)``."""


def parse_numbers(text: str, what: str) -> list[float]:
    """``"0.05,0.10,0.20"`` → ``[0.05, 0.1, 0.2]``; a clear ValueError naming the option otherwise."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, e.g. 0.05,0.10,0.20; got {text!r}") from None
