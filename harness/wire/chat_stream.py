"""Chat-completions streams (OpenAI, Mistral, OpenRouter) -> a `chat.completion` body.

    data: {chat.completion.chunk} ... data: [DONE]

Content deltas are strings, or (Mistral reasoning) lists of parts whose `thinking` parts are
kept apart as `reasoning`; tool-call fragments accumulate by `index` (OpenAI splits the
arguments over many deltas; Mistral sends a whole call, sometimes without `index`, in one);
usage comes on the last content chunk (Mistral) or on an extra `choices: []` chunk (OpenAI
with `stream_options.include_usage`); OpenRouter may put an `error` inside a chunk (the reader
records it). The `[DONE]` terminator is not JSON: the reader handles it (the protocol's
sentinel), so this assembler never sees it.
"""

from __future__ import annotations

import json
from typing import Any

from harness.wire.stream_stats import StreamStats

_HEAD_KEYS = ("id", "created", "model", "system_fingerprint", "service_tier", "provider")


class _ChatChoice:
    """One choice being assembled: role, content, reasoning, refusal, tool calls, finish."""

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


class ChatAssembler:
    """The chat stream's chunks, merged per choice."""

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
