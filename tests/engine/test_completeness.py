"""engine/completeness.py: plan.jsonl, the process that runs a run, and the verdict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.engine.completeness import (
    PLAN_FILE,
    assess,
    merge,
    process_alive,
    process_identity,
    read_plan,
    write_plan,
)

from .support import make_job, make_provider


def _plan(tmp_path: Path, n: int = 5) -> list[str]:
    jobs = [make_job(make_provider("p", "http://x.invalid"), repeat=i, repeats=n)
            for i in range(n)]
    write_plan(tmp_path, jobs)
    return [j.id for j in jobs]


def test_the_plan_round_trips_and_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    ids = _plan(tmp_path)
    entries = read_plan(tmp_path)
    assert entries is not None and [e.job_id for e in entries] == ids
    assert (entries[2].repeat, entries[2].repeats) == (2, 5)
    with open(tmp_path / PLAN_FILE, "a", encoding="utf-8") as fh:
        fh.write('["half')
    assert len(read_plan(tmp_path) or []) == 5
    assert read_plan(tmp_path / "none") is None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_running_status_with_no_live_process_is_killed(tmp_path: Path) -> None:
    ids = _plan(tmp_path)
    me = process_identity()
    assert process_alive(me) is True
    dead = {**me, "pid": _dead_pid()}
    assert process_alive(dead) is False
    assert process_alive({**me, "host": "elsewhere.invalid"}) is None
    if me["process_start"] is not None:  # Linux: a reused pid is told from the run's process
        assert process_alive({**me, "process_start": me["process_start"] + 1}) is False
    killed = assess(tmp_path, {"status": "running", **dead}, ids[:2])
    assert (killed.state, killed.done, killed.planned, killed.label) == (
        "killed", 2, 5, "INCOMPLETE (2/5)")
    assert killed.reason == "interrupted (killed)" and len(killed.unrun) == 3
    assert assess(tmp_path, {"status": "running", **me}, ids[:2]).state == "running"


def test_complete_interrupted_and_short_runs(tmp_path: Path) -> None:
    ids = _plan(tmp_path)
    whole = assess(tmp_path, {"status": "complete"}, ids)
    assert whole.complete and whole.label == "" and whole.unrun == []
    stopped = assess(tmp_path, {"status": "interrupted", "interrupted_by": "SIGTERM"}, ids[:4])
    assert (stopped.state, stopped.reason) == ("interrupted", "interrupted by SIGTERM")
    short = assess(tmp_path, {"status": "complete"}, ids[:3])
    assert short.state == "incomplete" and not short.complete
    no_plan = assess(tmp_path / "x", {"status": "complete", "jobs": 9}, ids[:3])
    assert (no_plan.state, no_plan.planned) == ("incomplete", 9)
    both = merge([whole, stopped])
    assert (both.state, both.done, both.planned, len(both.unrun)) == ("interrupted", 9, 10, 1)
