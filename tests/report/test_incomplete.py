"""The reports of an incomplete run: INCOMPLETE (done/planned) in summary.md, summary.json and
report.html, the jobs not run skipped in junit.xml; a complete run's reports unchanged."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.engine.completeness import Completeness, PlanEntry
from harness.report.outputs import write_reports
from tests.report.support import read_json, row

META = {"run_id": "run-i", "status": "interrupted", "targets": ["p/a"]}


def _rows() -> list[dict]:
    return [row("c", "p/a", repeat=r, repeats=4, passed=r != 1) for r in range(2)]


def _unrun() -> list[PlanEntry]:
    return [PlanEntry(f"s::c::p/a::r{r}", "s", "c", "p/a", "", r, 4) for r in (2, 3)]


def test_an_interrupted_run_says_incomplete_in_every_report(tmp_path: Path) -> None:
    done = Completeness("interrupted", 2, 4, "SIGINT", _unrun())
    write_reports(tmp_path, rows=_rows(), meta=META, completeness=done)
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Run run-i: INCOMPLETE (2/4), 1/2 jobs passed")
    assert "Incomplete run (interrupted by SIGINT): 2 of 4 planned jobs were not run." in md
    summary = read_json(tmp_path / "summary.json")
    assert summary["verdict"] == "INCOMPLETE (2/4)"
    assert summary["completeness"] == {"complete": False, "state": "interrupted",
                                       "reason": "interrupted by SIGINT", "jobs_planned": 4,
                                       "jobs_done": 2, "signal": "SIGINT"}
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<span class="verdict-incomplete">INCOMPLETE (2/4)</span>' in html
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "1", "2")
    skipped = [(tc.get("name"), tc.find("skipped").get("message"))  # type: ignore[union-attr]
               for tc in root.iter("testcase") if tc.find("skipped") is not None]
    assert skipped == [("p/a[r2]", "not run: interrupted"), ("p/a[r3]", "not run: interrupted")]
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("skipped")) == ("4", "2")


def test_a_killed_run_names_why(tmp_path: Path) -> None:
    done = Completeness("killed", 2, 4, None, _unrun())
    write_reports(tmp_path, rows=_rows(), meta={**META, "status": "running"}, completeness=done)
    assert 'message="not run: interrupted (killed)"' in (tmp_path / "junit.xml").read_text()


def test_a_complete_run_is_unchanged(tmp_path: Path) -> None:
    rows = [row("c", "p/a", repeat=r, repeats=2) for r in range(2)]
    meta = {**META, "status": "complete"}
    write_reports(tmp_path / "with", rows=rows, meta=meta,
                  completeness=Completeness("complete", 2, 2))
    write_reports(tmp_path / "without", rows=rows, meta=meta)
    for name in ("summary.md", "junit.xml"):
        assert (tmp_path / "with" / name).read_text() == (tmp_path / "without" / name).read_text()
    assert (tmp_path / "with" / "summary.md").read_text().startswith(
        "# Run run-i: PASS, 2/2 jobs passed")
    head = (tmp_path / "with" / "junit.xml").read_text().splitlines()[1]
    assert 'skipped' not in head and 'tests="2"' in head
