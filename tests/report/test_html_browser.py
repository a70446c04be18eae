"""report.html in a real browser: headless Chromium (Debian's package) over the DevTools protocol.

Checks that the plots rendered (SVG with a non-zero size and marks), that typing in the filter
box leaves only the matching rows visible, that the status select and the header sort work,
that nothing outside the file was requested and that hostile response text did not run.
Saves a screenshot to the test's tmp dir and to $HARNESS_SCREENSHOT_DIR when set.
Skipped, with the reason, when Chromium is not installed (`make test` installs it with apt).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from harness.report.outputs import write_reports
from tests.report.chromium import Chromium, find_chromium, screenshot_dir
from tests.report.support import row

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: `make test` installs Debian's chromium with apt-get "
    "(needs root and apt); or run `apt-get install -y chromium chromium-driver`",
)

HOSTILE = '<script>window.__pwned = 1</script><img src="https://evil.invalid/x.png" ' \
          'onerror="window.__pwned = 2">'


def _rows() -> list[dict]:
    rows = []
    targets = ("mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1", "local/llama")
    for i in range(12):
        for j, target in enumerate(targets):
            failed = (j == 1 and i % 4 == 0) or (j == 2 and i % 3 == 0)
            rows.append(row(
                f"case_{i:02d}", target, passed=not failed, latency_ms=80.0 + 37 * i + 55 * j,
                cost_usd=None if j == 2 else 0.0004 * (j + 1), stream=i % 2 == 0,
                response_excerpt=HOSTILE if failed else '{"ok": true}',
                failures=[{"check": "contains", "title": f"no 'zebra' in {HOSTILE}",
                           "expected": "zebra", "received": HOSTILE}] if failed else [],
            ))
    rows.append(row("unreachable", targets[0], passed=False, status_code=None,
                    latency_ms=5000.0, cost_usd=None, failures=[]))
    return rows


async def _drive(report: Path, shot: Path) -> dict:
    assert CHROMIUM is not None
    async with Chromium(CHROMIUM) as browser:
        page = await browser.page()
        await page.goto(report.as_uri())
        out: dict = {}
        out["plots"] = await page.js(
            "Array.from(document.querySelectorAll('svg.plot')).map(s => {"
            " const r = s.getBoundingClientRect();"
            " return {name: s.dataset.plot, w: r.width, h: r.height,"
            "  marks: s.querySelectorAll('rect, circle, line').length}; })")
        out["rows"] = await page.js("document.querySelectorAll('#jobs-table tbody tr').length")
        out["count_before"] = await page.js("document.getElementById('job-count').textContent")
        await page.js("document.getElementById('job-filter').focus()")
        await page.type_text("case_07")
        out["visible_cases"] = await page.js(
            "Array.from(document.querySelectorAll('#jobs-table tbody tr'))"
            ".filter(r => r.getClientRects().length > 0).map(r => r.cells[1].textContent)")
        out["count_after"] = await page.js("document.getElementById('job-count').textContent")
        # clear the text, keep only failed jobs
        await page.js("(() => { const f = document.getElementById('job-filter'); f.value = '';"
                      "f.dispatchEvent(new Event('input'));"
                      "const s = document.getElementById('job-status'); s.value = 'failed';"
                      "s.dispatchEvent(new Event('change')); })()")
        out["visible_status"] = await page.js(
            "Array.from(document.querySelectorAll('#jobs-table tbody tr'))"
            ".filter(r => r.getClientRects().length > 0).map(r => r.dataset.status)")
        await page.js("(() => { const s = document.getElementById('job-status'); s.value = '';"
                      "s.dispatchEvent(new Event('change')); })()")
        # a real click on the latency header sorts ascending, a second one descending
        latency_col = "#jobs-table thead th:nth-child(9)"
        await page.click(latency_col)
        out["asc"] = await page.js(
            "Array.from(document.querySelectorAll('#jobs-table tbody tr'))"
            ".map(r => parseFloat(r.cells[8].dataset.v))")
        await page.click(latency_col)
        out["desc"] = await page.js(
            "Array.from(document.querySelectorAll('#jobs-table tbody tr'))"
            ".map(r => parseFloat(r.cells[8].dataset.v))")
        out["details"] = await page.js("document.querySelectorAll('details.failure').length")
        out["pwned"] = await page.js("window.__pwned === undefined ? null : window.__pwned")
        out["hostile_text_shown"] = await page.js(
            "document.querySelector('details.failure pre') !== null && "
            "document.body.textContent.includes('window.__pwned = 1')")
        await page.js("window.scrollTo(0, 0)")
        await page.screenshot(shot)
        out["requests"] = [e["params"]["request"]["url"] for e in page.events
                           if e.get("method") == "Network.requestWillBeSent"]
        out["exceptions"] = [e for e in page.events if e.get("method") == "Runtime.exceptionThrown"]
        return out


def test_report_renders_and_filters_in_chromium(tmp_path: Path) -> None:
    written = write_reports(tmp_path, rows=_rows(), meta={"run_id": "browser-test"})
    report = tmp_path / "report.html"
    assert report in written.paths
    shot = tmp_path / "report.png"
    out = asyncio.run(asyncio.wait_for(_drive(report, shot), 60))

    plots = {p["name"]: p for p in out["plots"]}
    assert set(plots) == {"latency", "cost", "matrix", "ttft"}
    for name, p in plots.items():
        assert p["w"] > 100 and p["h"] > 50, (name, p)
        assert p["marks"] > 3, (name, p)

    assert out["rows"] == 37
    assert out["count_before"] == "37 of 37 jobs"
    assert out["visible_cases"] == ["case_07"] * 3
    assert out["count_after"] == "3 of 37 jobs"
    assert out["visible_status"] and set(out["visible_status"]) == {"failed"}
    assert len(out["visible_status"]) == written.report.failed
    assert out["asc"] == sorted(out["asc"])
    assert out["desc"] == sorted(out["desc"], reverse=True)
    assert out["details"] == written.report.failed
    # hostile response text is shown as text and never runs or loads anything
    assert out["pwned"] is None
    assert out["hostile_text_shown"]
    assert all(u.startswith(("file:", "data:")) for u in out["requests"]), out["requests"]
    assert out["exceptions"] == []

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = screenshot_dir()
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "report.png")
