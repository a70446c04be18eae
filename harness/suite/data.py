"""A case's `data:` (a .csv, .jsonl or .parquet file, or an inline list of mappings) -> one
record per variant, each checked against the case's `{{name}}` placeholders.

| source            | values                          | reader                          |
|-------------------|---------------------------------|---------------------------------|
| `.csv`            | strings (header row = names)    | the stdlib csv module           |
| `.jsonl`          | any JSON (one object per line)  | json, line by line              |
| `.parquet`        | the column types                | pyarrow (imported lazily)       |
| inline list       | any YAML value                  | the suite file itself           |

A file path is relative to the suite file's folder and read once per case. A record's key (its
variant) is its `key` column, else its `id` column, else `row=N` (N counts records from 1).
Every placeholder must get a value from every record (or from a matrix variable) and every
column must be used (`key` and `id` may stay unused): otherwise a SuiteError at the case's
`data:` line naming the data file and the record number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.core.models import CheckSpec
from harness.suite.source import SuiteSource
from harness.suite.template import render
from harness.suite.yamlmarks import JsonPath

KEY_COLUMNS = ("key", "id")  # the record's name, in this order; never "unused"
Record = tuple[str, dict[str, Any]]


class DataError(Exception):
    """A data file that cannot be read as records (the message says where in the file)."""


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for n, row in enumerate(rows, start=1):
        if None in row or None in row.values():
            raise DataError(f"record {n} does not have as many fields as the header")
    return rows


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"line {line_no} is not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"line {line_no} is not a JSON object")
            rows.append(row)
    return rows


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq  # heavy: only for suites that use parquet

    try:
        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise DataError(f"not a readable parquet file ({exc})") from None


READERS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    ".csv": _read_csv,
    ".jsonl": _read_jsonl,
    ".parquet": _read_parquet,
}


def read_data(src: SuiteSource, here: JsonPath, data: Any) -> tuple[str, list[dict[str, Any]]]:
    """(what to call the data in messages, its records) for a case's `data:` value."""
    where = here + ("data",)
    if isinstance(data, list):
        return "inline data", [dict(r) for r in data]
    display = src.display
    folder = Path(display).parent if not display.startswith("<") else Path.cwd()
    path = Path(str(data)).expanduser()
    path = path if path.is_absolute() else folder / path
    reader = READERS.get(path.suffix.lower())
    label = src.names.case_label(here[1])
    if reader is None:
        raise src.fail(f"{label} data file {data!r}: not a .csv, .jsonl or .parquet file", where)
    if not path.is_file():
        raise src.fail(f"{label} data file {data!r} not found (paths are relative to the "
                       "suite file's folder)", where)
    try:
        rows = reader(path)
    except (DataError, OSError, UnicodeDecodeError) as exc:
        raise src.fail(f"{label} data file {data!r}: {exc}", where) from None
    if not rows:
        raise src.fail(f"{label} data file {data!r} has no records", where)
    return f"data file {data!r}", rows


def record_key(n: int, row: dict[str, Any]) -> str:
    """The variant name of record `n` (1-based): its key column, else `row=N`."""
    for column in KEY_COLUMNS:
        if column in row and row[column] not in (None, ""):
            value = row[column]
            return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return f"row={n}"


def check_records(
    src: SuiteSource, here: JsonPath, what: str, rows: list[dict[str, Any]],
    used: set[str], given: Iterable[str], optional: Iterable[str] = (),
) -> list[Record]:
    """Each row with its key, after checking that it fills every used placeholder (with the
    names in `given`, the matrix variables) and that each of its columns is used."""
    label, where = src.names.case_label(here[1]), here + ("data",)
    given, optional = set(given), set(optional)
    records: list[Record] = []
    first: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        missing = sorted(used - set(row) - given - optional)
        if missing:
            raise src.fail(
                f"{label} {what}, record {n}: no value for "
                + ", ".join("{{" + m + "}}" for m in missing)
                + f" (its columns: {', '.join(map(str, row)) or 'none'})", where)
        unused = [str(c) for c in row if c not in used and c not in KEY_COLUMNS]
        if unused:
            raise src.fail(
                f"{label} {what}, record {n}: column {', '.join(map(repr, unused))} is not "
                "used by any {{placeholder}} in the case's request or expect", where)
        key = record_key(n, row)
        if key in first:
            raise src.fail(f"{label} {what}, record {n}: key {key!r} is already used by "
                           f"record {first[key]} (each record names a variant)", where)
        first[key] = n
        records.append((key, row))
    return records


def check_rendered_specs(
    src: SuiteSource, here: JsonPath, what: str, specs: list[CheckSpec],
    records: list[Record], extra: dict[str, Any],
) -> None:
    """The check arguments of each record (placeholders filled) are ones the check accepts."""
    from harness.checks.base import validate_check_args

    label = src.names.case_label(here[1])
    for n, (_key, row) in enumerate(records, start=1):
        values = {**extra, **row}
        for spec in specs:
            try:
                validate_check_args(spec.name, render(spec.args, values))
            except UsageError as exc:
                raise src.fail(f"{label} {what}, record {n}: {spec.name}: {exc}",
                               here + ("data",)) from None
