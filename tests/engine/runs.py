"""Engine tests' way to run jobs: the engine's parts (executors, runner) assembled by hand,
with the knobs the tests turn (a MockTransport, a fake sleep, a fake prepare/evaluate, a
cassette folder). Production code assembles them in harness.session.Run."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from harness.core.models import Exchange, Job
from harness.engine import runner
from harness.engine import transport as transport_mod
from harness.engine.executor import Executor, LiveExecutor, ModeRouter
from harness.engine.retry import RetryPolicy
from harness.engine.send import SendOptions, default_prepare
from harness.engine.send import execute as _execute


def options(*, policy: RetryPolicy | None = None, timeout_s: float = 60.0, seed: int | None = None,
            rng: random.Random | None = None, sleep: Callable[[float], Any] = asyncio.sleep,
            prepare_fn: Any = None) -> SendOptions:
    return SendOptions(policy=policy or RetryPolicy(), timeout_s=timeout_s,
                       rng=rng or random.Random(seed), sleep=sleep,
                       prepare=prepare_fn or default_prepare)


async def execute(job: Job, client: httpx.AsyncClient, *, api_key: str | None,
                  policy: RetryPolicy, timeout_s: float, rng: random.Random,
                  sleep: Callable[[float], Any] = asyncio.sleep, prepare_fn: Any = None) -> Exchange:
    return await _execute(job, client, options(policy=policy, timeout_s=timeout_s, rng=rng,
                                               sleep=sleep, prepare_fn=prepare_fn), api_key)


async def run_jobs(
    jobs: Sequence[Job], *, run_id: str, mode: str = "live", writer: Any = None,
    concurrency: int = 16, timeout_s: float = 60.0, policy: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    api_keys: Mapping[str, str | None] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None, seed: int | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep, prepare_fn: Any = None,
    evaluate_fn: Any = None, cassette_dir: Path | str | None = None, pace: bool = False,
    cassette_source: str | None = None, store: Any = None, stop: Any = None,
) -> list[dict[str, Any]]:
    """The jobs through a live / record / replay executor (`mode`, auto planned per job)."""
    opts = options(policy=policy, timeout_s=timeout_s, seed=seed, sleep=sleep,
                   prepare_fn=prepare_fn)
    targets = {job.target.name for job in jobs}
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        clients.append(transport_mod.make_client(transport, timeout=timeout_s,
                                   max_connections=concurrency * max(1, len(targets))))
        return clients[-1]

    live = LiveExecutor(client, opts, dict(api_keys or {}))
    table: dict[str, Executor] = {"live": live}
    modes = {job.id: "live" for job in jobs}
    if mode != "live":
        from harness.record.executors import RecordExecutor, ReplayExecutor
        from harness.record.store import CassetteStore

        store = store or CassetteStore("cassettes" if cassette_dir is None else cassette_dir,
                                       run_id=run_id, source=cassette_source)
        plans = store.plan(jobs, mode)
        store.begin(jobs, plans)
        modes = {job.id: how for job, how in zip(jobs, plans, strict=True)}
        table["record"] = RecordExecutor(live, store)
        table["replay"] = ReplayExecutor(store, opts, pace=pace, keys=dict(api_keys or {}))
    try:
        return await runner.run_jobs(jobs, ModeRouter(modes, table), run_id=run_id,
                                     concurrency=concurrency, writer=writer,
                                     on_result=on_result, evaluate_fn=evaluate_fn, stop=stop)
    finally:
        for c in clients:
            await c.aclose()
        if not clients and transport is not None:
            await transport.aclose()
