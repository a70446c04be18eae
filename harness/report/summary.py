"""Per-target summary of a run's rows: the numbers the terminal table and summary.md show.

Pure Python (no pandas) so `harness run` prints its table without the heavy import; the same
function feeds every place the summary appears, so the numbers agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default 'linear' method); None when empty."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class TargetSummary:
    target: str
    cases: int  # distinct cases
    jobs: int
    passed: int
    failed: int  # failed checks on a response that arrived
    errors: int  # transport errors / no HTTP response
    p50_ms: float | None
    p95_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cost_unknown: int  # jobs whose cost is unknown

    @property
    def pass_rate(self) -> float:
        return self.passed / self.jobs if self.jobs else 0.0


def summarize(rows: Iterable[dict[str, Any]]) -> list[TargetSummary]:
    by_target: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_target.setdefault(row["target"], []).append(row)
    out = []
    for target, rs in by_target.items():
        lat = [float(r["latency_ms"]) for r in rs if r.get("latency_ms") is not None]
        errors = sum(1 for r in rs if r.get("status_code") is None and not r.get("passed"))
        passed = sum(1 for r in rs if r.get("passed"))
        out.append(
            TargetSummary(
                target=target,
                cases=len({(r["suite"], r["case"]) for r in rs}),
                jobs=len(rs),
                passed=passed,
                failed=sum(
                    1 for r in rs if not r.get("passed") and r.get("status_code") is not None
                ),
                errors=errors,
                p50_ms=percentile(lat, 50),
                p95_ms=percentile(lat, 95),
                prompt_tokens=sum(int(r.get("prompt_tokens") or 0) for r in rs),
                completion_tokens=sum(int(r.get("completion_tokens") or 0) for r in rs),
                cost_usd=sum(float(r["cost_usd"]) for r in rs if r.get("cost_usd") is not None),
                cost_unknown=sum(
                    1 for r in rs if r.get("cost_usd") is None and r.get("status_code") == 200
                ),
            )
        )
    return out


HEADER = ("target", "cases", "jobs", "passed", "failed", "errors", "p50 ms", "p95 ms",
          "tokens in", "tokens out", "cost USD")


def _cells(s: TargetSummary) -> tuple[str, ...]:
    def ms(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    cost = f"{s.cost_usd:.6f}"
    if s.cost_unknown:
        cost += f" (+{s.cost_unknown} unknown)"
    return (s.target, str(s.cases), str(s.jobs), str(s.passed), str(s.failed), str(s.errors),
            ms(s.p50_ms), ms(s.p95_ms), str(s.prompt_tokens), str(s.completion_tokens), cost)


def render_text(summaries: Sequence[TargetSummary]) -> str:
    rows = [HEADER, *(_cells(s) for s in summaries)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    return "\n".join(lines)


def render_markdown(summaries: Sequence[TargetSummary]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(s)) + " |" for s in summaries]
    return "\n".join(lines)


def failure_lines(rows: Iterable[dict[str, Any]], limit: int = 30) -> list[str]:
    """One line per failed check: job id, check, title."""
    out: list[str] = []
    for r in rows:
        if r.get("passed"):
            continue
        for f in r.get("failures") or []:
            out.append(f"FAIL {r['job_id']}: [{f['check']}] {f['title']}")
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more (see results.jsonl)"]
    return out
