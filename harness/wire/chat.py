"""Chat completions, both directions: canonical request -> wire body, success body -> Normalized.

The canonical request is already in this spelling; two protocols (wire/protocols.py) rewrite a
few fields:

    mistral chat:  tool_choice "required" -> "any"; seed -> random_seed;
                   image parts {"type": "image_url", "image_url": "<url>"} (a plain string)
    openai chat:   tool_choice "any" -> "required"; image parts {"image_url": {"url": ...}}
                   (every other OpenAI-compatible dialect: OpenRouter, gateways, ...)

Every other canonical field is sent as written; nothing is dropped.

Wire -> canonical (`openai_chat_to_canonical`, `mistral_chat_to_canonical`, the shadow proxy's
direction): the body is already nearly canonical:

    model                          left out (the mirror sets the target's)
    mistral tool_choice "any"      -> "required" (noted)
    mistral random_seed            -> seed (noted)
    mistral safe_prompt, prompt_mode -> not sent, noted (no other API has them)
    image parts, either dialect    -> {"type": "image_url", "image_url": {"url", "detail"?}}
    tool_calls                     -> {"id", "type": "function", "function": {"name",
                                       "arguments": JSON text}} (Mistral's object arguments
                                       dumped; other keys of a call, Mistral's index, left out)
    CANONICAL_FIELDS               as they are (stop, tools, tool_choice, response_format held
                                   to their shapes: anything else is left out, noted)
    any other field                -> `extra`, noted (sent as is to another chat dialect)
    a message without a role, a non-object part or tool call -> left out, noted

A success body is a `chat.completion`: choice 0's message gives content (a string, or the text
parts of a list), tool calls (`function.arguments` as JSON text; the legacy `function_call`
too) and finish reason as sent; usage counts cached prompt tokens under any of the three
spellings providers use (prompt_tokens_details, Mistral's prompt_token_details,
num_cached_tokens).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from harness.core.models import Normalized, ToolCall, Usage
from harness.wire.canonical import (
    CANONICAL_FIELDS,
    HARNESS_KEYS,
    conversation,
    extra_fields,
    keep_extra,
    sane_fields,
)
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


# -- wire request -> canonical ----------------------------------------------------------------

# Mistral request fields no other API has: not carried (a Mistral mirror keeps the body as is)
MISTRAL_ONLY = {
    "safe_prompt": "Mistral's safety prompt switch; no other API has it",
    "prompt_mode": "Mistral's reasoning prompt mode; no other API has it",
}


def openai_chat_to_canonical(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """An OpenAI-compatible chat request -> (canonical request, notes). Never raises."""
    return chat_to_canonical(body, {})


def mistral_chat_to_canonical(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A Mistral chat request -> (canonical request, notes). Never raises."""
    if not isinstance(body, dict):
        return chat_to_canonical(body, MISTRAL_ONLY)
    body = dict(body)
    notes: list[str] = []
    if "random_seed" in body:
        seed = body.pop("random_seed")
        if "seed" in body:
            notes.append("random_seed: not sent (the body also has seed)")
        else:
            body["seed"] = seed
            notes.append("random_seed -> seed")
    if body.get("tool_choice") == "any":
        body["tool_choice"] = "required"
        notes.append("tool_choice: any -> required")
    request, more = chat_to_canonical(body, MISTRAL_ONLY)
    return request, notes + more


def chat_to_canonical(
    body: dict[str, Any], only: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """A chat request of any dialect -> (canonical request, notes); `only`: the dialect's
    fields that are not carried, and why."""
    notes: list[str] = []
    if not isinstance(body, dict):
        return {"messages": []}, ["body: not a JSON object, mirrored as an empty request"]
    request: dict[str, Any] = {"messages": chat_messages(body.get("messages"), notes)}
    for key, value in body.items():
        if key in ("model", "messages"):
            continue
        if key in only:
            notes.append(f"{key}: not sent ({only[key]})")
        elif key in CANONICAL_FIELDS:
            request[key] = copy.deepcopy(value)
        else:
            keep_extra(request, key, value, notes)
    return sane_fields(request, notes), notes


def chat_messages(raw: Any, notes: list[str]) -> list[dict[str, Any]]:
    """Wire chat messages (either dialect) -> canonical messages; what cannot be, noted."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        notes.append("messages: not sent (not a list)")
        return []
    out: list[dict[str, Any]] = []
    for i, raw_message in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(raw_message, dict) or not isinstance(raw_message.get("role"), str):
            notes.append(f"{where}: not sent (not a message with a role)")
            continue
        message = copy.deepcopy(raw_message)
        if "content" in message:
            message["content"] = _content(message["content"], where, notes)
        if "tool_calls" in message:
            calls = _calls(message.pop("tool_calls"), where, notes)
            if calls:
                message["tool_calls"] = calls
        out.append(message)
    return out


def _content(content: Any, where: str, notes: list[str]) -> Any:
    if content is None or isinstance(content, str):
        return content
    if not isinstance(content, list):
        notes.append(f"{where}.content: not sent (not text or a list of parts)")
        return ""
    parts: list[Any] = []
    for j, part in enumerate(content):
        if isinstance(part, str):
            parts.append({"type": "text", "text": part})
        elif not isinstance(part, dict):
            notes.append(f"{where}.content[{j}]: not sent (not a content part)")
        elif part.get("type") == "image_url":
            parts.append(openai_chat_image_part(part))
        else:
            parts.append(part)
    return parts


def _calls(raw: Any, where: str, notes: list[str]) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        notes.append(f"{where}.tool_calls: not sent (not a list)")
        return []
    calls = []
    for j, call in enumerate(raw):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict):
            notes.append(f"{where}.tool_calls[{j}]: not sent (no function)")
            continue
        calls.append(
            {
                "id": call.get("id"),
                "type": "function",
                "function": {
                    "name": str(fn.get("name") or ""),
                    "arguments": args_text(fn.get("arguments")),
                },
            }
        )
    return calls


# -- success bodies ----------------------------------------------------------------------------


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
