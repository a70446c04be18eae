"""The canonical request (OpenAI chat spelling) as every endpoint's translator reads it.

    conversation(request)      the messages to send: a copy, `system` prepended as a system
                               message, `images` attached to the last user message
    field_notes(request, t)    what the case asks for that a protocol cannot carry (`t`: its
                               table of dropped fields): each such field is left out of the
                               body and named in a note (the row's `request_notes`), never
                               silently lost and never a usage error

Pure functions, no I/O (image files are read before, by wire.images.resolve_images).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from harness.wire.images import attach_images

# Keys of the canonical request that are harness options, not wire parameters.
HARNESS_KEYS = frozenset({"endpoint", "auth", "extra", "body", "system", "images"})

def field_notes(request: dict[str, Any], dropped: Mapping[str, str]) -> list[str]:
    """One note per canonical field of `request` that a protocol does not carry (`dropped`:
    field -> why), in the table's order."""
    return [f"{key}: not sent ({why})" for key, why in dropped.items() if key in request]


def name_notes(request: dict[str, Any], endpoint: str) -> list[str]:
    """One note per message `name` (participant names), for protocols that have none."""
    notes = []
    for i, message in enumerate(request.get("messages") or []):
        if isinstance(message, dict) and "name" in message and message.get("role") != "tool":
            notes.append(f"messages[{i}].name: not sent (no participant names on {endpoint})")
    return notes


def conversation(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A copy of the case's messages with the `system` option and `images` folded in."""
    messages: list[dict[str, Any]] = copy.deepcopy(request.get("messages") or [])
    if request.get("system"):
        messages.insert(0, {"role": "system", "content": request["system"]})
    images = request.get("images")
    if images:
        attach_images(messages, list(images))
    return messages


def text_of(content: Any) -> str:
    """A message content as text: a string as is, the text parts of a list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text") or "")
            for p in content
            if isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text")
        )
    return ""


def function_of(tool: Any) -> dict[str, Any] | None:
    """The `function` mapping of a canonical function tool, or None for any other tool."""
    if (
        isinstance(tool, dict)
        and isinstance(tool.get("function"), dict)
        and tool.get("type", "function") == "function"
    ):
        return tool["function"]  # type: ignore[no-any-return]
    return None


def max_tokens_of(request: dict[str, Any]) -> Any:
    """max_completion_tokens (the newer spelling) if set, else max_tokens, else None."""
    if "max_completion_tokens" in request:
        return request["max_completion_tokens"]
    return request.get("max_tokens")


def extra_fields(body: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """`body` with the case's `extra` fields merged in untranslated (they win)."""
    for key, value in (request.get("extra") or {}).items():
        body[key] = copy.deepcopy(value)
    return body
