"""Execution: one job -> one Exchange (with retries); many jobs -> result rows, in parallel.

    run_jobs ── per target: `concurrency` workers pulling job indices from one iterator
      └─ worker: execute(job) ──▶ Exchange ──▶ evaluate(...) ──▶ row ──▶ writer.write / on_result
           └─ execute: prepare once ─▶ attempt ─▶ (retryable? backoff, again) ─▶ Exchange

Design: a worker pool per target rather than one task per job behind a semaphore. With
N jobs (up to ~100k) a task per job means N live coroutine frames, N entries in the semaphore's
waiter queue and a wake-up per release; a pool keeps exactly `concurrency` coroutines per
target whatever N is, costs nothing per pending job (an int in a list), starts jobs of a target
in job order, and on cancellation has only the in-flight workers to unwind. The concurrency
bound is the same as "one Semaphore(concurrency) per target name": at most `concurrency`
requests in flight per target, targets independent of each other.

Hot path: one shared httpx.AsyncClient (AiohttpTransport by default) for the run; the body is
serialised once by `prepare` and the same httpx.Request is re-sent on retries; no copies.

Modes (`mode=`, harness.record): each worker decides per job how it runs, from the run's
mode and the cassettes under `cassette_dir` (`CassetteStore.plan`):
    live     execute() against the provider; no cassette read or written
    record   execute() as live, and the exchange (every turn of a tool loop) is kept; the job's
             cassette is written (rewritten) once all the jobs of its case/target/variant are
             done
    replay   no network: the recorded interaction becomes the Exchange (record/replay.py) and
             goes through the SAME evaluate; a missing or stale cassette fails the job with
             error_class no_recording / stale_cassette
    auto     replay when the job's cassette exists, record when it does not
A run whose jobs all replay creates no HTTP client at all.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from harness.core.models import Exchange, Job
from harness.core.secrets import scrub_key_echoes, secret_values
from harness.engine.retry import RetryPolicy, backoff_delay
from harness.engine.transport import make_client
from harness.wire.streams import StreamReader, StreamResult, wants_stream

if TYPE_CHECKING:
    from harness.record.store import CassetteStore

__all__ = ["MODES", "EvaluateFn", "PrepareFn", "execute", "run_jobs"]

MODES = ("live", "record", "replay", "auto")
# Stands in for the key when a replayed request is prepared: only its masked form ("Bearer ***")
# reaches the row, exactly as in a live run.
_REPLAY_KEY = "replay-no-key"

PrepareFn = Callable[[Job, "str | None"], Any]
EvaluateFn = Callable[..., dict[str, Any]]

_MAX_ERROR_CHARS = 300


def _default_prepare() -> PrepareFn:
    from harness.wire.dialects import prepare

    return prepare


def _default_evaluate() -> EvaluateFn:
    from harness.checks.evaluate import evaluate

    return evaluate


def _classify_transport_error(exc: httpx.RequestError) -> tuple[str, bool]:
    """(error_class, retryable) of an httpx request error."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", True
    if isinstance(exc, httpx.ConnectError):
        return "connect", True
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.ProxyError)):
        return "transport", False  # our side is wrong: trying again changes nothing
    if isinstance(exc, httpx.DecodingError):
        return "decoding", False
    return "transport", True


def _error_message(exc: BaseException, secrets: Sequence[str], detail: str = "") -> str:
    """`ReadTimeout: ...` from the exception class and its own text only (never the request
    repr, never a header), with any secret value scrubbed anyway."""
    text = str(exc).strip() or "no detail"
    msg = f"{type(exc).__name__}: {text}"
    if detail:
        msg = f"{msg} ({detail})"
    for secret in secrets:
        if secret and secret in msg:
            msg = msg.replace(secret, "***")
    if len(msg) > _MAX_ERROR_CHARS:
        msg = msg[: _MAX_ERROR_CHARS - 3] + "..."
    return msg


def _secret_values(prepared: Any, api_key: str | None) -> list[str]:
    return secret_values(prepared.headers, prepared.masked_headers, api_key)


async def execute(
    job: Job,
    client: httpx.AsyncClient,
    *,
    api_key: str | None,
    policy: RetryPolicy,
    timeout_s: float,
    rng: random.Random,
    sleep: Callable[[float], Any] = asyncio.sleep,
    prepare_fn: PrepareFn | None = None,
) -> Exchange:
    """Send one job, retrying per `policy`; the Exchange describes the LAST attempt.

    Timings (time.perf_counter, seconds): t_start = start of the last attempt, t_first_byte =
    arrival of the first body chunk (of the response headers when the body is empty), t_end =
    body fully read (or the moment the attempt failed).
    A transport failure gives status_code None and error_class "timeout" / "connect" /
    "transport" / "decoding"; HTTP error statuses are left for checks.evaluate to classify.
    Streams: when the body sent has `stream: true` and the answer is 2xx, each chunk is fed to
    an incremental SSE reader as it arrives; the Exchange gets `chunks` ((offset, bytes) as
    received), `t_first_token` (first content event), `content_times` and `stream` (the
    assembled body + StreamStats). A transport failure after a stream's 2xx headers keeps the
    status, the partial body and the chunks, is not retried (the broken stream is the
    observation), and has error_class "stream_cut" ("timeout" for a stall).
    `job.case.timeout_s` overrides `timeout_s`; either applies to each phase (connect, each
    read, write, pool wait) as in httpx, not to the whole exchange.
    """
    prepared = (prepare_fn or _default_prepare())(job, api_key)
    timeout = job.case.timeout_s or timeout_s
    lean_build = getattr(client, "engine_request", None)  # EngineClient: skips build_request
    if lean_build is not None:
        request = lean_build(
            prepared.method, prepared.url, prepared.headers, prepared.body, timeout
        )
    else:
        request = client.build_request(
            prepared.method,
            prepared.url,
            headers=prepared.headers,
            content=prepared.body,
            timeout=timeout,
        )
    perf = time.perf_counter
    stream_requested = wants_stream(prepared.sent)
    attempts = 0
    while True:
        attempts += 1
        status: int | None = None
        headers: dict[str, str] = {}
        body = b""
        chunks: list[bytes] = []
        t_first: float | None = None
        error_class: str | None = None
        error_message: str | None = None
        retryable = False
        retry_after: str | None = None
        retry_after_ms: str | None = None
        capture: _StreamCapture | None = None
        t_start = perf()
        try:
            response = await client.send(request, stream=True)
            t_headers = perf()
            status = response.status_code
            headers = dict(response.headers.items())  # keys lower-cased by httpx
            if stream_requested and 200 <= status < 300:
                capture = _StreamCapture(_endpoint_of(job), t_start)
            try:
                async for chunk in response.aiter_bytes():
                    if t_first is None:
                        t_first = perf()
                    chunks.append(chunk)
                    if capture is not None:
                        capture.add(chunk, perf())
            finally:
                await response.aclose()
            body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            if t_first is None:
                t_first = t_headers
            t_end = perf()
            if status in policy.retry_statuses:
                retryable = True
                retry_after = headers.get("retry-after")
                retry_after_ms = headers.get("retry-after-ms")
        except httpx.RequestError as exc:
            t_end = perf()
            error_class, retryable = _classify_transport_error(exc)
            retryable = retryable and policy.retry_transport_errors
            detail = f"timeout {timeout:g} s" if error_class == "timeout" else ""
            if capture is not None:  # a 2xx stream broke mid-body: keep status and partial body
                error_class = "timeout" if error_class == "timeout" else "stream_cut"
                retryable = False
                detail = capture.describe_break(status, detail)
                body = b"".join(chunks)
            elif status is not None:  # the headers came, the body did not (cut body, ...)
                detail = f"after HTTP {status}, body incomplete" + (f"; {detail}" if detail else "")
                body = b"".join(chunks)
                status = None
            error_message = _error_message(exc, _secret_values(prepared, api_key), detail)
        if not retryable or attempts >= policy.max_attempts:
            streamed = capture.finish() if capture is not None else None
            if status is not None and status >= 400 and api_key:
                body = scrub_key_echoes(body, _secret_values(prepared, api_key))
            return Exchange(
                method=prepared.method,
                url=prepared.url,
                request_headers=prepared.masked_headers,
                request_body=prepared.sent,
                status_code=status,
                response_headers=headers,
                body=body,
                t_start=t_start,
                t_first_byte=t_first,
                t_end=t_end,
                attempts=attempts,
                error_class=error_class,
                error_message=error_message,
                chunks=capture.chunks if capture is not None else [],
                t_first_token=capture.t_first_token if capture is not None else None,
                content_times=streamed.stats.content_times if streamed is not None else [],
                stream=streamed,
            )
        delay = backoff_delay(attempts, policy, rng, retry_after, retry_after_ms=retry_after_ms)
        await sleep(delay)


def _endpoint_of(job: Job) -> str:
    return str(job.request.get("endpoint") or job.case.endpoint)


class _StreamCapture:
    """The body of a 2xx answer to a stream request, read event by event as it arrives."""

    __slots__ = ("chunks", "reader", "t_first_token", "t_start")

    def __init__(self, endpoint: str, t_start: float) -> None:
        self.reader = StreamReader(endpoint)
        self.t_start = t_start
        self.chunks: list[tuple[float, bytes]] = []
        self.t_first_token: float | None = None

    def add(self, chunk: bytes, now: float) -> None:
        offset = now - self.t_start
        self.chunks.append((offset, chunk))
        if self.reader.feed(chunk, offset) and self.t_first_token is None:
            self.t_first_token = now

    def describe_break(self, status: int | None, detail: str) -> str:
        stats = self.reader.stats
        what = "stalled" if detail.startswith("timeout") else "cut"
        text = f"after HTTP {status}, stream {what} after {stats.events} event(s)"
        return f"{text}; {detail}" if detail else text

    def finish(self) -> StreamResult:
        return self.reader.close()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


async def run_jobs(
    jobs: Sequence[Job],
    *,
    run_id: str,
    mode: str = "live",
    writer: Any | None = None,
    concurrency: int = 16,
    timeout_s: float = 60.0,
    policy: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    api_keys: Mapping[str, str | None] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    seed: int | None = None,
    client: httpx.AsyncClient | None = None,
    sleep: Callable[[float], Any] = asyncio.sleep,
    prepare_fn: PrepareFn | None = None,
    evaluate_fn: EvaluateFn | None = None,
    cassette_dir: Path | str | None = None,
    pace: bool = False,
    cassette_source: str | None = None,
    store: CassetteStore | None = None,
) -> list[dict[str, Any]]:
    """Run every job, at most `concurrency` in flight per target; return the rows in job order.

    Each row is handed to `writer.write(row)` (a ResultWriter: one flushed line) and to
    `on_result(row)` the moment it is known, so an interrupted run keeps what it finished.
    `api_keys`: provider name -> key (resolved from the environment by the caller).
    `transport`: defaults to AiohttpTransport; the run's client is closed at the end, and with
    it a transport passed in (pass `client` instead to keep ownership of it).
    `seed` makes the retry jitter reproducible. `prepare_fn` / `evaluate_fn` default to
    harness.wire.dialects.prepare and harness.checks.evaluate.evaluate (tests inject fakes).
    On cancellation (Ctrl-C) the in-flight jobs are cancelled and CancelledError propagates;
    on a bug in any job the others are cancelled and that exception propagates.

    `mode`: live | record | replay | auto (see the module doc). Cassettes live under
    `cassette_dir` (default `cassettes/`); `pace` replays streams chunk by chunk at their
    recorded offsets (else instantly, with the recorded timings); `cassette_source` is the
    `source` written in the metadata of cassettes recorded now (default "recorded from
    <base_url>"); `store` (a CassetteStore) replaces cassette_dir / cassette_source when the
    caller wants to inspect it afterwards. In record and auto mode every cassette is written
    before this returns. Each row's `cassette` column names the cassette replayed or recorded.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    n = len(jobs)
    if n == 0:
        return []
    policy = policy or RetryPolicy()
    keys: Mapping[str, str | None] = api_keys or {}
    rng = random.Random(seed)
    prepare = prepare_fn or _default_prepare()
    evaluate = evaluate_fn or _default_evaluate()

    by_target: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_target.setdefault(job.target.name, []).append(i)

    rows: list[dict[str, Any] | None] = [None] * n
    cassettes: CassetteStore | None = None
    plans: list[str] | None = None
    if mode != "live":
        from harness.record.store import CassetteStore

        cassettes = store or CassetteStore(
            "cassettes" if cassette_dir is None else cassette_dir,
            run_id=run_id,
            source=cassette_source,
        )
        plans = cassettes.plan(jobs, mode)
        cassettes.begin(jobs, plans)
    own_client = client is None
    if client is None and (plans is None or any(p != "replay" for p in plans)):
        client = make_client(
            transport, timeout=timeout_s, max_connections=concurrency * len(by_target)
        )
    http: Any = client  # None when every job replays: no client, no network
    now = time.time

    async def worker(indices: Any) -> None:
        for i in indices:  # a shared iterator: each index is taken by exactly one worker
            job = jobs[i]
            started = now()
            call: dict[str, Any] = {
                "api_key": keys.get(job.target.provider.name),
                "policy": policy,
                "timeout_s": timeout_s,
                "rng": rng,
                "sleep": sleep,
                "prepare_fn": prepare,
            }
            how = plans[i] if plans is not None else "live"
            via: _CassetteJob | None = None
            if how != "live":
                assert cassettes is not None
                via = _CassetteJob(job, how, cassettes, pace)
            if job.case.tool_loop or job.case.expect_each_turn:  # several turns: toolloop.py
                from harness.engine.toolloop import run_tool_loop

                row = await run_tool_loop(
                    job, http, **call, run_id=run_id, mode=how, started_at=_iso(started),
                    execute_fn=via.execute if via is not None else None,
                )
                if via is not None and how == "replay":
                    row["recorded_latency_ms"] = via.recorded_latency_ms()
            else:
                exchange = await (via.execute if via is not None else execute)(job, http, **call)
                row = evaluate(job, exchange, run_id=run_id, mode=how, started_at=_iso(started))
            if via is not None:
                assert cassettes is not None
                row["cassette"] = str(cassettes.path(job))
                if how == "record":
                    await cassettes.job_done(job)
            else:
                row["cassette"] = None
            rows[i] = row
            if writer is not None:
                writer.write(row)
            if on_result is not None:
                on_result(row)

    tasks: list[asyncio.Task[None]] = []
    try:
        for indices in by_target.values():
            shared = iter(indices)
            for _ in range(min(concurrency, len(indices))):
                tasks.append(asyncio.create_task(worker(shared)))
        await _wait_all(tasks)
        if cassettes is not None:
            await cassettes.flush()
    finally:
        if own_client and http is not None:
            await http.aclose()
        elif own_client and transport is not None:
            await transport.aclose()  # handed over but never used (every job replayed)
    return rows  # type: ignore[return-value]  # every slot is filled once _wait_all returns


class _CassetteJob:
    """One job in record or replay mode: an `execute` stand-in, called once per turn."""

    __slots__ = ("how", "job", "pace", "recorded", "store", "turn")

    def __init__(self, job: Job, how: str, store: CassetteStore, pace: bool) -> None:
        self.job = job
        self.how = how
        self.store = store
        self.pace = pace
        self.turn = 0
        self.recorded: list[float | None] = []

    def recorded_latency_ms(self) -> float | None:
        """The recorded latency of the whole job (the sum over a tool loop's turns)."""
        if not self.recorded or None in self.recorded:
            return None
        return round(sum(v for v in self.recorded if v is not None), 3)

    async def execute(
        self, turn_job: Job, client: Any, *, api_key: str | None, prepare_fn: PrepareFn,
        **call: Any,
    ) -> Exchange:
        from harness.record.recorder import interaction_from, recordable

        self.turn += 1
        provider = turn_job.target.provider
        if self.how == "record":
            prepared = prepare_fn(turn_job, api_key)
            exchange = await execute(
                turn_job, client, api_key=api_key, prepare_fn=lambda _j, _k: prepared, **call
            )
            if recordable(exchange):
                self.store.add(self.job, self.turn, interaction_from(
                    exchange, request_headers=prepared.headers, request_body=prepared.body,
                    provider=provider, api_key=api_key,
                ))
            return exchange
        from harness.record.cassette import match_key
        from harness.record.replay import miss_exchange, replay_exchange
        from harness.record.scrub import scrub_url
        from harness.record.store import Miss

        key = api_key or (_REPLAY_KEY if provider.api_key_env else None)
        prepared = prepare_fn(turn_job, key)
        found = self.store.lookup(
            self.job,
            match_key(prepared.method, scrub_url(prepared.url, provider.secret_headers),
                      prepared.body),
            self.turn,
        )
        if isinstance(found, Miss):
            self.recorded.append(None)
            return miss_exchange(prepared, found.error_class, found.message)
        self.recorded.append(found.latency_ms)
        return await replay_exchange(turn_job, prepared, found, pace=self.pace)


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
