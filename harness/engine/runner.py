"""Execution: many jobs -> result rows, in parallel, through one Executor.

    run_jobs ── per target: `concurrency` workers pulling job indices from one iterator
      └─ worker: executor.begin(job) ─▶ send (one turn, or a tool loop's turns) ─▶ Exchange
                 ─▶ evaluate(...) ─▶ row ─▶ run.done(row) ─▶ writer.write / on_result

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
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from harness.core.models import Job
from harness.engine.executor import Executor, JobRun
from harness.engine.send import PrepareFn, SendOptions, execute
from harness.engine.stop import Stop

__all__ = ["EvaluateFn", "PrepareFn", "SendOptions", "execute", "run_jobs"]

EvaluateFn = Callable[..., dict[str, Any]]


def _default_evaluate() -> EvaluateFn:
    from harness.checks.evaluate import evaluate

    return evaluate


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


async def run_job(job: Job, run: JobRun, *, run_id: str, evaluate: EvaluateFn,
                  state: dict[str, Any] | None) -> dict[str, Any]:
    """One job's row: its turns through `run`, judged by `evaluate`."""
    started = _iso(time.time())
    if job.case.tool_loop or job.case.expect_each_turn:  # several turns: toolloop.py
        from harness.engine.toolloop import run_tool_loop

        row = await run_tool_loop(job, run.send, run_id=run_id, mode=run.mode,
                                  started_at=started, state=state)
    else:
        exchange = await run.send(job)
        row = evaluate(job, exchange, run_id=run_id, mode=run.mode, started_at=started,
                       state=state)
    await run.done(row)
    return row


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
) -> list[dict[str, Any]]:
    """Run every job, at most `concurrency` in flight per target; return the rows in job order.

    Each row is handed to `writer.write(row)` (a ResultWriter: one flushed line) and to
    `on_result(row)` the moment it is known, so an interrupted run keeps what it finished.
    `state`: the run's scoped state for checks (e.g. same_across_repeats' references); one
    dict per run, owned by the session. `executor.flush()` runs once every job is done (the
    cassettes still pending are written). On cancellation (Ctrl-C) the in-flight jobs are
    cancelled and CancelledError propagates; on a bug in any job the others are cancelled and
    that exception propagates. `stop` (engine/stop.py): once requested, no job is started,
    the jobs in flight get its grace period, and the rows of the jobs that finished are
    returned (in job order; the others have none).
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
            row = await run_job(job, executor.begin(job), run_id=run_id, evaluate=evaluate,
                                state=state)
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
