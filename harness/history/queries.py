"""What the history answers, over any Store: the runs of a target, their rows, the last good run.

    rows_of(store, run_id)                               every row of one run
    last_good_run(store, target, suites_fingerprint)     (run_id, rows) | None: the newest
        complete run of that target and suites fingerprint whose every job on the target passed
        (the baseline of `harness gate --against last-good`)
    series(store, target)                                complete runs of a target grouped by
        suites fingerprint, oldest first (runs of different suites are never compared)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.history.store import Store

__all__ = ["TREND_COLUMNS", "last_good_run", "rows_of", "series", "targets_of"]

# the columns trend, drift and regressions read (not request bodies, curl lines, ...)
TREND_COLUMNS = (
    "suite", "case", "target", "endpoint", "variant", "repeat", "status_code", "passed",
    "failures", "checks", "error_class", "error_message", "error_variant", "latency_ms",
    "ttft_ms", "cost_usd", "response_excerpt", "started_at",
)
GOOD = ("complete",)


def rows_of(store: Store, run_id: str, target: str | None = None) -> list[dict[str, Any]]:
    """The rows of one run (of one target when given), every column, by job id."""
    return store.results([run_id], target=target)


def last_good_run(store: Store, target: str, suites_fingerprint: str | None, *,
                  before: str | None = None) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest complete run of `target` with this suites fingerprint in which every job of
    the target passed, and those rows; `before`: only runs older than that run (the candidate,
    which may be in the history already). None when there is none."""
    runs = store.runs(target=target, statuses=GOOD, suites_fp=suites_fingerprint)
    ids = [r["run_id"] for r in runs]
    if before is not None:
        ids = ids[:ids.index(before)] if before in ids else [
            r["run_id"] for r in runs if r["started_at"] < _started(store, before)]
    for run_id in reversed(ids):
        rows = store.results([run_id], target=target)
        if rows and all(r.get("passed") for r in rows):
            return run_id, rows
    return None


def _started(store: Store, run_id: str) -> str:
    found = [r for r in store.runs() if r["run_id"] == run_id]
    return str(found[0]["started_at"]) if found else "9999"


def targets_of(runs: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(t for r in runs for t in r.get("targets") or []))


def series(store: Store, target: str, *,
           statuses: Sequence[str] | None = GOOD) -> list[list[dict[str, Any]]]:
    """Runs of `target` grouped by suites fingerprint (each group oldest first, groups in the
    order of their newest run). Runs without a suites fingerprint (older run folders) group
    by themselves."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for run in store.runs(target=target, statuses=statuses):
        key = run.get("suites_fp") or f"run:{run['run_id']}"
        groups.setdefault(key, []).append(run)
    ordered = sorted(groups.values(), key=lambda g: (g[-1]["started_at"] or "", g[-1]["run_id"]))
    return ordered
