"""A team's history: a PostgreSQL database through psycopg 3 (imported only when used).

One transaction per append (autocommit off inside `conn.transaction()`); schema creation runs
under a transaction-scoped advisory lock, because concurrent CREATE TABLE IF NOT EXISTS can
fail on PostgreSQL's catalogue. Errors are re-raised as HistoryError with the URL's password
masked (psycopg's messages name host and database, never the password, but a URL may be in
them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from harness.history.spec import HistoryError, StoreSpec, mask_url
from harness.history.store import Store

__all__ = ["PostgresStore"]

SCHEMA_LOCK = 0x6C6C6D68  # pg_advisory_xact_lock key of the schema ("llmh")
CONNECT_TIMEOUT_S = 10


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise HistoryError(
            "a postgresql:// history needs psycopg 3: pip install 'psycopg[binary]' "
            "(or llm-contract-harness[postgres])") from None
    return psycopg


class PostgresStore(Store):
    dialect = "postgres"
    placeholder = "%s"

    def __init__(self, spec: StoreSpec) -> None:
        super().__init__(spec)
        psycopg = _psycopg()
        self.errors = (psycopg.Error,)
        try:
            self.conn = psycopg.connect(spec.target, autocommit=True,
                                        connect_timeout=CONNECT_TIMEOUT_S)
        except (psycopg.Error, ValueError) as exc:
            raise HistoryError(f"cannot connect to the history {spec.display}: "
                               f"{mask_url(str(exc)).strip()}") from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        with self.conn.transaction(), self.conn.cursor() as cur:
            yield cur

    def _lock_schema(self, cur: Any) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))

    def _query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, tuple(params))
            names = [d.name for d in cur.description or ()]
            return names, cur.fetchall()

    def _result_columns_in(self, cur: Any) -> set[str]:
        cur.execute("SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'results' AND table_schema = current_schema()")
        return {row[0] for row in cur.fetchall()}

    def close(self) -> None:
        self.conn.close()
