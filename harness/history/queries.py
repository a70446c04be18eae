"""What the history answers, over any Store: the runs of a target, their rows, the last good run.

    rows_of(store, run_id)                               every row of one run
    last_good_run(store, target, suites_fingerprint)     (run_id, rows) | None: the newest
        complete run of that target and suites fingerprint whose every job on the target passed
        (the baseline of `harness gate --against last-good`)
    last_good_baselines(store, candidate_run_json)       {target: (run_id, rows) | None}
    series(store, target)                                complete runs of a target grouped by
        suites fingerprint, oldest first (runs of different suites are never compared)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.history.store import Store

__all__ = ["TREND_COLUMNS", "last_good_baselines", "last_good_run", "rows_of", "series",
           "targets_of"]

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
                  before: str | None = None, started_before: str | None = None,
                  ) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest complete run of `target` with this suites fingerprint in which every job of
    the target passed, and those rows (of the target). `before`: a run id (the candidate, which
    may be in the history already): only runs older than it, never itself; `started_before`:
    only runs started before that time (a candidate not in the history). None when none is."""
    runs = store.runs(target=target, statuses=GOOD, suites_fp=suites_fingerprint)
    if before is not None:
        ids = [r["run_id"] for r in runs]
        if before in ids:
            runs = runs[:ids.index(before)]
        else:
            started_before = started_before or _started(store, before)
    if started_before is not None:
        runs = [r for r in runs if str(r.get("started_at") or "") < started_before]
    for run in reversed(runs):
        rows = store.results([run["run_id"]], target=target)
        if rows and all(r.get("passed") for r in rows):
            return run["run_id"], rows
    return None


def last_good_baselines(store: Store, candidate: Mapping[str, Any]
                        ) -> dict[str, tuple[str, list[dict[str, Any]]] | None]:
    """`harness gate CANDIDATE --against last-good`: for each target of the candidate run
    (its run.json), the last good run of that target with the candidate's suites fingerprint,
    older than the candidate; None for a target that has none."""
    fp = (candidate.get("fingerprints") or {}).get("suites")
    run_id = candidate.get("run_id")
    started = candidate.get("started_at")
    return {t: last_good_run(store, t, fp, before=run_id, started_before=started)
            for t in candidate.get("targets") or []}


def _started(store: Store, run_id: str) -> str | None:
    found = [r for r in store.runs() if r["run_id"] == run_id]
    return str(found[0]["started_at"]) if found else None


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
