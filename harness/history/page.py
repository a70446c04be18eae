"""`harness history trend --html FILE`: one self-contained page (inline CSS and SVG, no script,
no external resource; a Content-Security-Policy forbids loading any) with line plots of pass
rate, latency, TTFT and cost per case over the runs, the trend table and the drift lines.
Stable hooks: `svg.plot[data-plot=pass_rate|latency|ttft|cost]`, `#trend-table`, `#drift`."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from harness.history.render import TREND_HEADER, drift_lines
from harness.history.trend import Point
from harness.report import fmt, svg

__all__ = ["line_plot", "trend_page"]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
       "text-align:right}td:first-child,th:first-child{text-align:left}"
       "svg.plot{display:block;margin:1em 0}.note{color:#666}")


def _label(v: float, percent: bool) -> str:
    return f"{100 * v:.0f}%" if percent else f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.3g}"


def line_plot(name: str, title: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[float | None]]], *, unit: str = "",
              percent: bool = False, width: int = 760, height: int = 260) -> str:
    """Lines over runs (x: the runs in order, labelled by run id); a None value is a gap."""
    left, right, top, bottom = 70, 150, 30, 40
    values = [v for _, vs in series for v in vs if v is not None]
    out = [(f'<svg class="plot" data-plot="{escape(name)}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{escape(title)}" style="{svg.FONT}"><title>{escape(title)}</title>'),
           f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>']
    if not values or not labels:
        return "\n".join([*out, f'<text x="{left}" y="{top + 20}">no data</text></svg>'])
    ticks = [t for t in svg.nice_ticks(0.0, 1.0 if percent else max(values) * 1.1 or 1.0)]
    pw, ph = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (pw * i / (len(labels) - 1) if len(labels) > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph - (v - ticks[0]) / ((ticks[-1] - ticks[0]) or 1) * ph

    for t in ticks:
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + pw}" y2="{y(t):.1f}" '
                   f'stroke="#e3e3e3"/><text x="{left - 6}" y="{y(t) + 4:.1f}" '
                   f'text-anchor="end">{escape(_label(t, percent))}</text>')
    step = max(1, len(labels) // 8)
    for i in range(0, len(labels), step):
        text = labels[i] if len(labels[i]) <= 18 else labels[i][:17] + "…"
        out.append(f'<text x="{x(i):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f"<title>{escape(labels[i])}</title>{escape(text)}</text>")
    if unit:
        out.append(f'<text x="{left - 6}" y="{top - 8}" text-anchor="end">{escape(unit)}</text>')
    for n, (label, vs) in enumerate(series):
        c = svg.color(n)
        out.append(f'<g class="series" data-label="{escape(label)}">')
        segment: list[str] = []
        for i, v in enumerate([*vs, None]):
            if v is None:
                if len(segment) > 1:
                    out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" '
                               f'points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{c}"><title>'
                       f"{escape(labels[i])}: {escape(label)} {escape(_label(v, percent))}"
                       f"{escape(' ' + unit if unit and not percent else '')}</title></circle>")
        out.append(f'<text x="{left + pw + 10}" y="{top + 14 + 16 * n}" fill="{c}">'
                   f"{escape(label)}</text></g>")
    out.append("</svg>")
    return "\n".join(out)


def _plots(points: Sequence[Point]) -> list[str]:
    labels = [p.run_id for p in points]
    return [
        line_plot("pass_rate", "Pass rate", labels, [("pass rate", [p.pass_rate for p in points])],
                  percent=True),
        line_plot("latency", "Latency", labels, [("p50", [p.p50_ms for p in points]),
                                                 ("p95", [p.p95_ms for p in points])], unit="ms"),
        line_plot("ttft", "Time to first token, p50", labels,
                  [("TTFT p50", [p.ttft_p50_ms for p in points])], unit="ms"),
        line_plot("cost", "Cost per case", labels,
                  [("cost per case", [p.cost_per_case for p in points])], unit="USD"),
    ]


def trend_page(title: str, points: Sequence[Point]) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in (
            p.run_id, p.started_at[:19].replace("T", " "), p.status,
            f"{p.cases_passed}/{p.cases}", fmt.pct(p.pass_rate), fmt.ms(p.p50_ms),
            fmt.ms(p.p95_ms), fmt.ms(p.ttft_p50_ms), fmt.usd(p.cost_per_case))) + "</tr>"
        for p in points)
    head = "".join(f"<th>{escape(h)}</th>" for h in TREND_HEADER)
    drift = drift_lines(points)
    drift_html = ("<ul>" + "".join(f"<li>{escape(d)}</li>" for d in drift) + "</ul>"
                  if drift else '<p class="note">no drift: the same error envelopes and '
                  "response keys in every run</p>")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{''.join(_plots(points))}"
        f'<h2>Runs</h2><table id="trend-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<h2>Drift: error envelopes and response shapes</h2><div id="drift">{drift_html}</div>'
        "</body></html>\n")
