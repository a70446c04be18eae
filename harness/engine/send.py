"""One job's request on the wire: send, read (stream event by event), retry, -> Exchange.

    execute(job, client, options, api_key)
      prepare once ─▶ attempt ─▶ (retryable? backoff, again) ─▶ Exchange of the LAST attempt

Limits of one attempt (`Limits`, from SendOptions and the case's timeout_s):

    timeout             the whole attempt: connect, headers, every byte of the body (a stream
                        included); a body dripped at 1 byte/s is cut here -> `timeout`
    first_byte_timeout  start -> first body byte (default: the whole timeout)
    idle_timeout        between two body chunks (default: the whole timeout). Bytes are bytes:
                        an SSE `: ping` comment resets it, as pings are meant to; the whole
                        timeout still bounds a ping every second forever
    max_response_bytes  decoded body bytes (after gzip/deflate, engine/decode.py); over it the
                        read stops and the attempt is `too_large`, memory bounded by the cap

One `asyncio.timeout_at` per attempt carries the three deadlines (rescheduled after each
chunk only when an idle timeout shorter than the rest is set), so the default costs one timer.
Hot path: the body is serialised once by the protocol's `prepare` and the same httpx.Request
is re-sent on retries; no copies. The executors (engine/executor.py, record/executors.py) call
this; nothing else sends.
"""

from __future__ import annotations

import asyncio
import errno
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.core.errors import TooLargeError
from harness.core.models import Exchange, Job
from harness.core.secrets import scrub_key_echoes, scrub_text, secret_values
from harness.engine.decode import BodyDecoder, DecodeError
from harness.engine.retry import RetryPolicy, retry_wait
from harness.wire.streams import StreamReader, StreamResult, wants_stream

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "Limits", "PrepareFn", "SendOptions",
           "default_prepare", "execute"]

PrepareFn = Callable[[Job, "str | None"], Any]
_MAX_ERROR_CHARS = 300
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# errno values that mean THIS process ran out of something, not that the provider failed
_LOCAL_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def default_prepare(job: Job, api_key: str | None) -> Any:
    from harness.wire.dialects import prepare

    return prepare(job, api_key)


@dataclass(frozen=True)
class SendOptions:
    """What every request of a run shares: retry policy, limits, jitter, sleep, prepare.
    `timeout_s` is the whole attempt's deadline; None timeouts default to it."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Any] = asyncio.sleep
    prepare: PrepareFn = default_prepare
    first_byte_timeout_s: float | None = None
    idle_timeout_s: float | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def limits(self, job: Job) -> Limits:
        total = job.case.timeout_s or self.timeout_s
        return Limits(total, min(total, self.first_byte_timeout_s or total),
                      min(total, self.idle_timeout_s or total), self.max_response_bytes)


@dataclass(frozen=True)
class Limits:
    """One attempt's bounds (seconds, bytes): see the module doc."""

    total: float
    first_byte: float
    idle: float
    max_bytes: int


def local_resource_error(exc: BaseException) -> OSError | None:
    """The OSError (EMFILE, ENFILE, ENOBUFS, ENOMEM) behind `exc`, if this process ran out
    of file descriptors or buffers: our side, not the provider's."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, getattr(current, "os_error", None)):
            if isinstance(candidate, OSError) and candidate.errno in _LOCAL_ERRNOS:
                return candidate
        current = current.__cause__ or current.__context__
    return None


def classify_transport_error(exc: httpx.RequestError) -> tuple[str, bool]:
    """(error_class, retryable) of an httpx request error."""
    if local_resource_error(exc) is not None:
        return "resource", True  # fds may free up as other requests end: worth a backoff
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


def _resource_detail(exc: BaseException) -> str:
    os_error = local_resource_error(exc)
    name = errno.errorcode.get(os_error.errno or 0, "OSError") if os_error else "OSError"
    return (f"local resource exhausted ({name}: {os_error.strerror if os_error else ''}): "
            "this process, not the provider; raise `ulimit -n` or lower --concurrency")


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
                 "retry_after_ms", "retryable", "status", "t_end", "t_first", "t_start",
                 "waiting")

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
        self.waiting = "total"  # which deadline the attempt's timer is set to


def _build_request(client: httpx.AsyncClient, prepared: Any, timeout: float) -> httpx.Request:
    lean_build = getattr(client, "engine_request", None)  # EngineClient: skips build_request
    if lean_build is not None:
        return lean_build(prepared.method, prepared.url, prepared.headers, prepared.body, timeout)  # type: ignore[no-any-return]
    return client.build_request(
        prepared.method, prepared.url, headers=prepared.headers, content=prepared.body,
        timeout=timeout,
    )


class _Clock:
    """The attempt's one timer: the first-byte deadline, then idle deadlines, never past the
    whole-attempt deadline."""

    __slots__ = ("att", "cm", "idle", "time", "total_at")

    def __init__(self, att: _Attempt, limits: Limits) -> None:
        self.time = asyncio.get_running_loop().time
        now = self.time()
        self.total_at = now + limits.total
        self.idle = limits.idle if limits.idle < limits.total else None
        first_at = now + limits.first_byte
        self.att = att
        att.waiting = "first_byte" if first_at < self.total_at else "total"
        self.cm = asyncio.timeout_at(min(first_at, self.total_at))

    def chunk(self) -> None:
        """A chunk arrived: the next deadline is the idle one, or the whole one."""
        if self.idle is not None:
            idle_at = self.time() + self.idle
            if idle_at < self.total_at:
                self.att.waiting = "idle"
                self.cm.reschedule(idle_at)
                return
        if self.att.waiting != "total":
            self.att.waiting = "total"
            self.cm.reschedule(self.total_at)


async def _read(att: _Attempt, client: httpx.AsyncClient, request: httpx.Request,
                endpoint: str | None, dialect: str, policy: RetryPolicy, limits: Limits) -> None:
    """Send and read the whole body within the limits; chunks of a 2xx stream go through the
    SSE reader as they arrive. Raises TimeoutError (a deadline), TooLargeError, DecodeError
    or httpx.RequestError; `att` keeps what arrived."""
    perf = time.perf_counter
    chunks: list[bytes] = []
    clock = _Clock(att, limits)
    try:
        async with clock.cm:
            response = await client.send(request, stream=True)
            t_headers = perf()
            att.status = status = response.status_code
            att.headers = dict(response.headers.items())  # keys lower-cased by httpx
            if endpoint is not None and 200 <= status < 300:
                att.capture = _StreamCapture(endpoint, dialect, att.t_start)
            decoder, raws = _body_of(response, limits)
            try:
                async for raw in raws:
                    for chunk in decoder.feed(raw):
                        _take(att, chunks, chunk, perf())
                    clock.chunk()
                tail = decoder.flush()
                if tail:
                    _take(att, chunks, tail, perf())
            finally:
                await response.aclose()
    finally:
        att.body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    att.t_first = att.t_first if att.t_first is not None else t_headers
    att.t_end = perf()
    if status in policy.retry_statuses:
        att.retryable = True
        att.retry_after = att.headers.get("retry-after")
        att.retry_after_ms = att.headers.get("retry-after-ms")


def _body_of(response: httpx.Response, limits: Limits) -> tuple[BodyDecoder, Any]:
    """The decoder and the raw chunks of a response. A response read already (one a
    MockTransport built from bytes) has only its decoded content left: counted, not decoded."""
    if response.is_stream_consumed:
        return BodyDecoder(None, limits.max_bytes), _once(response.content)
    encoding = response.headers.get("content-encoding")
    return BodyDecoder(encoding, limits.max_bytes), response.aiter_raw()


async def _once(content: bytes) -> Any:
    if content:
        yield content


def _take(att: _Attempt, chunks: list[bytes], chunk: bytes, now: float) -> None:
    if att.t_first is None:
        att.t_first = now
    chunks.append(chunk)
    if att.capture is not None:
        att.capture.add(chunk, now)


def _broken(att: _Attempt, error_class: str, message: str) -> None:
    """The attempt ended early: a 2xx stream keeps its status (the broken stream is the
    observation, not retried); a plain body that did not finish loses it."""
    att.t_end = time.perf_counter()
    if att.capture is not None:
        if error_class not in ("timeout", "too_large", "resource", "decoding"):
            error_class = "stream_cut"
        att.retryable = False
        message = att.capture.describe_break(att.status, message)
    elif att.status is not None:  # the headers came, the body did not (cut, stalled, huge)
        message = f"after HTTP {att.status}, body incomplete; {message}"
        att.status = None
    att.error_class = error_class
    att.error_message = message[:_MAX_ERROR_CHARS]


def _failed(att: _Attempt, exc: httpx.RequestError, policy: RetryPolicy, timeout: float,
            secrets: Sequence[str]) -> None:
    """Classify a transport failure; a 2xx stream that broke mid-body keeps its status."""
    error_class, retryable = classify_transport_error(exc)
    att.retryable = retryable and policy.retry_transport_errors
    detail = f"timeout {timeout:g} s" if error_class == "timeout" else ""
    if error_class == "resource":
        detail = _resource_detail(exc)
    _broken(att, error_class, error_message(exc, secrets, detail))


_WAITING = {
    "total": ("--timeout", "the whole-exchange deadline"),
    "first_byte": ("--first-byte-timeout", "no first byte"),
    "idle": ("--idle-timeout", "no data"),
}


def _timed_out(att: _Attempt, limits: Limits, policy: RetryPolicy) -> None:
    flag, what = _WAITING[att.waiting]
    seconds = {"total": limits.total, "first_byte": limits.first_byte, "idle": limits.idle}
    where = "before the response headers" if att.status is None else (
        f"after {len(att.body)} body bytes")
    att.retryable = policy.retry_transport_errors
    _broken(att, "timeout",
            f"timeout: {what} ({flag} {seconds[att.waiting]:g} s) passed {where}")


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


async def _attempt(att: _Attempt, client: httpx.AsyncClient, request: httpx.Request,
                   job: Job, endpoint: str | None, options: SendOptions, limits: Limits,
                   secrets: Sequence[str]) -> None:
    """One attempt, every failure classified into `att` (nothing but cancellation escapes)."""
    policy = options.policy
    try:
        await _read(att, client, request, endpoint, job.target.dialect, policy, limits)
    except httpx.RequestError as exc:
        _failed(att, exc, policy, limits.total, secrets)
    except TimeoutError:
        _timed_out(att, limits, policy)
    except TooLargeError as exc:
        att.retryable = False  # the same answer again would be as large
        _broken(att, "too_large", str(exc))
    except DecodeError as exc:
        att.retryable = False
        coding = att.headers.get("content-encoding")
        _broken(att, "decoding", f"DecodeError: body not valid {coding}: {exc}")


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
    "transport" / "decoding" / "resource" (this process ran out of file descriptors);
    "timeout" is also any of the attempt's deadlines (module doc), "too_large" a body over
    max_response_bytes. HTTP error statuses are left for checks.evaluate to classify.
    Streams: when the body sent has `stream: true` and the answer is 2xx, each chunk is fed to
    the protocol's incremental SSE reader as it arrives; the Exchange gets `chunks` ((offset,
    bytes) as received), `t_first_token`, `content_times` and `stream` (the assembled body +
    StreamStats). A failure after a stream's 2xx headers keeps the status, the partial body
    and the chunks, is not retried, and has error_class "stream_cut" ("timeout" for a stall,
    "too_large" past the cap). `job.case.timeout_s` overrides the run's timeout.
    Retries: when the last attempt failed in a retryable way and no attempt is left, or the
    server's Retry-After is over the policy's max_retry_wait_s (not retried: retry.py), the
    Exchange has `retries_exhausted` and `retry_note` says which.
    `prepared`: the request already built (a recorder keeps the unmasked headers).
    """
    prepared = prepared if prepared is not None else options.prepare(job, api_key)
    limits = options.limits(job)
    request = _build_request(client, prepared, limits.total)
    endpoint = endpoint_of(job) if wants_stream(prepared.sent) else None
    secrets = secret_values(prepared.headers, prepared.masked_headers, api_key)
    policy = options.policy
    attempts = 0
    while True:
        attempts += 1
        att = _Attempt(time.perf_counter())
        await _attempt(att, client, request, job, endpoint, options, limits, secrets)
        if not att.retryable:
            return _exchange(prepared, att, attempts, api_key, secrets)
        note = f"retries exhausted: gave up after {attempts} attempt(s)"
        delay = None
        if attempts < policy.max_attempts:
            delay, hint = retry_wait(attempts, policy, options.rng, att.retry_after,
                                     retry_after_ms=att.retry_after_ms)
            if delay is None:
                note = (f"not retried: the server's Retry-After {hint:g} s is over "
                        f"--max-retry-wait {policy.max_retry_wait_s:g} s "
                        f"(attempt {attempts} of {policy.max_attempts})")
        if delay is None:
            exchange = _exchange(prepared, att, attempts, api_key, secrets)
            exchange.retries_exhausted, exchange.retry_note = True, note
            return exchange
        await options.sleep(delay)
