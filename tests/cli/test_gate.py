"""`harness gate`: exit codes, the files written, the terminal verdict, usage errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.gating.judge import THRESHOLDS
from tests.report.support import row, write_run

BASE, CAND = "mistral/m", "empiriolabs/m"


def _runs(tmp_path: Path, broken: int = 0, extra_base: bool = False) -> tuple[Path, Path]:
    base_rows = [row(f"c{i:02d}", BASE) for i in range(89)]
    if extra_base:
        base_rows.append(row("safe_prompt", BASE, suite="basic"))
    base = write_run(tmp_path, "base", base_rows)
    cand = write_run(tmp_path, "cand", [row(f"c{i:02d}", CAND, passed=i >= broken)
                                        for i in range(89)])
    return cand, base


def test_identical_runs_pass_and_write_the_three_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cand, base = _runs(tmp_path)
    assert main(["gate", str(cand), "--baseline", str(base)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("gate: candidate cand (empiriolabs/m, 89 cases) vs "
                                          "baseline base (mistral/m, 89 cases): 89 common")
    assert out.splitlines()[1].split() == ["threshold", "value", "limit", "verdict"]
    assert out.rstrip().endswith("GATE PASS: 7 thresholds passed, 5 skipped")
    data = json.loads((cand / "gate.json").read_text())
    assert data["passed"] is True and data["exit_code"] == 0
    assert [t["name"] for t in data["thresholds"]] == [name for name, _ in THRESHOLDS]
    md = (cand / "gate.md").read_text()
    assert md.startswith("# Gate: PASS")
    assert "| regressions | 0 | &lt;= 0 | PASS |" in md
    suite = ET.parse(cand / "gate-junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == str(len(THRESHOLDS))
    assert suite.get("failures") == "0" and suite.get("skipped") == "5"


def test_a_regression_exits_1_and_every_output_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cand, base = _runs(tmp_path, broken=3)
    out_dir = tmp_path / "gate-out"
    assert main(["gate", str(cand), "--baseline", str(base), "--out", str(out_dir)]) == 1
    out = capsys.readouterr().out
    assert "  - s::c00: 1/1 -> 0/1 (stable regression)" in out
    assert out.rstrip().endswith("GATE FAIL: 1 of 12 thresholds failed (regressions)")
    assert "| regressions | 3 | &lt;= 0 | **FAIL** |" in (out_dir / "gate.md").read_text()
    cases = ET.parse(out_dir / "gate-junit.xml").getroot().iter("testcase")
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["regressions"]
    assert not (cand / "gate.md").exists()  # --out was given

    assert main(["gate", str(cand), "--baseline", str(base), "--out", str(out_dir), "-q"]) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert quiet[0].startswith("FAIL regressions: 3 stable")
    assert quiet[-1].startswith("GATE FAIL")


def test_a_gate_file_declares_expected_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cand, base = _runs(tmp_path, extra_base=True)
    assert main(["gate", str(cand), "--baseline", str(base)]) == 1
    assert "  - basic::safe_prompt" in capsys.readouterr().out
    gate_file = tmp_path / "gate.yaml"
    gate_file.write_text("expected_differences:\n  - {case: 'basic::*', reason: dialect}\n",
                         encoding="utf-8")
    assert main(["gate", str(cand), "--baseline", str(base), "--gate", str(gate_file)]) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["gate", "{tmp}/nope", "--baseline", "{tmp}/base"],
     "the candidate run {tmp}/nope has no results.jsonl"),
    (["gate", "{tmp}/cand", "--baseline", "{tmp}/nope"],
     "the baseline run {tmp}/nope has no results.jsonl"),
    (["gate", "{tmp}/cand"], "harness gate needs CANDIDATE_RUN and --baseline"),
    (["gate", "{tmp}/cand", "--baseline", "{tmp}/base", "--gate", "{tmp}/bad.yaml"],
     "{tmp}/bad.yaml: line 1: unknown key 'max_latency'; did you mean 'max_latency_ratio'?"),
    (["gate", "{tmp}/cand", "--baseline", "{tmp}/base", "--target", "x/y"],
     "the candidate run has no target 'x/y'; it has empiriolabs/m"),
])
def test_usage_errors_exit_2_with_one_paragraph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _runs(tmp_path)
    (tmp_path / "bad.yaml").write_text("max_latency: 2\n", encoding="utf-8")
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message.format(tmp=tmp_path)}") and err.count("\n") == 1
    assert "Traceback" not in err


def test_explain_exits_0_and_lists_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", "--explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Gate file keys (YAML; every key optional). Default and meaning:")
    assert "\nmax_latency_ratio: 1.5\n" in out and "\nexpected_differences: []\n" in out
