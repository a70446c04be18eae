"""The run summary as text (terminal) and Markdown (summary.md), from `analysis.analyze`.

The terminal table of `harness run` and the tables of summary.md, report.html and
`harness compare` all read the same `TargetStats` / `PairStats`, so their numbers agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from harness.report import fmt
from harness.report.analysis import PairStats, RunReport, TargetStats
from harness.report.verdict import incomplete_note, is_complete

if TYPE_CHECKING:
    import pandas as pd

MAX_FAILURES_MD = 100
MAX_FLAKY_MD = 50

# -- terminal -------------------------------------------------------------------------------------

HEADER = ("target", "cases", "jobs", "passed", "failed", "errors", "p50 ms", "p95 ms",
          "tokens in", "tokens out", "cost USD")


def _cells(s: TargetStats) -> tuple[str, ...]:
    return (s.target, str(s.cases), str(s.jobs), str(s.passed), str(s.failed), str(s.errors),
            fmt.ms(s.p50_ms), fmt.ms(s.p95_ms), str(s.prompt_tokens), str(s.completion_tokens),
            fmt.usd_unknown(s.cost_usd, s.cost_unknown))


def _table_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    all_rows = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in all_rows
    )


def render_text(summaries: Sequence[TargetStats]) -> str:
    """The per-target table `harness run` prints."""
    return _table_text(HEADER, [_cells(s) for s in summaries])


PAIR_HEADER = ("A", "B", "pairs", "A only", "B only", "B-A pass", "McNemar p", "latency B/A",
               "cost B/A")


def render_pairs_text(pairs: Sequence[PairStats]) -> str:
    rows = [(p.a, p.b, str(p.n), str(p.a_only), str(p.b_only),
             fmt.diff_ci(p.diff, p.diff_low, p.diff_high), fmt.pvalue(p.p_value),
             fmt.ratio_ci(p.latency_ratio, p.ratio_low, p.ratio_high), fmt.ratio(p.cost_ratio))
            for p in pairs]
    return _table_text(PAIR_HEADER, rows)


def failure_lines(rows: Iterable[Mapping[str, Any]], limit: int = 30) -> list[str]:
    """One line per failed check (or transport error): job id, check, title."""
    out: list[str] = []
    for r in rows:
        if r.get("passed"):
            continue
        failures = r.get("failures") or []
        for f in failures:
            out.append(f"FAIL {r.get('job_id')}: [{f.get('check')}] {f.get('title')}")
        if not failures:
            out.append(f"FAIL {r.get('job_id')}: [{r.get('error_class') or 'error'}] "
                       f"{r.get('error_message') or ''}".rstrip())
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more (see summary.md)"]
    return out


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as plain dicts (missing values as None), in order."""
    plain = df.astype(object)
    return plain.where(df.notna(), None).to_dict("records")


def failed_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The failed rows of a frame as dicts (missing values as None), in file order."""
    return records(df[~df["passed"].fillna(False).astype(bool)])


# -- Markdown -------------------------------------------------------------------------------------


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(fmt.md_cell(h) for h in header) + " |",
             "|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(fmt.md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


H2H_HEADER = ("target", "cases", "jobs", "pass rate [95% CI]", "failed", "errors", "p50 ms",
              "p90 ms", "p95 ms", "p99 ms", "TTFT p50/p95 ms", "tokens/s", "mean tokens",
              "tokens in/out", "cost/case USD", "total cost USD", "cost/passed USD")


def head_to_head_rows(targets: Sequence[TargetStats]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for s in targets:
        ttft = (f"{fmt.ms(s.ttft_p50_ms)} / {fmt.ms(s.ttft_p95_ms)}"
                if s.ttft_p50_ms is not None else fmt.DASH)
        rows.append((
            s.target, str(s.cases), str(s.jobs), fmt.rate_ci(s.pass_rate, s.pass_low, s.pass_high),
            str(s.failed), str(s.errors), fmt.ms(s.p50_ms), fmt.ms(s.p90_ms), fmt.ms(s.p95_ms),
            fmt.ms(s.p99_ms), ttft, fmt.num(s.tokens_per_s), fmt.num(s.mean_tokens),
            f"{s.prompt_tokens} / {s.completion_tokens}", fmt.usd(s.cost_per_case),
            fmt.usd_unknown(s.cost_usd, s.cost_unknown), fmt.usd(s.cost_per_pass),
        ))
    return rows


PAIR_NOTE = ("B - A: net change in the share of cases passing (a case worse on B counts -1, "
             "better +1; a case's repeats are one observation) with the exact interval that "
             "agrees with McNemar's exact test on the cases that changed (* p < 0.05, exactly "
             "when the interval excludes 0)")

PAIR_MD_HEADER = ("A", "B", "pairs", "A passed", "B passed", "A only", "B only",
                  "B - A pass rate [95% CI]", "McNemar p", "latency B/A [95% CI]", "cost B/A")


def pair_rows(pairs: Sequence[PairStats], scope: bool = False) -> list[tuple[str, ...]]:
    rows = []
    for p in pairs:
        cells = (
            p.a, p.b, str(p.n), str(p.a_passed), str(p.b_passed), str(p.a_only), str(p.b_only),
            fmt.diff_ci(p.diff, p.diff_low, p.diff_high),
            fmt.pvalue(p.p_value) + (" *" if p.significant else ""),
            fmt.ratio_ci(p.latency_ratio, p.ratio_low, p.ratio_high)
            + (f" (n={p.latency_units})" if p.latency_units else ""),
            fmt.ratio(p.cost_ratio),
        )
        rows.append(((p.scope,) if scope else ()) + cells)
    return rows


def _failure_items(failed: Sequence[Mapping[str, Any]], limit: int) -> list[str]:
    lines: list[str] = []
    for r in failed[:limit]:
        status = r.get("status_code")
        where = f"HTTP {status}" if status is not None else (
            f"no response ({r.get('error_class') or 'error'})")
        lines.append(f"- {fmt.md_code(r.get('job_id') or '?')}: {where}")
        failures = r.get("failures") or []
        for f in failures:
            lines.append(
                f"  - [{fmt.md_cell(f.get('check', '?'))}] {fmt.md_cell(f.get('title', ''))}"
                f"; expected {fmt.md_code(fmt.compact(f.get('expected')))}"
                f", received {fmt.md_code(fmt.compact(f.get('received')))}"
            )
        if not failures and r.get("error_message"):
            lines.append(f"  - {fmt.md_cell(fmt.compact(r.get('error_message')))}")
    if len(failed) > limit:
        lines.append(f"- ... and {len(failed) - limit} more failed jobs (report.html, "
                     "results.parquet)")
    return lines


def render_markdown(report: RunReport, df: pd.DataFrame,
                    rows: Sequence[Mapping[str, Any]] | None = None) -> str:
    """summary.md: what a reviewer reads in a CI job summary or a pull-request comment.
    `rows`: `records(df)` when the caller has them already."""
    out = [f"# Run {report.run_id}: {report.verdict}, {report.passed}/{report.jobs} jobs passed",
           ""]
    if not is_complete(report.completeness):
        note = fmt.md_cell(incomplete_note(report.completeness))
        out += [f"**{note}** junit.xml lists the jobs not run as skipped.", ""]
    facts = _md_facts(report.meta)
    if facts:
        out += [fmt.md_cell("; ".join(facts)), ""]
    out += ["## Head to head", "", _md_table(H2H_HEADER, head_to_head_rows(report.targets)), ""]
    out += [("Pass rate: passed jobs / jobs with the 95% Wilson interval. Latency over jobs "
             "with an HTTP response. Unknown costs are counted apart, never as 0."), ""]
    if report.common:
        out += [f"### Over the {report.common_cases} cases every target ran", "",
                _md_table(H2H_HEADER, head_to_head_rows(report.common)), "",
                ("The targets ran different cases; compare latency and cost between targets "
                 "on this table, where each row covers the same cases."), ""]
    out += _md_pairs(report)
    out += _md_breakdown(report)
    out += _md_repeats(report)
    failed = ([r for r in rows if not r.get("passed")] if rows is not None
              else failed_records(df))
    if failed:
        out += [f"## Failures ({len(failed)} jobs)", "", *_failure_items(failed, MAX_FAILURES_MD),
                ""]
    else:
        out += ["All checks passed.", ""]
    return "\n".join(out)


def _md_facts(meta: Mapping[str, Any]) -> list[str]:
    """The run's status, how it ran (simulated, replayed) and what, for the line under the title."""
    facts = []
    if meta.get("status"):
        facts.append(f"status {meta['status']}")
    if meta.get("simulated"):
        facts.append("simulated providers")
    if (meta.get("jobs_by_mode") or {}).get("replay"):  # harness.record: replayed jobs
        facts.append("replayed from cassettes, " + (
            "paced (latency re-measured; recorded_latency_ms as recorded)" if meta.get("paced")
            else "latency as recorded"))
    facts += [f"cassettes: {src}" for src in meta.get("cassette_sources") or []]
    if meta.get("started_at"):
        facts.append(f"started {meta['started_at']}")
    if meta.get("suites"):
        facts.append("suites " + ", ".join(str(s) for s in meta["suites"]))
    return facts


def _md_pairs(report: RunReport) -> list[str]:
    """Target pairs, and matrix variants with at least two pairs (the others are counted)."""
    out: list[str] = []
    if report.pairs:
        out += ["## Pairwise (same case, variant and repeat)", "",
                _md_table(PAIR_MD_HEADER, pair_rows(report.pairs)), "",
                (PAIR_NOTE + "; latency B/A: median of "
                 "per-case latency ratios, bootstrap 95% interval."), ""]
    variants = [p for p in report.variants if p.n >= 2]
    if variants:
        out += [("## Matrix variants (each against its case's first variant, same case and "
                 "repeat)"), "",
                _md_table(("target", *PAIR_MD_HEADER), pair_rows(variants, scope=True)), ""]
    if len(variants) < len(report.variants):
        out += [(f"{len(report.variants) - len(variants)} variant comparisons with a single "
                 "pair are left out here (report.html, summary.json have them)."), ""]
    return out


def _md_breakdown(report: RunReport) -> list[str]:
    out: list[str] = []
    checks = [(s.target, name, str(n)) for s in report.targets
              for name, n in s.failures_by_check.items()]
    classes = [(s.target, name, str(n)) for s in report.targets
               for name, n in s.error_classes.items()]
    if checks:
        out += ["## Failures by check", "", _md_table(("target", "check", "failed jobs"), checks),
                ""]
    if classes:
        out += ["## Error classes", "", _md_table(("target", "error class", "jobs"), classes), ""]
    return out


def _md_repeats(report: RunReport) -> list[str]:
    """Repeat statistics per target and the flaky cases (the first MAX_FLAKY_MD)."""
    out: list[str] = []
    repeated = [s for s in report.targets if s.repeated_units]
    if repeated:
        rep_rows = [(s.target, str(s.repeated_units), str(s.flaky_units),
                     fmt.pct(s.flaky_units / s.repeated_units), fmt.pct(s.pass_at_1),
                     fmt.pct(s.pass_at_n)) for s in repeated]
        out += ["## Repeats", "",
                _md_table(("target", "repeated cases", "flaky", "flakiness", "pass@1",
                           "pass@n"), rep_rows), "",
                ("Flaky: passed some repeats and failed others. pass@k: Chen et al.'s unbiased "
                 "estimator, averaged over cases run n >= 2 times (pass@n: at least one of the "
                 "n passed)."), ""]
    if report.flaky:
        flaky_rows = [(f.target, f"{f.suite}::{f.case}", f.variant or fmt.DASH,
                       f"{f.passed}/{f.n}") for f in report.flaky[:MAX_FLAKY_MD]]
        out += ["### Flaky cases", "",
                _md_table(("target", "case", "variant", "passed/repeats"), flaky_rows), ""]
        if len(report.flaky) > MAX_FLAKY_MD:
            out += [f"... and {len(report.flaky) - MAX_FLAKY_MD} more.", ""]
    return out
