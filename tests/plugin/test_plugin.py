"""The pytest plugin in-process (pytester): inert by default, ids, -k, tag markers, the failure
text, usage errors. The xdist run and the comparison with `harness run` are in test_xdist.py."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness.engine.results import read_results
from tests.plugin.conftest import KEY, KEY_ENV, harness_args, run_dirs

pytest_plugins = ["pytester"]

DEMO = """\
suite: demo
defaults:
  tags: [demo]
  request: {max_tokens: 32}
cases:
  - id: hello
    tags: [smoke]
    request:
      messages: [{role: user, content: hi}]
  - id: temps
    request:
      messages: [{role: user, content: hi}]
    matrix:
      temperature: [0, 0.2]
    repeat: 2
  - id: mistral_only
    dialects: [mistral]
    request:
      messages: [{role: user, content: hi}]
"""

FAILING = """\
suite: failing
cases:
  - id: ok
    request:
      messages: [{role: user, content: hello}]

  - id: wants_zebra
    description: the simulator never talks about zebras
    request:
      messages: [{role: user, content: Tell me about animals}]
    expect:
      - contains: zebra
      - finish_reason: length
"""

DEMO_IDS = [
    "demo.yaml::hello[m/mistral-medium-3.5]",
    "demo.yaml::hello[g/mistral-medium-3-1]",
    "demo.yaml::temps[m/mistral-medium-3.5-temperature=0-r0]",
    "demo.yaml::temps[g/mistral-medium-3-1-temperature=0-r0]",
    "demo.yaml::temps[m/mistral-medium-3.5-temperature=0-r1]",
    "demo.yaml::temps[g/mistral-medium-3-1-temperature=0-r1]",
    "demo.yaml::temps[m/mistral-medium-3.5-temperature=0.2-r0]",
    "demo.yaml::temps[g/mistral-medium-3-1-temperature=0.2-r0]",
    "demo.yaml::temps[m/mistral-medium-3.5-temperature=0.2-r1]",
    "demo.yaml::temps[g/mistral-medium-3-1-temperature=0.2-r1]",
    "demo.yaml::mistral_only[m/mistral-medium-3.5]",
]


def test_repeat_scope_groups_the_repeats_of_a_case_target_and_variant() -> None:
    from harness.pytest_plugin.items import repeat_scope

    assert repeat_scope("s/p.yaml::seed[m/x-1.5-temperature=0.2-r2]") == (
        "s/p.yaml::seed[m/x-1.5-temperature=0.2]")
    assert repeat_scope("s/p.yaml::hello[m/x]") == "s/p.yaml::hello[m/x]"
    assert repeat_scope("tests/test_a.py::test_b[x-r2]") == "tests/test_a.py::test_b[x-r2]"


def _collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "::" in line and line.endswith("]")]


def test_plugin_is_inert_without_a_target(project: pytest.Pytester) -> None:
    project.makefile(".yaml", demo=DEMO)
    project.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = project.runpytest("-p", "no:cacheprovider", "--harness-out", "reports")
    result.assert_outcomes(passed=1)  # the suite file is not collected
    assert not (project.path / "reports").exists()


def test_ids_follow_case_target_variant_repeat_and_k_selects(project: pytest.Pytester) -> None:
    project.makefile(".yaml", demo=DEMO)
    project.makefile(".yaml", other="services:\n  web: {image: nginx}\n")  # not a suite
    result = project.runpytest(*harness_args("--collect-only", "-q"))
    assert result.ret == 0, result.stdout.str()
    assert _collected(result) == DEMO_IDS

    result = project.runpytest(*harness_args("--collect-only", "-q", "-k", "temps and 0.2 and r1"))
    assert _collected(result) == [
        "demo.yaml::temps[m/mistral-medium-3.5-temperature=0.2-r1]",
        "demo.yaml::temps[g/mistral-medium-3-1-temperature=0.2-r1]",
    ]


def test_tags_are_markers_under_strict_markers_and_junitxml_works(
    project: pytest.Pytester,
) -> None:
    project.makefile(".yaml", demo=DEMO)
    result = project.runpytest(*harness_args("--strict-markers", "-m", "smoke",
                                             "--junitxml", "junit.xml"))
    result.assert_outcomes(passed=2, deselected=9)
    cases = ET.parse(project.path / "junit.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == [
        "hello[g/mistral-medium-3-1]", "hello[m/mistral-medium-3.5]"]
    (run_dir,) = run_dirs(project.path / "reports")
    rows = read_results(run_dir)
    assert sorted(r["job_id"] for r in rows) == [
        "demo::hello::g/mistral-medium-3-1", "demo::hello::m/mistral-medium-3.5"]
    assert all(r["passed"] and r["tags"] == ["demo", "smoke"] for r in rows)
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["status"], meta["jobs"], meta["passed"], meta["runner"]) == (
        "complete", 2, 2, "pytest")
    assert (run_dir / "summary.md").exists() and (run_dir / "junit.xml").exists()
    assert "PASS: 2/2 jobs passed; run folder" in result.stdout.str()


def test_a_failing_case_shows_yaml_request_and_expected_vs_received(
    project: pytest.Pytester,
) -> None:
    project.makefile(".yaml", failing=FAILING)
    result = project.runpytest(*harness_args("--harness-target", "m/mistral-medium-3.5"))
    result.assert_outcomes(passed=2, failed=2)
    text = result.stdout.str()
    result.stdout.fnmatch_lines([
        "*_ failing::wants_zebra[[]m/mistral-medium-3.5[]] _*",
        "harness case failing::wants_zebra::m/mistral-medium-3.5 failed: HTTP 200 in * ms",
        "failed checks:",
        "  [[]contains[]] content does not contain 'zebra'",
        '    expected: ["zebra"]',
        "    received: Simulated answer to: Tell me about animals.*",
        "  [[]finish_reason[]] *",
        "    expected: length",
        "    received: stop",
        "case failing::wants_zebra (failing.yaml, lines 7-13; suite defaults apply):",
        "   7 |   - id: wants_zebra",
        "   8 |     description: the simulator never talks about zebras",
        "*",
        "  13 |       - finish_reason: length",
        "request sent:",
        "  {",
        '    "model": "mistral-medium-3.5",',
        "*",
        "reproduce:",
        f"  curl -sS -X POST '*/chat/completions' * -H \"authorization: Bearer ${KEY_ENV}\" *",
        "response (excerpt):",
    ])
    assert "Traceback" not in text and "runtest" not in text and ".py:" not in text
    assert KEY not in text
    assert "FAILED failing.yaml::wants_zebra[g/mistral-medium-3-1]" in text


def test_usage_errors_are_short_and_name_the_file_and_line(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a misspelt check: a collection error with file, line and excerpt
    project.makefile(".yaml", bad="cases:\n  - id: x\n    request:\n"
                     "      messages: [{role: user, content: hi}]\n"
                     "    expect:\n      - contians: zebra\n")
    result = project.runpytest(*harness_args())
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([
        "*ERROR collecting bad.yaml*",
        ("bad.yaml: line 6: unknown check 'contians' in case 'x' expect[[]0[]]; "
         "did you mean 'contains'?"),
        "*>*6 |       - contians: zebra",
    ])
    assert "Traceback" not in result.stdout.str()
    (project.path / "bad.yaml").unlink()

    # an unknown target: a usage error before collection
    project.makefile(".yaml", demo=DEMO)
    result = project.runpytest(*harness_args("--harness-target", "m/mistral-medium-35"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    unknown = ("ERROR: harness: provider 'm' has no model 'mistral-medium-35' "
               "(did you mean 'mistral-medium-3.5'?)*")
    result.stderr.fnmatch_lines([unknown])

    # a missing key: a collection error of the file that needs it, naming the variable
    monkeypatch.delenv(KEY_ENV)
    result = project.runpytest(*harness_args("--harness-mode", "live"))
    result.stdout.fnmatch_lines([
        "*ERROR collecting demo.yaml*",
        (f"demo.yaml: missing API key: set {KEY_ENV} (for g), {KEY_ENV} (for m) in the "
         "environment.*--harness-simulate."),
    ])
    # no mode and no key: the run would replay, but there is no cassette to replay (the same
    # rule and words as `harness run`: the variables each provider's jobs need)
    result = project.runpytest(*harness_args())
    result.stdout.fnmatch_lines([
        "*ERROR collecting demo.yaml*",
        (f"demo.yaml: missing API key: set {KEY_ENV} (for g), {KEY_ENV} (for m) in the "
         "environment.*cassettes/ holds "
         "none for this file's jobs*"),
    ])
    assert "Traceback" not in result.stdout.str()
    assert not run_dirs(project.path / "reports")  # no run folder left for a run that never ran
