"""`harness run` over the session layer: settings in, summary and exit code out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness.engine.stop import Stop
from harness.session import Run, RunSettings, plan_run
from harness.session.terminal import cassette_lines, resume_lines, summary_lines, verdict_line

__all__ = ["execute_run"]


def execute_run(settings: RunSettings, *, progress: bool = False,
                resume: Path | None = None) -> int:
    """Plan, run, report, print; the exit code (0 all passed, 1 a check failed, 3 only
    infrastructure errors, 130 / 143
    stopped by SIGINT / SIGTERM). `resume`: an interrupted run folder to finish."""
    prior: list[dict[str, Any]] | None = None
    if resume is not None:
        from harness.session.resume import resume_plan

        plan, prior = resume_plan(settings, resume)
    else:
        plan = plan_run(settings)
    for note in plan.notes:
        print(note, file=sys.stderr)
    bar = _Progress(len(plan.jobs)) if progress else None
    stop = Stop(settings.grace_s)
    with Run(plan, run_dir=resume, prior_rows=prior) as run:
        try:
            run.run_all(on_result=bar.advance if bar else None, stop=stop)
        finally:
            if bar:
                bar.close()
        if stop.requested:
            print(f"{stop.signal}: stopped dispatching; "
                  + (f"{stop.cancelled} job(s) in flight cancelled after the {stop.grace_s:g} s "
                     "grace period" if stop.cancelled else "the jobs in flight finished"),
                  file=sys.stderr)
        outcome = run.finish()
    for line in summary_lines(outcome):
        print(line)
    for line in cassette_lines(outcome.rows, plan.store, settings.pace):
        print(line)
    print(verdict_line(outcome))
    if outcome.exit_code == 3:
        print("every failed job got no HTTP answer (connect, timeout or transport error): the "
              "provider could not be reached, which is not a contract failure (exit 3)")
    for line in resume_lines(outcome):
        print(line)
    return outcome.exit_code


class _Progress:
    """A rich progress bar on stderr, advanced once per result row."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("running", total=total)
        self._failed = 0

    def advance(self, row: dict[str, Any]) -> None:
        if not row.get("passed"):
            self._failed += 1
            self._progress.update(self._task, description=f"running ({self._failed} failed)")
        self._progress.advance(self._task)

    def close(self) -> None:
        self._progress.stop()
