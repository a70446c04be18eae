"""The plugin's gate: --harness-baseline (and --harness-gate) judge the run at the end."""

from __future__ import annotations

import json

import pytest

from tests.plugin.conftest import TARGETS, harness_args, run_dirs
from tests.report.support import row, write_run

pytest_plugins = ["pytester"]

HELLO = """\
suite: demo
cases:
  - id: hello
    request:
      messages: [{role: user, content: hi}]
"""


def _baseline(project: pytest.Pytester, cases: list[str]) -> str:
    rows = [row(c, t, suite="demo", latency_ms=1e6) for c in cases for t in TARGETS]
    return str(write_run(project.path, "baseline", rows))


def test_a_passing_gate_keeps_exit_0_and_writes_gate_md(project: pytest.Pytester) -> None:
    project.makefile(".yaml", demo=HELLO)
    baseline = _baseline(project, ["hello"])
    result = project.runpytest(*harness_args("--harness-baseline", baseline))
    assert result.ret == 0, result.stdout.str()
    assert result.stdout.str().count("GATE PASS") == 2  # one verdict per target
    (run_dir,) = run_dirs(project.path / "reports")
    assert (run_dir / f"gate-{TARGETS[0].replace('/', '_')}" / "gate.md").exists()


def test_a_failed_gate_makes_pytest_fail(project: pytest.Pytester) -> None:
    project.makefile(".yaml", demo=HELLO)
    baseline = _baseline(project, ["hello", "gone"])  # the candidate lost a case
    result = project.runpytest(*harness_args("--harness-baseline", baseline))
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "  - demo::gone" in result.stdout.str()
    gate = project.path / "gate.yaml"
    gate.write_text("expected_differences: [{case: 'demo::gone'}]\n", encoding="utf-8")
    result = project.runpytest(*harness_args("--harness-baseline", baseline,
                                             "--harness-gate", str(gate), out="gated"))
    assert result.ret == 0
    (run_dir,) = run_dirs(project.path / "gated")
    data = json.loads((run_dir / f"gate-{TARGETS[1].replace('/', '_')}" / "gate.json")
                      .read_text())
    assert data["passed"] is True


def test_a_bad_gate_file_or_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makefile(".yaml", demo=HELLO)
    baseline = _baseline(project, ["hello"])
    bad = project.path / "bad.yaml"
    bad.write_text("max_regresions: 1\n", encoding="utf-8")
    result = project.runpytest(*harness_args("--harness-baseline", baseline,
                                             "--harness-gate", str(bad)))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "did you mean 'max_regressions'" in result.stderr.str()
    result = project.runpytest(*harness_args("--harness-baseline", "nope"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "the baseline run nope has no results.jsonl" in result.stderr.str()
