"""`harness audit` end to end: run folder, reports, exit codes, usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.main import main
from tests.audit.support import REQ, cassette, chat_body
from tests.realworld import CASSETTES, REALWORLD, REPO_ROOT, requires_realworld

LITELLM = REALWORLD / "pricing" / "litellm" / "model_prices_and_context_window_backup.json"


def _run_dir(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


@pytest.mark.realworld
@requires_realworld
def test_every_real_cassette_passes_with_the_litellm_prices(tmp_path: Path) -> None:
    """The command of the issue, as a user runs it (a subprocess through the entry point)."""
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "audit", str(CASSETTES), "--prices", str(LITELLM),
         "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: 103/103 recorded interactions passed (55 cassettes)" in proc.stdout
    assert "audit: 103 interactions, 103 passed, 0 failed" in proc.stdout
    assert "cost: $" in proc.stdout and "(5 with usage but no known price)" in proc.stdout
    run = _run_dir(tmp_path)
    for name in ("results.jsonl", "run.json", "results.parquet", "results.csv", "summary.md",
                 "summary.json", "report.html", "junit.xml"):
        assert (run / name).is_file(), name
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 103 and {r["mode"] for r in rows} == {"audit"}
    meta = json.loads((run / "run.json").read_text())
    assert (meta["mode"], meta["jobs"], meta["passed"], meta["failed"]) == ("audit", 103, 103, 0)
    assert len(meta["cassettes"]) == 55
    junit = (run / "junit.xml").read_text()
    assert junit.count("<testcase") == 103 and "<failure" not in junit


@pytest.mark.realworld
@requires_realworld
def test_openapi_mode_over_every_real_cassette(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.audit import AuditOptions, audit_paths, available_specs

    monkeypatch.setenv("HARNESS_SPECS_DIR", str(REALWORLD / "specs"))
    options = AuditOptions(openapi=True, specs_available=available_specs())
    assert options.specs_available == {"mistral", "openai", "anthropic"}
    rows = audit_paths([CASSETTES], options).rows
    assert [r["failures"] for r in rows if not r["passed"]] == []
    # every success and every OpenAI / Anthropic error body also met its official spec
    assert sum(r["checks"].count("body_schema") for r in rows) == 39 + 82 + 15


@pytest.mark.realworld
@requires_realworld
def test_openapi_flag_and_specs_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_SPECS_DIR", raising=False)
    before = dict(os.environ)
    anthropic = CASSETTES / "chatlas" / "test_provider_anthropic" / "test_data_extraction.yaml"
    code = main(["audit", str(anthropic), "--openapi", "--specs-dir", str(REALWORLD / "specs"),
                 "--out", str(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert dict(os.environ) == before  # --specs-dir does not leak out of the command
    rows = [json.loads(x) for x in (_run_dir(tmp_path) / "results.jsonl").read_text().splitlines()]
    assert [r["checks"].count("body_schema") for r in rows] == [2, 2, 2, 1]  # 4th: a stream
    # without the specs folder the Anthropic spec is not available: the check is left out
    assert main(["audit", str(anthropic), "--openapi", "--out", str(tmp_path / "b"), "-q"]) == 0
    rows = [json.loads(x) for x in
            (_run_dir(tmp_path / "b") / "results.jsonl").read_text().splitlines()]
    assert [r["checks"].count("body_schema") for r in rows] == [1, 1, 1, 0]


def test_a_failing_interaction_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = chat_body(usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 7})
    path = cassette(tmp_path, REQ, bad)
    code = main(["audit", str(path), "--out", str(tmp_path / "reports")])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL suite::c#0::mistral/mistral-medium-3.5: [usage]" in out
    assert "FAIL: 0/1 recorded interactions passed" in out


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    assert main(["audit", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert "nope: no such file or folder" in capsys.readouterr().err
    suite = tmp_path / "suite.yaml"
    suite.write_text("suite: x\ncases: []\n", encoding="utf-8")
    assert main(["audit", str(suite), "--out", str(out)]) == 2
    assert "not a vcrpy cassette" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["audit", str(empty), "--out", str(out)]) == 2
    assert "no recorded interaction found" in capsys.readouterr().err
    good = cassette(tmp_path, REQ, chat_body())
    assert main(["audit", str(good), "--prices", str(tmp_path / "x.json"), "--out", str(out)]) == 2
    assert "--prices" in capsys.readouterr().err
    assert main(["audit", str(good), "--specs-dir", str(tmp_path / "none"), "--out", str(out)]) == 2
    assert not out.exists() or not any(out.iterdir())  # no half-written run folder


def test_help_lists_audit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "audit" in capsys.readouterr().out
