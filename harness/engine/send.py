"""One job's request on the wire: send, read (stream event by event), retry, -> Exchange.

    execute(job, client, options, api_key)
      prepare once ─▶ attempt ─▶ (retryable? backoff, again) ─▶ Exchange of the LAST attempt

Hot path: the body is serialised once by the protocol's `prepare` and the same httpx.Request
is re-sent on retries; no copies. The executors (engine/executor.py, record/executors.py) call
this; nothing else sends.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.core.models import Exchange, Job
from harness.core.secrets import scrub_key_echoes, scrub_text, secret_values
from harness.engine.retry import RetryPolicy, backoff_delay
from harness.wire.streams import StreamReader, StreamResult, wants_stream

__all__ = ["PrepareFn", "SendOptions", "default_prepare", "execute"]

PrepareFn = Callable[[Job, "str | None"], Any]
_MAX_ERROR_CHARS = 300


def default_prepare(job: Job, api_key: str | None) -> Any:
    from harness.wire.dialects import prepare

    return prepare(job, api_key)


@dataclass(frozen=True)
class SendOptions:
    """What every request of a run shares: retry policy, timeout, jitter, sleep, prepare."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Any] = asyncio.sleep
    prepare: PrepareFn = default_prepare


def classify_transport_error(exc: httpx.RequestError) -> tuple[str, bool]:
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


def error_message(exc: BaseException, secrets: Sequence[str], detail: str = "") -> str:
    """`ReadTimeout: ...` from the exception class and its own text only (never the request
    repr, never a header), with any secret value scrubbed anyway."""
    text = str(exc).strip() or "no detail"
    msg = f"{type(exc).__name__}: {text}"
    if detail:
        msg = f"{msg} ({detail})"
    msg = scrub_text(msg, secrets)
    if len(msg) > _MAX_ERROR_CHARS:
        msg = msg[: _MAX_ERROR_CHARS - 3] + "..."
    return msg


class _StreamCapture:
    """The body of a 2xx answer to a stream request, read event by event as it arrives."""

    __slots__ = ("chunks", "reader", "t_first_token", "t_start")

    def __init__(self, endpoint: str, dialect: str, t_start: float) -> None:
        self.reader = StreamReader(endpoint, dialect)
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


class _Attempt:
    """The observations of one attempt (status, headers, body, timings, error)."""

    __slots__ = ("body", "capture", "error_class", "error_message", "headers", "retry_after",
                 "retry_after_ms", "retryable", "status", "t_end", "t_first", "t_start")

    def __init__(self, t_start: float) -> None:
        self.t_start = t_start
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.t_first: float | None = None
        self.t_end = t_start
        self.error_class: str | None = None
        self.error_message: str | None = None
        self.retryable = False
        self.retry_after: str | None = None
        self.retry_after_ms: str | None = None
        self.capture: _StreamCapture | None = None


def _build_request(client: httpx.AsyncClient, prepared: Any, timeout: float) -> httpx.Request:
    lean_build = getattr(client, "engine_request", None)  # EngineClient: skips build_request
    if lean_build is not None:
        return lean_build(prepared.method, prepared.url, prepared.headers, prepared.body, timeout)  # type: ignore[no-any-return]
    return client.build_request(
        prepared.method, prepared.url, headers=prepared.headers, content=prepared.body,
        timeout=timeout,
    )


async def _read(att: _Attempt, client: httpx.AsyncClient, request: httpx.Request,
                endpoint: str | None, dialect: str, policy: RetryPolicy) -> None:
    """Send and read the whole body; chunks of a 2xx stream go through the SSE reader."""
    perf = time.perf_counter
    chunks: list[bytes] = []
    response = await client.send(request, stream=True)
    t_headers = perf()
    att.status = status = response.status_code
    att.headers = dict(response.headers.items())  # keys lower-cased by httpx
    if endpoint is not None and 200 <= status < 300:
        att.capture = _StreamCapture(endpoint, dialect, att.t_start)
    try:
        async for chunk in response.aiter_bytes():
            if att.t_first is None:
                att.t_first = perf()
            chunks.append(chunk)
            if att.capture is not None:
                att.capture.add(chunk, perf())
    except httpx.RequestError:
        att.body = b"".join(chunks)
        raise
    finally:
        await response.aclose()
    att.body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    att.t_first = att.t_first if att.t_first is not None else t_headers
    att.t_end = perf()
    if status in policy.retry_statuses:
        att.retryable = True
        att.retry_after = att.headers.get("retry-after")
        att.retry_after_ms = att.headers.get("retry-after-ms")


def _failed(att: _Attempt, exc: httpx.RequestError, policy: RetryPolicy, timeout: float,
            secrets: Sequence[str]) -> None:
    """Classify a transport failure; a 2xx stream that broke mid-body keeps its status."""
    att.t_end = time.perf_counter()
    error_class, retryable = classify_transport_error(exc)
    att.retryable = retryable and policy.retry_transport_errors
    detail = f"timeout {timeout:g} s" if error_class == "timeout" else ""
    if att.capture is not None:  # the broken stream is the observation: not retried
        error_class = "timeout" if error_class == "timeout" else "stream_cut"
        att.retryable = False
        detail = att.capture.describe_break(att.status, detail)
    elif att.status is not None:  # the headers came, the body did not (cut body, ...)
        detail = f"after HTTP {att.status}, body incomplete" + (f"; {detail}" if detail else "")
        att.status = None
    att.error_class = error_class
    att.error_message = error_message(exc, secrets, detail)


def _exchange(prepared: Any, att: _Attempt, attempts: int, api_key: str | None,
              secrets: Sequence[str]) -> Exchange:
    streamed = att.capture.finish() if att.capture is not None else None
    body = att.body
    if att.status is not None and att.status >= 400 and api_key:
        body = scrub_key_echoes(body, secrets)
    return Exchange(
        method=prepared.method, url=prepared.url, request_headers=prepared.masked_headers,
        request_body=prepared.sent, status_code=att.status, response_headers=att.headers,
        body=body, t_start=att.t_start, t_first_byte=att.t_first, t_end=att.t_end,
        attempts=attempts, error_class=att.error_class, error_message=att.error_message,
        chunks=att.capture.chunks if att.capture is not None else [],
        t_first_token=att.capture.t_first_token if att.capture is not None else None,
        content_times=streamed.stats.content_times if streamed is not None else [],
        stream=streamed,
    )


def endpoint_of(job: Job) -> str:
    return str(job.request.get("endpoint") or job.case.endpoint)


async def execute(
    job: Job,
    client: httpx.AsyncClient,
    options: SendOptions,
    api_key: str | None,
    prepared: Any = None,
) -> Exchange:
    """Send one job, retrying per `options.policy`; the Exchange describes the LAST attempt.

    Timings (time.perf_counter, seconds): t_start = start of the last attempt, t_first_byte =
    arrival of the first body chunk (of the response headers when the body is empty), t_end =
    body fully read (or the moment the attempt failed).
    A transport failure gives status_code None and error_class "timeout" / "connect" /
    "transport" / "decoding"; HTTP error statuses are left for checks.evaluate to classify.
    Streams: when the body sent has `stream: true` and the answer is 2xx, each chunk is fed to
    the protocol's incremental SSE reader as it arrives; the Exchange gets `chunks` ((offset,
    bytes) as received), `t_first_token`, `content_times` and `stream` (the assembled body +
    StreamStats). A transport failure after a stream's 2xx headers keeps the status, the
    partial body and the chunks, is not retried, and has error_class "stream_cut" ("timeout"
    for a stall). `job.case.timeout_s` overrides the run's timeout; either applies to each
    phase (connect, each read, write, pool wait) as in httpx, not to the whole exchange.
    `prepared`: the request already built (a recorder keeps the unmasked headers).
    """
    prepared = prepared if prepared is not None else options.prepare(job, api_key)
    timeout = job.case.timeout_s or options.timeout_s
    request = _build_request(client, prepared, timeout)
    endpoint = endpoint_of(job) if wants_stream(prepared.sent) else None
    secrets = secret_values(prepared.headers, prepared.masked_headers, api_key)
    policy = options.policy
    attempts = 0
    while True:
        attempts += 1
        att = _Attempt(time.perf_counter())
        try:
            await _read(att, client, request, endpoint, job.target.dialect, policy)
        except httpx.RequestError as exc:
            _failed(att, exc, policy, timeout, secrets)
        if not att.retryable or attempts >= policy.max_attempts:
            return _exchange(prepared, att, attempts, api_key, secrets)
        delay = backoff_delay(attempts, policy, options.rng, att.retry_after,
                              retry_after_ms=att.retry_after_ms)
        await options.sleep(delay)
