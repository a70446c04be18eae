"""Suite YAML -> validated `Case`s, or a `SuiteError` naming file, line, excerpt and a hint.

Validation runs in this order and stops at the first problem (the earliest line wins when the
schema finds several):
  1. YAML syntax, empty file, top level not a mapping, duplicate keys (yamlmarks);
  2. the JSON Schema `schema.json` (shape, types, unknown keys with "did you mean"), then the
     modules of `plugins:` are imported (`plugins.py`) so the checks they register are known;
  3. what a schema cannot say: each response_format's json_schema.schema a valid JSON Schema
     (jsonschema's check_schema), unique case ids, messages or raw body after merging defaults,
     matrix keys naming request fields, check names registered and their arguments accepted.

Merging defaults into a case:
  request   deep-merged, the case wins (mappings merge, lists and scalars are replaced);
            a raw case (raw: true) only inherits `endpoint` and `auth`: its body is sent as is
  expect    defaults' entries first, then the case's; a case entry naming the same check as a
            default entry replaces it (so `status: 401` in a case overrides a default `status`)
  tags      defaults' then the case's, duplicates dropped
  targets, dialects, timeout_s, repeat, tool_loop: the case's value when set, else the
            defaults'
  expect_each_turn  merged like expect

Modules, in the order a file goes through them: `source` (read, YAML with line marks, errors
with excerpts), `schema` (the JSON Schema and its errors as one sentence), `cases` (defaults
merged into each case), `request` (the merged request: raw rules, matrix, images, tool loop),
`checkspecs` (expect lists, check names and arguments). `naming` names places in messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import SuiteError, UsageError
from harness.core.models import Case, SourceLoc
from harness.core.paths import name_problem
from harness.suite.cases import Defaults, build_case, read_defaults
from harness.suite.checkspecs import read_specs
from harness.suite.limits import JOBS_FLAG, MAX_CASE_JOBS, jobs_per_target, shape_text
from harness.suite.naming import describe, did_you_mean, dotted, unknown_key_message
from harness.suite.request import RAW_REQUEST_KEYS, deep_merge
from harness.suite.schema import (
    SUITE_SCHEMA_PATH,
    check_document,
    check_embedded_schemas,
    request_fields,
    suite_schema,
)
from harness.suite.source import SuiteSource, excerpt, format_error
from harness.suite.yamlmarks import JsonPath

__all__ = [
    "RAW_REQUEST_KEYS",
    "SUITE_SCHEMA_PATH",
    "SUITE_SUFFIXES",
    "Defaults",
    "Suite",
    "build_case",
    "deep_merge",
    "describe",
    "did_you_mean",
    "dotted",
    "excerpt",
    "format_error",
    "load_suite",
    "load_suite_text",
    "load_suites",
    "read_specs",
    "request_fields",
    "suite_files",
    "suite_schema",
    "unknown_key_message",
]

SUITE_SUFFIXES = (".yaml", ".yml")


@dataclass
class Suite:
    """One suite file: its name, cases (defaults merged in) and the defaults as written."""

    name: str
    path: str
    description: str = ""
    cases: list[Case] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    loc: SourceLoc | None = None


def load_suite(
    path: str | Path, *, validate_checks: bool = True, max_jobs: int = MAX_CASE_JOBS,
    jobs_flag: str = JOBS_FLAG,
) -> Suite:
    """Load and validate one suite file. Raises SuiteError (file, line, excerpt, hint).

    `validate_checks=False` skips looking up check names and arguments in the registry.
    `max_jobs`: the most jobs (matrix variants x repeats) a case may give per target; the
    error names `jobs_flag` as the way to raise it (`suite/limits.py`).
    """
    src = SuiteSource.open(path)
    if src.is_providers_file():
        raise src.providers_file_error()
    return build_suite(src, validate_checks=validate_checks, max_jobs=max_jobs,
                       jobs_flag=jobs_flag)


def load_suite_text(
    text: str, path: str = "<string>", *, validate_checks: bool = True,
    max_jobs: int = MAX_CASE_JOBS, jobs_flag: str = JOBS_FLAG,
) -> Suite:
    """Like `load_suite` for YAML text; `path` is the name shown in errors and SourceLocs."""
    return build_suite(SuiteSource.from_text(text, path), validate_checks=validate_checks,
                       max_jobs=max_jobs, jobs_flag=jobs_flag)


def load_suites(
    paths: Sequence[str | Path], *, validate_checks: bool = True, max_jobs: int = MAX_CASE_JOBS,
    jobs_flag: str = JOBS_FLAG,
) -> list[Suite]:
    """Load suite files and folders (folders: every *.yaml / *.yml below, sorted by path).

    In folders, files or folders whose name starts with '_' or '.' are skipped, and so are
    providers files (a top-level `providers:` and no `cases:`). Files named explicitly are
    always loaded. Suite names must be unique across all files.
    """
    suites: list[Suite] = []
    seen_files: set[Path] = set()
    by_name: dict[str, Suite] = {}
    for file, explicit in _files_of(paths):
        key = file.resolve()
        if key in seen_files:
            continue
        seen_files.add(key)
        src = SuiteSource.open(file)
        if src.is_providers_file():
            if explicit:
                raise src.providers_file_error()
            continue
        suite = build_suite(src, validate_checks=validate_checks, max_jobs=max_jobs,
                            jobs_flag=jobs_flag)
        other = by_name.get(suite.name)
        if other is not None:
            raise src.error(
                f"suite name {suite.name!r} is already used by {other.path}; "
                "give one of them another 'suite:' name",
                src.doc.span(("suite",)) if "suite" in src.doc.data else (1, 1),
            )
        by_name[suite.name] = suite
        suites.append(suite)
    return suites


def suite_files(given: str | Path) -> list[tuple[Path, bool]]:
    """(file, named explicitly) of one given file or folder (SuiteError when it is neither or
    the folder holds no suite file); `harness validate` loads them one by one."""
    return list(_files_of([given]))


def _files_of(paths: Sequence[str | Path]) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) for each given file and the suite files of each folder, lazily
    (so a bad file is reported before a later path that does not exist)."""
    for given in paths:
        p = Path(given)
        if p.is_dir():
            files = _suite_files(p)
            if not files:
                raise SuiteError(f"{p}: no suite files (*.yaml, *.yml) in this folder", path=str(p))
            yield from ((f, False) for f in files)
        elif p.is_file():
            yield p, True
        else:
            raise SuiteError(f"{p}: no such file or folder", path=str(p))


def _suite_files(folder: Path) -> list[Path]:
    found = []
    for file in folder.rglob("*"):
        rel = file.relative_to(folder)
        if any(part.startswith(("_", ".")) for part in rel.parts):
            continue
        if file.suffix in SUITE_SUFFIXES and file.is_file():
            found.append(file)
    return sorted(found, key=lambda f: f.relative_to(folder).as_posix())


def _check_names(src: SuiteSource, name: str, data: dict[str, Any]) -> None:
    """Suite name and case ids become folder names: `.`, `..` and the like are refused here
    (the schema's pattern already refuses separators and control characters)."""
    problem = name_problem(name)
    if problem is not None:
        if data.get("suite"):
            raise src.fail(f"suite name {name!r} {problem}", ("suite",))
        raise src.error(
            f"the suite name {name!r} (the file name without extension) {problem}; "
            "name the suite with a 'suite:' line", (1, 1))
    for i, raw_case in enumerate(data["cases"]):
        problem = name_problem(raw_case["id"])
        if problem is not None:
            raise src.fail(f"case id {raw_case['id']!r} {problem}", ("cases", i, "id"))


def _check_jobs(src: SuiteSource, i: int, case: Case, max_jobs: int, flag: str) -> None:
    """Data records x matrix variants x repeats of one case (per target) within `max_jobs`."""
    jobs = jobs_per_target(case)
    if jobs <= max_jobs:
        return
    data = src.doc.data["cases"][i]
    where: JsonPath = ("cases", i, "repeat")
    for key in ("data", "matrix", "repeat"):
        if key in data:
            where = ("cases", i, key)
            break
    else:
        where = ("defaults", "repeat")
    raise src.fail(
        f"{src.names.case_label(i)} expands to {jobs:,} jobs per target "
        f"({shape_text(case, variants=True)}), "
        f"over the limit of {max_jobs:,} jobs per case; raise it with {flag} N if you mean it",
        where,
    )


def _import_plugins(src: SuiteSource, plugins: list[str]) -> None:
    """The suite's `plugins:`, before its check names are looked up; .py paths are relative
    to the suite's folder."""
    from harness.suite.plugins import import_plugin

    for i, spec in enumerate(plugins):
        try:
            import_plugin(spec, base=Path(src.display).parent)
        except UsageError as exc:
            raise src.fail(f"plugins[{i}] {spec!r}: {exc}", ("plugins", i)) from None


def build_suite(
    src: SuiteSource, *, validate_checks: bool = True, max_jobs: int = MAX_CASE_JOBS,
    jobs_flag: str = JOBS_FLAG,
) -> Suite:
    """A parsed file -> a validated Suite, in the order of the module docstring."""
    doc = src.doc
    if doc.duplicates:
        dup = doc.duplicates[0]
        raise src.error(
            f"duplicate key {dup.key!r} {src.names.where(dup.path)} "
            f"(first written at line {dup.first_line})",
            (dup.line, dup.line),
        )
    check_document(src)
    check_embedded_schemas(src)
    data: dict[str, Any] = doc.data
    _import_plugins(src, data.get("plugins") or [])
    name = data.get("suite") or Path(src.display).stem
    _check_names(src, name, data)
    defaults = read_defaults(src, validate_checks=validate_checks)
    cases: list[Case] = []
    first_id: dict[str, int] = {}
    for i, raw_case in enumerate(data["cases"]):
        cid = raw_case["id"]
        if cid in first_id:
            first = doc.span(("cases", first_id[cid], "id")) or (0, 0)
            raise src.fail(
                f"duplicate case id {cid!r} (first used at line {first[0]})", ("cases", i, "id")
            )
        first_id[cid] = i
        case = build_case(src, name, i, raw_case, defaults, validate_checks=validate_checks)
        _check_jobs(src, i, case, max_jobs, jobs_flag)
        cases.append(case)
    return Suite(
        name=name,
        path=src.display,
        description=data.get("description") or "",
        cases=cases,
        defaults=defaults.data,
        loc=src.loc(()),
    )
