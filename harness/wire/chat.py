"""Chat completions: the canonical request is already in this spelling; dialects rewrite a few.

    mistral:   tool_choice "required" -> "any"; seed -> random_seed;
               image parts {"type": "image_url", "image_url": "<url>"} (a plain string)
    openai:    tool_choice "any" -> "required"; image parts {"image_url": {"url": ...}}

Every other canonical field is sent as written; nothing is dropped.
"""

from __future__ import annotations

import copy
from typing import Any

from harness.wire.canonical import HARNESS_KEYS, conversation, extra_fields
from harness.wire.images import chat_image_part


def translate_chat(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """The wire body for a canonical chat request in `dialect` (pure, no I/O)."""
    body: dict[str, Any] = {"model": model}
    messages = conversation(request)
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = [
                chat_image_part(p, dialect)
                if isinstance(p, dict) and p.get("type") == "image_url"
                else p
                for p in content
            ]
    body["messages"] = messages
    for key, value in request.items():
        if key in HARNESS_KEYS or key == "messages":
            continue
        body[key] = copy.deepcopy(value)
    if dialect == "mistral":
        _to_mistral(body)
    elif dialect == "openai":
        _to_openai(body)
    return extra_fields(body, request)


def _to_mistral(body: dict[str, Any]) -> None:
    if body.get("tool_choice") == "required":
        body["tool_choice"] = "any"
    if "seed" in body:
        body["random_seed"] = body.pop("seed")


def _to_openai(body: dict[str, Any]) -> None:
    if body.get("tool_choice") == "any":
        body["tool_choice"] = "required"
