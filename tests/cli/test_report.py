"""`harness report RUN_DIR`: regenerate a run folder's reports; merge shards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli.main import main
from tests.report.support import row, write_run

REPORTS = ("results.parquet", "results.csv", "summary.md", "summary.json", "report.html",
           "junit.xml")


def test_report_regenerates_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = write_run(tmp_path, "run-1", [row("a"), row("b", passed=False),
                                            row("a", "p/b"), row("b", "p/b")])
    assert main(["report", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert all((run_dir / name).exists() for name in REPORTS)
    assert "FAIL s::b::p/a: [contains]" in out
    header = next(line for line in out.splitlines() if line.startswith("target"))
    assert header.split()[:3] == ["target", "cases", "jobs"]
    assert "A only" in out  # the pairwise table of two targets
    # regenerating overwrites: a deleted or stale report comes back
    (run_dir / "report.html").unlink()
    (run_dir / "summary.md").write_text("stale", encoding="utf-8")
    assert main(["report", str(run_dir)]) == 0
    capsys.readouterr()
    assert (run_dir / "report.html").exists()
    assert (run_dir / "summary.md").read_text(encoding="utf-8").startswith(
        "# Run run-1: FAIL, 3/4 jobs passed")
    assert ET.parse(run_dir / "junit.xml").getroot().get("failures") == "1"


PLAN = {"suites": "s1", "prices": "p1", "plan": "plan-1"}


def test_report_merges_shards_into_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_run(tmp_path, "shard-1", [row("a"), row("b")], fingerprints=PLAN, shard=[1, 2])
    b = write_run(tmp_path, "shard-2", [row("c", passed=False)], fingerprints=PLAN,
                  shard=[2, 2])
    assert main(["report", str(a), str(b)]) == 2
    assert "give --out" in capsys.readouterr().err
    merged = tmp_path / "merged"
    assert main(["report", str(a), str(b), "--out", str(merged)]) == 0
    capsys.readouterr()
    md = (merged / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Run shard-1+shard-2: FAIL, 2/3 jobs passed")
    assert not (a / "summary.md").exists()  # the shards are left alone


@pytest.mark.parametrize(("second", "why"), [
    ({"fingerprints": {**PLAN, "plan": "plan-2"}, "shard": [2, 2]},
     "shard-1 (plan plan-1), run-2 (plan plan-2) are distinct runs (different plans"),
    ({"fingerprints": PLAN, "shard": [1, 2]},
     "are not the shards of one run (shard-1, run-2: shard 1/2"),
    ({"fingerprints": PLAN, "shard": None}, "run-2: unsharded"),
    ({"fingerprints": {}, "shard": [2, 2]}, "run-2 has no plan fingerprint"),
    ({"fingerprints": PLAN, "shard": [2, 2], "overlap": True},
     "job s::a::p/a is in both shard-1 and run-2"),
])
def test_report_refuses_to_merge_distinct_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               second: dict, why: str) -> None:
    a = write_run(tmp_path, "shard-1", [row("a")], fingerprints=PLAN, shard=[1, 2])
    rows = [row("a")] if second.pop("overlap", False) else [row("b")]
    b = write_run(tmp_path, "run-2", rows, **second)
    assert main(["report", str(a), str(b), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert why in err and "harness compare" in err and "harness history" in err
    assert not (tmp_path / "m" / "summary.md").exists()


def test_report_on_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "no such run folder" in capsys.readouterr().err
