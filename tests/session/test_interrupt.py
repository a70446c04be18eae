"""Run.run_all(stop=...): a stop (what SIGINT / SIGTERM do) ends the run "interrupted" with the
rows it got, counts and the signal in run.json, INCOMPLETE reports, exit 128 + N; resuming
the folder runs only the jobs without a row."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from harness.engine.completeness import PLAN_FILE, read_plan
from harness.engine.stop import Stop
from harness.session import Run, RunSettings, plan_run
from harness.session.resume import resume_plan
from harness.session.terminal import resume_lines, verdict_line

SUITE = """suite: s
cases:
  - id: hello
    request: {messages: [{role: user, content: hi}], max_tokens: 8}
    repeat: 12
"""


def _settings(tmp_path: Path) -> RunSettings:
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    return RunSettings(suites=(str(suite),), targets=("mistral/mistral-medium-3.5",),
                       simulate=True, sim_latency_ms=0, concurrency=1,
                       out=str(tmp_path / "out"), runner="cli", argv=("run", str(suite)))


def test_a_stopped_run_is_interrupted_with_its_counts_and_resumes(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    stop = Stop(grace_s=30)
    seen: list[dict] = []

    def on_result(row: dict) -> None:
        seen.append(row)
        if len(seen) == 5:
            stop.request(signal.SIGTERM)  # what the SIGTERM handler does, on the loop

    with Run(plan_run(settings)) as run:
        rows = run.run_all(on_result, stop=stop)
        outcome = run.finish()
    run_dir = outcome.run_dir
    assert len(rows) == 5 and (run_dir / PLAN_FILE).is_file()
    assert len(read_plan(run_dir) or []) == 12
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["status"], meta["interrupted_by"], meta["jobs_planned"], meta["jobs_done"]) == (
        "interrupted", "SIGTERM", 12, 5)
    assert outcome.exit_code == 143 and outcome.incomplete
    assert verdict_line(outcome).startswith("INCOMPLETE (5/12, interrupted by SIGTERM): 5/5")
    assert resume_lines(outcome)[-1].endswith(f"harness run --resume {run_dir}")

    plan, prior = resume_plan(settings.but(out=str(run_dir.parent)), run_dir)
    assert len(plan.jobs) == 7 and len(prior) == 5
    with Run(plan, run_dir=run_dir, prior_rows=prior) as run:
        run.run_all(stop=Stop())
        again = run.finish()
    assert again.exit_code == 0 and not again.incomplete and len(again.rows) == 12
    meta = json.loads((run_dir / "run.json").read_text())
    assert (meta["status"], meta["jobs_done"], meta["started_at"]) == (
        "complete", 12, json.loads(json.dumps(outcome.meta))["started_at"])
