"""Chat completions, both directions: canonical request -> wire body, success body -> Normalized.

The canonical request is already in this spelling; two protocols (wire/protocols.py) rewrite a
few fields:

    mistral chat:  tool_choice "required" -> "any"; seed -> random_seed;
                   image parts {"type": "image_url", "image_url": "<url>"} (a plain string)
    openai chat:   tool_choice "any" -> "required"; image parts {"image_url": {"url": ...}}
                   (every other OpenAI-compatible dialect: OpenRouter, gateways, ...)

Every other canonical field is sent as written; nothing is dropped.

A success body is a `chat.completion`: choice 0's message gives content (a string, or the text
parts of a list), tool calls (`function.arguments` as JSON text; the legacy `function_call`
too) and finish reason as sent; usage counts cached prompt tokens under any of the three
spellings providers use (prompt_tokens_details, Mistral's prompt_token_details,
num_cached_tokens).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from harness.core.models import Normalized, ToolCall, Usage
from harness.wire.canonical import HARNESS_KEYS, conversation, extra_fields
from harness.wire.fields import args_text, dig, first_int, int_or_none, parts_text, str_or_none
from harness.wire.images import mistral_chat_image_part, openai_chat_image_part

ImagePart = Callable[[dict[str, Any]], dict[str, Any]]


def chat_body(request: dict[str, Any], model: str, image_part: ImagePart) -> dict[str, Any]:
    """The chat body before any dialect rewrite: messages (image parts in the dialect's form)
    and every other canonical field as written."""
    body: dict[str, Any] = {"model": model}
    messages = conversation(request)
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = [
                image_part(p) if isinstance(p, dict) and p.get("type") == "image_url" else p
                for p in content
            ]
    body["messages"] = messages
    for key, value in request.items():
        if key in HARNESS_KEYS or key == "messages":
            continue
        body[key] = copy.deepcopy(value)
    return body


def translate_openai_chat(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """The OpenAI-compatible chat body (pure, no I/O)."""
    body = chat_body(request, model, openai_chat_image_part)
    if body.get("tool_choice") == "any":
        body["tool_choice"] = "required"
    return extra_fields(body, request)


def translate_mistral_chat(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """The Mistral chat body (pure, no I/O)."""
    body = chat_body(request, model, mistral_chat_image_part)
    if body.get("tool_choice") == "required":
        body["tool_choice"] = "any"
    if "seed" in body:
        body["random_seed"] = body.pop("seed")
    return extra_fields(body, request)


def normalize_chat(body: dict[str, Any]) -> Normalized | None:
    """A `chat.completion` body -> Normalized (choice 0), None without a choices list."""
    choices = body.get("choices")
    if not isinstance(choices, list):
        return None
    choice: dict[str, Any] = {}
    for item in choices:
        if isinstance(item, dict):
            if item.get("index", 0) == 0:
                choice = item
                break
            choice = choice or item
    raw_message = choice.get("message")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    return Normalized(
        content=parts_text(message.get("content")),
        tool_calls=_tool_calls(message),
        finish_reason=str_or_none(choice.get("finish_reason")),
        usage=_usage(body.get("usage")),
        model=str_or_none(body.get("model")),
        response_id=str_or_none(body.get("id")),
    )


def _tool_calls(message: dict[str, Any]) -> list[ToolCall]:
    calls: list[ToolCall] = []
    for call in message.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        raw_fn = call.get("function")
        fn: dict[str, Any] = raw_fn if isinstance(raw_fn, dict) else {}
        calls.append(
            ToolCall(
                name=str(fn.get("name") or ""),
                arguments=args_text(fn.get("arguments")),
                id=str_or_none(call.get("id")),
            )
        )
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and not calls:
        calls.append(ToolCall(str(legacy.get("name") or ""), args_text(legacy.get("arguments"))))
    return calls


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(
        prompt_tokens=int_or_none(usage.get("prompt_tokens")),
        completion_tokens=int_or_none(usage.get("completion_tokens")),
        total_tokens=int_or_none(usage.get("total_tokens")),
        cached_prompt_tokens=first_int(
            dig(usage, "prompt_tokens_details", "cached_tokens"),
            dig(usage, "prompt_token_details", "cached_tokens"),
            usage.get("num_cached_tokens"),
        ),
        reasoning_tokens=int_or_none(dig(usage, "completion_tokens_details", "reasoning_tokens")),
        raw=usage,
    )
