"""The record and replay executors (harness.engine.executor's interface) over a CassetteStore.

    RecordExecutor(live, store)   sends like the live executor, keeps every turn's exchange
                                  (secrets scrubbed) and rewrites the job's cassette as each
                                  job is done (`complete: false` until all the jobs of its
                                  case/target/variant are: record/store.py)
    ReplayExecutor(store, ...)    no network: the recorded interaction becomes the Exchange
                                  (record/replay.py); a missing or stale cassette is a miss
                                  (error_class no_recording / stale_cassette / bad_cassette)

Both number the turns of a job (1, 2, ... for a tool loop), so every turn is one interaction
of the job's cassette, in order. Register the jobs that record with `store.begin` first (the
session does, when it plans the run).
"""

from __future__ import annotations

from typing import Any

from harness.core.models import Exchange, Job
from harness.engine.decode import describe_size
from harness.engine.executor import LiveExecutor
from harness.engine.send import SendOptions, execute
from harness.record.cassette import match_key
from harness.record.recorder import interaction_from, recordable
from harness.record.replay import miss_exchange, replay_exchange
from harness.record.scrub import scrub_url
from harness.record.store import CassetteStore, Miss

__all__ = ["REPLAY_KEY", "RecordExecutor", "ReplayExecutor"]

# Stands in for the key when a replayed request is prepared: only its masked form ("Bearer ***")
# reaches the row, exactly as in a live run.
REPLAY_KEY = "replay-no-key"


class _RecordJob:
    __slots__ = ("job", "live", "store", "turn")
    mode = "record"

    def __init__(self, job: Job, live: LiveExecutor, store: CassetteStore) -> None:
        self.job = job
        self.live = live
        self.store = store
        self.turn = 0

    async def send(self, turn_job: Job) -> Exchange:
        self.turn += 1
        key = self.live.key_for(turn_job)
        prepared = self.live.options.prepare(turn_job, key)
        exchange = await execute(turn_job, self.live.client, self.live.options, key, prepared)
        if recordable(exchange):
            self.store.add(self.job, self.turn, interaction_from(
                exchange, request_headers=prepared.headers, request_body=prepared.body,
                provider=turn_job.target.provider, api_key=key,
            ))
        return exchange

    async def done(self, row: dict[str, Any]) -> None:
        # written before the row is: a row names its cassette only once it is on disk
        await self.store.job_done(self.job)
        path = self.store.path(self.job)
        row["cassette"] = str(path) if path.is_file() else None


class RecordExecutor:
    """Live requests whose answers are written to cassettes."""

    def __init__(self, live: LiveExecutor, store: CassetteStore) -> None:
        self.live = live
        self.store = store

    def begin(self, job: Job) -> _RecordJob:
        return _RecordJob(job, self.live, self.store)

    async def flush(self) -> None:
        await self.store.flush()


class _ReplayJob:
    __slots__ = ("job", "owner", "recorded", "turn")
    mode = "replay"

    def __init__(self, job: Job, owner: ReplayExecutor) -> None:
        self.job = job
        self.owner = owner
        self.turn = 0
        self.recorded: list[float | None] = []

    async def send(self, turn_job: Job) -> Exchange:
        self.turn += 1
        owner = self.owner
        provider = turn_job.target.provider
        key = owner.keys.get(provider.name) or (REPLAY_KEY if provider.api_key_env else None)
        prepared = owner.options.prepare(turn_job, key)
        found = owner.store.lookup(
            self.job,
            match_key(prepared.method, scrub_url(prepared.url, provider.secret_headers),
                      prepared.body),
            self.turn,
        )
        if isinstance(found, Miss):
            self.recorded.append(None)
            return miss_exchange(prepared, found.error_class, found.message)
        self.recorded.append(found.latency_ms)
        exchange = await replay_exchange(turn_job, prepared, found, pace=owner.pace)
        return capped(exchange, owner.options.max_response_bytes)

    def recorded_latency_ms(self) -> float | None:
        """The recorded latency of the whole job (the sum over a tool loop's turns)."""
        if not self.recorded or None in self.recorded:
            return None
        return round(sum(v for v in self.recorded if v is not None), 3)

    async def done(self, row: dict[str, Any]) -> None:
        row["cassette"] = str(self.owner.store.path(self.job))
        if self.turn > 1 or self.job.case.tool_loop or self.job.case.expect_each_turn:
            row["recorded_latency_ms"] = self.recorded_latency_ms()


def capped(exchange: Exchange, limit: int) -> Exchange:
    """A replayed answer over --max-response-bytes is `too_large`, as a live one would be (a
    cassette recorded with a larger cap, or edited): the body kept is cut at the cap."""
    if len(exchange.body) <= limit:
        return exchange
    exchange.body = exchange.body[:limit]
    exchange.chunks = []
    exchange.stream = None
    exchange.error_class = "too_large"
    exchange.error_message = (f"recorded response body over --max-response-bytes "
                              f"{describe_size(limit)}; replay stopped at the cap")
    return exchange


class ReplayExecutor:
    """Answers from the cassettes under `store.root`; `pace` hands streams over at their
    recorded offsets (else instantly, with the recorded timings)."""

    def __init__(self, store: CassetteStore, options: SendOptions | None = None, *,
                 pace: bool = False, keys: dict[str, str | None] | None = None) -> None:
        self.store = store
        self.options = options or SendOptions()
        self.pace = pace
        self.keys = keys if keys is not None else {}

    def begin(self, job: Job) -> _ReplayJob:
        return _ReplayJob(job, self)

    async def flush(self) -> None:
        return None
