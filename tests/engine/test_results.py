"""The run folder, results.jsonl written row by row, run.json, read_results tolerance."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from harness.core.columns import FORMAT_VERSION
from harness.core.errors import UsageError
from harness.engine.results import (
    ResultWriter,
    RunDir,
    create_run_dir,
    mask_argv,
    read_meta,
    read_results,
    write_meta,
)


def test_create_run_dir_generates_unique_ids(tmp_path: Path):
    a = create_run_dir(tmp_path / "reports")
    b = create_run_dir(tmp_path / "reports")
    assert a != b and a.is_dir() and b.is_dir()
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", a.name)


def test_create_run_dir_with_explicit_id(tmp_path: Path):
    d = create_run_dir(tmp_path, "nightly-1")
    assert d == tmp_path / "nightly-1" and d.is_dir()
    with pytest.raises(UsageError):
        create_run_dir(tmp_path, "nightly-1")  # never mix two runs in one folder
    with pytest.raises(UsageError):
        create_run_dir(tmp_path, "../escape")
    rd = RunDir.create(tmp_path, "x")
    assert rd.results == tmp_path / "x" / "results.jsonl" and rd.run_id == "x"


def test_rows_are_on_disk_as_soon_as_written(tmp_path: Path):
    writer = ResultWriter(tmp_path)  # a folder: results.jsonl inside
    writer.write({"job_id": "a", "text": "é ünïcode", "when": dt.date(2026, 1, 2), "p": Path("/x")})
    # not closed yet: another reader must already see the complete line
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    row = json.loads(lines[0])
    assert row == {"job_id": "a", "text": "é ünïcode", "when": "2026-01-02", "p": "/x"}
    assert "é" in lines[0]  # ensure_ascii=False
    writer.write({"job_id": "b", "multi": "line1\nline2"})
    assert len(read_results(tmp_path)) == 2  # a newline inside a value stays one line
    writer.close()
    assert writer.count == 2 and writer.closed
    with pytest.raises(ValueError):
        writer.write({})


def test_writer_appends(tmp_path: Path):
    with ResultWriter(tmp_path / "results.jsonl") as w:
        w.write({"n": 1})
    with ResultWriter(tmp_path / "results.jsonl") as w:
        w.write({"n": 2})
    assert [r["n"] for r in read_results(tmp_path / "results.jsonl")] == [1, 2]


def test_read_results_tolerates_a_truncated_last_line(tmp_path: Path):
    p = tmp_path / "results.jsonl"
    p.write_text('{"n": 1}\n{"n": 2}\n{"n": 3, "tex', encoding="utf-8")
    assert read_results(p) == [{"n": 1}, {"n": 2}]
    p.write_text('{"n": 1}\n\n{"n": 2}\n{"n"\n', encoding="utf-8")
    assert read_results(p) == [{"n": 1}, {"n": 2}]


def test_read_results_rejects_corruption_in_the_middle(tmp_path: Path):
    p = tmp_path / "results.jsonl"
    p.write_text('{"n": 1}\n{"n": \n{"n": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_results(p)


def test_write_meta_lifecycle(tmp_path: Path):
    run = create_run_dir(tmp_path, "r1")
    argv = [
        "harness",
        "run",
        "--api-key",
        "sk-live-abcdef123456",
        "--max-tokens",
        "5",
        "suite.yaml",
    ]
    meta = write_meta(run, {"status": "running", "targets": ["p/m"], "suites": ["s"], "argv": argv})
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["status"] == "running" and meta["finished_at"] is None and meta["started_at"]
    on_disk = (run / "run.json").read_text()
    assert "sk-live-abcdef123456" not in on_disk
    assert read_meta(run)["argv"] == [
        "harness",
        "run",
        "--api-key",
        "***",
        "--max-tokens",
        "5",
        "suite.yaml",
    ]
    meta = write_meta(run, {"status": "interrupted", "counts": {"rows": 3, "passed": 2}})
    assert meta["finished_at"] and meta["targets"] == ["p/m"] and meta["counts"]["rows"] == 3
    assert read_meta(run)["status"] == "interrupted"
    with pytest.raises(ValueError):
        write_meta(run, {"status": "bogus"})
    assert not list(run.glob(".*tmp"))


def test_mask_argv_variants():
    env = {"OPENAI_API_KEY": "plainvalue-1234", "HOME": "/root"}
    out = mask_argv(
        [
            "--key=abc",
            "OPENAI_API_KEY=zzz",
            "-H",
            "Authorization: Bearer tok123",
            "x-api-key: foo",
            "prefix plainvalue-1234 suffix",
            "--max-tokens",
            "7",
            "/root/suite.yaml",
        ],
        env=env,
    )
    assert out == [
        "--key=***",
        "OPENAI_API_KEY=***",
        "-H",
        "Authorization: ***",
        "x-api-key: ***",
        "prefix *** suffix",
        "--max-tokens",
        "7",
        "/root/suite.yaml",
    ]
