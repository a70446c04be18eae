"""report.html: one self-contained page (inline CSS, inline vanilla JS, inline SVG plots).

The stylesheet and script are package data (`assets/report.css`, `assets/report.js`: editors
and linters see them as CSS and JS), inlined into every page.

Works offline: no external URL is referenced, and a Content-Security-Policy forbids loading
any. Everything that came from a row (responses are untrusted) is escaped with html.escape.
Stable hooks for tests and scripts: `#head-to-head`, `#pairwise`, `svg.plot[data-plot=...]`
(latency, cost, matrix, ttft), `#jobs-table` (rows `tr.job` with data-status passed|failed),
`#job-filter` (text), `#job-status` (all/passed/failed), `#job-count`, and one
`details.failure` per failed job (`#fail-N`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.report import fmt, svg
from harness.report.analysis import RunReport, prepare
from harness.report.summary import (
    H2H_HEADER,
    PAIR_MD_HEADER,
    PAIR_NOTE,
    head_to_head_rows,
    pair_rows,
)
from harness.report.summary import records as frame_records

if TYPE_CHECKING:
    import pandas as pd

MAX_FAILURE_DETAILS = 300
MAX_MATRIX_ROWS = 150
MAX_TEXT = 6000

ASSETS = "assets"  # package data next to this module: the page's stylesheet and script


@cache
def asset(name: str) -> str:
    """The text of `assets/<name>`, read once (every page inlines it: the page is
    self-contained)."""
    return (resources.files("harness.report") / ASSETS / name).read_text(encoding="utf-8")


CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:")


def _e(value: Any) -> str:
    return escape(fmt.xml_safe("" if value is None else str(value)), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, table_id: str = "",
           numeric_from: int = 1, text_cols: int = 1) -> str:
    ident = f' id="{_e(table_id)}"' if table_id else ""
    ths = "".join(
        f'<th data-type="{"text" if i < text_cols else "num"}"'
        f'{" class=text" if i < text_cols else ""}>{_e(h)}</th>'
        for i, h in enumerate(header))
    body = []
    for r in rows:
        tds = "".join(
            f'<td class="text">{_e(c)}</td>' if i < text_cols else
            f'<td data-v="{_e(_sort_value(c))}">{_e(c)}</td>' for i, c in enumerate(r))
        body.append(f"<tr>{tds}</tr>")
    return (f'<div class="wide"><table class="sortable"{ident}><thead><tr>{ths}</tr></thead>'
            "<tbody>" + "".join(body) + "</tbody></table></div>")


def _sort_value(cell: str) -> str:
    """The leading number of a formatted cell ("80.0% [49.0, 94.3]" -> 80.0), else ""."""
    import re

    m = re.match(r"\s*([<>]?)([+-]?\d[\d,]*\.?\d*(?:e[+-]?\d+)?)", cell)
    return m.group(2).replace(",", "") if m else ""


def _num_cell(value: Any, text: str) -> str:
    v = "" if value is None else str(value)
    return f'<td data-v="{_e(v)}">{_e(text)}</td>'


def _plots(report: RunReport, d: pd.DataFrame) -> list[str]:
    targets = [t.target for t in report.targets]
    response = d["status_code"].notna()
    groups = []
    ttft_groups = []
    stream = d["stream"].fillna(False).astype(bool) if "stream" in d.columns else None
    for t in targets:
        sel = (d["target"] == t) & response
        groups.append(svg.Group(t, [float(v) for v in d.loc[sel, "latency_ms"].dropna()]))
        if stream is not None and "ttft_ms" in d.columns:
            ttft_groups.append(svg.Group(
                t, [float(v) for v in d.loc[sel & stream, "ttft_ms"].dropna()]))
    plots = [svg.box_strip("latency", "Latency per target (jobs with an HTTP response)", groups)]
    points = [svg.Point(s.target, s.pass_rate or 0.0, s.cost_per_job or 0.0, s.pass_low,
                        s.pass_high)
              for s in report.targets if s.cost_per_job is not None and s.pass_rate is not None]
    unpriced = [s.target for s in report.targets if s.cost_per_job is None]
    plots.append(svg.scatter(
        "cost", "Cost per job vs pass rate (95% Wilson interval)", points, "pass rate",
        "cost per job, USD",
        note=f"no known cost, not shown: {', '.join(unpriced)}" if unpriced else ""))
    cases = list(dict.fromkeys(zip(d["suite"].tolist(), d["case"].tolist())))
    passed = d["passed"].fillna(False).astype(bool)
    agg = d.assign(_p=passed).groupby(["suite", "case", "target"], sort=False)["_p"].agg(
        ["sum", "count"])
    cells = {(f"{s}::{c}", str(t)): (int(row["sum"]), int(row["count"]))
             for (s, c, t), row in agg.iterrows()}
    names = [f"{s}::{c}" for s, c in cases]
    note = ""
    if len(names) > MAX_MATRIX_ROWS:
        bad = [n for n in names if any(cells.get((n, t), (1, 1))[0] < cells.get((n, t), (1, 1))[1]
                                       for t in targets)]
        keep = set((bad + [n for n in names if n not in bad])[:MAX_MATRIX_ROWS])
        note = (f'<p class="note">Pass matrix: {len(keep)} of {len(names)} cases shown '
                "(cases with failures first).</p>")
        names = [n for n in names if n in keep]
    plots.append(svg.heatmap("matrix", "Pass matrix: passed / jobs per case and target", names,
                             targets, cells))
    if any(g.values for g in ttft_groups):
        plots.append(svg.box_strip("ttft", "Time to first token (streamed jobs)", ttft_groups))
    return [*plots, note] if note else plots


JOB_HEADER = (("suite", "text"), ("case", "text"), ("variant", "text"), ("repeat", "num"),
              ("target", "text"), ("result", "text"), ("status", "num"),
              ("error class", "text"), ("latency ms", "num"), ("TTFT ms", "num"),
              ("tokens", "num"), ("cost USD", "num"), ("failed checks", "text"))


def _jobs_table(records: Sequence[Mapping[str, Any]], fail_ids: Mapping[int, str]) -> str:
    ths = "".join(f'<th data-type="{t}"{" class=text" if t == "text" else ""}>{_e(h)}</th>'
                  for h, t in JOB_HEADER)
    out = ['<table class="sortable" id="jobs-table"><thead><tr>', ths, "</tr></thead><tbody>"]
    for i, r in enumerate(records):
        passed = bool(r.get("passed"))
        result = "passed" if passed else ("failed" if r.get("status_code") is not None
                                          else "error")
        titles = "; ".join(f"[{f.get('check')}] {f.get('title')}"
                           for f in (r.get("failures") or []) if isinstance(f, dict))
        if not passed and not titles:
            titles = str(r.get("error_message") or "")
        link = fail_ids.get(i)
        failed_cell = (f'<td class="text"><a href="#{link}">{_e(fmt.compact(titles, 160))}</a>'
                       "</td>" if link else f'<td class="text">{_e(fmt.compact(titles, 160))}</td>')
        cost = r.get("cost_usd")
        out.append(
            f'<tr class="job{"" if passed else " failed"}" '
            f'data-status="{"passed" if passed else "failed"}">'
            f'<td class="text">{_e(r.get("suite"))}</td><td class="text">{_e(r.get("case"))}</td>'
            f'<td class="text">{_e(r.get("variant"))}</td>'
            + _num_cell(r.get("repeat"), str(r.get("repeat") if r.get("repeat") is not None
                                             else ""))
            + f'<td class="text">{_e(r.get("target"))}</td>'
            f'<td class="text result-{result}">{result}</td>'
            + _num_cell(r.get("status_code"), str(r.get("status_code") or ""))
            + f'<td class="text">{_e(r.get("error_class"))}</td>'
            + _num_cell(r.get("latency_ms"), fmt.ms(r.get("latency_ms")))
            + _num_cell(r.get("ttft_ms"), fmt.ms(r.get("ttft_ms")))
            + _num_cell(r.get("total_tokens"), str(r.get("total_tokens") or ""))
            + _num_cell(cost, fmt.usd(cost) if cost is not None else "unknown"
                        if r.get("status_code") and 200 <= int(r["status_code"]) < 300 else "")
            + failed_cell + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _pre(value: Any) -> str:
    text = fmt.pretty(value)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + f"\n… ({len(text) - MAX_TEXT} more characters)"
    return f"<pre>{_e(text)}</pre>"


def _failure_details(records: Sequence[Mapping[str, Any]], fail_ids: Mapping[int, str]) -> str:
    out = []
    shown = 0
    total = sum(1 for r in records if not r.get("passed"))
    for i, r in enumerate(records):
        ident = fail_ids.get(i)
        if ident is None:
            continue
        shown += 1
        failures = [f for f in r.get("failures") or [] if isinstance(f, dict)]
        status = r.get("status_code")
        where = f"HTTP {status}" if status is not None else (
            f"no response ({r.get('error_class') or 'error'})")
        titles = "; ".join(str(f.get("title", "")) for f in failures) or str(
            r.get("error_message") or "")
        parts = [f'<details class="failure" id="{ident}">',
                 (f"<summary>{_e(r.get('job_id'))}: {_e(where)}: "
                  f"{_e(fmt.compact(titles, 200))}</summary>")]
        for f in failures:
            parts.append(
                f'<div class="check"><b>[{_e(f.get("check"))}]</b> {_e(f.get("title"))}'
                f'<div class="exp-rec"><div>expected{_pre(f.get("expected"))}</div>'
                f'<div>received{_pre(f.get("received"))}</div></div></div>')
        if r.get("error_message"):
            parts.append(f"<div>error ({_e(r.get('error_class'))})</div>"
                         f"{_pre(r.get('error_message'))}")
        parts.append(f"<div>request sent (secrets masked)</div>{_pre(r.get('request_sent'))}")
        if r.get("reproduce"):
            parts.append(f"<div>reproduce</div>{_pre(r.get('reproduce'))}")
        parts.append(f"<div>response (excerpt)</div>{_pre(r.get('response_excerpt') or '')}")
        parts.append("</details>")
        out.append("".join(parts))
    if total > shown:
        out.append(f'<p class="note">{total - shown} more failed jobs are not detailed here; '
                   "see results.parquet.</p>")
    return "\n".join(out)


def render_html(report: RunReport, df: pd.DataFrame,
                rows: Sequence[Mapping[str, Any]] | None = None) -> str:
    """The page; `df` should be `analysis.prepare`d, `rows` its `records` when known."""
    d = prepare(df)
    records = list(rows) if rows is not None else frame_records(d)
    fail_ids = _failure_ids(records)
    verdict = "PASS" if report.failed == 0 else "FAIL"
    body = [
        *_header(report, verdict),
        *_head_to_head(report),
        *_pairwise(report),
        *_breakdown(report),
        '<section id="plots"><h2>Plots</h2><div class="plots">',
        *_plots(report, d),
        "</div></section>",
        *_flaky(report),
        *_jobs(records, fail_ids),
        f'<section id="failures"><h2>Failed jobs ({report.failed})</h2>',
        _failure_details(records, fail_ids) if fail_ids else "<p>All checks passed.</p>",
        "</section>",
    ]
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Run {_e(report.run_id)}: {verdict} · harness report</title>"
        f"<style>\n{asset('report.css')}</style></head>\n<body>\n" + "\n".join(body)
        + f"\n<script>\n{asset('report.js')}</script>\n</body></html>\n"
    )


def _failure_ids(records: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Anchors (`fail-N`) of the failed jobs that get a details block, in row order."""
    fail_ids: dict[int, str] = {}
    for i, r in enumerate(records):
        if not r.get("passed") and len(fail_ids) < MAX_FAILURE_DETAILS:
            fail_ids[i] = f"fail-{len(fail_ids) + 1}"
    return fail_ids


def _header(report: RunReport, verdict: str) -> list[str]:
    meta = report.meta
    facts = [f"{len(report.targets)} targets", f"{report.jobs} jobs"]
    for key in ("status", "started_at", "finished_at"):
        if meta.get(key):
            facts.append(f"{key.replace('_', ' ')} {meta[key]}")
    if meta.get("simulated"):
        facts.append("simulated providers")
    if meta.get("suites"):
        facts.append("suites: " + ", ".join(str(s) for s in meta["suites"]))
    return [
        "<header>",
        (f'<h1>Run {_e(report.run_id)}: <span class="verdict-{verdict.lower()}">{verdict}'
         f"</span>, {report.passed}/{report.jobs} jobs passed</h1>"),
        f'<p class="meta">{_e(" · ".join(facts))}</p>',
        ('<nav><a href="#head-to-head">head to head</a><a href="#pairwise">pairwise</a>'
         '<a href="#plots">plots</a><a href="#jobs">jobs</a><a href="#failures">failures</a>'
         "</nav></header>"),
    ]


def _head_to_head(report: RunReport) -> list[str]:
    return [
        '<section id="head-to-head"><h2>Head to head</h2>',
        _table(H2H_HEADER, head_to_head_rows(report.targets), table_id="h2h-table"),
        ('<p class="note">Pass rate: passed / jobs with the 95% Wilson interval. Latency over '
         "jobs with an HTTP response. Unknown costs are counted apart, never as 0.</p>"),
        *_common(report),
        "</section>",
    ]


def _common(report: RunReport) -> list[str]:
    """The head-to-head over the cases every target ran (when the targets ran different
    cases): the table to compare latency and cost on, like with like."""
    if not report.common:
        return []
    return [f"<h3>Over the {report.common_cases} cases every target ran</h3>",
            _table(H2H_HEADER, head_to_head_rows(report.common), table_id="h2h-common-table"),
            ('<p class="note">The targets ran different cases; compare latency and cost '
             "between targets on this table, where each row covers the same cases.</p>")]


def _pairwise(report: RunReport) -> list[str]:
    """Target pairs, then matrix variants against each case's first variant."""
    body = ['<section id="pairwise"><h2>Pairwise (same case, variant and repeat)</h2>']
    if report.pairs:
        body.append(_table(PAIR_MD_HEADER, pair_rows(report.pairs), table_id="pairs-table",
                           text_cols=2))
        body.append(f'<p class="note">{escape(PAIR_NOTE)}; '
                    "latency B/A: median of per-case ratios with a bootstrap 95% interval.</p>")
    else:
        body.append('<p class="note">One target: nothing to pair.</p>')
    multi = [v for v in report.variants if v.n >= 2]
    single = [v for v in report.variants if v.n < 2]
    if multi:
        body.append("<h2>Matrix variants (each against its case's first variant, same case and "
                    "repeat)</h2>")
        body.append(_table(("target", *PAIR_MD_HEADER), pair_rows(multi, scope=True),
                           table_id="variants-table", text_cols=3))
    if single:
        body.append(f"<details><summary>{len(single)} variant comparisons with a single pair "
                    "(one job each side: no statistics)</summary>")
        body.append(_table(("target", *PAIR_MD_HEADER), pair_rows(single, scope=True),
                           table_id="variants-single-table", text_cols=3))
        body.append("</details>")
    body.append("</section>")
    return body


def _breakdown(report: RunReport) -> list[str]:
    """Failed checks, error classes and repeats per target (nothing when all are empty)."""
    checks = [(s.target, name, str(n)) for s in report.targets
              for name, n in s.failures_by_check.items()]
    classes = [(s.target, name, str(n)) for s in report.targets
               for name, n in s.error_classes.items()]
    repeated = [s for s in report.targets if s.repeated_units]
    if not (checks or classes or repeated):
        return []
    body = ['<section id="breakdown"><h2>Failures, errors and repeats</h2><div class="plots">']
    if checks:
        body.append(_table(("target", "check", "failed jobs"), checks, text_cols=2,
                           table_id="checks-table"))
    if classes:
        body.append(_table(("target", "error class", "jobs"), classes, text_cols=2,
                           table_id="errors-table"))
    if repeated:
        body.append(_table(
            ("target", "repeated cases", "flaky", "flakiness", "pass@1", "pass@n"),
            [(s.target, str(s.repeated_units), str(s.flaky_units),
              fmt.pct(s.flaky_units / s.repeated_units), fmt.pct(s.pass_at_1),
              fmt.pct(s.pass_at_n)) for s in repeated], table_id="repeats-table"))
    body.append("</div></section>")
    return body


def _flaky(report: RunReport) -> list[str]:
    if not report.flaky:
        return []
    return [
        '<section id="repeats"><h2>Flaky cases</h2>',
        _table(("target", "case", "variant", "passed", "repeats"),
               [(f.target, f"{f.suite}::{f.case}", f.variant, str(f.passed), str(f.n))
                for f in report.flaky], text_cols=3),
        "</section>",
    ]


def _jobs(records: Sequence[Mapping[str, Any]], fail_ids: Mapping[int, str]) -> list[str]:
    """The jobs table with its filter controls (the script wires them up)."""
    return [
        '<section id="jobs"><h2>All jobs</h2><div class="controls">',
        ('<input id="job-filter" type="search" placeholder="filter: case, target, check, ..." '
         'aria-label="filter jobs">'),
        ('<select id="job-status" aria-label="result"><option value="">all</option>'
         '<option value="passed">passed</option><option value="failed">failed</option>'
         "</select>"),
        '<span id="job-count" class="note"></span></div>',
        '<div class="scroll">', _jobs_table(records, fail_ids), "</div></section>",
    ]


def write_html(report: RunReport, df: pd.DataFrame, path: Path | str) -> Path:
    path = Path(path)
    path.write_text(render_html(report, df), encoding="utf-8")
    return path
