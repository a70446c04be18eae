"""What a stream looked like on the wire (`StreamStats`), and the `Assembler` interface every
protocol's stream format implements. Pure data, no protocol knowledge: the per-protocol
assemblers (wire/chat_stream.py, wire/responses_stream.py, wire/messages_stream.py) and the
reader (wire/streams.py) both import this module, never each other.

An assembler is fed each JSON event of one stream (`on_event(obj, event_name, stats)`, True
when the event carried content: answer text or a tool-call fragment) and finally gives the
protocol's NON-stream body (`body()`, None when nothing recognisable came). It records what
only it can see (finish reasons, usage events, its own terminator event) in the stats.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

ASSEMBLED_MARKER = "_assembled_from_stream"
STREAM_ERROR_CLASSES = (
    "stream_cut", "stream_malformed", "stream_error", "html_error", "too_deep",
)
_HTML = re.compile(r"<\s*(!doctype|html|head|body|title|center|h1|hr)\b", re.IGNORECASE)


def looks_html(text: str) -> bool:
    """Whether text looks like an HTML page (a proxy or gateway answered instead)."""
    return bool(_HTML.search(text[:2000]))


@dataclass
class StreamStats:
    """What the stream looked like on the wire (JSON-able through `to_dict`)."""

    endpoint: str = "chat"
    events: int = 0  # dispatched SSE events, terminator included (comments are not events)
    json_events: int = 0
    comments: int = 0  # `: ...` lines (OpenRouter's `: OPENROUTER PROCESSING`)
    bytes: int = 0
    terminator: str | None = None  # "[DONE]", "message_stop", "response.completed", ...
    events_after_terminator: int = 0
    # choice index -> every finish / stop reason sent for it, in order (exactly one is right)
    finish_reasons: dict[int, list[str]] = field(default_factory=dict)
    usage_events: int = 0  # events carrying a non-null usage block
    usage_in_final: bool = False  # the last data event (before the terminator) carried usage
    content_events: int = 0
    first_content_index: int | None = None  # SSE event index of the first content event
    content_times: list[float] = field(default_factory=list)  # as given to StreamReader.feed
    malformed: int = 0  # complete events whose data is not a JSON object
    first_malformed: str | None = None
    junk_lines: int = 0  # lines that are neither SSE fields nor comments
    first_junk: str | None = None
    html: str | None = None  # excerpt of HTML seen where events were expected
    errors: list[dict[str, Any]] = field(default_factory=list)  # {message, code, type, event}
    truncated_tail: bool = False  # the body ended inside an event
    too_deep: int = 0  # events whose JSON nests deeper than core/jsonsafe's bound (unparsed)

    @property
    def finish_reason_count(self) -> int:
        return sum(len(v) for v in self.finish_reasons.values())

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["finish_reasons"] = {str(k): v for k, v in self.finish_reasons.items()}
        return out


class Assembler(Protocol):
    """One stream's events -> the protocol's non-stream body (see the module docstring)."""

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool: ...

    def body(self) -> dict[str, Any] | None: ...


def error_entry(err: Any, event: str | None) -> dict[str, Any]:
    """An error reported in a stream as a `StreamStats.errors` entry."""
    if isinstance(err, dict):
        message = err.get("message")
        return {
            "message": str(message if message is not None else json.dumps(err))[:500],
            "code": err.get("code"),
            "type": err.get("type") if err.get("type") != "error" else None,
            "event": event,
        }
    return {"message": str(err)[:500], "code": None, "type": None, "event": event}
