"""The command line: one module per command, each with `add_parser(subparsers)` and `run(args)`.

Command modules import their heavy dependencies inside `run`, so `harness --help` stays fast.
"""
