"""The history's SQL schema, one for SQLite and PostgreSQL, and rows <-> SQL values.

    schema_version  version, applied_at                 one row per applied schema version
    runs            one row per run: run.json's identity, status, fingerprints, counts, cost,
                    latency p50/p95 (of every job with a latency) and run.json itself (JSON text)
    results         one row per job: (run_id, job_id) primary key and every column of
                    core/columns.py (scalars as columns, json columns as JSON text)

The results table follows `core/columns.py`: a column added there is added to an existing store
when it is opened (ALTER TABLE ... ADD COLUMN), so new columns flow in without a migration
script; renaming or removing one bumps FORMAT_VERSION and SCHEMA_VERSION together.
(`results`, not `rows`: ROWS is an SQL keyword, and the table holds results.jsonl.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.columns import COLUMN_TYPES, FORMAT_VERSION
from harness.core.secrets import env_secrets, scrub_text
from harness.engine.results import utc_now_iso
from harness.report.stats import percentile

__all__ = [
    "RESULT_KEY",
    "RUN_COLUMNS",
    "SCHEMA_VERSION",
    "Encoder",
    "create_statements",
    "decode_result",
    "decode_run",
    "q",
    "result_columns",
    "run_record",
    "sql_type",
]

SCHEMA_VERSION = 1

RUN_COLUMNS: dict[str, str] = {
    "run_id": "str", "started_at": "str", "finished_at": "str", "status": "str",
    "runner": "str", "mode": "str", "targets": "json", "suites": "json",
    "suites_fp": "str", "prices_fp": "str", "plan_fp": "str", "shard": "str",
    "jobs": "int", "passed": "int", "failed": "int", "cost_usd": "float",
    "p50_ms": "float", "p95_ms": "float", "meta": "json", "format_version": "int",
    "added_at": "str",
}
RESULT_KEY = ("run_id", "job_id")

_TYPES = {
    "sqlite": {"str": "TEXT", "json": "TEXT", "bool": "INTEGER", "int": "INTEGER",
               "float": "REAL"},
    "postgres": {"str": "TEXT", "json": "TEXT", "bool": "BOOLEAN", "int": "BIGINT",
                 "float": "DOUBLE PRECISION"},
}


def q(name: str) -> str:
    """A quoted identifier: `case`, `repeat`, `mode` are SQL keywords in one dialect or another."""
    return '"' + name.replace('"', '""') + '"'


def sql_type(dialect: str, kind: str) -> str:
    return _TYPES[dialect][kind]


def result_columns() -> dict[str, str]:
    """name -> kind of the results table: core/columns.py's columns, run_id and job_id first."""
    return {"run_id": "str", "job_id": "str",
            **{n: k for n, k in COLUMN_TYPES.items() if n not in RESULT_KEY}}


def create_statements(dialect: str) -> list[str]:
    """CREATE TABLE / INDEX IF NOT EXISTS statements of the current schema."""
    def cols(spec: Mapping[str, str]) -> str:
        return ", ".join(f"{q(n)} {sql_type(dialect, k)}" for n, k in spec.items())

    return [
        ("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
         "applied_at TEXT NOT NULL)"),
        f"CREATE TABLE IF NOT EXISTS runs ({cols(RUN_COLUMNS)}, PRIMARY KEY (run_id))",
        (f"CREATE TABLE IF NOT EXISTS results ({cols(result_columns())}, "
         "PRIMARY KEY (run_id, job_id))"),
        "CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at)",
        "CREATE INDEX IF NOT EXISTS results_target ON results (target, run_id)",
    ]


class Encoder:
    """Python values -> SQL values of one kind; every text is scrubbed of the environment's
    secrets (computed once per run appended, not per cell)."""

    def __init__(self, secrets: Sequence[str] | None = None) -> None:
        self.secrets = list(env_secrets() if secrets is None else secrets)

    def text(self, value: str) -> str:
        return scrub_text(value, self.secrets) if self.secrets else value

    def value(self, kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "json":
            return self.text(json.dumps(value, default=str, ensure_ascii=False))
        if kind == "bool":
            return bool(value)
        if kind in ("int", "float"):
            try:
                return int(value) if kind == "int" else float(value)
            except (TypeError, ValueError):
                return None
        return self.text(value if isinstance(value, str) else json.dumps(value, default=str))

    def values(self, spec: Mapping[str, str], record: Mapping[str, Any]) -> list[Any]:
        return [self.value(kind, record.get(name)) for name, kind in spec.items()]


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "json":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if kind == "bool":
        return bool(value)
    return value


def decode_result(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    kinds = result_columns()
    return {n: _decode(kinds.get(n, "str"), v) for n, v in zip(names, values, strict=True)}


def decode_run(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    return {n: _decode(RUN_COLUMNS.get(n, "str"), v) for n, v in zip(names, values, strict=True)}


def run_record(meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
               run_id: str) -> dict[str, Any]:
    """The `runs` row of a run: run.json's keys, its fingerprints, and figures of its rows."""
    fps = meta.get("fingerprints") or {}
    shard = meta.get("shard")
    latencies = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    costs = [float(r["cost_usd"]) for r in rows if r.get("cost_usd") is not None]
    failed = sum(1 for r in rows if not r.get("passed"))
    return {
        "run_id": run_id, "started_at": meta.get("started_at"),
        "finished_at": meta.get("finished_at"), "status": meta.get("status"),
        "runner": meta.get("runner"), "mode": meta.get("mode"),
        "targets": list(meta.get("targets") or dict.fromkeys(str(r.get("target")) for r in rows)),
        "suites": list(meta.get("suites") or []),
        "suites_fp": fps.get("suites"), "prices_fp": fps.get("prices"), "plan_fp": fps.get("plan"),
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "jobs": len(rows), "passed": len(rows) - failed, "failed": failed,
        "cost_usd": sum(costs) if costs else None,
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
        "meta": dict(meta), "format_version": meta.get("format_version") or FORMAT_VERSION,
        "added_at": utc_now_iso(),
    }
