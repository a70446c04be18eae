"""``/v1/responses`` answers in the real OpenAI Responses shape: the response object and its
stream events (chatlas / pydantic-ai cassettes, 2026).

The response object carries the real top-level keys in their wire order, echoing the request
(instructions, tools, tool_choice, text.format, temperature, ...). Output items: a ``message``
(``output_text`` part with ``annotations`` and ``logprobs``) or ``function_call`` items.
``max_output_tokens`` reached gives ``status: "incomplete"`` with ``incomplete_details:
{"reason": "max_output_tokens"}`` and a ``response.incomplete`` final event.

Stream: ``event: <type>`` + ``data: {json}`` pairs, each with a growing ``sequence_number``;
keys after ``type`` are sorted as OpenAI sends them; no ``[DONE]``. OpenAI's ``obfuscation``
padding is not imitated (the gateway is not OpenAI; parsers must ignore it anyway).
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from harness.sim.generate import Generation
from harness.sim.request import ChatRequest
from harness.sim.responses import pieces, tool_call_id
from harness.sim.streaming import Event

ARG_PIECE = 8  # characters of tool-call arguments per delta event


@dataclass
class ResponseIds:
    """``resp_``, ``msg_`` and ``fc_`` ids share a 16-hex prefix, as real ones do."""

    base: str
    created: int

    @classmethod
    def new(cls) -> ResponseIds:
        return cls(secrets.token_hex(8), int(time.time()))

    def make(self, prefix: str) -> str:
        return f"{prefix}_{self.base}{secrets.token_hex(17)}"


def _tool_echo(tool: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "description": tool.get("description"),
        "name": tool["name"],
        "parameters": tool.get("parameters") or {},
        "strict": tool.get("strict", True),
    }


def _text_echo(raw: dict[str, Any]) -> dict[str, Any]:
    text = raw.get("text") or {}
    fmt = copy.deepcopy(text.get("format") or {"type": "text"})
    if fmt.get("type") == "json_schema":
        fmt = {
            "type": "json_schema",
            "description": fmt.get("description"),
            "name": fmt.get("name"),
            "schema": fmt.get("schema"),
            "strict": fmt.get("strict", False),
        }
    return {"format": fmt, "verbosity": text.get("verbosity") or "medium"}


def usage(gen: Generation) -> dict[str, Any]:
    return {
        "input_tokens": gen.prompt_tokens,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": gen.cached_tokens},
        "output_tokens": gen.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": gen.prompt_tokens + gen.completion_tokens,
    }


def response_object(
    req: ChatRequest,
    ids: ResponseIds,
    rid: str,
    output: list[dict[str, Any]],
    gen: Generation | None,
) -> dict[str, Any]:
    """The response object; ``gen`` None gives the in-progress form (no usage, no output)."""
    raw = req.raw
    incomplete = gen is not None and _incomplete(gen)
    status = "in_progress" if gen is None else ("incomplete" if incomplete else "completed")
    return {
        "id": rid,
        "object": "response",
        "created_at": ids.created,
        "status": status,
        "background": bool(raw.get("background", False)),
        "billing": {"payer": "developer"},
        "completed_at": None if gen is None else int(time.time()),
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": raw.get("instructions"),
        "max_output_tokens": raw.get("max_output_tokens"),
        "max_tool_calls": raw.get("max_tool_calls"),
        "model": req.model,
        "moderation": None,
        "output": output,
        "parallel_tool_calls": raw.get("parallel_tool_calls", True),
        "presence_penalty": 0.0,
        "previous_response_id": raw.get("previous_response_id"),
        "prompt_cache_key": raw.get("prompt_cache_key"),
        "prompt_cache_retention": raw.get("prompt_cache_retention") or "in_memory",
        "reasoning": _reasoning_echo(raw),
        "safety_identifier": raw.get("safety_identifier"),
        "service_tier": _service_tier(raw.get("service_tier"), done=gen is not None),
        "store": raw.get("store", True),
        "temperature": float(raw["temperature"]) if raw.get("temperature") is not None else 0.7,
        "text": _text_echo(raw),
        "tool_choice": raw.get("tool_choice") or "auto",
        "tool_usage": _tool_usage(req),
        "tools": [_tool_echo(t) for t in raw.get("tools") or []],
        "top_logprobs": raw.get("top_logprobs") or 0,
        "top_p": float(raw["top_p"]) if raw.get("top_p") is not None else 1.0,
        "truncation": raw.get("truncation") or "disabled",
        "usage": None if gen is None else usage(gen),
        "user": raw.get("user"),
        "metadata": raw.get("metadata") or {},
    }


def _reasoning_echo(raw: dict[str, Any]) -> dict[str, Any]:
    """The request's reasoning settings as the response echoes them (effort "none" if unset)."""
    reasoning = raw.get("reasoning") or {}
    return {
        "context": "current_turn",
        "effort": reasoning.get("effort") or "none",
        "mode": "standard",
        "summary": reasoning.get("summary"),
    }


def _service_tier(tier: str | None, *, done: bool) -> str | None:
    """The tier asked for while in progress ("auto" if none); the tier that served it after
    ("auto" or none resolves to "default")."""
    if not done:
        return tier or "auto"
    return tier if tier not in (None, "auto") else "default"


def _tool_usage(req: ChatRequest) -> dict[str, Any]:
    """Built-in tool usage: no image generation; one web search when the request asked."""
    return {
        "image_gen": {
            "input_tokens": 0,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 0},
            "output_tokens": 0,
            "output_tokens_details": {"image_tokens": 0, "text_tokens": 0},
            "total_tokens": 0,
        },
        "web_search": {"num_requests": 1 if req.web_search else 0},
    }


def _incomplete(gen: Generation) -> bool:
    return gen.choices[0].finish_reason == "length"


def output_items(req: ChatRequest, gen: Generation, ids: ResponseIds) -> list[dict[str, Any]]:
    """The final output items (ids fixed here, reused by the stream)."""
    choice = gen.choices[0]
    if choice.tool_calls:
        return [
            {
                "id": ids.make("fc"),
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments,
                "call_id": tool_call_id("openai"),
                "name": call.name,
            }
            for call in choice.tool_calls
        ]
    status = "incomplete" if _incomplete(gen) else "completed"
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": choice.content}
    message = {
        "id": ids.make("msg"),
        "type": "message",
        "status": status,
        "content": [part],
        "phase": "final_answer",
        "role": "assistant",
    }
    return [message]


def history_of(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The output as chat-form messages, for a later ``previous_response_id``."""
    calls = [
        {
            "id": item["call_id"],
            "type": "function",
            "function": {"name": item["name"], "arguments": item["arguments"]},
        }
        for item in output
        if item["type"] == "function_call"
    ]
    if calls:
        return [{"role": "assistant", "content": None, "tool_calls": calls}]
    text = "".join(p["text"] for item in output for p in item.get("content", []))
    return [{"role": "assistant", "content": text}]


def encode(body: dict[str, Any]) -> bytes:
    """Non-streamed bodies are pretty-printed with 2 spaces, like chat's."""
    return json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8")


def events(
    req: ChatRequest, gen: Generation, ids: ResponseIds, rid: str, output: list[dict[str, Any]]
) -> list[Event]:
    """Every event of the streamed answer, in order (no terminator line: the last event is
    ``response.completed`` / ``response.incomplete``)."""
    out: list[Event] = []

    def emit(kind: str, content: bool = False, **fields: Any) -> None:
        data = {"type": kind, **dict(sorted({**fields, "sequence_number": len(out)}.items()))}
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        out.append(Event(f"event: {kind}\ndata: {text}\n\n", content))

    emit("response.created", response=response_object(req, ids, rid, [], None))
    emit("response.in_progress", response=response_object(req, ids, rid, [], None))
    for index, item in enumerate(output):
        if item["type"] == "function_call":
            started = {**item, "status": "in_progress", "arguments": ""}
            emit("response.output_item.added", item=started, output_index=index)
            args = item["arguments"]
            for start in range(0, len(args), ARG_PIECE):
                emit(
                    "response.function_call_arguments.delta",
                    True,
                    delta=args[start : start + ARG_PIECE],
                    item_id=item["id"],
                    output_index=index,
                )
            emit(
                "response.function_call_arguments.done",
                arguments=args,
                item_id=item["id"],
                output_index=index,
            )
        else:
            started = {**item, "status": "in_progress", "content": []}
            emit("response.output_item.added", item=started, output_index=index)
            part = item["content"][0]
            where = {"content_index": 0, "item_id": item["id"], "output_index": index}
            emit("response.content_part.added", part={**part, "text": ""}, **where)
            for piece in pieces(part["text"]) if part["text"] else []:
                emit("response.output_text.delta", True, delta=piece, logprobs=[], **where)
            emit("response.output_text.done", logprobs=[], text=part["text"], **where)
            emit("response.content_part.done", part=part, **where)
        emit("response.output_item.done", item=item, output_index=index)
    final = response_object(req, ids, rid, output, gen)
    kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    emit(kind, response=final)
    return out
