"""A GateVerdict as terminal text, gate.md (for $GITHUB_STEP_SUMMARY), gate.json and JUnit.

Every output names every threshold with its value, limit and PASS / FAIL / SKIP; the JUnit
file has one testcase per threshold (a FAIL is a <failure>, a SKIP is <skipped>).
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from harness.gating.judge import FAIL, SKIP, GateVerdict, ThresholdResult
from harness.report import fmt

__all__ = ["render_json", "render_junit", "render_markdown", "render_text", "verdict_line"]

HEADER = ("threshold", "value", "limit", "verdict")
MAX_FLIPS_MD = 100


def verdict_line(v: GateVerdict) -> str:
    if v.passed:
        return f"GATE PASS: {len(v.results) - _skipped(v)} thresholds passed, {_skipped(v)} skipped"
    names = ", ".join(r.name for r in v.failed)
    return f"GATE FAIL: {len(v.failed)} of {len(v.results)} thresholds failed ({names})"


def _skipped(v: GateVerdict) -> int:
    return sum(r.status == SKIP for r in v.results)


def _heading(v: GateVerdict) -> str:
    c, b = v.candidate, v.baseline
    return (f"candidate {c.run_id} ({c.target}, {c.cases} cases) vs baseline {b.run_id} "
            f"({b.target}, {b.cases} cases): {v.common_cases} common cases")


def _cells(r: ThresholdResult) -> tuple[str, str, str, str]:
    return (r.name, r.shown_value, r.shown_limit, r.status)


def render_text(v: GateVerdict) -> str:
    rows = [HEADER, *(_cells(r) for r in v.results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [f"gate: {_heading(v)}"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    for r in v.failed:
        lines.append(f"FAIL {r.name}: {r.detail}")
        lines += [f"  - {item}" for item in r.items[:20]]
        if len(r.items) > 20:
            lines.append(f"  ... and {len(r.items) - 20} more (gate.md)")
    lines += [f"note: {n}" for n in v.notes]
    lines.append(verdict_line(v))
    return "\n".join(lines)


def render_markdown(v: GateVerdict) -> str:
    out = [f"# Gate: {'PASS' if v.passed else 'FAIL'}", "", fmt.md_cell(_heading(v)), "",
           "| threshold | value | limit | verdict | how |", "|---|--:|--:|---|---|"]
    for r in v.results:
        mark = {FAIL: "**FAIL**", SKIP: "SKIP"}.get(r.status, "PASS")
        out.append(f"| {fmt.md_cell(r.name)} | {fmt.md_cell(r.shown_value)} | "
                   f"{fmt.md_cell(r.shown_limit)} | {mark} | {fmt.md_cell(r.detail)} |")
    out.append("")
    for r in v.failed:
        if r.items:
            out += [f"## {r.name}: FAIL", ""] + [f"- {fmt.md_code(i)}" for i in r.items] + [""]
    flips = v.flips[:MAX_FLIPS_MD]
    if flips:
        out += ["## Cases that changed", "", "| case | baseline | candidate | verdict | p |",
                "|---|--:|--:|---|--:|"]
        out += [f"| {fmt.md_code(f.case)} | {f.baseline} | {f.candidate} | {f.kind} | "
                f"{fmt.pvalue(f.p_value)} |" for f in flips]
        out += ["", ("Passed/repeats. Stable: every baseline repeat passed and every candidate "
                     "repeat failed (or the reverse), counted even with one repeat; otherwise "
                     "counted only with one-sided Fisher p < alpha on the repeat counts, else "
                     "noise."), ""]
    out += [f"_{fmt.md_cell(n)}_" for n in v.notes] + ([""] if v.notes else [])
    out.append(f"**{verdict_line(v)}**")
    return "\n".join(out)


def render_json(v: GateVerdict) -> str:
    return json.dumps(v.to_dict(), indent=1, ensure_ascii=False, default=str)


def render_junit(v: GateVerdict) -> str:
    """One testsuite "harness gate", one testcase per threshold."""
    failures = len(v.failed)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             (f'<testsuites name="harness gate" tests="{len(v.results)}" failures="{failures}" '
             f'errors="0">'),
             (f' <testsuite name="harness gate" tests="{len(v.results)}" failures="{failures}" '
             f'errors="0" skipped="{_skipped(v)}">')]
    for r in v.results:
        lines.append(f"  <testcase classname=\"harness.gate\" name={_a(r.name)} time=\"0\">")
        message = f"{r.shown_value} vs limit {r.shown_limit}"
        if r.status == FAIL:
            body = "\n".join([r.detail, *r.items])
            lines.append(f"   <failure message={_a(message)} type=\"threshold\">"
                         f"{escape(fmt.xml_safe(body))}</failure>")
        elif r.status == SKIP:
            lines.append(f"   <skipped message={_a(r.detail)}/>")
        lines.append(f"   <system-out>{escape(fmt.xml_safe(message + ': ' + r.detail))}"
                     "</system-out>")
        lines.append("  </testcase>")
    lines += [" </testsuite>", "</testsuites>"]
    return "\n".join(lines)


def _a(value: str) -> str:
    return quoteattr(fmt.xml_safe(value))
