"""Sending an answer: SSE event timing (first token, inter-event gap) and the faults that act
on an answer once it has started.

Timing of a stream, measured from the request's arrival (``t0``):

* headers and the preamble events (chat's empty role delta, ``response.created`` …
  ``content_part.added``, ``message_start`` / ``content_block_start`` / ``ping``) leave at the
  request's latency deadline; with a first-token delay D set, at ``min(deadline, t0 + D)``;
* the first content event (a delta carrying text or tool-call data) leaves at ``t0 + D`` if a
  first-token delay is set, else with the preamble;
* content event k leaves at ``first + k * gap`` (absolute times, so delays do not drift);
  the closing events follow the last content event at once.

D comes from ``x-sim-first-token-ms``, else the "slow_first_token" fault's
``FaultConfig.first_token_ms`` (2000 by default), else ``SimConfig.first_token_ms``; the gap
from ``x-sim-chunk-delay-ms``, else ``SimConfig.chunk_delay_ms``.

Stream faults (``STREAM_FAULT_KINDS``), on a stream / on a non-streamed answer:

* ``stream_cut``: the connection is closed a few events in, before the terminator (the client
  sees an incomplete chunked read) / the body is cut in half under its full Content-Length;
* ``stream_bad_event``: after the first content event, an extra event whose data line is
  truncated JSON, then the stream goes on normally / the body is truncated JSON;
* ``stream_html``: two content events in, a proxy's HTML 502 page is written into the stream,
  which then ends without its terminator / the answer is that 502 page;
* ``slow_first_token``: the first-token delay above / the whole answer waits for it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from aiohttp import web

from harness.sim import envelopes as env
from harness.sim.config import SimConfig

FIRST_TOKEN_HEADER = "x-sim-first-token-ms"
CHUNK_DELAY_HEADER = "x-sim-chunk-delay-ms"
CUT_AFTER_CONTENT = 3  # stream_cut: content events written before the cut
HTML_AFTER_CONTENT = 2  # stream_html: content events written before the page


@dataclass(frozen=True)
class Event:
    """One SSE frame, ready to write (``data: …\\n\\n`` or ``event: …\\ndata: …\\n\\n``);
    ``content`` marks a delta carrying text or tool-call data (what TTFT measures)."""

    text: str
    content: bool = False


@dataclass(frozen=True)
class Timing:
    headers_at: float
    first_at: float
    gap_s: float


async def sleep_until(t: float) -> None:
    """Sleep until ``time.monotonic() >= t``: never early (uvloop's millisecond timers can
    fire a fraction of a millisecond early, so re-check; the last bit is one 1 ms tick rather
    than a spin)."""
    while (remaining := t - time.monotonic()) > 0:
        await asyncio.sleep(max(remaining, 0.001))


def _ms_header(request: web.Request, name: str) -> float | None:
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def first_token_ms(request: web.Request, cfg: SimConfig, fault: str | None) -> float | None:
    """The first-token delay of this request, or None."""
    from_header = _ms_header(request, FIRST_TOKEN_HEADER)
    if from_header is not None:
        return from_header
    if fault == "slow_first_token":
        return cfg.faults.first_token_ms
    return cfg.first_token_ms


def timing(
    request: web.Request, cfg: SimConfig, t0: float, deadline: float, fault: str | None
) -> Timing:
    gap = _ms_header(request, CHUNK_DELAY_HEADER)
    gap_s = (cfg.chunk_delay_ms if gap is None else gap) / 1000.0
    delay = first_token_ms(request, cfg, fault)
    if delay is None:
        return Timing(deadline, deadline, gap_s)
    first = t0 + delay / 1000.0
    return Timing(min(deadline, first), first, gap_s)


def _broken(event: Event) -> bytes:
    """The event with its data line cut in the middle: not JSON."""
    head, _, data = event.text.rstrip("\n").rpartition("data: ")
    return f"{head}data: {data[: max(1, len(data) // 2)]}\n\n".encode()


def _positions(events: list[Event]) -> tuple[int, int, int]:
    """(index of the first content event, cut index, html index); cut and html stay before
    the last event, the terminator."""
    first = next((i for i, e in enumerate(events) if e.content), len(events) - 1)
    last = len(events) - 1
    return first, min(first + CUT_AFTER_CONTENT, last), min(first + HTML_AFTER_CONTENT, last)


async def send_stream(
    request: web.Request,
    headers: dict[str, str],
    events: list[Event],
    when: Timing,
    fault: str | None,
) -> web.StreamResponse:
    """Write ``events`` as an SSE stream with its timing, applying a stream fault if any."""
    headers = {
        **headers,
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
    }
    resp = web.StreamResponse(status=200, headers=headers)
    first, cut_at, html_at = _positions(events)
    await sleep_until(when.headers_at)
    await resp.prepare(request)
    sent = 0
    try:
        for i, event in enumerate(events):
            if fault == "stream_cut" and i == cut_at:
                _close(request)
                return resp
            if fault == "stream_html" and i == html_at:
                await resp.write(env.html_error(502, "Bad Gateway").body)
                await resp.write_eof()
                return resp
            if event.content:
                await sleep_until(when.first_at + sent * when.gap_s)
                sent += 1
            await resp.write(event.text.encode("utf-8"))
            if fault == "stream_bad_event" and i == first and i + 1 < len(events):
                await resp.write(_broken(events[i + 1]))
        await resp.write_eof()
    except ConnectionResetError:  # the client went away mid-stream
        pass
    return resp


def _close(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()  # flushes what was written, then FIN: no final chunk


async def send_body(
    request: web.Request,
    payload: bytes,
    headers: dict[str, str],
    deadline: float,
    first_token_at: float | None,
    fault: str | None,
) -> web.StreamResponse:
    """A non-streamed answer, with a stream fault's non-stream form if any (see module doc).

    Plain answers are returned unsent: the app's middleware waits for the deadline."""
    if fault == "stream_html":
        return env.html_error(502, "Bad Gateway").response()
    if fault == "stream_bad_event":
        payload = payload[: len(payload) // 2]
    if first_token_at is not None:
        deadline = max(deadline, first_token_at)
    if fault == "stream_cut":
        resp = web.StreamResponse(status=200, headers=headers)
        resp.content_length = len(payload)
        await sleep_until(deadline)
        await resp.prepare(request)
        try:
            await resp.write(payload[: len(payload) // 2])
        except ConnectionResetError:
            return resp
        _close(request)
        return resp
    await sleep_until(deadline)
    return web.Response(body=payload, headers=headers)
