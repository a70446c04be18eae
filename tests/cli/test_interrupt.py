"""SIGINT / SIGTERM / SIGKILL mid-run, with real signals to real `python -m harness run`
processes against a slow simulator: exit codes, run.json, INCOMPLETE reports, the JUnit
skipped jobs, `harness report` on a killed run, `--resume`, and record mode's cassettes.
No timing assertions: the tests wait for rows on disk, then signal."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

TARGET = "mistral/mistral-medium-3.5"


def _suite(tmp_path: Path, repeat: int = 40) -> Path:
    suite = tmp_path / "slow.yaml"
    suite.write_text(
        f"cases:\n  - id: slow\n    repeat: {repeat}\n    request:\n"
        "      messages: [{role: user, content: hi}]\n", encoding="utf-8")
    return suite


def _harness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "slow.yaml", "--target", TARGET,
         "--simulate", "--sim-latency-ms", "150", "--concurrency", "2", "--out", "out", "-q",
         *extra], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_rows(out: Path, n: int, proc: subprocess.Popen[str]) -> Path:
    """The run folder, once its results.jsonl holds at least `n` rows."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = list(out.glob("*/results.jsonl"))
        if found and found[0].read_text(encoding="utf-8").count("\n") >= n:
            return found[0].parent
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the run wrote no rows")


def _meta(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))


def _skipped(run_dir: Path) -> int:
    head = (run_dir / "junit.xml").read_text(encoding="utf-8").splitlines()[1]
    found = re.search(r'skipped="(\d+)"', head)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_run_honestly(tmp_path: Path, sig: signal.Signals,
                                         code: int) -> None:
    _suite(tmp_path)
    proc = _start(tmp_path, "--grace", "30")
    run_dir = _wait_rows(tmp_path / "out", 3, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err and f"{sig.name}: stopped dispatching" in err
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    meta = _meta(run_dir)
    assert (meta["status"], meta["interrupted_by"]) == ("interrupted", sig.name)
    assert (meta["jobs_planned"], meta["jobs_done"]) == (40, len(rows))
    assert 3 <= len(rows) < 40 and all(r["passed"] for r in rows)  # in flight: finished
    assert meta["pid"] == proc.pid and meta["host"]
    label = f"INCOMPLETE ({len(rows)}/40)"
    assert (run_dir / "summary.md").read_text().startswith(f"# Run {run_dir.name}: {label}")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["verdict"] == label and summary["completeness"]["jobs_done"] == len(rows)
    assert label in (run_dir / "report.html").read_text()
    assert _skipped(run_dir) == 40 - len(rows)
    assert 'message="not run: interrupted"' in (run_dir / "junit.xml").read_text()
    assert f"{label[:-1]}, interrupted by {sig.name})" in out
    assert f"harness run --resume {Path('out') / run_dir.name}" in out
    report = _harness("report", str(run_dir), cwd=tmp_path)
    assert report.returncode == 1 and label in report.stdout
    if sig == signal.SIGTERM:  # and the run can be finished
        resumed = _harness("run", "--resume", str(run_dir), "-q", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        meta = _meta(run_dir)
        assert (meta["status"], meta["jobs_done"], meta["interrupted_by"]) == ("complete", 40,
                                                                              None)
        lines = (run_dir / "results.jsonl").read_text().splitlines()
        assert len({json.loads(line)["job_id"] for line in lines}) == len(lines) == 40
        assert (run_dir / "summary.md").read_text().startswith(f"# Run {run_dir.name}: PASS")
        assert _skipped(run_dir) == 0
        again = _harness("run", "--resume", str(run_dir), cwd=tmp_path)
        assert again.returncode == 2 and "nothing to resume" in again.stderr


def test_a_killed_run_is_reported_incomplete(tmp_path: Path) -> None:
    _suite(tmp_path)
    proc = _start(tmp_path)
    run_dir = _wait_rows(tmp_path / "out", 2, proc)
    proc.kill()
    proc.communicate(timeout=30)
    assert _meta(run_dir)["status"] == "running"
    done = (run_dir / "results.jsonl").read_text().count("\n")
    report = _harness("report", str(run_dir), cwd=tmp_path)
    assert report.returncode == 1
    assert f"INCOMPLETE ({done}/40): interrupted (killed)" in report.stdout
    assert "INCOMPLETE" in (run_dir / "summary.md").read_text().splitlines()[0]
    assert _skipped(run_dir) == 40 - done
    gate = _harness("gate", str(run_dir), "--baseline", str(run_dir), cwd=tmp_path)
    assert gate.returncode == 1 and "an incomplete run is never green" in gate.stdout


def _cassette(tmp_path: Path) -> dict[str, Any]:
    files = list((tmp_path / "cas").rglob("*.yaml"))
    assert len(files) == 1
    return json.loads(files[0].read_text(encoding="utf-8"))


def test_record_mode_interrupt_keeps_the_answers_and_auto_records_again(tmp_path: Path) -> None:
    _suite(tmp_path, repeat=20)
    proc = _start(tmp_path, "--mode", "record", "--cassettes", "cas")
    run_dir = _wait_rows(tmp_path / "out", 3, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    rows = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert all(r["cassette"] and Path(tmp_path, r["cassette"]).is_file() for r in rows)
    cut = _cassette(tmp_path)
    meta = cut["metadata"]["harness"]
    assert (meta["complete"], meta["jobs_planned"]) == (False, 20)
    assert len(cut["interactions"]) >= len(rows) == meta["jobs_recorded"]

    replay = _harness("run", "slow.yaml", "--target", TARGET, "--mode", "replay",
                      "--cassettes", "cas", "--out", "out2", "-q", cwd=tmp_path)
    assert replay.returncode == 1 and "cut short while recording" in replay.stdout
    auto = _harness("run", "slow.yaml", "--target", TARGET, "--mode", "auto", "--simulate",
                    "--sim-latency-ms", "0", "--cassettes", "cas", "--out", "out3", "-q",
                    cwd=tmp_path)
    assert auto.returncode == 0, auto.stdout + auto.stderr
    assert "recorded 20 job(s)" in auto.stdout
    whole = _cassette(tmp_path)
    assert "complete" not in whole["metadata"]["harness"] and len(whole["interactions"]) == 20
