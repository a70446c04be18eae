"""Trend of one target over runs: pass rate, latency, TTFT and cost per run, and drift.

Pure functions of history rows (no SQL): `trend(runs, rows, case=, check=)` -> one Point per
run, oldest first.

    pass rate     passed jobs / jobs (of the one case with `case`; with `check`: jobs that ran
                  the check and where it did not fail / jobs that ran it); `cases`: cases whose
                  every job passed / cases
    latency       p50 / p95 of latency_ms; TTFT p50 of ttft_ms (streams: first token; else
                  first byte)
    cost per case total known cost_usd / cases
    drift         error envelopes: how many jobs showed each `error_variant`; response shapes:
                  per endpoint, the top-level keys of successful (2xx) bodies, and the keys that
                  appeared or disappeared since the previous run that had that endpoint
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.history.shapes import top_keys
from harness.report.stats import percentile

__all__ = ["Point", "case_key", "trend"]


def case_key(row: Mapping[str, Any]) -> str:
    return f"{row.get('suite')}::{row.get('case')}"


@dataclass
class Point:
    run_id: str
    started_at: str
    status: str
    suites_fp: str
    jobs: int = 0
    passed: int = 0
    cases: int = 0
    cases_passed: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    ttft_p50_ms: float | None = None
    cost_per_case: float | None = None
    error_variants: dict[str, int] = field(default_factory=dict)
    shapes: dict[str, frozenset[str]] = field(default_factory=dict)
    keys_added: dict[str, list[str]] = field(default_factory=dict)
    keys_removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.jobs if self.jobs else None


def _check_passed(row: Mapping[str, Any], check: str) -> bool:
    return not any(f.get("check") == check for f in row.get("failures") or ()
                   if isinstance(f, Mapping))


def _point(run: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
           check: str | None) -> Point:
    point = Point(str(run["run_id"]), str(run.get("started_at") or ""),
                  str(run.get("status") or ""), str(run.get("suites_fp") or ""))
    judged = [r for r in rows if check in (r.get("checks") or ())] if check else list(rows)
    ok = [(_check_passed(r, check) if check else bool(r.get("passed"))) for r in judged]
    point.jobs, point.passed = len(judged), sum(ok)
    by_case: dict[str, bool] = {}
    for r, good in zip(judged, ok, strict=True):
        by_case[case_key(r)] = by_case.get(case_key(r), True) and good
    point.cases, point.cases_passed = len(by_case), sum(by_case.values())
    lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    ttft = [float(r["ttft_ms"]) for r in rows if r.get("ttft_ms") is not None]
    point.p50_ms, point.p95_ms = percentile(lat, 50), percentile(lat, 95)
    point.ttft_p50_ms = percentile(ttft, 50)
    costs = [float(r["cost_usd"]) for r in rows if r.get("cost_usd") is not None]
    cases = len({case_key(r) for r in rows})
    point.cost_per_case = sum(costs) / cases if costs and cases else None
    point.error_variants = dict(sorted(Counter(
        str(r["error_variant"]) for r in rows if r.get("error_variant")).items()))
    point.shapes = _shapes(rows)
    return point


def _shapes(rows: Sequence[Mapping[str, Any]]) -> dict[str, frozenset[str]]:
    """endpoint -> union of the top-level keys of its 2xx bodies in this run."""
    keys: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        code = r.get("status_code")
        if code is None or not 200 <= int(code) < 300:
            continue
        found = top_keys(r.get("response_excerpt"))
        if found is not None:
            keys[str(r.get("endpoint") or "?")].update(found)
    return {ep: frozenset(k) for ep, k in sorted(keys.items())}


def trend(runs: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]], *,
          case: str | None = None, check: str | None = None) -> list[Point]:
    """One Point per run (in the order of `runs`), from the rows of one target."""
    by_run: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if case is None or case_key(r) == case:
            by_run[str(r.get("run_id"))].append(r)
    points = [_point(run, by_run.get(str(run["run_id"]), []), check) for run in runs]
    previous: dict[str, frozenset[str]] = {}
    for p in points:
        for endpoint, keys in p.shapes.items():
            before = previous.get(endpoint)
            if before is not None and keys != before:
                if keys - before:
                    p.keys_added[endpoint] = sorted(keys - before)
                if before - keys:
                    p.keys_removed[endpoint] = sorted(before - keys)
            previous[endpoint] = keys
    return points
