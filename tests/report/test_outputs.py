"""summary.md, junit.xml, summary.json and report.html as files (the browser test is separate)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.report.outputs import write_reports
from tests.report.support import read_json, row
from tests.report.test_analysis import _two_targets

HOSTILE = "</pre><script>alert(1)</script>\x00\x1b[31m|`x`|"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("run")
    rows = _two_targets()
    rows += [row("rep", "p/a", passed=ok, repeat=r, repeats=3)
             for r, ok in enumerate([True, False, True])]
    rows.append(row("evil", "p/a", passed=False, response_excerpt=HOSTILE,
                    failures=[{"check": "contains", "title": f"no zebra in {HOSTILE}",
                               "expected": "zebra", "received": HOSTILE}]))
    meta = {"run_id": "run-x", "status": "complete", "targets": ["p/a", "p/b"],
            "suites": ["suites/s.yaml"]}
    return out, write_reports(out, rows=rows, meta=meta)


def test_every_file_is_written(written) -> None:  # type: ignore[no-untyped-def]
    out, w = written
    assert sorted(p.name for p in w.paths) == sorted([
        "results.parquet", "results.csv", "summary.md", "summary.json", "report.html",
        "junit.xml"])
    assert all((out / p.name).stat().st_size > 0 for p in w.paths)


def test_summary_md_tables(written) -> None:  # type: ignore[no-untyped-def]
    out, _ = written
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Run run-x: FAIL, 17/24 jobs passed")
    assert "## Head to head" in md and "## Pairwise" in md and "## Failures (7 jobs)" in md
    h2h = next(line for line in md.splitlines() if line.startswith("| p/b |"))
    cells = [c.strip() for c in h2h.strip("|").split("|")]
    assert cells[:6] == ["p/b", "10", "10", "60.0% [31.3, 83.2]", "3", "1"]
    assert "0.024000 (+1 unknown)" in cells  # unknown cost is never added as 0
    pair = next(line for line in md.splitlines() if line.startswith("| p/a | p/b |"))
    assert "-25.0 pp" not in pair  # rep/evil cases exist only on p/a: 10 pairs
    assert "| 10 | 9 | 6 | 4 | 1 |" in pair and "0.375" in pair and "2.00x [2.00, 2.00]" in pair
    assert "3.00x" in pair
    assert "### Flaky cases" in md and "| p/a | s::rep | - | 2/3 |" in md
    # failures list with expected vs received
    assert "- `s::c0::p/b`: HTTP 500" in md
    assert "  - [contains] no zebra; expected `zebra`, received `horse`" in md
    # hostile text neither breaks the table nor injects HTML: outside code spans, no tag
    outside = re.sub(r"(`+) .*? \1|(`+)[^`]*?\2", "", md)
    assert "<script>" not in outside
    assert "\x00" not in md and "\x1b" not in md


def test_summary_json_has_the_same_numbers(written) -> None:  # type: ignore[no-untyped-def]
    out, _ = written
    data = read_json(out / "summary.json")
    b = next(t for t in data["targets"] if t["target"] == "p/b")
    assert b["passed"] == 6 and b["cost_unknown"] == 1
    assert data["pairs"][0]["p_value"] == pytest.approx(0.375)


def test_junit_xml(written) -> None:  # type: ignore[no-untyped-def]
    out, _ = written
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("24", "6", "1")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "s" and suite.get("tests") == "24"
    cases = suite.findall("testcase")
    names = {(c.get("classname"), c.get("name")) for c in cases}
    assert ("s.c0", "p/b") in names
    assert {("s.rep", f"p/a[r{r}]") for r in range(3)} <= names
    c0 = next(c for c in cases if (c.get("classname"), c.get("name")) == ("s.c0", "p/b"))
    failure = c0.find("failure")
    assert failure is not None
    assert failure.get("message") == "HTTP 500, expected 2xx; no zebra"
    assert failure.get("type") == "status"
    assert "expected: zebra" in (failure.text or "") and "received: horse" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in c0.iter("property")}
    assert props["latency_ms"] == "200.0" and props["status_code"] == "500"
    assert c0.get("time") == "0.200"
    c3 = next(c for c in cases if (c.get("classname"), c.get("name")) == ("s.c3", "p/b"))
    error = c3.find("error")
    assert error is not None and error.get("type") == "transport"
    assert c3.find("failure") is None
    ok = next(c for c in cases if (c.get("classname"), c.get("name")) == ("s.c5", "p/b"))
    assert ok.find("failure") is None and ok.find("error") is None
    props = {p.get("name"): p.get("value") for p in ok.iter("property")}
    assert props["cost_usd"] == "0.003"


def test_html_is_self_contained_and_escaped(written) -> None:  # type: ignore[no-untyped-def]
    out, _ = written
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    # offline: nothing fetched from anywhere
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html
    # the hostile response shows up escaped only
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # ours
    # hooks
    for hook in ('id="jobs-table"', 'id="job-filter"', 'id="job-status"', 'id="h2h-table"',
                 'id="pairs-table"', 'data-plot="latency"', 'data-plot="cost"',
                 'data-plot="matrix"'):
        assert hook in html, hook
    assert 'data-plot="ttft"' not in html  # nothing streamed
    assert html.count('<tr class="job') == 24
    assert html.count('<details class="failure"') == 7


def test_write_reports_on_a_frame_without_rows(tmp_path: Path) -> None:
    w = write_reports(tmp_path, rows=[], meta={"run_id": "empty"})
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Run empty: PASS, 0/0 jobs passed")
    assert ET.parse(tmp_path / "junit.xml").getroot().get("tests") == "0"
    assert w.report.jobs == 0


def test_head_to_head_over_common_cases_in_summary_and_html(tmp_path: Path) -> None:
    rows = [row(f"c{i}", t, latency_ms=100.0) for i in range(3) for t in ("p/a", "p/b")]
    rows += [row(f"slow{i}", "p/b", latency_ms=5000.0) for i in range(4)]
    write_reports(tmp_path, rows=rows, meta={"run_id": "r", "targets": ["p/a", "p/b"]})
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "### Over the 3 cases every target ran" in md
    assert "Over the 3 cases every target ran</h3>" in html
    table = html.split('id="h2h-common-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 3  # header + p/a + p/b
    same = tmp_path / "same"
    write_reports(same, rows=rows[:6], meta={"run_id": "s", "targets": ["p/a", "p/b"]})
    assert 'id="h2h-common-table"' not in (same / "report.html").read_text(encoding="utf-8")


def test_summary_md_carries_no_raw_markup_from_answers(written) -> None:  # type: ignore[no-untyped-def]
    out, _ = written
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "no zebra in" in md  # the hostile failure is listed ...
    assert "<script>" not in md and "</pre>" not in md  # ... with its markup escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
