"""Small inline-SVG plots for report.html (no plotting library, no external resource).

Every plot is an `<svg class="plot" data-plot=NAME>` string with a <title>; every text in it is
escaped. Deterministic: the jitter of strip plots comes from a seeded random generator.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from harness.report import stats

PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2",
           "#97bbf5", "#9c6b4e", "#9498a0")
FONT = "font-family:system-ui,sans-serif;font-size:12px"
MAX_POINTS = 400  # per group in a strip plot; the box always uses every value


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 5 x 10^k steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(v, 10))
    return ticks


def _tick_label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 1:
        return f"{v:g}"
    return f"{v:.3g}"


def _open(name: str, width: float, height: float, title: str) -> list[str]:
    return [
        (f'<svg class="plot" data-plot="{escape(name)}" xmlns="http://www.w3.org/2000/svg" '
         f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
         f'role="img" aria-label="{escape(title)}" style="{FONT}">'),
        f"<title>{escape(title)}</title>",
    ]


@dataclass
class Group:
    label: str
    values: list[float]


def box_strip(name: str, title: str, groups: Sequence[Group], unit: str = "ms",
              width: int = 760, seed: int = 7) -> str:
    """Horizontal box plots (quartiles, Tukey whiskers) with jittered points, one per group."""
    groups = [g for g in groups if g.values]
    left, right, top, row_h = 210, 20, 28, 44
    height = top + row_h * max(1, len(groups)) + 40
    out = _open(name, width, height, title)
    out.append(f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>')
    if not groups:
        out.append(f'<text x="{left}" y="{top + 20}">no data</text></svg>')
        return "\n".join(out)
    lo = min(min(g.values) for g in groups)
    hi = max(max(g.values) for g in groups)
    ticks = nice_ticks(min(0.0, lo), hi)
    t0, t1 = ticks[0], ticks[-1]
    span = (t1 - t0) or 1.0
    plot_w = width - left - right

    def x(v: float) -> float:
        return left + (v - t0) / span * plot_w

    axis_y = top + row_h * len(groups) + 4
    for t in ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{top - 4}" x2="{x(t):.1f}" y2="{axis_y}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(t):.1f}" y="{axis_y + 16}" text-anchor="middle">'
                   f"{escape(_tick_label(t))}</text>")
    out.append(f'<text x="{left + plot_w:.0f}" y="{axis_y + 32}" text-anchor="end">'
               f"{escape(unit)}</text>")
    rng = random.Random(seed)
    for i, g in enumerate(groups):
        cy = top + row_h * i + row_h / 2
        vs = sorted(g.values)
        q1, med, q3 = (stats.percentile(vs, q) for q in (25, 50, 75))
        assert q1 is not None and med is not None and q3 is not None
        iqr = q3 - q1
        lo_w = min(v for v in vs if v >= q1 - 1.5 * iqr)
        hi_w = max(v for v in vs if v <= q3 + 1.5 * iqr)
        c = color(i)
        label = g.label if len(g.label) <= 30 else g.label[:29] + "…"
        out.append(f'<g class="series" data-label="{escape(g.label)}">')
        out.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end">'
                   f"<title>{escape(g.label)}</title>{escape(label)}</text>")
        out.append(f'<line x1="{x(lo_w):.1f}" y1="{cy:.1f}" x2="{x(hi_w):.1f}" y2="{cy:.1f}" '
                   f'stroke="{c}"/>')
        out.append(f'<rect x="{x(q1):.1f}" y="{cy - 11:.1f}" width="{max(1.0, x(q3) - x(q1)):.1f}" '
                   f'height="22" fill="{c}" fill-opacity="0.25" stroke="{c}">'
                   f"<title>{escape(g.label)}: n={len(vs)}, p25 {q1:.0f}, median {med:.0f}, "
                   f"p75 {q3:.0f} {escape(unit)}</title></rect>")
        out.append(f'<line x1="{x(med):.1f}" y1="{cy - 11:.1f}" x2="{x(med):.1f}" '
                   f'y2="{cy + 11:.1f}" stroke="{c}" stroke-width="2.5"/>')
        shown = vs if len(vs) <= MAX_POINTS else sorted(rng.sample(vs, MAX_POINTS))
        for v in shown:
            jy = cy + (rng.random() - 0.5) * 18
            out.append(f'<circle cx="{x(v):.1f}" cy="{jy:.1f}" r="2" fill="{c}" '
                       'fill-opacity="0.6"/>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


@dataclass
class Point:
    label: str
    x: float  # pass rate 0..1
    y: float  # cost
    x_low: float | None = None
    x_high: float | None = None


def scatter(name: str, title: str, points: Sequence[Point], x_label: str, y_label: str,
            width: int = 760, height: int = 340, note: str = "") -> str:
    """Points with optional horizontal interval bars; x is a proportion (0..1)."""
    left, right, top, bottom = 80, 30, 44, 50
    out = _open(name, width, height + (16 if note else 0), title)
    out.append(f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>')
    if note:
        out.append(f'<text x="{left}" y="{height + 8}" fill="#666">{escape(note)}</text>')
    if not points:
        out.append(f'<text x="{left}" y="{top + 20}">no target with a known cost</text></svg>')
        return "\n".join(out)
    x_lo = min([p.x_low if p.x_low is not None else p.x for p in points] + [1.0])
    x_ticks = nice_ticks(max(0.0, math.floor(x_lo * 10) / 10 - 0.05), 1.0)
    x_ticks = [t for t in x_ticks if 0 <= t <= 1] or [0.0, 1.0]
    y_ticks = nice_ticks(0.0, 1.1 * max(p.y for p in points) or 1.0)
    pw, ph = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + (v - x_ticks[0]) / ((x_ticks[-1] - x_ticks[0]) or 1) * pw

    def y(v: float) -> float:
        return top + ph - (v - y_ticks[0]) / ((y_ticks[-1] - y_ticks[0]) or 1) * ph

    for t in x_ticks:
        out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + ph}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f"{100 * t:.0f}%</text>")
    for t in y_ticks:
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + pw}" y2="{y(t):.1f}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">'
                   f"{escape(_tick_label(t))}</text>")
    out.append(f'<text x="{left + pw / 2:.0f}" y="{height - 8}" text-anchor="middle">'
               f"{escape(x_label)}</text>")
    out.append(f'<text x="14" y="{top + ph / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + ph / 2:.0f})">{escape(y_label)}</text>')
    for i, p in enumerate(points):
        c = color(i)
        px, py = x(p.x), y(p.y)
        out.append(f'<g class="series" data-label="{escape(p.label)}">')
        if p.x_low is not None and p.x_high is not None:
            out.append(f'<line x1="{x(p.x_low):.1f}" y1="{py:.1f}" x2="{x(p.x_high):.1f}" '
                       f'y2="{py:.1f}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="6" fill="{c}">'
                   f"<title>{escape(p.label)}: pass rate {100 * p.x:.1f}%, "
                   f"{escape(_tick_label(p.y))} USD</title></circle>")
        anchor, dx = ("end", -9) if px > left + pw / 2 else ("start", 9)
        out.append(f'<text x="{px + dx:.1f}" y="{py - 9:.1f}" text-anchor="{anchor}">'
                   f"{escape(p.label)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def heatmap(name: str, title: str, rows: Sequence[str], cols: Sequence[str],
            cells: dict[tuple[str, str], tuple[int, int]], width: int = 760) -> str:
    """rows x cols grid; a cell (passed, total) is coloured from red (0%) to green (100%)."""
    left, top, cell_h = 260, 50, 18
    col_w = max(40, min(160, (width - left - 10) // max(1, len(cols))))
    height = top + cell_h * max(1, len(rows)) + 30
    width = max(width, left + col_w * len(cols) + 10)
    out = _open(name, width, height, title)
    out.append(f'<text x="8" y="16" font-weight="600">{escape(title)}</text>')
    fit = max(4, int(col_w / 6.6))
    for j, col in enumerate(cols):
        cx = left + col_w * j + col_w / 2
        head, sep, tail = col.partition("/")
        lines = [head + sep, tail] if sep else ["", col]
        lines = [t if len(t) <= fit else t[: fit - 1] + "…" for t in lines]
        out.append(f'<text x="{cx:.1f}" y="{top - 22}" text-anchor="middle">'
                   f"<title>{escape(col)}</title>{escape(lines[0])}"
                   f'<tspan x="{cx:.1f}" dy="14">{escape(lines[1])}</tspan></text>')
    for i, row in enumerate(rows):
        y = top + cell_h * i
        label = row if len(row) <= 36 else row[:35] + "…"
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">'
                   f"<title>{escape(row)}</title>{escape(label)}</text>")
        for j, col in enumerate(cols):
            passed, total = cells.get((row, col), (0, 0))
            x = left + col_w * j
            if total == 0:
                fill, text = "#f2f2f2", ""
            else:
                frac = passed / total
                hue = 120 * frac  # 0 red .. 120 green
                fill = f"hsl({hue:.0f},65%,{50 + 12 * (1 - abs(2 * frac - 1)):.0f}%)"
                text = f"{passed}/{total}"
            out.append(
                f'<rect class="cell" x="{x + 1}" y="{y + 1}" width="{col_w - 2}" '
                f'height="{cell_h - 2}" fill="{fill}"><title>{escape(row)} on {escape(col)}: '
                f"{text or 'not run'}</title></rect>"
            )
            if text:
                out.append(f'<text x="{x + col_w / 2:.1f}" y="{y + 13}" text-anchor="middle" '
                           f'font-size="10">{text}</text>')
    out.append("</svg>")
    return "\n".join(out)
