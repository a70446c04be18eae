"""Run: the run folder, run.json's one shape, one loop and client, finish, interruption,
checks' run-scoped state — over real HTTP to reference simulators on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

import harness.engine.transport as transport_mod
from harness.core.row import check_row
from harness.session import Run, RunSettings, plan_run
from harness.session.meta import META_KEYS

SUITE = """suite: s
cases:
  - id: hello
    request: {messages: [{role: user, content: hi}], max_tokens: 16, seed: 7}
    repeat: 3
    expect: [{status: 200}, {same_across_repeats: null}]
  - id: streamed
    request: {messages: [{role: user, content: hi}], max_tokens: 16, stream: true}
"""
TARGETS = ("mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1")


@pytest.fixture
def settings(tmp_path: Path) -> RunSettings:
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    return RunSettings(suites=(str(suite),), targets=TARGETS, simulate=True,
                       sim_latency_ms=0, out=str(tmp_path / "out"), runner="api")


def test_a_run_owns_its_folder_meta_rows_and_reports(
    settings: RunSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Any] = []
    real = transport_mod.make_client
    monkeypatch.setattr(transport_mod, "make_client",
                        lambda *a, **k: made.append(1) or real(*a, **k))
    plan = plan_run(settings)
    with Run(plan) as run:
        meta = json.loads((run.run_dir / "run.json").read_text())
        assert meta["status"] == "running" and set(META_KEYS) <= set(meta)
        rows = run.run_all()
        outcome = run.finish()
    assert len(made) == 1  # one client for the whole run
    assert len(rows) == 8 and outcome.exit_code == 0, [r["failures"] for r in rows]
    assert all(not check_row(r) for r in rows), [check_row(r) for r in rows]
    saved = json.loads((outcome.run_dir / "run.json").read_text())
    assert saved["status"] == "complete" and saved["runner"] == "api"
    assert (saved["jobs"], saved["passed"], saved["failed"]) == (8, 8, 0)
    assert saved["targets"] == [f"sim-{t.split('/')[0]}/{t.split('/')[1]}" for t in TARGETS]
    assert {p.name for p in outcome.run_dir.iterdir()} >= {
        "results.jsonl", "run.json", "summary.md", "report.html", "junit.xml"}
    # same_across_repeats kept its references in the run, not in a module global
    assert "same_across_repeats" in run.state


def test_two_runs_in_one_process_do_not_share_check_state(settings: RunSettings) -> None:
    states = []
    for _ in range(2):
        with Run(plan_run(settings)) as run:
            run.run_all()
            run.finish()
            states.append(run.state)
    assert states[0] is not states[1] and states[0] and states[1]


def test_an_exception_marks_the_run_failed_and_keeps_its_rows(settings: RunSettings) -> None:
    calls = []

    def boom(row: dict[str, Any]) -> None:
        calls.append(row)
        if len(calls) == 3:
            raise RuntimeError("a bug in a progress callback")

    plan = plan_run(settings.but(concurrency=1))
    with pytest.raises(RuntimeError, match="progress callback"), Run(plan) as run:
        run.run_all(on_result=boom)
    meta = json.loads((run.run_dir / "run.json").read_text())
    assert meta["status"] == "failed" and meta["finished_at"]
    lines = (run.run_dir / "results.jsonl").read_text().splitlines()
    assert len(lines) >= 3  # what finished is on disk


def test_interrupted_run_says_so(settings: RunSettings) -> None:
    def stop(row: dict[str, Any]) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as the terminal sends it

    with pytest.raises(KeyboardInterrupt), Run(plan_run(settings)) as run:
        run.run_all(on_result=stop)
    assert json.loads((run.run_dir / "run.json").read_text())["status"] == "interrupted"
