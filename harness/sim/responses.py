"""Success bodies and SSE chunks in each dialect's real shape.

Mistral (raw key order of real bodies): ``{"id": 32 hex, "created", "model", "usage", "object":
"chat.completion", "choices": [{"index", "finish_reason", "message": {"role", "tool_calls",
"content"}}]}``; tool calls ``{"id": 9 alnum, "function": {...}, "index": 0}`` without "type",
``content: ""`` beside them; usage ``prompt_tokens_details.cached_tokens`` (mid-2026 form).

OpenAI: ``chatcmpl-…`` ids, ``message.refusal`` / ``annotations``, ``logprobs: null``,
``call_…`` tool ids with ``type: "function"`` and ``content: null``, the full usage details,
``service_tier`` and ``system_fingerprint``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from typing import Any

from harness.sim.generate import ChoiceOut, Generation
from harness.sim.request import ChatRequest
from harness.sim.streaming import Event

ALNUM = string.ascii_letters + string.digits
PADDING = string.ascii_lowercase + string.digits


def _alnum(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


@dataclass
class Ids:
    """Identifiers of one answer."""

    id: str
    created: int
    fingerprint: str

    @classmethod
    def new(cls, req: ChatRequest) -> Ids:
        rid = uuid.uuid4().hex if req.dialect == "mistral" else f"chatcmpl-{_alnum(29)}"
        fp = "fp_" + hashlib.sha256(req.model.encode()).hexdigest()[:10]
        return cls(rid, int(time.time()), fp)


def tool_call_id(dialect: str) -> str:
    return _alnum(9) if dialect == "mistral" else f"call_{_alnum(24)}"


def usage(req: ChatRequest, gen: Generation) -> dict[str, Any]:
    total = gen.prompt_tokens + gen.completion_tokens
    if req.dialect == "mistral":
        return {
            "prompt_tokens": gen.prompt_tokens,
            "total_tokens": total,
            "completion_tokens": gen.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": gen.cached_tokens},
        }
    return {
        "prompt_tokens": gen.prompt_tokens,
        "completion_tokens": gen.completion_tokens,
        "total_tokens": total,
        "prompt_tokens_details": {"cached_tokens": gen.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _calls(req: ChatRequest, choice: ChoiceOut) -> list[dict[str, Any]]:
    out = []
    for i, call in enumerate(choice.tool_calls):
        fn = {"name": call.name, "arguments": call.arguments}
        if req.dialect == "mistral":
            out.append({"id": tool_call_id("mistral"), "function": fn, "index": i})
        else:
            out.append({"id": tool_call_id("openai"), "type": "function", "function": fn})
    return out


def completion(req: ChatRequest, gen: Generation, ids: Ids) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object."""
    if req.dialect == "mistral":
        choices = [
            {
                "index": c.index,
                "finish_reason": c.finish_reason,
                "message": {
                    "role": "assistant",
                    "tool_calls": _calls(req, c) or None,
                    "content": c.content,
                },
            }
            for c in gen.choices
        ]
        return {
            "id": ids.id,
            "created": ids.created,
            "model": req.model,
            "usage": usage(req, gen),
            "object": "chat.completion",
            "choices": choices,
        }
    out_choices = []
    for c in gen.choices:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if c.tool_calls else c.content,
        }
        if c.tool_calls:
            message["tool_calls"] = _calls(req, c)
        message.update({"refusal": None, "annotations": []})
        out_choices.append(
            {
                "index": c.index,
                "message": message,
                "logprobs": None,
                "finish_reason": c.finish_reason,
            }
        )
    return {
        "id": ids.id,
        "object": "chat.completion",
        "created": ids.created,
        "model": req.model,
        "choices": out_choices,
        "usage": usage(req, gen),
        "service_tier": "default",
        "system_fingerprint": ids.fingerprint,
    }


def encode_completion(req: ChatRequest, body: dict[str, Any]) -> bytes:
    """Mistral sends compact JSON; OpenAI pretty-prints with 2 spaces."""
    if req.dialect == "mistral":
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8")


def pieces(text: str) -> list[str]:
    """Split text into token-like deltas: each word with its leading whitespace."""
    return re.findall(r"\s*\S+|\s+$", text) or [text]


def chunks(req: ChatRequest, gen: Generation, ids: Ids, rng: random.Random) -> list[dict[str, Any]]:
    """Every ``chat.completion.chunk`` of a streamed answer, in order (without [DONE])."""
    if req.dialect == "mistral":
        return _mistral_chunks(req, gen, ids, rng)
    return _openai_chunks(req, gen, ids)


def _mistral_chunks(
    req: ChatRequest, gen: Generation, ids: Ids, rng: random.Random
) -> list[dict[str, Any]]:
    head = {
        "id": ids.id,
        "object": "chat.completion.chunk",
        "created": ids.created,
        "model": req.model,
    }

    def chunk(
        index: int, delta: dict[str, Any], finish: str | None, pad: bool = True
    ) -> dict[str, Any]:
        body = {**head, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
        if pad:  # anti-side-channel padding of random length (real since 2025)
            body["p"] = PADDING[: rng.randint(1, len(PADDING))]
        return body

    out: list[dict[str, Any]] = []
    for c in gen.choices:
        out.append(chunk(c.index, {"role": "assistant", "content": ""}, None, pad=False))
        if c.tool_calls:
            out.append(
                chunk(c.index, {"content": "", "tool_calls": _calls(req, c)}, c.finish_reason)
            )
            continue
        out.extend(chunk(c.index, {"content": p}, None) for p in pieces(c.content) if c.content)
        out.append(chunk(c.index, {"content": ""}, c.finish_reason))
    out[-1]["usage"] = usage(req, gen)
    if "p" in out[-1]:
        out[-1]["p"] = out[-1].pop("p")  # real chunks put "p" after "usage"
    return out


def _openai_chunks(req: ChatRequest, gen: Generation, ids: Ids) -> list[dict[str, Any]]:
    head = {
        "id": ids.id,
        "object": "chat.completion.chunk",
        "created": ids.created,
        "model": req.model,
        "service_tier": "default",
        "system_fingerprint": ids.fingerprint,
    }

    def chunk(index: int, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        body = {**head, "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
        if req.include_usage:
            body["usage"] = None
        return body

    out: list[dict[str, Any]] = []
    for c in gen.choices:
        if c.tool_calls:
            calls = _calls(req, c)
            for i, call in enumerate(calls):
                first = {
                    "index": i,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""},
                }
                delta: dict[str, Any] = {"tool_calls": [first]}
                if i == 0:
                    delta = {"role": "assistant", "content": None, **delta, "refusal": None}
                out.append(chunk(c.index, delta, None))
                args = call["function"]["arguments"]
                for start in range(0, len(args), 8):
                    part = {"index": i, "function": {"arguments": args[start : start + 8]}}
                    out.append(chunk(c.index, {"tool_calls": [part]}, None))
        else:
            out.append(chunk(c.index, {"role": "assistant", "content": "", "refusal": None}, None))
            out.extend(chunk(c.index, {"content": p}, None) for p in pieces(c.content) if c.content)
        out.append(chunk(c.index, {}, c.finish_reason))
    if req.include_usage:
        out.append({**head, "choices": [], "usage": usage(req, gen)})
    return out


def chat_events(req: ChatRequest, gen: Generation, ids: Ids, rng: random.Random) -> list[Event]:
    """The streamed chat answer as SSE frames, ``data: [DONE]`` last; a chunk whose delta
    carries text or tool calls is a content event."""
    out = []
    for chunk in chunks(req, gen, ids, rng):
        delta = chunk["choices"][0]["delta"] if chunk["choices"] else {}
        content = bool(delta.get("content")) or bool(delta.get("tool_calls"))
        text = json.dumps(chunk, separators=(",", ":"), ensure_ascii=False)
        out.append(Event(f"data: {text}\n\n", content))
    out.append(Event("data: [DONE]\n\n"))
    return out
