"""Opening the store a spec names (kept apart from store.py: the two databases import it)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from harness.history.spec import HistoryError, StoreSpec
from harness.history.store import Store, store_error

__all__ = ["open_store", "opened"]


def open_store(spec: StoreSpec) -> Store:
    """Open (creating it on first use) the store a spec names; errors name it, password masked."""
    if spec.kind == "postgres":
        from harness.history.postgres import PostgresStore

        store: Store = PostgresStore(spec)
    else:
        from harness.history.sqlite import SqliteStore

        store = SqliteStore(spec)
    try:
        store.ensure_schema()
    except HistoryError:
        store.close()
        raise
    except store.errors as exc:
        store.close()
        raise store_error(store, exc) from None
    return store



@contextlib.contextmanager
def opened(spec: StoreSpec) -> Iterator[Store]:
    store = open_store(spec)
    try:
        yield store
    finally:
        store.close()
