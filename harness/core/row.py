"""The result row as a typed record: `ResultRow`, one key per column of core/columns.py.

Rows stay plain dicts on the hot path (one per job, written as one JSON line); this TypedDict
gives type checkers and IDEs their shape, and `check_row` holds a row to the column contract
(tests run it over every row the engine, the audit and the pytest plugin make). A test keeps
ResultRow and RESULT_COLUMNS the same list, in the same order, with the same types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, get_type_hints

from harness.core.columns import COLUMN_NAMES, COLUMN_TYPES

__all__ = ["PY_TYPES", "ResultRow", "check_row"]


class ResultRow(TypedDict):
    """One job's row (see core/columns.py for what each column means)."""

    run_id: str
    suite: str
    case: str
    target: str
    provider: str
    model: str
    dialect: str
    endpoint: str
    stream: bool
    variant: str
    repeat: int
    mode: str
    status_code: int | None
    passed: bool
    failures: list[dict[str, Any]]
    error_class: str | None
    error_message: str | None
    latency_ms: float | None
    ttft_ms: float | None
    ttfb_ms: float | None
    itl_ms: float | None
    tokens_per_s: float | None
    stream_events: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    cached_prompt_tokens: int | None
    cost_usd: float | None
    attempts: int
    finish_reason: str | None
    recorded_latency_ms: float | None
    checks: list[str]
    job_id: str
    tags: list[str]
    started_at: str
    request_sent: Any
    response_excerpt: str
    reproduce: str
    turns: int
    turn_latencies_ms: list[float | None]
    request_notes: list[str]
    cassette: str | None
    error_variant: str | None
    retries_exhausted: bool


# column type (core/columns.py) -> the Python types a value of it may have (None: always ok)
PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "bool": (bool,), "int": (int,), "float": (int, float),
    "json": (list, dict, str, int, float, bool),
}


def check_row(row: Mapping[str, Any]) -> list[str]:
    """What is wrong with a row against the column contract: missing columns, values of the
    wrong type (extra columns are allowed: add freely). Empty when the row is right."""
    problems = [f"missing column {name!r}" for name in COLUMN_NAMES if name not in row]
    for name in COLUMN_NAMES:
        value = row.get(name)
        if value is None:
            continue
        allowed = PY_TYPES[COLUMN_TYPES[name]]
        if not isinstance(value, allowed) or (COLUMN_TYPES[name] == "int" and isinstance(value, bool)):
            problems.append(f"column {name!r} is {type(value).__name__} {value!r:.60}, "
                            f"not {COLUMN_TYPES[name]}")
    return problems


def row_types() -> dict[str, Any]:
    """ResultRow's keys and types, in column order."""
    return get_type_hints(ResultRow)
