"""When did a case start failing: regressions over a series of runs (one target, one suites
fingerprint, complete runs only, oldest first; a run is a "night" numbered from 1).

The rule, per case (suite::case, over all its variants and repeats on the target): a case
*passes* in a run when every one of its jobs passed. It *started failing* in run N when it
fails in N and passed the last time it ran before N: each run is gated, case by case, against
the last run where that case passed (its last good run), so a case that fails for three nights
is one regression, dated the first of them, and a case that never passed is not a regression
(it is reported as "never passed"). A case that passes again closes its regression (recovered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.history.trend import case_key

__all__ = ["Regression", "case_results", "first_failure", "regressions"]


@dataclass
class Regression:
    target: str
    case: str
    night: int
    run_id: str
    passed_night: int
    passed_run: str
    title: str
    recovered_run: str | None = None
    recovered_night: int | None = None

    def line(self) -> str:
        after = (f"; passes again since night {self.recovered_night} (run {self.recovered_run})"
                 if self.recovered_run else "; still failing")
        return (f"night {self.night} (run {self.run_id}): {self.case} on {self.target} started "
                f"failing (passed in run {self.passed_run}, night {self.passed_night}): "
                f"{self.title}{after}")


def first_failure(row: Mapping[str, Any]) -> str:
    """The title of a failed job's first failure (or its error)."""
    for failure in row.get("failures") or ():
        if isinstance(failure, Mapping) and failure.get("title"):
            return f"[{failure.get('check')}] {failure['title']}"
    if row.get("error_message"):
        return f"{row.get('error_class') or 'error'}: {row['error_message']}"
    return f"status {row.get('status_code')}"


def case_results(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[bool, str]]:
    """case -> (passed, first failure title) of one run's rows on one target."""
    out: dict[str, tuple[bool, str]] = {}
    for r in sorted(rows, key=lambda r: str(r.get("job_id"))):
        key = case_key(r)
        passed, title = out.get(key, (True, ""))
        if not r.get("passed") and passed:
            passed, title = False, first_failure(r)
        out[key] = (passed, title)
    return out


def regressions(target: str, runs: Sequence[Mapping[str, Any]],
                rows_by_run: Mapping[str, Sequence[Mapping[str, Any]]], *,
                first_night: int = 1) -> tuple[list[Regression], list[str]]:
    """(regressions in night order, cases that never passed) of one series; `first_night`:
    the number of `runs[0]` when the series is a window of a longer one."""
    last_pass: dict[str, tuple[int, str]] = {}
    open_: dict[str, Regression] = {}
    found: list[Regression] = []
    seen_failing: set[str] = set()
    for night, run in enumerate(runs, first_night):
        run_id = str(run["run_id"])
        for case, (passed, title) in case_results(rows_by_run.get(run_id, ())).items():
            if passed:
                last_pass[case] = (night, run_id)
                reg = open_.pop(case, None)
                if reg is not None:
                    reg.recovered_run, reg.recovered_night = run_id, night
            elif case in last_pass and case not in open_:
                p_night, p_run = last_pass[case]
                open_[case] = Regression(target, case, night, run_id, p_night, p_run, title)
                found.append(open_[case])
            elif case not in last_pass:
                seen_failing.add(case)
    never = sorted(c for c in seen_failing if c not in last_pass)
    return found, never
