"""Rows -> cases: one target's jobs grouped by (suite, case, variant), and case-level flips.

A case's identity across two runs is (suite, case, variant): the targets differ in a migration.
Its repeats (the `repeat` column) are grouped into one `CaseRuns`, never treated as independent
jobs. `classify` is the regression rule, exactly:

    baseline passed every repeat, candidate failed every repeat   -> stable regression
    baseline failed every repeat, candidate passed every repeat   -> stable improvement
    candidate pass fraction lower, one-sided Fisher p < alpha     -> regression
    candidate pass fraction higher, one-sided Fisher p < alpha    -> improvement
    otherwise a different fraction                                -> noise (listed, not counted)

A stable flip counts even with one repeat (Fisher's test can never be significant there, and in
replay nothing is random); a flaky case needs a significant drop on its repeat counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import UsageError
from harness.report import stats

__all__ = ["CaseRuns", "Flip", "case_label", "classify", "group_cases", "pair_targets",
           "select_target", "targets_of"]

CaseKey = tuple[str, str, str]


def case_label(key: CaseKey) -> str:
    """suite::case[::variant]"""
    suite, case, variant = key
    return f"{suite}::{case}" + (f"::{variant}" if variant else "")


@dataclass
class CaseRuns:
    """One case's repeats on one target."""

    key: CaseKey
    jobs: int = 0
    passed: int = 0
    latencies: list[float] = field(default_factory=list)  # jobs with a response
    ttfts: list[float] = field(default_factory=list)  # streamed jobs with a response
    cost: float = 0.0  # known costs summed
    cost_jobs: int = 0  # jobs with a known cost
    cost_unknown: int = 0  # 2xx jobs with no cost (price or usage missing)
    tags: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return case_label(self.key)

    @property
    def rate(self) -> float:
        return self.passed / self.jobs if self.jobs else 0.0

    @property
    def cost_per_job(self) -> float | None:
        """Mean known cost of the case's jobs (errors are not billed: not counted as 0)."""
        return self.cost / self.cost_jobs if self.cost_jobs else None

    @property
    def counts(self) -> str:
        return f"{self.passed}/{self.jobs}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def targets_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(_text(r.get("target")) for r in rows))


def select_target(rows: Sequence[Mapping[str, Any]], wanted: str | None, role: str,
                  flag: str) -> tuple[str, list[Mapping[str, Any]]]:
    """The one target of `rows` to judge, and its rows; UsageError when it is ambiguous."""
    names = targets_of(rows)
    if not names:
        raise UsageError(f"the {role} run has no rows: nothing to gate")
    if wanted is None:
        if len(names) > 1:
            raise UsageError(f"the {role} run holds {len(names)} targets ({', '.join(names)}): "
                             f"choose one with {flag}")
        wanted = names[0]
    elif wanted not in names:
        raise UsageError(f"the {role} run has no target {wanted!r}; it has {', '.join(names)}")
    return wanted, [r for r in rows if _text(r.get("target")) == wanted]


def pair_targets(candidate: Sequence[Mapping[str, Any]], baseline: Sequence[Mapping[str, Any]]
                 ) -> list[tuple[str, str]]:
    """(candidate target, baseline target) for each candidate target: the baseline target of
    the same name, else the baseline's only target; UsageError when neither exists."""
    base = targets_of(baseline)
    out = []
    for t in targets_of(candidate):
        if t in base or len(base) == 1:
            out.append((t, t if t in base else base[0]))
        else:
            raise UsageError(f"the baseline run has no target {t!r} and holds several "
                             f"({', '.join(base)}): gate with --target and --baseline-target")
    return out


def _is_2xx(row: Mapping[str, Any]) -> bool:
    status = row.get("status_code")
    return isinstance(status, int) and 200 <= status < 300


def group_cases(rows: Iterable[Mapping[str, Any]]) -> dict[CaseKey, CaseRuns]:
    """One target's rows grouped into cases, in key order (deterministic for any row order)."""
    out: dict[CaseKey, CaseRuns] = {}
    for r in rows:
        key = (_text(r.get("suite")), _text(r.get("case")), _text(r.get("variant")))
        c = out.setdefault(key, CaseRuns(key))
        c.jobs += 1
        c.passed += bool(r.get("passed"))
        # latency samples: the answers that honoured the contract, on both sides alike (a 500
        # in 2 ms is no latency figure; failures are judged by the pass-rate thresholds)
        responded = r.get("status_code") is not None and bool(r.get("passed"))
        if responded and isinstance(r.get("latency_ms"), (int, float)):
            c.latencies.append(float(r["latency_ms"]))
        if responded and r.get("stream") and isinstance(r.get("ttft_ms"), (int, float)):
            c.ttfts.append(float(r["ttft_ms"]))
        if isinstance(r.get("cost_usd"), (int, float)):
            c.cost += float(r["cost_usd"])
            c.cost_jobs += 1
        elif _is_2xx(r):
            c.cost_unknown += 1
        c.tags.update(str(t) for t in r.get("tags") or [])
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Flip:
    """A common case whose pass fraction differs between baseline and candidate."""

    case: str
    kind: str  # stable regression | regression | noise | improvement | stable improvement
    baseline: str  # passed/repeats
    candidate: str
    p_value: float | None  # one-sided Fisher in the direction of the change

    @property
    def counts_as_regression(self) -> bool:
        return self.kind in ("stable regression", "regression")


def classify(base: CaseRuns, cand: CaseRuns, alpha: float) -> Flip | None:
    """The case-level verdict of the module docstring; None when the fractions are equal."""
    if base.rate == cand.rate:
        return None
    worse = cand.rate < base.rate
    if worse:
        p = stats.fisher_less(base.passed, base.jobs, cand.passed, cand.jobs)
        stable = base.passed == base.jobs and cand.passed == 0
    else:
        p = stats.fisher_less(cand.passed, cand.jobs, base.passed, base.jobs)
        stable = base.passed == 0 and cand.passed == cand.jobs
    if stable:
        kind = "stable regression" if worse else "stable improvement"
    elif p < alpha:
        kind = "regression" if worse else "improvement"
    else:
        kind = "noise"
    return Flip(base.label, kind, base.counts, cand.counts, p)
