"""The shadow report's writers: terminal text, shadow.md, shadow.json and report.html.

`html_section(report)` is one `<section id="shadow">` (for a run's report.html too);
`html_page(report)` wraps it in a self-contained page with report.html's stylesheet, script and
Content-Security-Policy (harness.report.html). Every value that came from a log (answers are
untrusted) is escaped: html.escape in HTML, `fmt.md_cell` / `fmt.md_code` in Markdown; nothing
from an answer is ever markup or script. Stable hooks: `#shadow`, `#shadow-fields`
(rows `tr` with data-field and data-flagged), `#shadow-gate`, `#shadow-worst`
(`details.pair` per worst pair), `#shadow-latency`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.report import fmt
from harness.report.html import CSP, _e, _pre, _table, asset

if TYPE_CHECKING:  # report.py imports this module (lazily) to write its files
    from harness.shadow.noise import FieldNoise
    from harness.shadow.report import ShadowReport, WorstPair

__all__ = ["html_page", "html_section", "json_text", "markdown", "terminal"]

FIELD_HEADER = ("field", "pairs", "candidate vs primary", "secondary vs primary (noise)",
                "excess", "flagged", "why")
GATE_HEADER = ("threshold", "value", "limit", "result", "detail")
ARM_HEADER = ("arm", "target", "answers", "not 2xx", "latency p50 ms", "latency p95 ms")


def _rate(rate: Any) -> str:
    if rate is None or rate.n == 0:
        return "unknown"
    lo, hi = rate.interval or (None, None)
    return f"{fmt.rate_ci(rate.rate, lo, hi)} ({rate.differs}/{rate.n})"


def field_rows(report: ShadowReport) -> list[tuple[str, ...]]:
    return [(f.field, str(f.candidate.n), _rate(f.candidate), _rate(f.noise),
             fmt.diff_ci(f.excess, f.excess_low, f.excess_high), "FLAGGED" if f.flagged else "",
             f.reason) for f in report.noise.fields]


def _gate_rows(report: ShadowReport) -> list[tuple[str, ...]]:
    if report.verdict is None:
        return []
    return [(c.name, c.value, c.limit, c.status, c.detail) for c in report.verdict.checks]


def _arm_rows(report: ShadowReport) -> list[tuple[str, ...]]:
    return [(a.role, a.target, str(a.answers), str(a.errors), fmt.ms(a.latency_p50),
             fmt.ms(a.latency_p95)) for a in report.arms]


def _counts(report: ShadowReport) -> list[str]:
    skipped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.skipped.items() if v)
    lines = [(f"pairs mirrored: {report.pairs} (with a secondary: "
             f"{report.noise.with_secondary})"),
             f"not mirrored or incomplete: {skipped or 'none counted'}"]
    other = report.other_stats()
    if other:
        lines.append("proxy stats: " + ", ".join(f"{k} {v}" for k, v in other.items()))
    return lines


def _latency_line(report: ShadowReport) -> str:
    parts = []
    for q, v in report.latency_ratio.items():
        parts.append(f"{q} {fmt.ratio_ci(*v) if v else '-'}")
    return "paired latency candidate / primary: " + ", ".join(parts)


def _cost_line(report: ShadowReport) -> str:
    c = report.cost
    if not c["pairs_priced"]:
        return f"cost: no pair priced on both arms ({c['unpriced_pairs']} unpriced)"
    return (f"cost over {c['pairs_priced']} pairs priced on both arms: primary "
            f"{fmt.usd(c['primary_usd'])} USD, candidate {fmt.usd(c['candidate_usd'])} USD, "
            f"delta {fmt.usd(c['delta_usd'])} USD ({fmt.usd(c['delta_per_pair_usd'])} per "
            f"pair, {fmt.ratio(c['ratio'])}); {c['unpriced_pairs']} pairs unpriced")


def _flagged_line(f: FieldNoise) -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(f.kinds.items(), key=lambda x: -x[1]))
    return f"{f.field}: {f.reason}" + (f" (kinds: {kinds})" if kinds else "")


def terminal(report: ShadowReport, *, quiet: bool = False, out: Path | None = None) -> str:
    """What `harness shadow report` prints (`quiet`: the verdict and flagged fields only)."""
    verdict = report.verdict.label if report.verdict else "-"
    lines = [(f"shadow report: {verdict}: {report.pairs} pairs, "
             f"{len(report.noise.flagged)} fields beyond noise")]
    lines += [f"  {_flagged_line(f)}" for f in report.noise.flagged]
    if report.verdict is not None:
        lines += [f"  gate {c.name}: {c.status} ({c.value}, limit {c.limit})"
                  for c in report.verdict.checks if c.status == "FAIL"]
    if quiet:
        return "\n".join(lines)
    lines += ["", *_counts(report), *report.notes, ""]
    width = max((len(f.field) for f in report.noise.fields), default=5)
    for row in field_rows(report):
        lines.append(f"  {row[0]:<{width}}  cand {row[2]:<28}  noise {row[3]:<28}  {row[5]}")
    lines += ["", _latency_line(report), _cost_line(report)]
    if out is not None:
        lines.append(f"written: {out / 'shadow.md'}, shadow.json, report.html, pairs.parquet")
    return "\n".join(lines)


# -- Markdown ------------------------------------------------------------------------------------


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(fmt.md_cell(c) for c in r) + " |" for r in rows]
    return out


def _md_pair(w: WorstPair) -> list[str]:
    out = [f"### {fmt.md_cell(w.pair_id)}" + (f" (flagged: {', '.join(w.flagged)})"
                                               if w.flagged else ""), ""]
    for fd in w.fields:
        out.append(f"- **{fmt.md_cell(fd['field'])}** ({fmt.md_cell(str(fd['kind']))}): "
                   f"{fmt.md_cell(str(fd['detail']))}")
        out += [f"  - {fmt.md_code(p.get('path'))} {fmt.md_cell(str(p.get('kind')))}: "
                f"{fmt.md_code(fmt.compact(p.get('primary'), 120))} -> "
                f"{fmt.md_code(fmt.compact(p.get('other'), 120))}" for p in fd["paths"]]
    for role, arm in w.arms.items():
        out.append(f"- {role}: {fmt.md_code(fmt.compact(_arm_summary(arm), 600))}")
    return [*out, ""]


def _arm_summary(arm: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in arm.items() if v not in (None, [], "") and k != "content_mode"}


def markdown(report: ShadowReport) -> str:
    """shadow.md."""
    verdict = report.verdict.label if report.verdict else "-"
    targets = ", ".join(f"{role} {t}" for role, t in report.targets.items())
    out = [f"# Shadow report: {verdict}", "", (f"Log: {fmt.md_code(report.log)}; "
           f"{fmt.md_cell(targets)}; content mode {', '.join(report.content) or '-'}."), "",
           *[f"- {fmt.md_cell(line)}" for line in [*_counts(report), *report.notes]], "",
           "## Difference rates per field", "", *_md_table(FIELD_HEADER, field_rows(report)),
           "", ("Rates: pairs where the field differs / pairs where it applies, 95% Wilson "
           "interval; excess with its interval at the Bonferroni level over the fields."), ""]
    out += ["## Beyond-noise differences (ranked)", ""]
    out += [f"{i}. {fmt.md_cell(_flagged_line(f))}" for i, f in
            enumerate(report.noise.flagged, 1)] or ["None."]
    out += ["", "## Gate", "", *_md_table(GATE_HEADER, _gate_rows(report)), ""]
    out += ["## Latency and cost", "", *_md_table(ARM_HEADER, _arm_rows(report)), "",
            fmt.md_cell(_latency_line(report)), "", fmt.md_cell(_cost_line(report)), ""]
    out += ["## Worst pairs", ""]
    for w in report.worst:
        out += _md_pair(w)
    if not report.worst:
        out += ["No pair differs.", ""]
    return "\n".join(out)


def json_text(report: ShadowReport) -> str:
    """shadow.json."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


# -- HTML ----------------------------------------------------------------------------------------


def _html_fields(report: ShadowReport) -> str:
    rows = []
    for f, row in zip(report.noise.fields, field_rows(report)):
        cells = "".join(f'<td class="text">{_e(c)}</td>' for c in row)
        rows.append(f'<tr data-field="{_e(f.field)}" data-flagged="{str(f.flagged).lower()}"'
                    f'{" class=failed" if f.flagged else ""}>{cells}</tr>')
    head = "".join(f'<th class="text">{_e(h)}</th>' for h in FIELD_HEADER)
    return (f'<div class="wide"><table id="shadow-fields"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")


def _html_pair(w: WorstPair) -> str:
    flagged = f" (flagged: {', '.join(w.flagged)})" if w.flagged else ""
    parts = [(f'<details class="pair failure"><summary>{_e(w.pair_id)}{_e(flagged)}: '
             f"{_e(', '.join(fd['field'] for fd in w.fields))}</summary>")]
    for fd in w.fields:
        parts.append(f'<div class="check"><b>[{_e(fd["field"])}]</b> {_e(fd["kind"])}: '
                     f'{_e(fd["detail"])}</div>')
        if fd["paths"]:
            parts.append(_table(("path", "kind", "primary", "candidate"), [
                (str(p.get("path")), str(p.get("kind")), fmt.compact(p.get("primary"), 200),
                 fmt.compact(p.get("other"), 200)) for p in fd["paths"]], text_cols=4))
    parts.append('<div class="exp-rec">' + "".join(
        f"<div>{_e(role)}{_pre(_arm_summary(arm))}</div>" for role, arm in w.arms.items())
        + "</div></details>")
    return "".join(parts)


def html_section(report: ShadowReport) -> str:
    """`<section id="shadow">`: the whole shadow report as HTML (escaped)."""
    verdict = report.verdict.label if report.verdict else "-"
    flagged = "".join(f"<li>{_e(_flagged_line(f))}</li>" for f in report.noise.flagged)
    body = [
        '<section id="shadow">',
        f'<h2>Shadow traffic: <span class="verdict-{verdict.lower()}">{_e(verdict)}</span></h2>',
        "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in [*_counts(report), *report.notes])
        + "</ul>",
        "<h3>Difference rates per field</h3>", _html_fields(report),
        "<h3>Beyond-noise differences (ranked)</h3>",
        f"<ol>{flagged}</ol>" if flagged else "<p>None.</p>",
        "<h3>Gate</h3>", _table(GATE_HEADER, _gate_rows(report), table_id="shadow-gate",
                                text_cols=5),
        "<h3>Latency and cost</h3>",
        _table(ARM_HEADER, _arm_rows(report), table_id="shadow-latency", text_cols=2),
        f'<p class="note">{_e(_latency_line(report))}<br>{_e(_cost_line(report))}</p>',
        '<h3>Worst pairs</h3><div id="shadow-worst">',
        "".join(_html_pair(w) for w in report.worst) or "<p>No pair differs.</p>",
        "</div></section>",
    ]
    return "\n".join(body)


def html_page(report: ShadowReport) -> str:
    """report.html for a shadow log: one self-contained page (no external URL, CSP)."""
    verdict = report.verdict.label if report.verdict else "-"
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Shadow report: {_e(verdict)} · harness report</title>"
        f"<style>\n{asset('report.css')}</style></head>\n<body>\n"
        f"<header><h1>Shadow report: {_e(report.log)}</h1></header>\n"
        + html_section(report)
        + f"\n<script>\n{asset('report.js')}</script>\n</body></html>\n"
    )
