"""The canonical request (OpenAI chat spelling) as every endpoint's translator reads it.

    conversation(request)      the messages to send: a copy, `system` prepended as a system
                               message, `images` attached to the last user message
    dropped_notes(request, e)  what the case asks for that endpoint `e` cannot carry: each such
                               field is left out of the body and named in a note (the row's
                               `request_notes`), never silently lost and never a usage error

Pure functions, no I/O (image files are read before, by wire.images.resolve_images).
"""

from __future__ import annotations

import copy
from typing import Any

from harness.wire.images import attach_images

# Keys of the canonical request that are harness options, not wire parameters.
HARNESS_KEYS = frozenset({"endpoint", "auth", "extra", "body", "system", "images"})

# Anthropic requires max_tokens; a case that sets none gets this, with a note saying so.
DEFAULT_MESSAGES_MAX_TOKENS = 1024

# endpoint -> canonical field -> why it is not sent. Chat carries every canonical field.
DROPPED: dict[str, dict[str, str]] = {
    "responses": {
        "stop": "the Responses API has no stop sequences",
        "seed": "the Responses API has no seed",
        "n": "the Responses API returns one answer",
        "presence_penalty": "the Responses API has no presence_penalty",
        "frequency_penalty": "the Responses API has no frequency_penalty",
        "logprobs": "Responses asks for logprobs with include/top_logprobs; use extra",
        "stream_options": "Responses reports usage in response.completed, unasked",
    },
    "messages": {
        "seed": "the Messages API has no seed",
        "n": "the Messages API returns one answer",
        "presence_penalty": "the Messages API has no presence_penalty",
        "frequency_penalty": "the Messages API has no frequency_penalty",
        "logprobs": "the Messages API has no logprobs",
        "stream_options": "Messages streams report usage in message_delta, unasked",
        "reasoning_effort": "no equivalent field on messages; use extra, e.g. thinking",
        "metadata": "Messages metadata only takes user_id (set by `user`)",
    },
}


def dropped_notes(request: dict[str, Any], endpoint: str) -> list[str]:
    """One line per canonical field the endpoint does not carry (empty for chat)."""
    table = DROPPED.get(endpoint)
    if not table:
        return []
    notes = [f"{key}: not sent ({why})" for key, why in table.items() if key in request]
    if endpoint == "messages":
        if "max_tokens" not in request and "max_completion_tokens" not in request:
            notes.append(
                f"max_tokens: not in the case, sent {DEFAULT_MESSAGES_MAX_TOKENS} "
                "(required by messages)"
            )
        fmt = request.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "text"):
            notes.append(
                f"response_format {fmt.get('type')}: not sent (messages only has "
                "output_config.format json_schema)"
            )
    if endpoint in ("responses", "messages"):
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
