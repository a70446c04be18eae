"""Streamed (SSE) answers -> the endpoint's NON-stream body, plus statistics. Pure (no I/O).

    reader = StreamReader("chat")              # chat | responses | messages
    for t, chunk in timed_chunks:              # t: any clock the caller likes (e.g. offsets)
        reader.feed(chunk, t)                  # -> content events completed by this chunk
    result = reader.close()                    # StreamResult(body, stats)
    normalize("chat", dialect, result.body)    # every ordinary check runs on the assembled body

Formats (as recorded in ../shared/realworld, see its MANIFEST "SSE framing"):
- chat (OpenAI, Mistral, OpenRouter): `data: {chat.completion.chunk}` ... `data: [DONE]`.
  Content deltas are strings, or (Mistral reasoning) lists of parts whose `thinking` parts are
  kept apart as `reasoning`; tool-call fragments accumulate by `index` (OpenAI splits the
  arguments over many deltas; Mistral sends a whole call, sometimes without `index`, in one);
  usage comes on the last content chunk (Mistral) or on an extra `choices: []` chunk (OpenAI
  with `stream_options.include_usage`); OpenRouter may put an `error` inside a chunk.
- responses (OpenAI Responses): `event: response.*` with `type` in the data; text from
  `response.output_text.delta`, arguments from `response.function_call_arguments.delta/done`;
  `response.completed` / `.incomplete` / `.failed` carries the whole response object (usage
  included) and ends the stream (no [DONE]); an `error` event reports a failure.
- messages (Anthropic): `message_start` (id, model, input usage), `content_block_start`
  (text / tool_use with id and name), `content_block_delta` (`text_delta`,
  `input_json_delta.partial_json`, `thinking_delta`), `content_block_stop`, `message_delta`
  (stop_reason and cumulative usage), `message_stop` (the terminator), `ping`, `error`.

The assembled body carries `ASSEMBLED_MARKER: True` so nobody mistakes it for bytes the
server sent (the raw SSE stays in `Exchange.body` / `Exchange.chunks`).

A "content event" (time to first token, inter-token latency) is one carrying answer text
(non-empty) or a tool-call fragment; role-only deltas, empty strings, reasoning/thinking, usage,
pings and comments are not tokens.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from harness.wire.sse import SSEEvent, SSEParser

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

ASSEMBLED_MARKER = "_assembled_from_stream"
STREAM_ERROR_CLASSES = ("stream_cut", "stream_malformed", "stream_error", "html_error")
EXPECTED_TERMINATOR = {
    "chat": "data: [DONE]",
    "responses": "response.completed (or .incomplete / .failed)",
    "messages": "message_stop",
}
_EXCERPT = 200
_HTML = re.compile(r"<\s*(!doctype|html|head|body|title|center|h1|hr)\b", re.IGNORECASE)


def looks_html(text: str) -> bool:
    return bool(_HTML.search(text[:2000]))


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

    @property
    def finish_reason_count(self) -> int:
        return sum(len(v) for v in self.finish_reasons.values())

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["finish_reasons"] = {str(k): v for k, v in self.finish_reasons.items()}
        return out


@dataclass
class StreamResult:
    """The assembled non-stream body (None if nothing recognisable came) and the stats."""

    body: dict[str, Any] | None
    stats: StreamStats

    @property
    def problem(self) -> tuple[str, str] | None:
        return classify_stream(self.stats)


def classify_stream(stats: StreamStats) -> tuple[str, str] | None:
    """(error_class, message) of a broken stream, or None for a well-formed one.

    Most specific first: html_error (an HTML page where events were expected), stream_error
    (an error event, or an error inside a chunk), stream_malformed (data that is not JSON, or
    lines that are not SSE), stream_cut (no terminator: the body ended early).
    """
    if stats.html is not None:
        return "html_error", f"an HTML page where SSE events were expected: {stats.html!r}"
    if stats.errors:
        err = stats.errors[0]
        code = f" {err['code']}" if err.get("code") not in (None, "") else ""
        kind = f" {err['type']}" if err.get("type") else ""
        more = f" (+{len(stats.errors) - 1} more)" if len(stats.errors) > 1 else ""
        where = err.get("event") or "chunk"
        return (
            "stream_error",
            f"error in the stream ({where}){kind}{code}: {err.get('message') or ''}{more}".strip(),
        )
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
        want = EXPECTED_TERMINATOR.get(stats.endpoint, "a terminator")
        if stats.events == 0:
            return "stream_cut", f"the stream ended before any event (expected events, then {want})"
        tail = ", inside an event" if stats.truncated_tail else ""
        return (
            "stream_cut",
            f"the stream ended after {stats.events} event(s){tail} without its terminator ({want})",
        )
    return None


# -- chat chunks -------------------------------------------------------------------------------

_HEAD_KEYS = ("id", "created", "model", "system_fingerprint", "service_tier", "provider")


class _ChatChoice:
    __slots__ = ("content", "finish", "reasoning", "refusal", "role", "tools")

    def __init__(self) -> None:
        self.role: str | None = None
        self.content: list[str] | None = None  # None until a content field arrives
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None

    def apply(self, delta: dict[str, Any]) -> bool:
        """Merge one delta; True when it carried content or a tool-call fragment."""
        carried = False
        role = delta.get("role")
        if isinstance(role, str):
            self.role = role
        content = delta.get("content")
        if isinstance(content, str):
            if self.content is None:
                self.content = []
            if content:
                self.content.append(content)
                carried = True
        elif isinstance(content, list):
            if self.content is None:
                self.content = []
            carried = self._parts(content)
        for key in ("reasoning", "reasoning_content"):
            text = delta.get(key)
            if isinstance(text, str) and text:
                self.reasoning.append(text)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            self.refusal.append(refusal)
            carried = True
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                if isinstance(call, dict):
                    self._tool(call)
                    carried = True
        legacy = delta.get("function_call")
        if isinstance(legacy, dict):
            self._tool({"index": 0, "function": legacy})
            carried = True
        return carried

    def _parts(self, parts: list[Any]) -> bool:
        assert self.content is not None
        carried = False
        for part in parts:
            if isinstance(part, str):
                if part:
                    self.content.append(part)
                    carried = True
            elif isinstance(part, dict):
                kind = part.get("type", "text")
                text = part.get("text")
                if kind in ("text", "output_text") and isinstance(text, str):
                    if text:
                        self.content.append(text)
                        carried = True
                elif kind == "thinking":
                    self.reasoning.append(_thinking_text(part.get("thinking")))
        return carried

    def _tool(self, call: dict[str, Any]) -> None:
        index = call.get("index")
        call_id = call.get("id")
        if isinstance(index, int) and not isinstance(index, bool):
            slot = self.tools.setdefault(index, _new_call())
        else:  # no index (Mistral 2024): a new id is a new call, no id continues the last one
            same = [s for s in self.tools.values() if call_id and s["id"] == call_id]
            if same:
                slot = same[0]
            elif call_id or not self.tools:
                slot = self.tools.setdefault(max(self.tools, default=-1) + 1, _new_call())
            else:
                slot = self.tools[max(self.tools)]
        if isinstance(call_id, str) and call_id and not slot["id"]:
            slot["id"] = call_id
        if isinstance(call.get("type"), str):
            slot["type"] = call["type"]
        raw_fn = call.get("function")
        fn: dict[str, Any] = raw_fn if isinstance(raw_fn, dict) else {}
        name = fn.get("name")
        if isinstance(name, str) and name and not slot["function"]["name"]:
            slot["function"]["name"] = name
        args = fn.get("arguments")
        if isinstance(args, str):
            slot["args"].append(args)
        elif args is not None:  # an object: some gateways send parsed arguments
            slot["args"] = [json.dumps(args, ensure_ascii=False)]

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "role": self.role or "assistant",
            "content": None if self.content is None else "".join(self.content),
        }
        if self.tools:
            calls = []
            for index in sorted(self.tools):
                slot = self.tools[index]
                fn = {"name": slot["function"]["name"], "arguments": "".join(slot["args"])}
                calls.append(
                    {"index": index, "id": slot["id"], "type": slot["type"], "function": fn}
                )
            msg["tool_calls"] = calls
        if self.reasoning:
            msg["reasoning"] = "".join(self.reasoning)
        if self.refusal:
            msg["refusal"] = "".join(self.refusal)
        return msg


def _new_call() -> dict[str, Any]:
    return {"id": None, "type": "function", "function": {"name": ""}, "args": []}


def _thinking_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(str(p.get("text") or "") if isinstance(p, dict) else str(p) for p in value)
    return ""


class _ChatAssembler:
    def __init__(self) -> None:
        self.head: dict[str, Any] = {}
        self.choices: dict[int, _ChatChoice] = {}
        self.usage: dict[str, Any] | None = None
        self.seen = False

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        if "choices" not in obj and "usage" not in obj:
            return False  # an error-only event, or something else
        self.seen = True
        for key in _HEAD_KEYS:
            if key not in self.head and obj.get(key) is not None:
                self.head[key] = obj[key]
        usage = obj.get("usage")
        stats.usage_in_final = isinstance(usage, dict) and bool(usage)
        if stats.usage_in_final:
            self.usage = usage
            stats.usage_events += 1
        carried = False
        choices = obj.get("choices")
        for ch in choices if isinstance(choices, list) else ():
            if not isinstance(ch, dict):
                continue
            index = ch.get("index", 0)
            index = index if isinstance(index, int) and not isinstance(index, bool) else 0
            choice = self.choices.setdefault(index, _ChatChoice())
            delta = ch.get("delta")
            if isinstance(delta, dict) and choice.apply(delta):
                carried = True
            reason = ch.get("finish_reason")
            if isinstance(reason, str) and reason:
                choice.finish = reason
                stats.finish_reasons.setdefault(index, []).append(reason)
        return carried

    def body(self) -> dict[str, Any] | None:
        if not self.seen:
            return None
        choices = [
            {"index": i, "message": c.message(), "finish_reason": c.finish}
            for i, c in sorted(self.choices.items())
        ]
        head = self.head
        return {
            "id": head.get("id"),
            "object": "chat.completion",
            "created": head.get("created"),
            "model": head.get("model"),
            **{k: head[k] for k in _HEAD_KEYS[3:] if k in head},
            "choices": choices,
            "usage": self.usage,
        }


# -- OpenAI Responses events -------------------------------------------------------------------

_RESPONSE_TERMINAL = ("response.completed", "response.incomplete", "response.failed")


class _ResponsesAssembler:
    def __init__(self) -> None:
        self.snapshot: dict[str, Any] | None = None  # last response object seen
        self.final: dict[str, Any] | None = None
        self.items: dict[int, dict[str, Any]] = {}

    def _item(self, obj: dict[str, Any], kind: str) -> dict[str, Any]:
        index = obj.get("output_index", 0)
        index = index if isinstance(index, int) else 0
        if index not in self.items:
            base: dict[str, Any] = {"type": kind}
            if kind == "message":
                base.update(role="assistant", content=[])
            else:
                base["arguments"] = ""
            if isinstance(obj.get("item_id"), str):
                base["id"] = obj["item_id"]
            self.items[index] = base
        return self.items[index]

    def _part(self, obj: dict[str, Any]) -> dict[str, Any]:
        item = self._item(obj, "message")
        content = item.get("content")
        if not isinstance(content, list):
            content = item["content"] = []
        index = obj.get("content_index", 0)
        index = index if isinstance(index, int) and index >= 0 else 0
        while len(content) <= index:
            content.append({"type": "output_text", "text": ""})
        part: dict[str, Any] = content[index]
        return part

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        kind = obj.get("type") or name
        if kind in _RESPONSE_TERMINAL:
            resp = obj.get("response")
            if isinstance(resp, dict):
                self.final = resp
                status = resp.get("status")
                if isinstance(status, str):
                    stats.finish_reasons.setdefault(0, []).append(status)
                usage = resp.get("usage")
                stats.usage_in_final = isinstance(usage, dict) and bool(usage)
                stats.usage_events += stats.usage_in_final
                err = resp.get("error")
                if kind == "response.failed" and isinstance(err, dict):
                    stats.errors.append(_error_entry(err, kind))
            if stats.terminator is None:
                stats.terminator = str(kind)
            return False
        if kind in ("response.created", "response.in_progress", "response.queued"):
            if isinstance(obj.get("response"), dict):
                self.snapshot = obj["response"]
            return False
        if kind in ("response.output_item.added", "response.output_item.done"):
            item = obj.get("item")
            index = obj.get("output_index", len(self.items))
            if isinstance(item, dict) and isinstance(index, int):
                self.items[index] = json.loads(json.dumps(item))  # a private copy
            return False
        if kind == "response.content_part.added":
            part = obj.get("part")
            if isinstance(part, dict):
                self._part(obj).update(part)
            return False
        if kind == "response.output_text.delta":
            delta = obj.get("delta")
            if isinstance(delta, str) and delta:
                part = self._part(obj)
                part["text"] = str(part.get("text") or "") + delta
                return True
            return False
        if kind == "response.output_text.done":
            if isinstance(obj.get("text"), str):
                self._part(obj)["text"] = obj["text"]
            return False
        if kind == "response.function_call_arguments.delta":
            item = self._item(obj, "function_call")
            item["arguments"] = str(item.get("arguments") or "") + str(obj.get("delta") or "")
            return True
        if kind == "response.function_call_arguments.done":
            if isinstance(obj.get("arguments"), str):
                self._item(obj, "function_call")["arguments"] = obj["arguments"]
            return False
        return kind == "response.refusal.delta"

    def body(self) -> dict[str, Any] | None:
        output = [self.items[i] for i in sorted(self.items)]
        if self.final is not None:
            body = dict(self.final)
            if not body.get("output") and output:
                body["output"] = output
            return body
        if self.snapshot is None and not output:
            return None
        body = dict(self.snapshot or {"object": "response", "status": "in_progress"})
        body["output"] = output
        return body


# -- Anthropic Messages events -----------------------------------------------------------------


class _MessagesAssembler:
    def __init__(self) -> None:
        self.message: dict[str, Any] | None = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial: dict[int, list[str]] = {}
        self.usage: dict[str, Any] = {}

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        kind = obj.get("type") or name
        index = obj.get("index", 0)
        index = index if isinstance(index, int) else 0
        if kind == "message_start":
            msg = obj.get("message")
            if isinstance(msg, dict):
                self.message = dict(msg)
                if isinstance(msg.get("usage"), dict):
                    self.usage.update(msg["usage"])
                    stats.usage_events += 1
            return False
        if kind == "content_block_start":
            block = obj.get("content_block")
            if not isinstance(block, dict):
                return False
            self.blocks[index] = dict(block)
            if block.get("type") in ("tool_use", "server_tool_use"):
                self.partial[index] = []
                return True
            return bool(block.get("text"))
        if kind == "content_block_delta":
            return self._delta(index, obj.get("delta"))
        if kind == "content_block_stop":
            self._close_block(index)
            return False
        if kind == "message_delta":
            delta = obj.get("delta")
            if isinstance(delta, dict):
                reason = delta.get("stop_reason")
                if isinstance(reason, str) and reason:
                    stats.finish_reasons.setdefault(0, []).append(reason)
                msg = self.message if self.message is not None else {}
                self.message = msg
                for key in ("stop_reason", "stop_sequence"):
                    if key in delta:
                        msg[key] = delta[key]
            usage = obj.get("usage")
            stats.usage_in_final = isinstance(usage, dict) and bool(usage)
            if isinstance(usage, dict) and usage:
                self.usage.update(usage)  # cumulative counts: the last ones win
                stats.usage_events += 1
            return False
        if kind == "message_stop" and stats.terminator is None:
            stats.terminator = "message_stop"
        return False

    def _delta(self, index: int, delta: Any) -> bool:
        if not isinstance(delta, dict):
            return False
        block = self.blocks.setdefault(index, {"type": "text", "text": ""})
        kind = delta.get("type")
        if kind == "text_delta":
            text = str(delta.get("text") or "")
            block["text"] = str(block.get("text") or "") + text
            return bool(text)
        if kind == "input_json_delta":
            piece = str(delta.get("partial_json") or "")
            self.partial.setdefault(index, []).append(piece)
            return bool(piece)
        if kind == "thinking_delta":
            block["thinking"] = str(block.get("thinking") or "") + str(delta.get("thinking") or "")
        elif kind == "signature_delta":
            block["signature"] = delta.get("signature")
        elif kind == "citations_delta":
            cites = block.get("citations")
            block["citations"] = [
                *(cites if isinstance(cites, list) else []),
                delta.get("citation"),
            ]
        return False

    def _close_block(self, index: int) -> None:
        pieces = self.partial.pop(index, None)
        if pieces is None or index not in self.blocks:
            return
        raw = "".join(pieces)
        if not raw.strip():
            return  # no input streamed: keep the block's own input ({} for no arguments)
        try:
            self.blocks[index]["input"] = json.loads(raw)
        except ValueError:
            self.blocks[index]["input"] = raw  # invalid JSON stays visible to tool_call checks

    def body(self) -> dict[str, Any] | None:
        for index in list(self.partial):
            self._close_block(index)
        if self.message is None and not self.blocks:
            return None
        body = dict(self.message or {"type": "message", "role": "assistant"})
        body.setdefault("type", "message")
        body.setdefault("role", "assistant")
        body["content"] = [self.blocks[i] for i in sorted(self.blocks)]
        body.setdefault("stop_reason", None)
        body["usage"] = dict(self.usage) if self.usage else body.get("usage")
        return body


_ASSEMBLERS: dict[str, type[_ChatAssembler | _ResponsesAssembler | _MessagesAssembler]] = {
    "chat": _ChatAssembler,
    "responses": _ResponsesAssembler,
    "messages": _MessagesAssembler,
}


# -- the reader --------------------------------------------------------------------------------


def _error_entry(err: Any, event: str | None) -> dict[str, Any]:
    if isinstance(err, dict):
        message = err.get("message")
        return {
            "message": str(message if message is not None else json.dumps(err))[:500],
            "code": err.get("code"),
            "type": err.get("type") if err.get("type") != "error" else None,
            "event": event,
        }
    return {"message": str(err)[:500], "code": None, "type": None, "event": event}


def _in_band_error(obj: dict[str, Any], name: str | None) -> dict[str, Any] | None:
    """An error event (`event: error`, `type: error`) or an error inside a chunk (OpenRouter)."""
    if name == "error" or obj.get("type") == "error":
        inner = obj.get("error")
        return _error_entry(inner if isinstance(inner, dict) else obj, name or "error")
    err = obj.get("error")
    if err:  # a non-empty error field inside a data chunk
        return _error_entry(err, name)
    return None


class StreamReader:
    """Incremental: SSE parser + the endpoint's assembler + statistics."""

    def __init__(self, endpoint: str = "chat") -> None:
        self.endpoint = endpoint if endpoint in _ASSEMBLERS else "chat"
        self.parser = SSEParser()
        self.assembler = _ASSEMBLERS[self.endpoint]()
        self.stats = StreamStats(endpoint=self.endpoint)
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
        if data == "[DONE]":
            stats.terminator = stats.terminator or "[DONE]"
            return 0
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            if not event.complete and obj is None:
                stats.truncated_tail = True  # cut inside the last event: a cut, not malformed
                return 0
            stats.malformed += 1
            if stats.first_malformed is None:
                stats.first_malformed = data[:_EXCERPT]
            if stats.html is None and looks_html(data):
                stats.html = data[:_EXCERPT]
            return 0
        stats.json_events += 1
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


def assemble(
    endpoint: str, body: bytes | str, chunks: list[tuple[float, bytes]] | None = None
) -> StreamResult:
    """A whole recorded stream -> StreamResult. With `chunks` ((offset, bytes) as recorded),
    content times are the recorded offsets; otherwise the body is read at once (no times)."""
    reader = StreamReader(endpoint)
    if chunks:
        for offset, chunk in chunks:
            reader.feed(chunk, offset)
    else:
        reader.feed(body.encode("utf-8") if isinstance(body, str) else bytes(body))
    return reader.close()
