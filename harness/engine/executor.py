"""Executors: how a job's requests are answered (live, record, replay), behind one interface.

    executor.begin(job) -> JobRun        one per job
        await run.send(turn_job)        -> Exchange   (once per turn of a tool loop)
        await run.done(row)             the row annotated (cassette, recorded latency); a
                                        recorder writes the job's cassette when its group is done
    await executor.flush()              at the end of a run (cassettes still pending)

The runner and the tool loop call only this, so they know nothing of cassettes or clients.
`LiveExecutor` (here) sends through the run's one HTTP client; `RecordExecutor` and
`ReplayExecutor` live in harness.record.executors; `ModeRouter` hands each job to the executor
of the mode the run's plan gave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import httpx

from harness.core.models import Exchange, Job
from harness.engine.send import SendOptions, execute

__all__ = ["Executor", "JobRun", "LiveExecutor", "ModeRouter"]


class JobRun(Protocol):
    """One job in flight: its mode, its turns, and what it adds to the row."""

    mode: str

    async def send(self, turn_job: Job) -> Exchange: ...

    async def done(self, row: dict[str, Any]) -> None: ...


class Executor(Protocol):
    """Makes a JobRun per job; flushed once at the end of a run."""

    def begin(self, job: Job) -> JobRun: ...

    async def flush(self) -> None: ...


class _LiveJob:
    __slots__ = ("client", "key", "options")
    mode = "live"

    def __init__(self, client: httpx.AsyncClient, options: SendOptions, key: str | None) -> None:
        self.client = client
        self.options = options
        self.key = key

    async def send(self, turn_job: Job) -> Exchange:
        return await execute(turn_job, self.client, self.options, self.key)

    async def done(self, row: dict[str, Any]) -> None:
        row["cassette"] = None


class LiveExecutor:
    """Sends every request through `client` with the provider's key from `keys`."""

    def __init__(self, client: Any, options: SendOptions,
                 keys: Mapping[str, str | None] | None = None) -> None:
        self._client = client  # an httpx.AsyncClient, or a zero-argument factory of one
        self.options = options
        self.keys: Mapping[str, str | None] = keys if keys is not None else {}

    @property
    def client(self) -> httpx.AsyncClient:
        if callable(self._client) and not isinstance(self._client, httpx.AsyncClient):
            self._client = self._client()  # created on first use, inside the running loop
        return self._client  # type: ignore[no-any-return]

    def key_for(self, job: Job) -> str | None:
        return self.keys.get(job.target.provider.name)

    def begin(self, job: Job) -> JobRun:
        return _LiveJob(self.client, self.options, self.key_for(job))

    async def flush(self) -> None:
        return None


class ModeRouter:
    """An Executor that hands each job to the executor of its planned mode (by job id)."""

    def __init__(self, modes: Mapping[str, str], executors: Mapping[str, Executor],
                 default: str = "live") -> None:
        self.modes = modes
        self.executors = executors
        self.default = default

    def mode_of(self, job: Job) -> str:
        return self.modes.get(job.id, self.default)

    def begin(self, job: Job) -> JobRun:
        return self.executors[self.mode_of(job)].begin(job)

    async def flush(self) -> None:
        for executor in self.executors.values():
            await executor.flush()
