"""``/v1/messages`` answers in Anthropic's real shape: the message and its stream events
(chatlas and pydantic-ai cassettes, 2025-12 .. 2026-05).

Message keys in wire order: model, id (``msg_01`` + 22), type, role, content (``text`` /
``tool_use`` blocks with ``toolu_01`` ids and an object ``input``), stop_reason (``end_turn``,
``max_tokens``, ``stop_sequence``, ``tool_use``), stop_sequence, stop_details, usage
(input_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation{…},
output_tokens, service_tier, inference_geo; no total).

Stream: ``event: <type>`` + ``data: {json}`` with the real padding (spaces before the closing
brace), in the real order: message_start, content_block_start, ping, content_block_delta
(``text_delta`` / ``input_json_delta``)…, content_block_stop, message_delta (stop_reason and
cumulative usage), message_stop. No ``[DONE]``.
"""

from __future__ import annotations

import json
import random
import secrets
import string
from typing import Any

from harness.sim.generate import ChoiceOut, Generation
from harness.sim.request import ChatRequest
from harness.sim.responses import pieces
from harness.sim.streaming import Event

ALNUM = string.ascii_letters + string.digits
ARG_PIECE = 8
STOP_REASONS = {"tool_calls": "tool_use", "length": "max_tokens"}


def anthropic_id(prefix: str) -> str:
    """``msg_01…`` / ``toolu_01…``: "01" and 22 base-62 characters, like real ids."""
    return f"{prefix}_01{''.join(secrets.choice(ALNUM) for _ in range(22))}"


def stop_reason(choice: ChoiceOut) -> str:
    if choice.finish_reason in STOP_REASONS:
        return STOP_REASONS[choice.finish_reason]
    return "stop_sequence" if choice.stop_sequence else "end_turn"


def usage(gen: Generation) -> dict[str, Any]:
    """Anthropic counts cache reads apart from ``input_tokens``."""
    return {
        "input_tokens": gen.prompt_tokens - gen.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": gen.cached_tokens,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": gen.completion_tokens,
        "service_tier": "standard",
        "inference_geo": "not_available",
    }


def content_blocks(gen: Generation) -> list[dict[str, Any]]:
    choice = gen.choices[0]
    if choice.tool_calls:
        return [
            {
                "type": "tool_use",
                "id": anthropic_id("toolu"),
                "name": call.name,
                "input": json.loads(call.arguments),
            }
            for call in choice.tool_calls
        ]
    return [{"type": "text", "text": choice.content}]


def message(req: ChatRequest, gen: Generation, mid: str, blocks: list[Any]) -> dict[str, Any]:
    choice = gen.choices[0]
    return {
        "model": req.model,
        "id": mid,
        "type": "message",
        "role": "assistant",
        "content": blocks,
        "stop_reason": stop_reason(choice),
        "stop_sequence": choice.stop_sequence,
        "stop_details": None,
        "usage": usage(gen),
    }


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def events(
    req: ChatRequest, gen: Generation, mid: str, blocks: list[Any], rng: random.Random
) -> list[Event]:
    """Every event of the streamed answer, ending with ``message_stop``."""
    out: list[Event] = []

    def emit(kind: str, data: dict[str, Any], content: bool = False, pad: bool = True) -> None:
        text = json.dumps({"type": kind, **data}, separators=(",", ":"), ensure_ascii=False)
        if pad:  # real data lines are padded with spaces before the closing brace
            text = text[:-1] + " " * rng.randint(0, 16) + "}"
        out.append(Event(f"event: {kind}\ndata: {text}\n\n", content))

    start = message(req, gen, mid, [])
    start.update(stop_reason=None, stop_sequence=None)
    start["usage"] = {**usage(gen), "output_tokens": 1}
    emit("message_start", {"message": start})
    for index, block in enumerate(blocks):
        if block["type"] == "tool_use":
            emit("content_block_start", {"index": index, "content_block": {**block, "input": {}}})
            parts = _json_pieces(block["input"])
            kind, field = "input_json_delta", "partial_json"
        else:
            emit(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
            parts = pieces(block["text"]) if block["text"] else []
            kind, field = "text_delta", "text"
        if index == 0:
            out.append(Event('event: ping\ndata: {"type": "ping"}\n\n', False))
        for part in parts:
            emit(
                "content_block_delta", {"index": index, "delta": {"type": kind, field: part}}, True
            )
        emit("content_block_stop", {"index": index})
    final = message(req, gen, mid, blocks)
    totals = {
        k: final["usage"][k]
        for k in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
        )
    }
    delta = {
        "stop_reason": final["stop_reason"],
        "stop_sequence": final["stop_sequence"],
        "stop_details": None,
    }
    emit("message_delta", {"delta": delta, "usage": totals})
    emit("message_stop", {})
    return out


def _json_pieces(value: Any) -> list[str]:
    """The tool input as JSON text in small fragments (the first real fragment is "")."""
    text = json.dumps(value, ensure_ascii=False)
    return [""] + [text[i : i + ARG_PIECE] for i in range(0, len(text), ARG_PIECE)]
