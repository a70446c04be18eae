"""Incremental server-sent-events parser: bytes chunks in, events out. Pure (no I/O).

    parser = SSEParser()
    for chunk in network_chunks:
        for event in parser.feed(chunk):
            ...                          # event.event, event.data, event.index
    tail = parser.close()                # the last event if the body ended without a blank line

Framing (WHATWG "server-sent events", as the LLM APIs use it):
- lines end with LF, CRLF or CR; a line may be split anywhere across chunks, a CRLF too, and a
  multi-byte UTF-8 character too (lines are split on bytes and decoded whole);
- `field: value` (one space after the colon is dropped); fields `event`, `data` (repeated
  `data:` lines join with "\\n"), `id`, `retry`; a blank line dispatches the event;
- a line starting with ":" is a comment (OpenRouter's `: OPENROUTER PROCESSING`) and is counted,
  never dispatched; a UTF-8 BOM at the very start is dropped;
- a long line split over many chunks is kept as a list of chunks and joined once, when its
  end comes (joining at every chunk would copy a 32 MiB line 500 times);
- a line that is none of the above (an HTML page, a bare JSON object, any other text) is not
  SSE: it is counted in `junk_lines` with the first one kept (`first_junk`), so a caller can
  tell "a gateway answered with HTML mid-stream" from a clean stream. The spec would silently
  ignore it; a contract test must not.

The `data: [DONE]` terminator of the chat dialects is an ordinary event here (data "[DONE]");
what it means is for the stream assemblers (`harness.wire.streams`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SSEEvent", "SSEParser", "parse_sse"]

_EOL = re.compile(rb"\r\n|\r|\n")
_FIELDS = frozenset({"event", "data", "id", "retry"})
_BOM = b"\xef\xbb\xbf"
EXCERPT_CHARS = 200


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event. `event` is None when the stream sent no `event:` line."""

    data: str
    event: str | None = None
    id: str | None = None
    index: int = 0  # 0-based position among the dispatched events of the stream
    complete: bool = True  # False: dispatched by close() without its ending blank line


class SSEParser:
    """Feed bytes as they arrive; get the events completed by each chunk."""

    __slots__ = (
        "_buf",
        "_data",
        "_event",
        "_id",
        "_parts",
        "_skip_lf",
        "_started",
        "bytes_fed",
        "comments",
        "events",
        "first_junk",
        "junk_lines",
        "last_comment",
        "retry_ms",
    )

    def __init__(self) -> None:
        self._buf = b""
        self._parts: list[bytes] = []  # chunks of a long unfinished line, joined once it ends
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF completes a CRLF
        self._started = False
        self.bytes_fed = 0
        self.events = 0  # events dispatched so far
        self.comments = 0
        self.last_comment: str | None = None
        self.junk_lines = 0  # non-blank lines that are neither a field nor a comment
        self.first_junk: str | None = None
        self.retry_ms: int | None = None

    @property
    def pending_bytes(self) -> int:
        """Bytes of an unfinished line held back (not yet ended by a newline)."""
        return len(self._buf) + sum(len(p) for p in self._parts)

    @property
    def pending_event(self) -> bool:
        """Data lines were read but no blank line has dispatched them yet."""
        return bool(self._data)

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Parse one chunk; return the events it completed (possibly none)."""
        if not chunk:
            return []
        self.bytes_fed += len(chunk)
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if self._started and b"\n" not in chunk and b"\r" not in chunk:
            self._parts.append(chunk)  # a line still going: no copy of what came before
            return []
        if self._parts:
            self._buf, self._parts = self._buf + b"".join(self._parts), []
        buf = self._buf + chunk if self._buf else chunk
        if not self._started:
            if len(buf) < len(_BOM) and _BOM.startswith(buf):
                self._buf = buf  # maybe a BOM split over chunks: wait for more
                return []
            self._started = True
            buf = buf.removeprefix(_BOM)
        out: list[SSEEvent] = []
        pos = 0
        size = len(buf)
        for match in _EOL.finditer(buf):
            self._line(buf[pos : match.start()], out)
            pos = match.end()
            if pos == size and match.group() == b"\r":
                self._skip_lf = True
        self._buf = buf[pos:]
        return out

    def close(self) -> list[SSEEvent]:
        """End of body. An unfinished last line is read as a line (a server that omits the
        final newline), and pending data lines are dispatched (the spec would drop them; a
        contract test wants to see them) with `complete=False`: a consumer can tell an event
        cut off by the end of the body (truncated JSON is a cut, not a malformed event)."""
        out: list[SSEEvent] = []
        if self._parts:
            self._buf, self._parts = self._buf + b"".join(self._parts), []
        if self._buf:
            buf, self._buf = self._buf, b""
            self._line(buf, out)
        self._dispatch(out, complete=False)
        return out

    # -- internals -----------------------------------------------------------------------------

    def _line(self, raw: bytes, out: list[SSEEvent]) -> None:
        if not raw:
            self._dispatch(out)
            return
        line = raw.decode("utf-8", errors="replace")
        if line[0] == ":":
            self.comments += 1
            self.last_comment = line[1:].strip()
            return
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name not in _FIELDS:
            if not line.strip():
                return  # whitespace-only line: harmless
            self.junk_lines += 1
            if self.first_junk is None:
                self.first_junk = line[:EXCERPT_CHARS]
            return
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif value.isdigit():  # retry
            self.retry_ms = int(value)

    def _dispatch(self, out: list[SSEEvent], complete: bool = True) -> None:
        if self._data:
            data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
            out.append(SSEEvent(data, self._event, self._id, self.events, complete))
            self.events += 1
            self._data = []
        self._event = None  # the id persists (last event id), the event name does not


def parse_sse(body: bytes | str) -> list[SSEEvent]:
    """Every event of a whole body (a convenience for tests and replays)."""
    parser = SSEParser()
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return parser.feed(raw) + parser.close()
