"""`harness run` over the session layer: settings in, summary and exit code out."""

from __future__ import annotations

import sys
from typing import Any

from harness.session import Run, RunSettings, plan_run
from harness.session.terminal import cassette_lines, summary_lines, verdict_line

__all__ = ["execute_run"]


def execute_run(settings: RunSettings, *, progress: bool = False) -> int:
    """Plan, run, report, print; the exit code (0 all passed, 1 a check failed)."""
    plan = plan_run(settings)
    for note in plan.notes:
        print(note, file=sys.stderr)
    bar = _Progress(len(plan.jobs)) if progress else None
    with Run(plan) as run:
        try:
            run.run_all(on_result=bar.advance if bar else None)
        finally:
            if bar:
                bar.close()
        outcome = run.finish()
    for line in summary_lines(outcome):
        print(line)
    for line in cassette_lines(outcome.rows, plan.store, settings.pace):
        print(line)
    print(verdict_line(outcome))
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
