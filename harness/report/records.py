"""The figures `report.analysis.analyze` returns, as records: per target, per pair, flaky
units, and the whole run (`RunReport`). Data only; the definitions are in analysis.py."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.report.verdict import verdict

__all__ = ["FlakyUnit", "PairStats", "RunReport", "TargetStats"]


@dataclass
class TargetStats:
    target: str
    cases: int
    jobs: int
    passed: int
    failed: int
    errors: int
    pass_rate: float | None
    pass_low: float | None
    pass_high: float | None
    failures_by_check: dict[str, int]
    error_classes: dict[str, int]
    latency_n: int
    p50_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    streamed: int
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None
    tokens_per_s: float | None
    mean_tokens: float | None
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float
    cost_known: int
    cost_unknown: int
    cost_per_job: float | None
    cost_per_case: float | None
    cost_per_pass: float | None
    repeated_units: int
    flaky_units: int
    pass_at_1: float | None
    pass_at_n: float | None
    n_repeats: int | None  # the n of pass@n when every repeated unit has the same n


@dataclass
class PairStats:
    kind: str  # "targets", "variants" or "runs"
    a: str
    b: str
    scope: str  # the target of a variant comparison; "" otherwise
    n: int
    a_passed: int
    b_passed: int
    both: int
    a_only: int  # passed on A, failed on B
    b_only: int  # failed on A, passed on B
    neither: int
    diff: float | None  # pB - pA
    diff_low: float | None
    diff_high: float | None
    p_value: float | None
    units: int  # cases (suite + case + variant) both sides ran: what the test counts
    units_worse: int  # units whose pass fraction over their repeats is lower on B
    units_better: int
    latency_units: int
    latency_ratio: float | None  # B / A
    ratio_low: float | None
    ratio_high: float | None
    cost_pairs: int
    cost_a: float | None
    cost_b: float | None
    cost_ratio: float | None  # B / A
    a_only_jobs: list[str] = field(default_factory=list)
    b_only_jobs: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """McNemar p < 0.05 on the units, the same decision as "the interval excludes 0"."""
        return self.p_value is not None and self.p_value < 0.05

    @property
    def regression(self) -> bool:
        """B passes significantly less often than A (p < 0.05, more units worse than better)."""
        return self.significant and self.units_worse > self.units_better


@dataclass
class FlakyUnit:
    target: str
    suite: str
    case: str
    variant: str
    n: int
    passed: int


@dataclass
class RunReport:
    run_id: str
    meta: dict[str, Any]
    jobs: int
    passed: int
    targets: list[TargetStats]
    pairs: list[PairStats]
    variants: list[PairStats]
    flaky: list[FlakyUnit]
    # each target over the cases every target ran (empty when they all ran the same cases):
    # per-target ratios of latency or cost compare like with like only there
    common: list[TargetStats] = field(default_factory=list)
    common_cases: int = 0
    completeness: dict[str, Any] | None = None  # engine.completeness: how much of its plan ran

    @property
    def failed(self) -> int:
        return self.jobs - self.passed

    @property
    def verdict(self) -> str:  # PASS | FAIL | INCOMPLETE (done/planned): report/verdict.py
        return verdict(self.failed, self.completeness)

    def target(self, name: str) -> TargetStats:
        return next(t for t in self.targets if t.target == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "jobs": self.jobs,
            "passed": self.passed,
            "targets": [asdict(t) for t in self.targets],
            "pairs": [asdict(p) for p in self.pairs],
            "variants": [asdict(p) for p in self.variants],
            "flaky": [asdict(f) for f in self.flaky],
            "common": [asdict(t) for t in self.common],
            "common_cases": self.common_cases,
            "verdict": self.verdict, "completeness": self.completeness,
        }
