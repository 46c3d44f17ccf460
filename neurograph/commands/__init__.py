"""One module per ``neurograph`` subcommand: ``add_parser(sub)`` and ``run(args)``."""
