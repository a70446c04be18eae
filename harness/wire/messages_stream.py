"""Anthropic Messages streams -> the `message` object a non-stream call returns.

    message_start        id, model, input usage
    content_block_start  a text / tool_use / thinking block, with its id and name
    content_block_delta  text_delta, input_json_delta.partial_json, thinking_delta,
                         signature_delta, citations_delta
    content_block_stop   the block is complete (tool input JSON parsed here)
    message_delta        stop_reason and the cumulative usage (the last counts win)
    message_stop         the terminator
    ping, error          no content (the reader records errors)

Each event type has its handler in `_HANDLERS` (an unknown type is ignored, as a client would).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.core.jsonsafe import loads_bounded
from harness.wire.stream_stats import StreamStats

TERMINATOR = "message_stop"


class MessagesAssembler:
    """The Messages stream's events, merged into content blocks by `index`."""

    def __init__(self) -> None:
        self.message: dict[str, Any] | None = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial: dict[int, list[str]] = {}
        self.usage: dict[str, Any] = {}

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        kind = obj.get("type") or name
        index = obj.get("index", 0)
        index = index if isinstance(index, int) else 0
        handler = _HANDLERS.get(str(kind))
        return handler(self, obj, index, stats) if handler is not None else False

    def _start(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
        msg = obj.get("message")
        if isinstance(msg, dict):
            self.message = dict(msg)
            if isinstance(msg.get("usage"), dict):
                self.usage.update(msg["usage"])
                stats.usage_events += 1
        return False

    def _block_start(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
        block = obj.get("content_block")
        if not isinstance(block, dict):
            return False
        self.blocks[index] = dict(block)
        if block.get("type") in ("tool_use", "server_tool_use"):
            self.partial[index] = []
            return True
        return bool(block.get("text"))

    def _block_delta(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
        return self._delta(index, obj.get("delta"))

    def _block_stop(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
        self._close_block(index)
        return False

    def _message_delta(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
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

    def _stop(self, obj: dict[str, Any], index: int, stats: StreamStats) -> bool:
        if stats.terminator is None:
            stats.terminator = TERMINATOR
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
            self.blocks[index]["input"] = loads_bounded(raw)
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


_Handler = Callable[[MessagesAssembler, dict[str, Any], int, StreamStats], bool]
# event type -> handler: True when the event carried content
_HANDLERS: dict[str, _Handler] = {
    "message_start": MessagesAssembler._start,
    "content_block_start": MessagesAssembler._block_start,
    "content_block_delta": MessagesAssembler._block_delta,
    "content_block_stop": MessagesAssembler._block_stop,
    "message_delta": MessagesAssembler._message_delta,
    "message_stop": MessagesAssembler._stop,
}
