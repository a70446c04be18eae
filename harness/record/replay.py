"""A recorded Interaction -> the Exchange the engine would have produced, without a network.

The replayed Exchange carries the recorded status, headers, body and stream chunks (with their
recorded offsets), `attempts = 1` and `recorded_latency_ms`; `checks.evaluate` then makes the
row exactly as for a live exchange, so every check (stream checks, TTFT, latency) runs offline.

Timings:
- not paced (the default): instant; the Exchange's clock is the RECORDED one (t_start = 0,
  first byte at the recorded TTFB, end at the recorded latency, stream content events at their
  recorded offsets), so `latency_ms`, `ttfb_ms`, `ttft_ms`, `itl_ms`, `tokens_per_s` and the
  `latency_ms` / `ttft_ms` checks report what was measured when the cassette was recorded.
- paced (`--pace`): the body is handed over chunk by chunk at the recorded offsets, timed by
  the clock as it is replayed (what a streaming consumer would see); the columns are measured
  now (close to the recorded ones), `recorded_latency_ms` still comes from the cassette.
A miss (no cassette, a stale one) is an Exchange without a response whose error class is
`no_recording`, `stale_cassette` or `bad_cassette`, judged like any failed exchange.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from harness.core.models import Exchange, Job
from harness.record.cassette import Interaction
from harness.wire.streams import StreamReader, assemble, wants_stream

__all__ = ["miss_exchange", "replay_exchange"]


def _endpoint(job: Job) -> str:
    return str(job.request.get("endpoint") or job.case.endpoint)


def _headers(recorded: dict[str, list[str]]) -> dict[str, str]:
    """vcrpy's name -> [values] as the engine's lower-cased name -> value."""
    return {name.lower(): ", ".join(str(v) for v in values) for name, values in recorded.items()}


def _exchange(prepared: Any, inter: Interaction) -> Exchange:
    return Exchange(
        method=prepared.method,
        url=prepared.url,
        request_headers=prepared.masked_headers,
        request_body=prepared.sent,
        status_code=inter.status,
        response_headers=_headers(inter.response_headers),
        body=inter.body,
        attempts=1,
        error_class=inter.error_class,
        error_message=inter.error_message,
        recorded_latency_ms=inter.latency_ms,
    )


async def replay_exchange(
    job: Job, prepared: Any, inter: Interaction, *, pace: bool = False
) -> Exchange:
    """The Exchange of a recorded interaction (see the module doc for timings)."""
    ex = _exchange(prepared, inter)
    streamed = (
        inter.status is not None
        and 200 <= inter.status < 300
        and wants_stream(prepared.sent)
    )
    if pace:
        await _paced(job, ex, inter, streamed)
        return ex
    ex.t_start = 0.0
    latency = inter.latency_ms
    ttfb = inter.ttfb_ms
    ex.t_end = latency / 1000.0 if latency is not None else None
    ex.t_first_byte = ttfb / 1000.0 if ttfb is not None else ex.t_end
    if streamed:
        chunks = inter.chunks
        ex.chunks = list(chunks) if chunks else []
        result = assemble(_endpoint(job), inter.body, chunks or None, dialect=job.target.dialect)
        ex.stream = result
        ex.content_times = result.stats.content_times
        if ex.content_times:
            ex.t_first_token = ex.content_times[0]
    return ex


async def _paced(job: Job, ex: Exchange, inter: Interaction, streamed: bool) -> None:
    """Hand the body over at the recorded offsets, timed by the clock now."""
    perf = time.perf_counter
    t0 = ex.t_start = perf()

    async def until(offset: float) -> None:
        delay = t0 + offset - perf()
        if delay > 0:
            await asyncio.sleep(delay)

    chunks = inter.chunks if streamed and inter.chunks else None
    if chunks:
        reader = StreamReader(_endpoint(job), job.target.dialect)
        timed: list[tuple[float, bytes]] = []
        for offset, chunk in chunks:
            await until(offset)
            now = perf()
            if ex.t_first_byte is None:
                ex.t_first_byte = now
            timed.append((now - t0, chunk))
            if reader.feed(chunk, now - t0) and ex.t_first_token is None:
                ex.t_first_token = now
        ex.chunks = timed
        ex.stream = reader.close()
        ex.content_times = ex.stream.stats.content_times
    else:
        if inter.ttfb_ms is not None:
            await until(inter.ttfb_ms / 1000.0)
        ex.t_first_byte = perf()
        if streamed:
            ex.stream = assemble(_endpoint(job), inter.body, dialect=job.target.dialect)
    if inter.latency_ms is not None:
        await until(inter.latency_ms / 1000.0)
    ex.t_end = perf()


def miss_exchange(prepared: Any, error_class: str, message: str) -> Exchange:
    """A replay that found nothing to replay: no response, the reason as the error."""
    return Exchange(
        method=prepared.method,
        url=prepared.url,
        request_headers=prepared.masked_headers,
        request_body=prepared.sent,
        status_code=None,
        attempts=0,
        error_class=error_class,
        error_message=message,
    )
