"""`harness validate FILE...`: check suites (schema, checks) and providers files without running;
every error of every file is printed, then exit 2 if there was one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.cli.argtypes import add_max_jobs, add_selection
from harness.core.errors import SuiteError, UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "validate", help="validate suite files (schema, checks) and providers files without running",
        description="Load suite files and folders as `harness run` would (YAML, the suite "
        "schema, plugins, defaults, check names and arguments, job limits) and providers files "
        "(schema, extends, URLs) without sending anything. Every error of every file is "
        "printed; exit 0 when all are valid, 2 when one is not.",
    )
    p.add_argument("suites", nargs="+", metavar="SUITE_OR_DIR",
                   help="suite files and folders; a providers file named here is validated as one")
    add_selection(p)
    add_max_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.session.select import Selection
    from harness.suite.limits import jobs_per_target
    from harness.suite.plugins import import_plugins

    selection = Selection(tuple(args.case), tuple(args.tag), args.repeat)
    import_plugins(args.plugin)
    errors: list[str] = []
    suites = _load_all(args, errors)
    try:
        kept = {s.path: s for s in selection.apply(suites)} if suites else {}
    except UsageError as exc:
        errors.append(str(exc))
        kept = {}
    for suite in suites:
        chosen = kept.get(suite.path)
        cases = chosen.cases if chosen is not None else []
        jobs = sum(jobs_per_target(c) for c in cases)
        count = (f"{len(cases)} of {len(suite.cases)} cases selected" if selection.filters
                 else f"{len(cases)} cases")
        print(f"ok  {suite.path}: suite {suite.name!r}, {count}, {jobs} requests per target")
    for message in errors:
        sys.stderr.write(f"error: {message}\n")
    if errors:
        sys.stderr.write(f"{len(errors)} error(s)\n")
    return 2 if errors else 0


def _load_all(args: argparse.Namespace, errors: list[str]) -> list[Any]:
    """Every file of every argument, each loaded on its own so that one bad file does not
    hide the next; errors appended to `errors`."""
    from harness.suite.loader import build_suite, suite_files
    from harness.suite.source import SuiteSource

    suites: list[Any] = []
    by_name: dict[str, str] = {}
    seen: set[Path] = set()
    for given in args.suites:
        try:
            if _is_providers_file(given):
                _validate_providers(given)
                continue
            files = suite_files(given)
        except UsageError as exc:
            errors.append(str(exc))
            continue
        for file, explicit in files:
            if file.resolve() in seen:
                continue
            seen.add(file.resolve())
            try:
                src = SuiteSource.open(file)
                if src.is_providers_file():
                    if explicit:
                        raise src.providers_file_error()
                    continue
                suite = build_suite(src, max_jobs=args.max_jobs)
            except SuiteError as exc:
                errors.append(str(exc))
                continue
            if suite.name in by_name:
                errors.append(f"{suite.path}: suite name {suite.name!r} is already used by "
                              f"{by_name[suite.name]}; give one of them another 'suite:' name")
                continue
            by_name[suite.name] = suite.path
            suites.append(suite)
    return suites


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
