"""`expect:` lists -> `CheckSpec`s, with check names and arguments validated at load time.

The check registry is imported lazily (the suite package sits below checks in the layers): a
misspelt check is then a usage error with file and line, not a failed run.
"""

from __future__ import annotations

from typing import Any

from harness.core.errors import UnknownCheckError, UsageError
from harness.core.models import CheckSpec
from harness.suite.source import SuiteSource
from harness.suite.yamlmarks import JsonPath


def read_specs(
    src: SuiteSource, items: list[Any], base: JsonPath, *, validate: bool = True
) -> list[CheckSpec]:
    """Each item (`name` or `{name: args}`, shape already checked by the schema) as a spec."""
    specs = []
    for j, item in enumerate(items):
        path = base + (j,)
        if isinstance(item, str):
            name, args = item, None
        else:
            ((name, args),) = item.items()
        if validate:
            check_check(src, name, args, path)
        specs.append(CheckSpec(name=name, args=args, loc=src.loc(path)))
    return specs


def merge_specs(defaults: list[CheckSpec], own: list[CheckSpec]) -> list[CheckSpec]:
    """The defaults' specs first, then the case's; a case spec replaces a default of its name."""
    overridden = {s.name for s in own}
    return [s for s in defaults if s.name not in overridden] + own


def check_check(src: SuiteSource, name: str, args: Any, path: JsonPath) -> None:
    """The check is registered and accepts its arguments (else a SuiteError at `path`)."""
    from harness.checks.base import CHECKS, get_check, validate_check_args

    subject = src.names.subject(path)
    try:
        get_check(name)
    except UnknownCheckError as exc:
        if ":" in name:
            raise src.fail(f"{subject}: {exc}", path) from None
        hint = CHECKS.suggest(name)
        msg = f"unknown check {name!r} in {subject}"
        if hint:
            msg += f"; did you mean {hint!r}?"
        else:
            msg += f"; known checks: {', '.join(CHECKS.names()) or '(none registered)'}"
        raise src.fail(msg, path) from None
    try:
        validate_check_args(name, args)
    except UsageError as exc:
        raise src.fail(f"{subject}: {exc}", path) from None
