"""The public Python API: `harness.run(...)`, the same run as `harness run`, as a function.

    import harness

    result = harness.run(["suites/basic.yaml"], targets=["mistral/mistral-medium-3.5"],
                         mode="live", simulate=True, out="reports")
    result.passed        # True when every check of every job passed
    result.exit_code     # what `harness run` would exit with: 0 passed, 1 a check failed, 3 unreachable
    result.run_dir       # reports/<run_id>/ (results.jsonl, run.json, summary.md, ...)
    result.rows          # the rows as the typed pandas DataFrame of results.parquet

A usage error (a broken suite, an unknown target, a missing key) raises harness.UsageError,
the CLI's exit 2. A thin adapter over harness.session, like the CLI and the pytest plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult", "run"]


@dataclass
class RunResult:
    """The outcome of `harness.run`: where it is, whether it passed, its rows."""

    run_dir: Path
    exit_code: int
    meta: dict[str, Any]
    records: list[dict[str, Any]] = field(repr=False)  # the rows as written to results.jsonl
    lines: list[str] = field(default_factory=list, repr=False)  # what `harness run` prints
    _frame: Any = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    @property
    def rows(self) -> pd.DataFrame:
        """The rows as a typed DataFrame (the columns of harness.RESULT_COLUMNS)."""
        if self._frame is None:
            from harness.report.frame import to_frame

            self._frame = to_frame(self.records)
        return self._frame


def _as_list(value: str | Path | Sequence[str | Path]) -> tuple[str, ...]:
    if isinstance(value, (str, Path)):
        return (str(value),)
    return tuple(str(v) for v in value)


def run(
    suites: str | Path | Sequence[str | Path],
    targets: str | Sequence[str] = (),
    *,
    mode: str | None = None,
    simulate: bool = False,
    concurrency: int = 8,
    out: str | Path = "reports",
    providers: str | Path | Sequence[str | Path] = (),
    cassettes: str | Path = "cassettes",
    timeout_s: float = 60.0,
    retries: int = 3,
    seed: int | None = None,
    shard: tuple[int, int] | None = None,
    pace: bool = False,
    sim_latency_ms: float = 20.0,
    run_id: str | None = None,
    history: str | Path | None = None,
    grace_s: float = 10.0,
    first_byte_timeout_s: float | None = None,
    idle_timeout_s: float | None = None,
    max_response_bytes: int | str = 32 * 1024 * 1024,
    max_retry_wait_s: float = 60.0,
    deadline_s: float | None = None,
) -> RunResult:
    """Run suites (files or folders) against targets (`provider/model`) and write the run
    folder with every report; the arguments mean what `harness run`'s flags mean. Called in
    the main thread, SIGINT / SIGTERM stop the run as they stop `harness run` (the jobs in
    flight get `grace_s`; the result is INCOMPLETE, `exit_code` 130 / 143) instead of raising
    KeyboardInterrupt."""
    from harness.engine.stop import Stop
    from harness.session import Run, RunSettings, plan_run
    from harness.session.settings import parse_size
    from harness.session.terminal import (
        cassette_lines,
        resume_lines,
        summary_lines,
        verdict_line,
    )

    settings = RunSettings(
        suites=_as_list(suites), targets=_as_list(targets), providers=_as_list(providers),
        mode=mode, simulate=simulate, concurrency=concurrency, out=str(out),
        cassettes=str(cassettes), timeout_s=timeout_s, retries=retries, seed=seed,
        shard=shard, pace=pace, sim_latency_ms=sim_latency_ms, run_id=run_id, runner="api",
        history=None if history is None else str(history), grace_s=grace_s,
        first_byte_timeout_s=first_byte_timeout_s, idle_timeout_s=idle_timeout_s,
        max_response_bytes=parse_size(max_response_bytes), max_retry_wait_s=max_retry_wait_s,
        deadline_s=deadline_s,
    )
    plan = plan_run(settings)
    with Run(plan) as session:
        session.run_all(stop=Stop(grace_s))
        outcome = session.finish()
    lines = [*plan.notes, *summary_lines(outcome),
             *cassette_lines(outcome.rows, plan.store, pace), verdict_line(outcome),
             *resume_lines(outcome)]
    return RunResult(run_dir=outcome.run_dir, exit_code=outcome.exit_code, meta=outcome.meta,
                     records=outcome.rows, lines=lines, _frame=outcome.written.frame)
