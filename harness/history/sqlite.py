"""The embedded history: one SQLite file (stdlib sqlite3), safe for concurrent CI jobs.

WAL journal (readers never block the writer), busy_timeout (a writer waits for the file lock
instead of failing with "database is locked"), and one BEGIN IMMEDIATE transaction per append
(the write lock is taken before anything is read, so two appends never interleave). WAL needs
a local file system: keep the file off NFS and SMB shares (point a team at PostgreSQL instead).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.history.spec import HistoryError, StoreSpec
from harness.history.store import Store

__all__ = ["SqliteStore"]

BUSY_TIMEOUT_S = 60.0


class SqliteStore(Store):
    dialect = "sqlite"
    placeholder = "?"
    errors = (sqlite3.Error,)

    def __init__(self, spec: StoreSpec) -> None:
        super().__init__(spec)
        self.path = Path(spec.target)
        if self.path.is_dir():
            raise HistoryError(f"--history {self.path} is a folder: give a file, e.g. "
                               f"{self.path / 'history.sqlite'}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open the history file {self.path}: {exc}") from None
        self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._wal()

    def _wal(self) -> None:
        """Switch to WAL once (it persists in the file); a first open racing another process's
        may find the file locked: retry within the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        cur = self.conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description or ()]
        return names, cur.fetchall()

    def _result_columns_in(self, cur: Any) -> set[str]:
        cur.execute("PRAGMA table_info(results)")
        return {row[1] for row in cur.fetchall()}

    def integrity(self) -> str:
        """`PRAGMA integrity_check`: "ok" for a sound file."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        self.conn.close()
