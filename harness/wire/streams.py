"""Streamed (SSE) answers -> the protocol's NON-stream body, plus statistics. Pure (no I/O).

    reader = StreamReader("chat")              # any registered endpoint; unknown: an error
    for t, chunk in timed_chunks:              # t: any clock the caller likes (e.g. offsets)
        reader.feed(chunk, t)                  # -> content events completed by this chunk
    result = reader.close()                    # StreamResult(body, stats)
    normalize("chat", dialect, result.body)    # every ordinary check runs on the assembled body

The reader is protocol-blind: the SSE parser (wire/sse.py) gives events, the protocol's
stream format (its `StreamFormat`, wire/protocols.py) gives the assembler, the sentinel that
ends a stream (`data: [DONE]` on chat) and the terminator the stream_cut message names. The
assemblers live beside their protocols: wire/chat_stream.py, wire/responses_stream.py,
wire/messages_stream.py (formats as recorded in ../shared/realworld, see its MANIFEST "SSE
framing"). What every protocol shares is here: JSON decoding, malformed and HTML data,
in-band errors (`event: error`, `type: error`, an `error` inside a chunk as OpenRouter sends),
events after the terminator, content timing.

The assembled body carries `ASSEMBLED_MARKER: True` so nobody mistakes it for bytes the
server sent (the raw SSE stays in `Exchange.body` / `Exchange.chunks`).

A "content event" (time to first token, inter-token latency) is one carrying answer text
(non-empty) or a tool-call fragment; role-only deltas, empty strings, reasoning/thinking, usage,
pings and comments are not tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.core.errors import TooDeepError, UnknownEndpointError
from harness.core.jsonsafe import MAX_DEPTH, loads_bounded
from harness.wire.protocols import DEFAULT_ENDPOINT, find_protocol, get_protocol
from harness.wire.sse import SSEEvent, SSEParser
from harness.wire.stream_stats import (
    ASSEMBLED_MARKER,
    STREAM_ERROR_CLASSES,
    StreamStats,
    error_entry,
    looks_html,
)

__all__ = [
    "ASSEMBLED_MARKER",
    "STREAM_ERROR_CLASSES",
    "StreamReader",
    "StreamResult",
    "StreamStats",
    "assemble",
    "classify_stream",
    "looks_html",
    "wants_stream",
]

_EXCERPT = 200


def wants_stream(sent: Any) -> bool:
    """Whether a request body (dict, or raw JSON text/bytes) asked for a stream."""
    if isinstance(sent, (bytes, bytearray)):
        sent = sent.decode("utf-8", errors="replace")
    if isinstance(sent, str):
        if "stream" not in sent:
            return False
        try:
            sent = json.loads(sent)
        except ValueError:
            return False
    return isinstance(sent, dict) and sent.get("stream") is True


@dataclass
class StreamResult:
    """The assembled non-stream body (None if nothing recognisable came) and the stats."""

    body: dict[str, Any] | None
    stats: StreamStats

    @property
    def problem(self) -> tuple[str, str] | None:
        return classify_stream(self.stats)


def _expected_terminator(endpoint: str) -> str:
    protocol = find_protocol(endpoint)
    stream = protocol.stream if protocol is not None else None
    return stream.terminator if stream is not None else "a terminator"


def _error_problem(stats: StreamStats) -> tuple[str, str]:
    err = stats.errors[0]
    code = f" {err['code']}" if err.get("code") not in (None, "") else ""
    kind = f" {err['type']}" if err.get("type") else ""
    more = f" (+{len(stats.errors) - 1} more)" if len(stats.errors) > 1 else ""
    where = err.get("event") or "chunk"
    return (
        "stream_error",
        f"error in the stream ({where}){kind}{code}: {err.get('message') or ''}{more}".strip(),
    )


def classify_stream(stats: StreamStats) -> tuple[str, str] | None:
    """(error_class, message) of a broken stream, or None for a well-formed one.

    Most specific first: too_deep (an event nested deeper than the JSON bound, never parsed),
    html_error (an HTML page where events were expected), stream_error
    (an error event, or an error inside a chunk), stream_malformed (data that is not JSON, or
    lines that are not SSE), stream_cut (no terminator: the body ended early).
    """
    if stats.too_deep:
        return "too_deep", (
            f"{stats.too_deep} event(s) with JSON nested deeper than {MAX_DEPTH} levels "
            "(not parsed)"
        )
    if stats.html is not None:
        return "html_error", f"an HTML page where SSE events were expected: {stats.html!r}"
    if stats.errors:
        return _error_problem(stats)
    if stats.malformed:
        return (
            "stream_malformed",
            f"{stats.malformed} event(s) with data that is not a JSON object, "
            + f"first: {stats.first_malformed!r}",
        )
    if stats.junk_lines:
        return (
            "stream_malformed",
            f"{stats.junk_lines} line(s) that are not SSE, first: {stats.first_junk!r}",
        )
    if stats.terminator is None:
        want = _expected_terminator(stats.endpoint)
        if stats.events == 0:
            return "stream_cut", f"the stream ended before any event (expected events, then {want})"
        tail = ", inside an event" if stats.truncated_tail else ""
        return (
            "stream_cut",
            f"the stream ended after {stats.events} event(s){tail} without its terminator ({want})",
        )
    return None


def _in_band_error(obj: dict[str, Any], name: str | None) -> dict[str, Any] | None:
    """An error event (`event: error`, `type: error`) or an error inside a chunk (OpenRouter)."""
    if name == "error" or obj.get("type") == "error":
        inner = obj.get("error")
        return error_entry(inner if isinstance(inner, dict) else obj, name or "error")
    err = obj.get("error")
    if err:  # a non-empty error field inside a data chunk
        return error_entry(err, name)
    return None


class StreamReader:
    """Incremental: SSE parser + the endpoint's protocol's assembler + statistics.

    An endpoint no registered protocol serves (or one without a stream format) raises
    UnknownEndpointError: a stream is never silently read as chat."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, dialect: str | None = None) -> None:
        protocol = get_protocol(endpoint, dialect)
        if protocol.stream is None:
            raise UnknownEndpointError(
                f"endpoint {endpoint!r} ({protocol.label}) has no stream format"
            )
        self.endpoint = endpoint
        self.protocol = protocol
        self.format = protocol.stream
        self.parser = SSEParser()
        self.assembler = self.format.assembler()
        self.stats = StreamStats(endpoint=endpoint)
        self._result: StreamResult | None = None

    def feed(self, chunk: bytes, t: float | None = None) -> int:
        """Parse a chunk that arrived at time `t`; return how many content events it completed
        (each one's `t` is appended to stats.content_times)."""
        count = 0
        for event in self.parser.feed(chunk):
            count += self._event(event, t)
        return count

    def close(self) -> StreamResult:
        """End of body (idempotent): flush the parser and assemble."""
        if self._result is not None:
            return self._result
        for event in self.parser.close():
            self._event(event, None)
        stats, parser = self.stats, self.parser
        stats.bytes = parser.bytes_fed
        stats.comments = parser.comments
        stats.junk_lines = parser.junk_lines
        stats.first_junk = parser.first_junk
        if stats.html is None and parser.first_junk and looks_html(parser.first_junk):
            stats.html = parser.first_junk
        body = self.assembler.body()
        if body is not None:
            body[ASSEMBLED_MARKER] = True
        self._result = StreamResult(body, stats)
        return self._result

    def _event(self, event: SSEEvent, t: float | None) -> int:
        stats = self.stats
        stats.events += 1
        if stats.terminator is not None:
            stats.events_after_terminator += 1
        data = event.data.strip()
        sentinel = self.format.sentinel
        if sentinel is not None and data == sentinel:
            stats.terminator = stats.terminator or sentinel
            return 0
        obj = self._json(event, data)
        if obj is None:
            return 0
        err = _in_band_error(obj, event.event)
        if err is not None:
            stats.errors.append(err)
        try:
            carried = self.assembler.on_event(obj, event.event, stats)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a shape we cannot read
            stats.malformed += 1
            if stats.first_malformed is None:
                stats.first_malformed = f"unreadable event ({type(exc).__name__}): {data[:150]}"
            return 0
        if not carried:
            return 0
        stats.content_events += 1
        if stats.first_content_index is None:
            stats.first_content_index = event.index
        if t is not None:
            stats.content_times.append(t)
        return 1

    def _json(self, event: SSEEvent, data: str) -> dict[str, Any] | None:
        """The event's data as a JSON object; None (and the stats say why) otherwise."""
        stats = self.stats
        try:
            obj = loads_bounded(data)
        except TooDeepError:
            stats.too_deep += 1  # never parsed: classified too_deep, not malformed
            return None
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            stats.json_events += 1
            return obj
        if not event.complete and obj is None:
            stats.truncated_tail = True  # cut inside the last event: a cut, not malformed
            return None
        stats.malformed += 1
        if stats.first_malformed is None:
            stats.first_malformed = data[:_EXCERPT]
        if stats.html is None and looks_html(data):
            stats.html = data[:_EXCERPT]
        return None


def assemble(
    endpoint: str,
    body: bytes | str,
    chunks: list[tuple[float, bytes]] | None = None,
    dialect: str | None = None,
) -> StreamResult:
    """A whole recorded stream -> StreamResult. With `chunks` ((offset, bytes) as recorded),
    content times are the recorded offsets; otherwise the body is read at once (no times)."""
    reader = StreamReader(endpoint, dialect)
    if chunks:
        for offset, chunk in chunks:
            reader.feed(chunk, offset)
    else:
        reader.feed(body.encode("utf-8") if isinstance(body, str) else bytes(body))
    return reader.close()
