"""`harness validate FILE...`: check suites (schema, checks) and providers files without running."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.cli.argtypes import add_max_jobs


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "validate", help="validate suite files (schema, checks) and providers files without running",
        description="Load suite files and folders as `harness run` would (YAML, the suite "
        "schema, defaults, check names and arguments, job limits) and providers files (schema, "
        "extends, URLs) without sending anything. Every error of every file is printed; exit 0 "
        "when all are valid, 2 when one is not.",
    )
    p.add_argument("suites", nargs="+", metavar="SUITE_OR_DIR",
                   help="suite files and folders; a providers file named here is validated as one")
    add_max_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.suite import load_suites

    providers_files = [p for p in args.suites if _is_providers_file(p)]
    for path in providers_files:
        _validate_providers(path)
    suite_args = [p for p in args.suites if p not in providers_files]
    suites = load_suites(suite_args, max_jobs=args.max_jobs) if suite_args else []
    for suite in suites:
        jobs = sum(
            max(1, _variants(c.matrix)) * c.repeat for c in suite.cases
        )
        print(f"ok  {suite.path}: suite {suite.name!r}, {len(suite.cases)} cases, "
              f"{jobs} requests per target")
    return 0


def _is_providers_file(given: str) -> bool:
    from harness.suite.source import SuiteSource

    if not Path(given).is_file():
        return False
    return SuiteSource.open(given).is_providers_file()


def _validate_providers(path: str) -> None:
    """The file as `--providers` would load it (schema, extends, URLs), then one 'ok' line."""
    from harness.providers.catalogue import load_catalogue
    from harness.providers.source import ProvidersSource

    names = list(ProvidersSource.open(path).doc.data["providers"])
    catalogue = load_catalogue([path])
    models = sum(len(catalogue.providers[n].models) for n in names)
    print(f"ok  {Path(path)}: providers file, {len(names)} providers, {models} models")


def _variants(matrix: dict[str, list[Any]]) -> int:
    n = 1
    for values in matrix.values():
        n *= len(values)
    return n
