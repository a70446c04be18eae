"""Execution: many jobs -> result rows, in parallel, through one Executor.

    run_jobs ── per target: `concurrency` workers pulling job indices from one iterator
      └─ worker: executor.begin(job) ─▶ send (one turn, or a tool loop's turns) ─▶ Exchange
                 ─▶ evaluate(...) ─▶ row ─▶ run.done(row) ─▶ writer.write / on_result

A job's failure is a row, never the run's: an exception while one job's answer is read,
parsed, normalised or checked becomes that job's row (`too_large`, `too_deep`, or
`internal_error` naming the exception type and where it was raised), and the other jobs go
on. Only cancellation and usage errors end a run. `--deadline` (a RunDeadline) cuts jobs in
flight and gives the jobs not started a `deadline` row each, so the run's rows say what ran.

Design: a worker pool per target rather than one task per job behind a semaphore. With
N jobs (up to ~100k) a task per job means N live coroutine frames, N entries in the semaphore's
waiter queue and a wake-up per release; a pool keeps exactly `concurrency` coroutines per
target whatever N is, costs nothing per pending job (an int in a list), starts jobs of a target
in job order, and on cancellation has only the in-flight workers to unwind. The concurrency
bound is the same as "one Semaphore(concurrency) per target name": at most `concurrency`
requests in flight per target, targets independent of each other.

The runner knows nothing of modes, clients or cassettes: the executor (engine/executor.py,
record/executors.py) answers each request; the session (harness.session) builds it.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.errors import LimitExceeded, UsageError
from harness.core.models import Job
from harness.engine.executor import Executor, JobRun
from harness.engine.send import PrepareFn, SendOptions, execute
from harness.engine.stop import Stop

__all__ = ["EvaluateFn", "PrepareFn", "RunDeadline", "SendOptions", "execute", "run_jobs"]

EvaluateFn = Callable[..., dict[str, Any]]


def _default_evaluate() -> EvaluateFn:
    from harness.checks.evaluate import evaluate

    return evaluate


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RunDeadline:
    """The run's `--deadline`: `at` on time.monotonic()'s clock, `seconds` as given."""

    at: float
    seconds: float
    flag: str = "--deadline"

    @classmethod
    def after(cls, seconds: float, flag: str = "--deadline") -> RunDeadline:
        return cls(time.monotonic() + seconds, seconds, flag)

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def loop_at(self) -> float:
        """The same moment on the running loop's clock (uvloop's is its own)."""
        return asyncio.get_running_loop().time() + (self.at - time.monotonic())


def _default_failed_row() -> Callable[..., dict[str, Any]]:
    from harness.checks.evaluate import failed_row

    return failed_row


def _error_of(exc: Exception) -> tuple[str, str]:
    """(error_class, message) of an exception raised while one job was handled."""
    if isinstance(exc, LimitExceeded):
        return exc.error_class, str(exc)
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {Path(frame.filename).name}:{frame.lineno})" if frame else ""
    text = str(exc).strip()[:200] or "no detail"
    return "internal_error", (f"internal error while reading, parsing or checking this "
                              f"answer: {type(exc).__name__}: {text}{where}")


async def _judged(job: Job, run: JobRun, *, run_id: str, evaluate: EvaluateFn,
                  state: dict[str, Any] | None, started: str) -> dict[str, Any]:
    if job.case.tool_loop or job.case.expect_each_turn:  # several turns: toolloop.py
        from harness.engine.toolloop import run_tool_loop

        return await run_tool_loop(job, run.send, run_id=run_id, mode=run.mode,
                                   started_at=started, state=state)
    exchange = await run.send(job)
    return evaluate(job, exchange, run_id=run_id, mode=run.mode, started_at=started,
                    state=state)


async def run_job(job: Job, run: JobRun, *, run_id: str, evaluate: EvaluateFn,
                  state: dict[str, Any] | None,
                  deadline: RunDeadline | None = None) -> dict[str, Any]:
    """One job's row: its turns through `run`, judged by `evaluate`. Whatever goes wrong with
    this one job (an answer over a limit, a bug met on an odd answer) is this job's row, never
    the run's end; a usage error (a stale cassette, a missing key) and cancellation still
    propagate. The run's `deadline` cuts a job in flight (row class `deadline`)."""
    started = _iso(time.time())
    failed = _default_failed_row()
    cut = None  # the run deadline's timeout scope: expired() says it was this one that fired
    try:
        if deadline is None:
            row = await _judged(job, run, run_id=run_id, evaluate=evaluate, state=state,
                                started=started)
        else:
            async with (cut := asyncio.timeout_at(deadline.loop_at())):
                row = await _judged(job, run, run_id=run_id, evaluate=evaluate, state=state,
                                    started=started)
    except TimeoutError as exc:
        # ours when the scope expired (not deadline.passed(): the loop's clock may be a
        # millisecond ahead of time.monotonic); any other timeout is this job's failure
        if deadline is None or cut is None or not cut.expired():
            error_class, message = _error_of(exc)
            return await _done(run, failed(job, run_id=run_id, mode=run.mode,
                                           error_class=error_class, message=message,
                                           started_at=started))
        row = failed(job, run_id=run_id, mode=run.mode, error_class="deadline", started_at=started,
                     message=f"cut: the run's {deadline.flag} {deadline.seconds:g} s passed "
                     "while this job was in flight")
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - one job's failure is its row (module doc)
        error_class, message = _error_of(exc)
        row = failed(job, run_id=run_id, mode=run.mode, error_class=error_class,
                     message=message, started_at=started)
    return await _done(run, row)


async def _done(run: JobRun, row: dict[str, Any]) -> dict[str, Any]:
    """`run.done(row)` (a cassette written, ...); its failure is recorded in the row."""
    try:
        await run.done(row)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001
        error_class, message = _error_of(exc)
        row.update(passed=False, error_class=error_class, error_message=message)
        row.setdefault("cassette", None)
        row["failures"] = [*row.get("failures", []), {
            "check": error_class, "title": message, "expected": None, "received": None}]
    return row


def not_run_row(job: Job, deadline: RunDeadline, *, run_id: str, mode: str) -> dict[str, Any]:
    """The row of a job the run's deadline left unstarted."""
    return _default_failed_row()(
        job, run_id=run_id, mode=mode, error_class="deadline", turns=0,
        message=f"not run: the run's {deadline.flag} {deadline.seconds:g} s passed before "
        "this job started")


async def run_jobs(
    jobs: Sequence[Job],
    executor: Executor,
    *,
    run_id: str,
    concurrency: int = 16,
    writer: Any | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    evaluate_fn: EvaluateFn | None = None,
    state: dict[str, Any] | None = None,
    stop: Stop | None = None,
    deadline: RunDeadline | None = None,
) -> list[dict[str, Any]]:
    """Run every job, at most `concurrency` in flight per target; return the rows in job order.

    Each row is handed to `writer.write(row)` (a ResultWriter: one flushed line) and to
    `on_result(row)` the moment it is known, so an interrupted run keeps what it finished.
    `state`: the run's scoped state for checks (e.g. same_across_repeats' references); one
    dict per run, owned by the session. `executor.flush()` runs once every job is done (the
    cassettes still pending are written). On cancellation (Ctrl-C) the in-flight jobs are
    cancelled and CancelledError propagates; on a bug in any job the others are cancelled and
    that exception propagates (a job's own failures are its row: `run_job`). `stop`
    (engine/stop.py): once requested, no job is started, the jobs in flight get its grace
    period, and the rows of the jobs that finished are returned (in job order; the others
    have none). `deadline`: jobs not started when it passes get a `deadline` row without
    being sent; jobs in flight are cut.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    if not jobs:
        return []
    evaluate = evaluate_fn or _default_evaluate()
    by_target: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_target.setdefault(job.target.name, []).append(i)
    rows: list[dict[str, Any] | None] = [None] * len(jobs)

    async def worker(indices: Any) -> None:
        for i in indices:  # a shared iterator: each index is taken by exactly one worker
            if stop is not None and stop.requested:
                return
            job = jobs[i]
            if deadline is not None and deadline.passed():
                row = not_run_row(job, deadline, run_id=run_id, mode=_mode_of(executor, job))
            else:
                row = await run_job(job, executor.begin(job), run_id=run_id,
                                    evaluate=evaluate, state=state, deadline=deadline)
            rows[i] = row
            if writer is not None:
                writer.write(row)
            if on_result is not None:
                on_result(row)

    tasks: list[asyncio.Task[None]] = []
    for indices in by_target.values():
        shared = iter(indices)
        for _ in range(min(concurrency, len(indices))):
            tasks.append(asyncio.create_task(worker(shared)))
    watch = asyncio.create_task(stop.watch(tasks)) if stop is not None else None
    try:
        await _wait_all(tasks)
    finally:
        if watch is not None:
            watch.cancel()
    await executor.flush()
    if stop is not None and stop.requested:
        return [row for row in rows if row is not None]
    return rows  # type: ignore[return-value]  # every slot is filled once _wait_all returns


def _mode_of(executor: Executor, job: Job) -> str:
    mode_of = getattr(executor, "mode_of", None)
    return str(mode_of(job)) if mode_of is not None else "live"


async def _wait_all(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for all; on the first exception or on cancellation, cancel the rest and re-raise."""
    try:
        _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        await _cancel(tasks)
        raise
    if pending:
        await _cancel(list(pending))
    for task in tasks:  # the first failure in creation order, for a stable traceback
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
