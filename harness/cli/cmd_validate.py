"""`harness validate SUITE...`: check suites against the schema and the check registry."""

from __future__ import annotations

import argparse
from typing import Any

from harness.cli.argtypes import add_max_jobs


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="validate suite files (schema, checks) without running")
    p.add_argument("suites", nargs="+", metavar="SUITE_OR_DIR")
    add_max_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.suite import load_suites

    suites = load_suites(args.suites, max_jobs=args.max_jobs)
    for suite in suites:
        jobs = sum(
            max(1, _variants(c.matrix)) * c.repeat for c in suite.cases
        )
        print(f"ok  {suite.path}: suite {suite.name!r}, {len(suite.cases)} cases, "
              f"{jobs} requests per target")
    return 0


def _variants(matrix: dict[str, list[Any]]) -> int:
    n = 1
    for values in matrix.values():
        n *= len(values)
    return n
