"""The run history: an append-only store of runs, and the questions asked of it.

    spec.py         --history / $HARNESS_HISTORY -> StoreSpec (SQLite file or postgresql://)
    schema.py       the SQL schema (runs, results, schema_version) and rows <-> SQL values
    store.py        Store: one interface and one set of SQL statements for both databases;
                    connect.py: open_store(spec)
    sqlite.py       the embedded default (WAL, busy timeout, BEGIN IMMEDIATE per append)
    postgres.py     a team's store (psycopg 3, imported only when used)
    append.py       run folders and finished runs -> the store (idempotent)
    queries.py      rows_of, last_good_run (the gate's baseline), series
    trend.py        per-run pass rate, latency, TTFT, cost, drift; shapes.py: response keys
    regressions.py  when did a case start failing
    views.py        what `harness history list / trend / regressions` print; render.py, page.py

The layer of report/: it reads run folders (engine.results) and core, never session or cli.
"""
