"""Anthropic Messages (`endpoint: messages`): the canonical chat request -> a /v1/messages body.

Shapes copied from real requests (../shared/realworld: pydantic-ai tool_choice_matrix
[required-anthropic] / [auto-anthropic], chatlas test_provider_anthropic/*):

    system option, every system/developer message -> top-level "system" (joined by a blank line)
    messages                        -> user / assistant messages:
        content string                 kept as a string
        content parts                  text -> {"type": "text", "text"};
                                       image_url -> {"type": "image", "source": base64 | url}
        assistant tool_calls           + {"type": "tool_use", "id", "name", "input": {...}}
                                       (arguments JSON text parsed to an object)
        tool messages                  one user message of {"type": "tool_result",
                                       "tool_use_id", "content"} blocks (a user message right
                                       after them joins it: tool results come first)
    max_tokens / max_completion_tokens -> max_tokens (required: 1024 when the case sets none)
    tools {type: function, function: {name, description, parameters}}
                                    -> {"name", "description", "input_schema"}
    tool_choice auto -> {"type": "auto"}; required|any -> {"type": "any"}; none -> {"type":
                "none"}; {type: function, function: {name}} -> {"type": "tool", "name"}
    parallel_tool_calls false       -> tool_choice.disable_parallel_tool_use: true
    stop (string or list)           -> stop_sequences (a list)
    response_format json_schema     -> output_config.format {"type": "json_schema", "schema"}
    user                            -> metadata.user_id
    temperature, top_p, stream      -> as is
    seed, n, penalties, logprobs, stream_options, reasoning_effort, metadata, response_format
    json_object / text              -> not sent, noted (canonical.dropped_notes)
"""

from __future__ import annotations

import copy
import json
from typing import Any

from harness.wire.canonical import (
    DEFAULT_MESSAGES_MAX_TOKENS,
    DROPPED,
    HARNESS_KEYS,
    conversation,
    extra_fields,
    function_of,
    max_tokens_of,
    text_of,
)
from harness.wire.images import anthropic_image_part

ANTHROPIC_VERSION = "2023-06-01"

_HANDLED = frozenset(
    {"messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "max_tokens",
     "max_completion_tokens", "stop", "user"}
)


def translate_messages(request: dict[str, Any], model: str) -> dict[str, Any]:
    """The /v1/messages body for a canonical request (pure, no I/O)."""
    limit = max_tokens_of(request)
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": DEFAULT_MESSAGES_MAX_TOKENS if limit is None else limit,
    }
    messages = conversation(request)
    system = [
        text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
    ]
    system = [s for s in system if s]
    if system:
        body["system"] = "\n\n".join(system)
    body["messages"] = anthropic_messages(
        [m for m in messages if m.get("role") not in ("system", "developer")]
    )
    dropped = DROPPED["messages"]
    for key, value in request.items():
        if key in HARNESS_KEYS or key in _HANDLED or key in dropped:
            continue
        body[key] = copy.deepcopy(value)
    if request.get("tools"):
        body["tools"] = [_tool(t) for t in request["tools"]]
    choice = _tool_choice(request.get("tool_choice"))
    if request.get("parallel_tool_calls") is False:
        choice = choice or {"type": "auto"}
        choice["disable_parallel_tool_use"] = True
    if choice is not None:
        body["tool_choice"] = choice
    stop = request.get("stop")
    if stop is not None:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = copy.deepcopy((fmt.get("json_schema") or {}).get("schema"))
        body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
    if request.get("user") is not None:
        body["metadata"] = {"user_id": request["user"]}
    return extra_fields(body, request)


def anthropic_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical user / assistant / tool messages -> Anthropic messages."""
    out: list[dict[str, Any]] = []
    results_open = False  # the last message out is a user message of tool_result blocks
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id"),
                "content": content if isinstance(content, str) else text_of(content),
            }
            if results_open:
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
                results_open = True
            continue
        if role == "assistant":
            out.append({"role": "assistant", "content": _assistant_content(message)})
        elif results_open:
            out[-1]["content"].extend(_blocks(content))
        else:
            out.append({"role": "user", "content": _user_content(content)})
        results_open = False
    return out


def _user_content(content: Any) -> Any:
    if isinstance(content, list):
        return _blocks(content)
    return content if content is not None else ""


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else []:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif kind == "image_url":
            blocks.append(anthropic_image_part(part))
        else:
            blocks.append(part)  # already an Anthropic block (image, document, ...)
    return blocks


def _assistant_content(message: dict[str, Any]) -> Any:
    content = message.get("content")
    calls = message.get("tool_calls") or []
    if not calls:
        return _user_content(content)
    blocks = _blocks(content)
    for call in calls:
        fn = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id"),
                "name": fn.get("name"),
                "input": _arguments(fn.get("arguments")),
            }
        )
    return blocks


def _arguments(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _tool(tool: Any) -> Any:
    fn = function_of(tool)
    if fn is None:
        return copy.deepcopy(tool)
    out: dict[str, Any] = {"name": fn.get("name")}
    if "description" in fn:
        out["description"] = fn["description"]
    out["input_schema"] = copy.deepcopy(
        fn.get("parameters") or {"type": "object", "properties": {}}
    )
    return out


def _tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    if choice == "auto":
        return {"type": "auto"}
    if choice in ("required", "any"):
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "tool", "name": choice["function"].get("name")}
    return copy.deepcopy(choice) if isinstance(choice, dict) else None
