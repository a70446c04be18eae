"""OpenAI Responses streams -> the `response` object a non-stream call returns.

    event: response.created / .in_progress / .queued      a snapshot of the response so far
    event: response.output_item.added / .done             an output item (message, function_call)
    event: response.content_part.added                    a content part of a message item
    event: response.output_text.delta / .done             answer text
    event: response.function_call_arguments.delta / .done tool-call arguments
    event: response.refusal.delta                         a refusal (content, for timing)
    event: response.completed / .incomplete / .failed     the whole response (usage included);
                                                          the terminator (no [DONE])
    event: error                                          a failure (the reader records it)

Each event kind has its handler in `_HANDLERS` (an unknown kind is ignored, as a client would).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.wire.stream_stats import StreamStats, error_entry

TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
_SNAPSHOT_EVENTS = ("response.created", "response.in_progress", "response.queued")


class ResponsesAssembler:
    """The Responses stream's events, merged into output items by `output_index`."""

    def __init__(self) -> None:
        self.snapshot: dict[str, Any] | None = None  # last response object seen
        self.final: dict[str, Any] | None = None
        self.items: dict[int, dict[str, Any]] = {}

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        kind = obj.get("type") or name
        if kind in TERMINAL_EVENTS:
            self._terminal(obj, str(kind), stats)
            return False
        if kind in _SNAPSHOT_EVENTS:
            if isinstance(obj.get("response"), dict):
                self.snapshot = obj["response"]
            return False
        handler = _HANDLERS.get(str(kind))
        return handler(self, obj) if handler is not None else False

    def _terminal(self, obj: dict[str, Any], kind: str, stats: StreamStats) -> None:
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
                stats.errors.append(error_entry(err, kind))
        if stats.terminator is None:
            stats.terminator = kind

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

    def _output_item(self, obj: dict[str, Any]) -> bool:
        item = obj.get("item")
        index = obj.get("output_index", len(self.items))
        if isinstance(item, dict) and isinstance(index, int):
            self.items[index] = json.loads(json.dumps(item))  # a private copy
        return False

    def _content_part(self, obj: dict[str, Any]) -> bool:
        part = obj.get("part")
        if isinstance(part, dict):
            self._part(obj).update(part)
        return False

    def _text_delta(self, obj: dict[str, Any]) -> bool:
        delta = obj.get("delta")
        if isinstance(delta, str) and delta:
            part = self._part(obj)
            part["text"] = str(part.get("text") or "") + delta
            return True
        return False

    def _text_done(self, obj: dict[str, Any]) -> bool:
        if isinstance(obj.get("text"), str):
            self._part(obj)["text"] = obj["text"]
        return False

    def _arguments_delta(self, obj: dict[str, Any]) -> bool:
        item = self._item(obj, "function_call")
        item["arguments"] = str(item.get("arguments") or "") + str(obj.get("delta") or "")
        return True

    def _arguments_done(self, obj: dict[str, Any]) -> bool:
        if isinstance(obj.get("arguments"), str):
            self._item(obj, "function_call")["arguments"] = obj["arguments"]
        return False

    def _refusal_delta(self, obj: dict[str, Any]) -> bool:
        return True

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


# event type -> handler: True when the event carried content
_HANDLERS: dict[str, Callable[[ResponsesAssembler, dict[str, Any]], bool]] = {
    "response.output_item.added": ResponsesAssembler._output_item,
    "response.output_item.done": ResponsesAssembler._output_item,
    "response.content_part.added": ResponsesAssembler._content_part,
    "response.output_text.delta": ResponsesAssembler._text_delta,
    "response.output_text.done": ResponsesAssembler._text_done,
    "response.function_call_arguments.delta": ResponsesAssembler._arguments_delta,
    "response.function_call_arguments.done": ResponsesAssembler._arguments_done,
    "response.refusal.delta": ResponsesAssembler._refusal_delta,
}
