"""The history store: one interface, two databases (SQLite file, PostgreSQL), one schema.

    with open_store(spec) as store:        # harness/history/connect.py
        store.add(record, rows)      # True: appended; False: the run was already there
        store.runs(target=...)       # runs rows, oldest first
        store.results([run_id], columns=[...], target=...)

Every SQL statement is shared; the dialects differ only in how they connect, how a write
transaction begins (SQLite: BEGIN IMMEDIATE, so concurrent writer processes queue on the file
lock instead of failing halfway; PostgreSQL: a transaction plus an advisory lock while the
schema is created), their placeholder and their column types. An append is one transaction:
the run row with ON CONFLICT DO NOTHING, then its results only when the run row was new, so
appending a run twice, or from two CI jobs at once, stores it once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Self

from harness.engine.results import utc_now_iso
from harness.history.schema import (
    RUN_COLUMNS,
    SCHEMA_VERSION,
    Encoder,
    create_statements,
    decode_result,
    decode_run,
    q,
    result_columns,
    sql_type,
)
from harness.history.spec import HistoryError, StoreSpec, mask_url

__all__ = ["Store", "store_error"]

CHUNK = 500  # run ids per IN (...) list


class Store:
    """A history database. Subclasses give `dialect`, `placeholder` and the connection hooks."""

    dialect = ""
    placeholder = "?"
    errors: tuple[type[BaseException], ...] = ()  # the driver's errors (wrapped: HistoryError)

    def __init__(self, spec: StoreSpec) -> None:
        self.spec = spec
        self.display = spec.display

    # -- hooks ------------------------------------------------------------------------------

    def _write(self) -> contextlib.AbstractContextManager[Any]:
        """A cursor inside one write transaction (committed on exit, rolled back on error)."""
        raise NotImplementedError

    def _query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def _lock_schema(self, cur: Any) -> None:
        """Serialise schema creation between processes (PostgreSQL); SQLite's lock does it."""

    def _result_columns_in(self, cur: Any) -> set[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------

    def sql(self, text: str) -> str:
        return text if self.placeholder == "?" else text.replace("?", self.placeholder)

    def ensure_schema(self) -> None:
        """Create the tables (first use), check the schema version, add new result columns."""
        with self._write() as cur:
            self._lock_schema(cur)
            for statement in create_statements(self.dialect):
                cur.execute(statement)
            cur.execute("SELECT MAX(version) FROM schema_version")
            found = cur.fetchone()[0]
            if found is None:
                cur.execute(self.sql("INSERT INTO schema_version (version, applied_at) "
                                     "VALUES (?, ?)"), (SCHEMA_VERSION, utc_now_iso()))
            elif int(found) > SCHEMA_VERSION:
                raise HistoryError(
                    f"history store {self.display} has schema version {found}, newer than this "
                    f"harness's ({SCHEMA_VERSION}): upgrade llm-contract-harness")
            have = self._result_columns_in(cur)
            for name, kind in result_columns().items():
                if name not in have:
                    cur.execute(f"ALTER TABLE results ADD COLUMN {q(name)} "
                                f"{sql_type(self.dialect, kind)}")

    def add(self, record: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
            encoder: Encoder | None = None) -> bool:
        """Append a run and its rows in one transaction; False (and nothing written) when the
        run id is already in the store."""
        enc = encoder or Encoder()
        run_cols = list(RUN_COLUMNS)
        res = result_columns()
        run_id = record["run_id"]
        with self._write() as cur:
            cur.execute(self.sql(
                f"INSERT INTO runs ({', '.join(map(q, run_cols))}) VALUES "
                f"({', '.join('?' for _ in run_cols)}) ON CONFLICT (run_id) DO NOTHING"),
                enc.values(RUN_COLUMNS, record))
            if cur.rowcount == 0:
                return False
            values = [enc.values(res, {**row, "run_id": run_id}) for row in rows]
            if values:
                cur.executemany(self.sql(
                    f"INSERT INTO results ({', '.join(map(q, res))}) VALUES "
                    f"({', '.join('?' for _ in res)}) ON CONFLICT (run_id, job_id) DO NOTHING"),
                    values)
        return True

    def has_run(self, run_id: str) -> bool:
        _, found = self._query(self.sql("SELECT 1 FROM runs WHERE run_id = ?"), (run_id,))
        return bool(found)

    def runs(self, *, target: str | None = None, statuses: Sequence[str] | None = None,
             suites_fp: str | None = None, last: int | None = None) -> list[dict[str, Any]]:
        """Runs, oldest first (started_at, then run id); `last`: only the newest N of them."""
        names, found = self._query(
            f"SELECT {', '.join(map(q, RUN_COLUMNS))} FROM runs ORDER BY started_at, run_id")
        out = [decode_run(names, values) for values in found]
        if target is not None:
            out = [r for r in out if target in (r.get("targets") or [])]
        if statuses is not None:
            out = [r for r in out if r.get("status") in statuses]
        if suites_fp is not None:
            out = [r for r in out if r.get("suites_fp") == suites_fp]
        return out[-last:] if last else out

    def results(self, run_ids: Sequence[str], *, columns: Sequence[str] | None = None,
                target: str | None = None) -> list[dict[str, Any]]:
        """Result rows of these runs (all columns unless `columns`), by run then job id."""
        known = result_columns()
        cols = list(dict.fromkeys(["run_id", "job_id", *(columns or known)]))
        unknown = [c for c in cols if c not in known]
        if unknown:
            raise ValueError(f"not result columns: {unknown}")
        out: list[dict[str, Any]] = []
        ids = list(dict.fromkeys(run_ids))
        for i in range(0, len(ids), CHUNK):
            part = ids[i:i + CHUNK]
            where = f"run_id IN ({', '.join('?' for _ in part)})"
            params: list[Any] = list(part)
            if target is not None:
                where += " AND target = ?"
                params.append(target)
            names, found = self._query(self.sql(
                f"SELECT {', '.join(map(q, cols))} FROM results WHERE {where} "
                "ORDER BY run_id, job_id"), params)
            out.extend(decode_result(names, values) for values in found)
        return out

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def store_error(store: Store, exc: BaseException) -> HistoryError:
    """A driver error as a HistoryError naming the store (password masked)."""
    return HistoryError(f"history store {store.display}: {mask_url(str(exc)).strip()}")
