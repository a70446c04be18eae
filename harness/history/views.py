"""The `harness history` views over a store: what `list`, `trend` and `regressions` print.

Each returns text (and the data behind it, for tests and the HTML page); the CLI only prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import UsageError
from harness.history.queries import TREND_COLUMNS, series, targets_of
from harness.history.regressions import Regression, regressions
from harness.history.render import drift_lines, runs_table, trend_table, variant_table
from harness.history.schema import run_record
from harness.history.store import Store
from harness.history.trend import Point, trend

__all__ = ["RegressionReport", "list_view", "regression_report", "trend_points", "trend_text"]


def list_view(store: Store, *, target: str | None = None, last: int | None = None) -> str:
    """Runs, oldest first; with `target`, jobs, pass rate, p95 and cost are that target's."""
    runs = store.runs(target=target, last=last)
    if not runs:
        return "no run in the history" + (f" for {target}" if target else "")
    if target is not None:
        rows = store.results([r["run_id"] for r in runs], target=target,
                             columns=("passed", "latency_ms", "cost_usd"))
        runs = [_target_figures(r, [x for x in rows if x["run_id"] == r["run_id"]])
                for r in runs]
    return runs_table(runs)


def _target_figures(run: dict[str, Any], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    figures = run_record({}, rows, run["run_id"])
    return {**run, **{k: figures[k] for k in ("jobs", "passed", "cost_usd", "p95_ms")}}


def trend_points(store: Store, target: str, *, case: str | None = None,
                 check: str | None = None, last: int | None = None) -> list[Point]:
    runs = store.runs(target=target, last=last)
    if not runs:
        known = targets_of(store.runs())
        raise UsageError(f"no run of {target} in the history {store.display}"
                         + (f"; its targets: {', '.join(known)}" if known else ""))
    rows = store.results([r["run_id"] for r in runs], target=target, columns=TREND_COLUMNS)
    if case is not None and not any(f"{r['suite']}::{r['case']}" == case for r in rows):
        raise UsageError(f"no job of case {case!r} on {target} in these runs (give it as "
                         "SUITE::CASE)")
    return trend(runs, rows, case=case, check=check)


def trend_text(points: Sequence[Point], title: str) -> str:
    parts = [title, trend_table(points)]
    fps = list(dict.fromkeys(p.suites_fp for p in points))
    if len(fps) > 1:
        parts.append(f"note: the suites changed across these runs ({len(fps)} suites "
                     "fingerprints): compare pass rates with care")
    variants = variant_table(points)
    if variants:
        parts += ["", "error envelopes (jobs per error_variant)", variants]
    drift = drift_lines(points)
    parts += ["", "drift:", *(f"  {d}" for d in drift)] if drift else [
        "", "no drift: the same error envelopes and response keys in every run"]
    return "\n".join(parts)


@dataclass
class RegressionReport:
    found: list[Regression] = field(default_factory=list)
    never: list[str] = field(default_factory=list)  # "target: suite::case"
    lines: list[str] = field(default_factory=list)

    @property
    def open(self) -> list[Regression]:
        return [r for r in self.found if r.recovered_run is None]


def regression_report(store: Store, *, target: str | None = None,
                      last: int | None = None) -> RegressionReport:
    """Regressions of every target (or one), each series of runs of the same suites
    fingerprint walked in time order (harness/history/regressions.py has the rule)."""
    report = RegressionReport()
    names = [target] if target else targets_of(store.runs(statuses=("complete",)))
    for name in names:
        for runs in series(store, name):
            window = runs[-last:] if last else runs
            rows = store.results([r["run_id"] for r in window], target=name,
                                 columns=TREND_COLUMNS)
            by_run: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                by_run.setdefault(row["run_id"], []).append(row)
            found, never = regressions(name, window, by_run,
                                       first_night=len(runs) - len(window) + 1)
            report.found += found
            report.never += [f"{name}: {c}" for c in never]
    report.found.sort(key=lambda r: (r.target, r.night, r.case))
    none = "no regression: no case started failing after having passed"
    report.lines = [r.line() for r in report.found] or [none]
    if report.never:
        report.lines.append("never passed in these runs (not regressions): "
                            + ", ".join(report.never))
    return report
