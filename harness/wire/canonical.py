"""The canonical request (OpenAI chat spelling) as every endpoint's translator reads it.

    conversation(request)      the messages to send: a copy, `system` prepended as a system
                               message, `images` attached to the last user message
    field_notes(request, t)    what the case asks for that a protocol cannot carry (`t`: its
                               table of dropped fields): each such field is left out of the
                               body and named in a note (the row's `request_notes`), never
                               silently lost and never a usage error

The other direction (a wire request -> canonical, each protocol's `to_canonical`) shares:

    CANONICAL_FIELDS           the wire fields of the canonical request: every translator
                               either carries each or names it in a note
    keep_extra(r, k, v, n)     a wire field with no canonical place: kept untranslated in
                               `extra` (a record of the same endpoint sends it as is), noted
    sane_fields(r, n)          the fields translators read structurally (stop, tools,
                               tool_choice, response_format) held to the shapes they expect:
                               anything else is left out, noted

Pure functions, no I/O (image files are read before, by wire.images.resolve_images).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from harness.wire.images import attach_images

# Keys of the canonical request that are harness options, not wire parameters.
HARNESS_KEYS = frozenset({"endpoint", "auth", "extra", "body", "system", "images"})

# The wire fields of the canonical request (the OpenAI chat spelling) that every protocol's
# translator either carries or names in a note; any other field is a dialect's own.
CANONICAL_FIELDS = frozenset(
    {"messages", "tools", "tool_choice", "parallel_tool_calls", "response_format",
     "max_tokens", "max_completion_tokens", "stop", "user", "temperature", "top_p", "stream",
     "stream_options", "seed", "n", "presence_penalty", "frequency_penalty", "logprobs",
     "reasoning_effort", "metadata"}
)


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


# -- wire request -> canonical: shared by every protocol's to_canonical ------------------------


def extra_note(key: str) -> str:
    """The note on a wire field kept untranslated in `extra` (wire/mirror.py replaces it when
    the field is not sent after all)."""
    return f"{key}: not a canonical field, kept in extra (sent as is to the same endpoint)"


def keep_extra(request: dict[str, Any], key: str, value: Any, notes: list[str]) -> None:
    """Keep a wire field with no canonical place in `request["extra"]`, with a note."""
    request.setdefault("extra", {})[key] = copy.deepcopy(value)
    notes.append(extra_note(key))


def _drop(request: dict[str, Any], key: str, why: str, notes: list[str]) -> None:
    del request[key]
    notes.append(f"{key}: not sent ({why})")


def sane_fields(request: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """`request` with stop, tools, tool_choice and response_format in the shapes translators
    read (a value of another shape is left out, noted); other fields are not looked at."""
    stop = request.get("stop")
    if not (stop is None or isinstance(stop, str)) and not (
        isinstance(stop, list) and all(isinstance(s, str) for s in stop)
    ):
        _drop(request, "stop", "not a string or a list of strings", notes)
    if "tools" in request and request["tools"] is not None:
        tools = request["tools"]
        if not isinstance(tools, list):
            _drop(request, "tools", "not a list", notes)
        else:
            for i, tool in enumerate(tools):
                if not isinstance(tool, dict):
                    notes.append(f"tools[{i}]: not sent (not an object)")
            request["tools"] = [t for t in tools if isinstance(t, dict)]
    choice = request.get("tool_choice")
    if choice is not None and not isinstance(choice, (str, dict)):
        _drop(request, "tool_choice", "not a string or an object", notes)
    fmt = request.get("response_format")
    if fmt is not None and not (
        isinstance(fmt, dict)
        and isinstance(fmt.get("type"), str)
        and isinstance(fmt.get("json_schema") or {}, dict)
    ):
        _drop(request, "response_format", "not an object with a type", notes)
    return request
