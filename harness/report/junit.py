"""junit.xml: one <testcase> per job, for CI systems that show JUnit results.

    <testsuites name="harness RUN_ID" tests= failures= errors= time=>
      <testsuite name=SUITE ...>
        <testcase classname="SUITE.CASE" name="TARGET[VARIANT][rN]" time=latency s>
          <properties> latency_ms, ttft_ms, status_code, attempts, tokens, cost_usd </properties>
          <failure message="failure titles" type="first failed check">expected/received</failure>
          or <error message=error_message type=error_class> when no HTTP response came
          <system-out>reproduce (curl, key as $VAR)</system-out> on a failed job
        <testcase ...><skipped message="not run: interrupted"/></testcase>   a job of an
          incomplete run's plan that has no row (engine/completeness.py)

[VARIANT] only when the job has a matrix variant, [rN] only when its case has repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from harness.report import fmt
from harness.report.summary import records

if TYPE_CHECKING:
    import pandas as pd

PROPERTIES = ("status_code", "latency_ms", "ttft_ms", "attempts", "prompt_tokens",
              "completion_tokens", "cost_usd", "error_class", "finish_reason")


def testcase_name(row: Mapping[str, Any], repeated: bool) -> str:
    name = str(row.get("target") or "?")
    if row.get("variant"):
        name += f"[{row['variant']}]"
    if repeated:
        name += f"[r{row.get('repeat') or 0}]"
    return name


def _a(value: Any) -> str:
    """An XML attribute value, quoted, control characters replaced, newlines kept."""
    return quoteattr(fmt.xml_safe(str(value)), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _t(value: Any) -> str:
    return escape(fmt.xml_safe(str(value)))


def failure_body(failures: list[dict[str, Any]]) -> str:
    parts = []
    for f in failures:
        parts.append(
            f"[{f.get('check', '?')}] {f.get('title', '')}\n"
            f"  expected: {fmt.compact(f.get('expected'), 2000)}\n"
            f"  received: {fmt.compact(f.get('received'), 2000)}"
        )
    return "\n".join(parts)


def _skipped(unrun: Sequence[Mapping[str, Any]], why: str, suites: dict[str, list[str]],
             counts: dict[str, list[float]]) -> None:
    """The planned jobs without a row, as skipped testcases of their suites."""
    for job in unrun:
        suite = str(job.get("suite") or "")
        name = testcase_name(job, int(job.get("repeats") or 1) > 1)
        classname = f"{suite}.{job.get('case')}"
        suites.setdefault(suite, []).append(
            f"  <testcase classname={_a(classname)} name={_a(name)} "
            f'time="0.000"><skipped message={_a(why)}/></testcase>')
        counts.setdefault(suite, [0, 0, 0, 0.0, 0])[4] += 1


def render_junit(df: pd.DataFrame, run_id: str = "",
                 rows: Sequence[Mapping[str, Any]] | None = None,
                 unrun: Sequence[Mapping[str, Any]] = (), why: str = "not run") -> str:
    """The XML text; `df` as from `analysis.prepare`, `rows` its `summary.records` if known;
    `unrun`: the planned jobs that have no row (PlanEntry.as_row), listed as skipped."""
    rows = records(df) if rows is None else rows
    repeated: set[tuple[Any, Any]] = set()
    if len(df):
        top = df.groupby(["suite", "case"], sort=False)["repeat"].max()
        repeated = {k for k, v in top.items() if v and v > 0}
    suites: dict[str, list[str]] = {}
    counts: dict[str, list[float]] = {}  # suite -> [tests, failures, errors, seconds, skipped]
    for row in rows:
        suite = str(row.get("suite") or "")
        lines = suites.setdefault(suite, [])
        c = counts.setdefault(suite, [0, 0, 0, 0.0, 0])
        latency = row.get("latency_ms")
        seconds = float(latency) / 1000 if latency is not None else 0.0
        name = testcase_name(row, (row.get("suite"), row.get("case")) in repeated)
        classname = f"{suite}.{row.get('case')}"
        lines.append(f"  <testcase classname={_a(classname)} name={_a(name)} "
                     f'time="{seconds:.3f}">')
        props = [f"      <property name=\"{key}\" value={_a(row[key])}/>"
                 for key in PROPERTIES if row.get(key) is not None]
        if props:
            lines += ["    <properties>", *props, "    </properties>"]
        c[0] += 1
        c[3] += seconds
        if not row.get("passed"):
            failures = [f for f in row.get("failures") or [] if isinstance(f, dict)]
            if row.get("status_code") is None:
                c[2] += 1
                message = row.get("error_message") or row.get("error_class") or "error"
                kind = row.get("error_class") or "error"
                body = failure_body(failures) or str(row.get("error_message") or "")
                lines.append(f"    <error message={_a(message)} type={_a(kind)}>{_t(body)}"
                             "</error>")
            else:
                c[1] += 1
                message = "; ".join(str(f.get("title", "")) for f in failures) or "failed"
                kind = failures[0].get("check", "check") if failures else "check"
                lines.append(f"    <failure message={_a(message)} type={_a(kind)}>"
                             f"{_t(failure_body(failures))}</failure>")
            if row.get("reproduce"):
                lines.append(f"    <system-out>{_t(row['reproduce'])}</system-out>")
        lines.append("  </testcase>")
    _skipped(unrun, why, suites, counts)
    totals = [0.0, 0.0, 0.0, 0.0, 0.0]
    out = []
    for suite, lines in suites.items():
        n_tests, n_failures, n_errors, seconds, n_skipped = counts[suite]
        totals = [a + b for a, b in zip(totals, counts[suite], strict=True)]
        out.append(f" <testsuite name={_a(suite or '(no suite)')} "
                   f"tests=\"{int(n_tests + n_skipped)}\" failures=\"{int(n_failures)}\" "
                   f"errors=\"{int(n_errors)}\" skipped=\"{int(n_skipped)}\" "
                   f"time=\"{seconds:.3f}\">")
        out += [" " + line for line in lines]
        out.append(" </testsuite>")
    skipped = f' skipped="{int(totals[4])}"' if totals[4] else ""
    head = (f"<testsuites name={_a(f'harness {run_id}'.strip())} "
            f"tests=\"{int(totals[0] + totals[4])}\" failures=\"{int(totals[1])}\" "
            f"errors=\"{int(totals[2])}\"{skipped} time=\"{totals[3]:.3f}\">")
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head, *out, "</testsuites>"])


def write_junit(df: pd.DataFrame, path: Path | str, run_id: str = "") -> Path:
    path = Path(path)
    path.write_text(render_junit(df, run_id) + "\n", encoding="utf-8")
    return path
