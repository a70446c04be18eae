"""The history on the terminal: aligned plain-text tables (no colour: CI logs read them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.history.trend import Point
from harness.report import fmt

__all__ = ["drift_lines", "runs_table", "table", "trend_table"]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, others right."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


RUNS_HEADER = ("run", "started", "status", "mode", "targets", "suites", "jobs", "pass rate",
               "p95 ms", "cost USD")


def runs_table(runs: Sequence[Mapping[str, Any]]) -> str:
    """`harness history list`: one line per run (figures of the target's rows when filtered)."""
    rows = []
    for r in runs:
        jobs = int(r.get("jobs") or 0)
        rate = (int(r.get("passed") or 0) / jobs) if jobs else None
        rows.append((
            str(r["run_id"]), str(r.get("started_at") or "")[:19].replace("T", " "),
            str(r.get("status") or ""), str(r.get("mode") or ""),
            ",".join(r.get("targets") or []), str(r.get("suites_fp") or "-")[:8], str(jobs),
            fmt.pct(rate), fmt.ms(r.get("p95_ms")), fmt.usd(r.get("cost_usd")),
        ))
    return table(RUNS_HEADER, rows)


TREND_HEADER = ("run", "started", "status", "cases", "pass rate", "p50 ms", "p95 ms",
                "TTFT p50 ms", "cost/case USD")


def trend_table(points: Sequence[Point]) -> str:
    rows = [(p.run_id, p.started_at[:19].replace("T", " "), p.status,
             f"{p.cases_passed}/{p.cases}", fmt.pct(p.pass_rate), fmt.ms(p.p50_ms),
             fmt.ms(p.p95_ms), fmt.ms(p.ttft_p50_ms), fmt.usd(p.cost_per_case))
            for p in points]
    return table(TREND_HEADER, rows)


def drift_lines(points: Sequence[Point]) -> list[str]:
    """Error-envelope variants that appear, vanish or change count; response keys that appear
    or disappear per endpoint: one line per change, naming the run."""
    out: list[str] = []
    before: dict[str, int] | None = None
    for p in points:
        if before is not None and p.error_variants != before:
            new = sorted(set(p.error_variants) - set(before))
            gone = sorted(set(before) - set(p.error_variants))
            if new or gone:
                out.append(f"run {p.run_id}: error envelopes "
                           + "; ".join([*(f"new {v} ({p.error_variants[v]} jobs)" for v in new),
                                        *(f"no more {v}" for v in gone)]))
        before = p.error_variants
        for endpoint in sorted(set(p.keys_added) | set(p.keys_removed)):
            parts = [f"+{k}" for k in p.keys_added.get(endpoint, [])]
            parts += [f"-{k}" for k in p.keys_removed.get(endpoint, [])]
            out.append(f"run {p.run_id}: {endpoint} response keys {' '.join(parts)}")
    return out


def variant_table(points: Sequence[Point]) -> str | None:
    """Jobs per error-envelope variant per run (None when no run saw one)."""
    variants = sorted({v for p in points for v in p.error_variants})
    if not variants:
        return None
    rows = [(p.run_id, *(str(p.error_variants.get(v, 0)) for v in variants)) for p in points]
    return table(("run", *variants), rows)
