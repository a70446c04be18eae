"""Candidate rows + baseline rows + a GateSpec -> GateVerdict: one result per threshold.

`judge_rows` is the core and knows nothing of run folders (the history store calls it with
baseline rows of its own). The thresholds are the table `THRESHOLDS`: a name, the spec key
that holds its limit, and a function from the evidence to a `ThresholdResult`. A threshold
whose limit is null, or that has nothing to judge (no common streamed case for TTFT), is SKIP:
named in the verdict, never silently absent.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.gating.cases import (
    CaseKey,
    CaseRuns,
    Flip,
    classify,
    group_cases,
    select_target,
)
from harness.gating.spec import GateSpec, Match
from harness.report import fmt, stats

__all__ = ["THRESHOLDS", "GateVerdict", "Side", "ThresholdResult", "judge_rows"]

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
MAX_ITEMS = 50
ON_TEXT = {"point": "point estimate", "wilson_low": "95% Wilson lower bound"}


@dataclass
class ThresholdResult:
    """One threshold's verdict: what was measured, the limit, and why it passed or failed."""

    name: str
    value: Any  # the measured number (None when there was nothing to measure)
    limit: Any  # the spec's limit (None: not judged)
    passed: bool
    detail: str
    status: str = PASS  # PASS | FAIL | SKIP
    shown_value: str = ""
    shown_limit: str = ""
    items: list[str] = field(default_factory=list)  # the cases or jobs behind a FAIL


@dataclass
class Side:
    """Which run and target one side of the gate is."""

    run_id: str
    target: str
    cases: int
    jobs: int


@dataclass
class GateVerdict:
    passed: bool
    results: list[ThresholdResult]
    candidate: Side
    baseline: Side
    common_cases: int
    flips: list[Flip]
    spec: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def failed(self) -> list[ThresholdResult]:
        return [r for r in self.results if r.status == FAIL]

    def result(self, name: str) -> ThresholdResult:
        return next(r for r in self.results if r.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "exit_code": self.exit_code,
                "candidate": asdict(self.candidate), "baseline": asdict(self.baseline),
                "common_cases": self.common_cases,
                "thresholds": [asdict(r) for r in self.results],
                "flips": [{**asdict(f), "counts_as_regression": f.counts_as_regression}
                          for f in self.flips],
                "spec": self.spec, "notes": self.notes}


@dataclass
class Evidence:
    """What every threshold reads: both sides' cases, the common ones, the flips."""

    spec: GateSpec
    cand: dict[CaseKey, CaseRuns]
    base: dict[CaseKey, CaseRuns]
    common: list[CaseKey]
    flips: list[Flip]
    cand_rows: list[Mapping[str, Any]]  # the candidate target's rows
    run_rows: Sequence[Mapping[str, Any]]  # every candidate row (the budget is per run)


def _result(name: str, value: Any, limit: Any, failed: bool, detail: str, shown: str,
            shown_limit: str, items: Sequence[str] = (), skip: bool = False) -> ThresholdResult:
    status = SKIP if skip else FAIL if failed else PASS
    return ThresholdResult(name, value, limit, status != FAIL, detail, status, shown,
                           shown_limit, list(items)[:MAX_ITEMS] if status == FAIL else [])


# -- the thresholds -------------------------------------------------------------------------------


def _pass_rate(ev: Evidence) -> ThresholdResult:
    limit, on = ev.spec.min_pass_rate, ev.spec.min_pass_rate_on
    jobs = len(ev.cand_rows)
    passed = sum(bool(r.get("passed")) for r in ev.cand_rows)
    rate = passed / jobs if jobs else None
    ci = stats.wilson_interval(passed, jobs)
    judged = ci[0] if on == "wilson_low" and ci else rate
    shown = f"{fmt.rate_ci(rate, *(ci or (None, None)))} ({passed}/{jobs} jobs)"
    failed = limit is not None and judged is not None and judged < limit
    return _result("pass_rate", judged, limit, failed,
                   f"candidate pass rate (passed jobs / jobs), judged on the {ON_TEXT[on]}", shown,
                   f">= {fmt.pct(limit)} ({on})" if limit is not None else "not set",
                   skip=limit is None or judged is None)


def _regressions(ev: Evidence) -> ThresholdResult:
    counted = [f for f in ev.flips if f.counts_as_regression]
    stable = sum(f.kind == "stable regression" for f in counted)
    noise = sum(f.kind == "noise" and _worse(f) for f in ev.flips)
    detail = (f"{stable} stable (passed every baseline repeat, failed every candidate one), "
              f"{len(counted) - stable} significant (Fisher p < {ev.spec.alpha:g}), {noise} "
              f"within noise, over {len(ev.common)} common cases")
    return _result("regressions", len(counted), ev.spec.max_regressions,
                   len(counted) > ev.spec.max_regressions, detail, str(len(counted)),
                   f"<= {ev.spec.max_regressions}",
                   [f"{f.case}: {f.baseline} -> {f.candidate} ({f.kind})" for f in counted])


def _worse(f: Flip) -> bool:
    def rate(text: str) -> float:
        k, n = text.split("/")
        return int(k) / int(n)

    return rate(f.candidate) < rate(f.baseline)


def _pass_rate_drop(ev: Evidence) -> ThresholdResult:
    limit, n = ev.spec.max_pass_rate_drop, len(ev.common)
    worse = sum(ev.cand[k].rate < ev.base[k].rate for k in ev.common)
    better = sum(ev.cand[k].rate > ev.base[k].rate for k in ev.common)
    diff = stats.mcnemar_interval(worse, better, n, ev.spec.alpha)
    if diff is None:
        return _result("pass_rate_drop", None, limit, False, "no common case", fmt.DASH,
                       f"<= {100 * limit:.1f} pp", skip=True)
    d, low, high = diff
    p = stats.mcnemar_exact(worse, better)
    detail = (f"net change of the share of common cases passing, {worse} worse / {better} "
              f"better of {n}; exact interval agreeing with McNemar's exact p = "
              f"{fmt.pvalue(p)}; FAIL when the whole interval is below -limit")
    return _result("pass_rate_drop", -d, limit, high < -limit, detail,
                   fmt.diff_ci(d, low, high), f"drop <= {100 * limit:.1f} pp")


def _ratio_threshold(name: str, attr: str, limit: float | None, q: float,
                     ev: Evidence) -> ThresholdResult:
    pairs = [(stats.median(getattr(ev.base[k], attr)), stats.median(getattr(ev.cand[k], attr)))
             for k in ev.common if getattr(ev.base[k], attr) and getattr(ev.cand[k], attr)]
    base = [float(b) for b, _ in pairs if b is not None]
    cand = [float(c) for _, c in pairs if c is not None]
    level = 1 - ev.spec.alpha
    got = stats.bootstrap_ratio(base, cand, q, level=level) if len(base) == len(cand) else None
    shown_limit = f"<= {limit:.2f}x" if limit is not None else "not set"
    if got is None:
        return _result(name, None, limit, False, f"fewer than 2 common cases with {attr}",
                       fmt.DASH, shown_limit, skip=True)
    ratio, low, high = got
    detail = (f"candidate / baseline p{q:g} over {len(base)} common cases (each case's median "
              f"over its repeats), paired bootstrap {100 * level:g}% interval; FAIL when its "
              "lower bound exceeds the limit")
    return _result(name, ratio, limit, limit is not None and low > limit, detail,
                   fmt.ratio_ci(ratio, low, high), shown_limit, skip=limit is None)


def _cost_ratio(ev: Evidence) -> ThresholdResult:
    limit = ev.spec.max_cost_ratio
    priced = [k for k in ev.common if not ev.base[k].cost_unknown and not ev.cand[k].cost_unknown
              and ev.base[k].cost_jobs and ev.cand[k].cost_jobs]
    # each case's mean cost per priced job, so repeats or unbilled errors do not tilt it
    base = sum(ev.base[k].cost_per_job or 0.0 for k in priced)
    cand = sum(ev.cand[k].cost_per_job or 0.0 for k in priced)
    excluded = len(ev.common) - len(priced)
    shown_limit = f"<= {limit:.2f}x" if limit is not None else "not set"
    if not priced or base <= 0:
        return _result("cost_ratio", None, limit, False, "no common case priced on both sides",
                       fmt.DASH, shown_limit, skip=True)
    ratio = cand / base
    detail = (f"candidate {fmt.usd(cand)} / baseline {fmt.usd(base)} USD, the sum over "
              f"{len(priced)} common cases priced on both sides of each case's mean cost per "
              f"priced job ({excluded} with an unknown cost excluded)")
    return _result("cost_ratio", ratio, limit, limit is not None and ratio > limit, detail,
                   fmt.ratio(ratio), shown_limit, skip=limit is None)


def _matches(m: Match, row: Mapping[str, Any]) -> bool:
    if m.kind == "check":
        return any(fnmatch.fnmatchcase(str(f.get("check", "")), m.pattern)
                   for f in row.get("failures") or [] if isinstance(f, dict))
    if m.kind == "tag":
        return any(fnmatch.fnmatchcase(str(t), m.pattern) for t in row.get("tags") or [])
    suite_case = f"{row.get('suite')}::{row.get('case')}"
    full = suite_case + (f"::{row['variant']}" if row.get("variant") else "")
    return fnmatch.fnmatchcase(suite_case, m.pattern) or fnmatch.fnmatchcase(full, m.pattern)


def _must_pass(ev: Evidence) -> ThresholdResult:
    entries = ev.spec.must_pass
    bad = []
    for r in ev.cand_rows:
        hit = None if r.get("passed") else next((m for m in entries if _matches(m, r)), None)
        if hit is not None:
            bad.append(f"{r.get('job_id')} ({hit.label()})")
    shown_limit = "; ".join(m.label() for m in entries) or "not set"
    return _result("must_pass", len(bad), 0, bool(bad),
                   "failing candidate jobs matching a must_pass entry", str(len(bad)),
                   f"0 failing ({shown_limit})" if entries else "not set", bad,
                   skip=not entries)


def _expected(ev: Evidence, runs: CaseRuns) -> Match | None:
    for m in ev.spec.expected_differences:
        if m.kind == "tag" and any(fnmatch.fnmatchcase(t, m.pattern) for t in runs.tags):
            return m
        if m.kind == "case" and (fnmatch.fnmatchcase(runs.label, m.pattern) or
                                 fnmatch.fnmatchcase("::".join(runs.key[:2]), m.pattern)):
            return m
    return None


def _missing_cases(ev: Evidence) -> ThresholdResult:
    missing = [runs for k, runs in ev.base.items() if k not in ev.cand]
    unexpected = [r.label for r in missing if _expected(ev, r) is None]
    expected = len(missing) - len(unexpected)
    limit = ev.spec.max_missing_cases
    detail = (f"baseline cases the candidate did not run: {len(missing)}, of which "
              f"{expected} expected (expected_differences) and {len(unexpected)} not")
    if unexpected:
        detail += ("; a case limited to one side by design (e.g. `dialects:` in its suite) "
                   "belongs in the gate file's expected_differences")
    return _result("missing_cases", len(unexpected), limit, len(unexpected) > limit, detail,
                   str(len(unexpected)), f"<= {limit} unexpected", unexpected)


def _new_failures(ev: Evidence) -> ThresholdResult:
    new = [r for k, r in ev.cand.items() if k not in ev.base]
    failing = [f"{r.label}: {r.counts}" for r in new if r.passed < r.jobs]
    limit = ev.spec.max_new_failures
    return _result("new_failures", len(failing), limit, len(failing) > limit,
                   f"failing cases among the {len(new)} only the candidate ran",
                   str(len(failing)), f"<= {limit}", failing)


def _budget(ev: Evidence) -> ThresholdResult:
    limit = ev.spec.budget_usd
    known = [float(r["cost_usd"]) for r in ev.run_rows if isinstance(r.get("cost_usd"),
                                                                      (int, float))]
    unknown = sum(1 for r in ev.run_rows if not isinstance(r.get("cost_usd"), (int, float))
                  and isinstance(r.get("status_code"), int) and 200 <= r["status_code"] < 300)
    total = sum(known)
    detail = f"known cost of the candidate run ({len(known)} priced jobs)" + (
        f"; {unknown} job(s) with an unknown cost not counted (flagged, not failed)"
        if unknown else "")
    return _result("budget_usd", total, limit, limit is not None and total > limit, detail,
                   fmt.usd_unknown(total, unknown),
                   f"<= {fmt.usd(limit)} USD" if limit is not None else "not set",
                   skip=limit is None)


Judge = Callable[[Evidence], ThresholdResult]

# name -> how it is judged; the order of the verdict
THRESHOLDS: tuple[tuple[str, Judge], ...] = (
    ("pass_rate", _pass_rate),
    ("regressions", _regressions),
    ("pass_rate_drop", _pass_rate_drop),
    ("latency_p50_ratio",
     lambda ev: _ratio_threshold("latency_p50_ratio", "latencies", ev.spec.max_latency_ratio,
                                 50, ev)),
    ("latency_p95_ratio",
     lambda ev: _ratio_threshold("latency_p95_ratio", "latencies", ev.spec.max_latency_ratio,
                                 95, ev)),
    ("ttft_p50_ratio",
     lambda ev: _ratio_threshold("ttft_p50_ratio", "ttfts", ev.spec.max_ttft_ratio, 50, ev)),
    ("ttft_p95_ratio",
     lambda ev: _ratio_threshold("ttft_p95_ratio", "ttfts", ev.spec.max_ttft_ratio, 95, ev)),
    ("cost_ratio", _cost_ratio),
    ("must_pass", _must_pass),
    ("missing_cases", _missing_cases),
    ("new_failures", _new_failures),
    ("budget_usd", _budget),
)


def _run_id(rows: Sequence[Mapping[str, Any]], fallback: str) -> str:
    ids = list(dict.fromkeys(str(r.get("run_id")) for r in rows if r.get("run_id")))
    return "+".join(ids) if ids else fallback


def judge_rows(
    candidate_rows: Sequence[Mapping[str, Any]],
    baseline_rows: Sequence[Mapping[str, Any]],
    spec: GateSpec | None = None,
    *,
    target: str | None = None,
    baseline_target: str | None = None,
) -> GateVerdict:
    """Judge one candidate target against one baseline target (rows as in results.jsonl).

    Either side may hold several targets; `target` / `baseline_target` choose one (UsageError
    listing them when a side holds several and none is chosen). Cases pair on (suite, case,
    variant); a case's repeats are grouped."""
    spec = spec or GateSpec()
    cand_target, cand_rows = select_target(candidate_rows, target, "candidate", "--target")
    base_target, base_rows = select_target(baseline_rows, baseline_target, "baseline",
                                           "--baseline-target")
    cand, base = group_cases(cand_rows), group_cases(base_rows)
    common = [k for k in base if k in cand]
    flips = [f for k in common if (f := classify(base[k], cand[k], spec.alpha)) is not None]
    ev = Evidence(spec, cand, base, common, flips, cand_rows, candidate_rows)
    results = [judge(ev) for _, judge in THRESHOLDS]
    notes = []
    if any(r.get("mode") == "replay" for r in (*cand_rows, *base_rows)):
        notes.append("replayed rows: latency_ms and ttft_ms are the recorded ones "
                     "(recorded_latency_ms), as the reports show them")
    return GateVerdict(
        passed=all(r.status != FAIL for r in results), results=results,
        candidate=Side(_run_id(cand_rows, "candidate"), cand_target, len(cand), len(cand_rows)),
        baseline=Side(_run_id(base_rows, "baseline"), base_target, len(base), len(base_rows)),
        common_cases=len(common), flips=flips, spec=spec.to_dict(), notes=notes)
