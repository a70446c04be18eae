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
    json_object / text              -> not sent, noted (messages_notes)

Wire -> canonical (`messages_to_canonical`, the shadow proxy's direction):

    system (text or text blocks)    -> a leading system message (noted)
    messages                        -> canonical messages:
        text blocks                    text parts (a lone text block: a string)
        image {source base64 | url}    image_url parts (base64 as a data URI)
        tool_use blocks                assistant tool_calls, input dumped to JSON text
        tool_result blocks             role tool messages, before the rest of their user
                                       message (text kept; images and is_error noted)
        thinking, documents, server tool blocks, cache_control -> not sent, noted
    tools {name, description, input_schema} -> function tools; typed (server) tools noted
    tool_choice auto|any|tool|none  -> auto | required (noted) | {type: function, ...} | none;
                disable_parallel_tool_use -> parallel_tool_calls false (noted)
    stop_sequences                  -> stop (noted)
    metadata.user_id                -> user (noted); other metadata keys noted
    output_config.format json_schema -> response_format json_schema, named "response" (noted);
    output_config.effort            -> reasoning_effort (noted)
    max_tokens, temperature, top_p, stream -> as is
    thinking, top_k and any other field -> `extra`, noted

A success body is a `message`: text blocks give the text, tool_use blocks the tool calls
(`input`, an object, dumped to JSON text); stop_reason end_turn / stop_sequence -> stop,
max_tokens -> length, tool_use -> tool_calls, refusal -> content_filter,
model_context_window_exceeded -> length, anything else as is. Usage: Anthropic reports no
total and its input_tokens excludes cache reads and cache writes, so prompt_tokens =
input_tokens + cache_read_input_tokens + cache_creation_input_tokens and total = prompt +
output (every protocol's prompt_tokens then counts every prompt token, cached or not).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from harness.core.jsonsafe import loads_bounded
from harness.core.models import Normalized, ToolCall, Usage
from harness.wire.canonical import (
    CANONICAL_FIELDS,
    HARNESS_KEYS,
    conversation,
    extra_fields,
    field_notes,
    function_of,
    keep_extra,
    max_tokens_of,
    name_notes,
    text_of,
)
from harness.wire.fields import args_text, int_or_none, str_or_none
from harness.wire.images import anthropic_image_part

ANTHROPIC_VERSION = "2023-06-01"
# Anthropic requires max_tokens; a case that sets none gets this, with a note saying so.
DEFAULT_MESSAGES_MAX_TOKENS = 1024

# canonical field -> why the Messages API does not get it
DROPPED = {
    "seed": "the Messages API has no seed",
    "n": "the Messages API returns one answer",
    "presence_penalty": "the Messages API has no presence_penalty",
    "frequency_penalty": "the Messages API has no frequency_penalty",
    "logprobs": "the Messages API has no logprobs",
    "stream_options": "Messages streams report usage in message_delta, unasked",
    "reasoning_effort": "no equivalent field on messages; use extra, e.g. thinking",
    "metadata": "Messages metadata only takes user_id (set by `user`)",
}

ANTHROPIC_STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "model_context_window_exceeded": "length",
}

_HANDLED = frozenset(
    {"messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "max_tokens",
     "max_completion_tokens", "stop", "user"}
)


def messages_notes(request: dict[str, Any]) -> list[str]:
    """The canonical fields of `request` not sent (or sent differently) to the Messages API."""
    notes = field_notes(request, DROPPED)
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
    return notes + name_notes(request, "messages")


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
    for key, value in request.items():
        if key in HARNESS_KEYS or key in _HANDLED or key in DROPPED:
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
        value = loads_bounded(arguments or "{}")
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


# -- wire request -> canonical ----------------------------------------------------------------

_AS_IS = frozenset({"max_tokens", "temperature", "top_p", "stream"})
_CHOICES = {"auto": "auto", "any": "required", "none": "none"}
_CACHE_NOTE = "cache_control: not sent (no canonical prompt caching)"


def messages_to_canonical(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A /v1/messages request -> (canonical request, notes). Never raises."""
    notes: list[str] = []
    if not isinstance(body, dict):
        return {"messages": []}, ["body: not a JSON object, mirrored as an empty request"]
    messages = _system_messages(body.get("system"), notes)
    messages += canonical_messages(body.get("messages"), notes)
    request: dict[str, Any] = {"messages": messages}
    for key, value in body.items():
        if key in ("model", "system", "messages"):
            continue
        if key in _AS_IS:
            request[key] = copy.deepcopy(value)
        elif key == "tools":
            tools = _canonical_tools(value, notes)
            if tools:
                request["tools"] = tools
        elif key == "tool_choice":
            _from_tool_choice(value, request, notes)
        elif key == "stop_sequences":
            stop = [s for s in value if isinstance(s, str)] if isinstance(value, list) else []
            if stop:
                request["stop"] = stop
                notes.append("stop_sequences -> stop")
            elif value:
                notes.append("stop_sequences: not sent (not a list of strings)")
        elif key in ("metadata", "output_config"):
            _from_object(key, value, request, notes)
        elif key in CANONICAL_FIELDS:  # a chat spelling, not read from a Messages request
            notes.append(f"{key}: not sent (a chat field, not read from a Messages request)")
        else:
            keep_extra(request, key, value, notes)
    return request, list(dict.fromkeys(notes))


def _system_messages(system: Any, notes: list[str]) -> list[dict[str, Any]]:
    if system is None or system == "":
        return []
    if isinstance(system, list):
        texts = []
        for block in system:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                texts.append(block["text"])
                if "cache_control" in block:
                    notes.append(_CACHE_NOTE)
        system = "\n\n".join(texts)
    if not isinstance(system, str) or not system:
        notes.append("system: not sent (not text or text blocks)")
        return []
    notes.append("system -> messages[0] (system)")
    return [{"role": "system", "content": system}]


def canonical_messages(raw: Any, notes: list[str]) -> list[dict[str, Any]]:
    """Anthropic messages -> canonical messages (tool results -> role tool messages)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        notes.append("messages: not sent (not a list)")
        return []
    out: list[dict[str, Any]] = []
    for i, message in enumerate(raw):
        where = f"messages[{i}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            notes.append(f"{where}: not sent (not a user or assistant message)")
            continue
        content = message.get("content")
        if isinstance(content, str):
            out.append({"role": role, "content": content})
        elif not isinstance(content, list):
            notes.append(f"{where}.content: not sent (not text or a list of blocks)")
            out.append({"role": role, "content": ""})
        elif role == "assistant":
            out.append(_assistant_message(content, where, notes))
        else:
            out.extend(_user_messages(content, where, notes))
    return out


def _user_messages(blocks: list[Any], where: str, notes: list[str]) -> list[dict[str, Any]]:
    """One user message's blocks -> its tool messages first, then a user message (if any
    other block is left)."""
    out: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        at = f"{where}.content[{j}]"
        if isinstance(block, dict) and "cache_control" in block:
            notes.append(_CACHE_NOTE)
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_result" and isinstance(block, dict):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id"),
                    "content": _result_text(block, at, notes),
                }
            )
            continue
        part = _canonical_part(block)
        if part is None:
            notes.append(f"{at}: not sent ({str(kind)[:40]!r} block has no canonical part)")
        else:
            parts.append(part)
    if len(parts) == 1 and parts[0]["type"] == "text":
        out.append({"role": "user", "content": parts[0]["text"]})
    elif parts or not out:
        out.append({"role": "user", "content": parts})
    return out


def _canonical_part(block: Any) -> dict[str, Any] | None:
    if not isinstance(block, dict):
        return None
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        return {"type": "text", "text": block["text"]}
    source = block.get("source")
    if kind != "image" or not isinstance(source, dict):
        return None
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        media = source.get("media_type") if isinstance(source.get("media_type"), str) else ""
        url = f"data:{media or 'image/png'};base64,{source['data']}"
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        return None
    return {"type": "image_url", "image_url": {"url": url}}


def _result_text(block: dict[str, Any], where: str, notes: list[str]) -> str:
    if block.get("is_error"):
        notes.append(f"{where}.is_error: not sent (canonical tool messages have no error flag)")
    content = block.get("content")
    if isinstance(content, str) or content is None:
        return content or ""
    texts = []
    for k, inner in enumerate(content if isinstance(content, list) else [content]):
        part = _canonical_part(inner)
        if part is not None and part["type"] == "text":
            texts.append(part["text"])
        else:
            notes.append(f"{where}.content[{k}]: not sent (tool messages carry text only)")
    return "".join(texts)


def _assistant_message(blocks: list[Any], where: str, notes: list[str]) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        if isinstance(block, dict) and "cache_control" in block:
            notes.append(_CACHE_NOTE)
        if kind == "text" and isinstance(block, dict) and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "tool_use" and isinstance(block, dict):
            arguments = block.get("input")
            if not isinstance(arguments, dict):
                notes.append(f"{where}.content[{j}].input: not an object, sent as {{}}")
                arguments = {}
            calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {
                        "name": str(block.get("name") or ""),
                        "arguments": json.dumps(arguments, ensure_ascii=False),
                    },
                }
            )
        else:
            notes.append(f"{where}.content[{j}]: not sent ({str(kind)[:40]!r} block)")
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    if calls:
        message["tool_calls"] = calls
        message["content"] = message["content"] or None
    return message


def _canonical_tools(raw: Any, notes: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        notes.append("tools: not sent (not a list)")
        return []
    tools = []
    for i, tool in enumerate(raw):
        kind = tool.get("type", "custom") if isinstance(tool, dict) else None
        if kind != "custom" or not isinstance(tool, dict):
            notes.append(f"tools[{i}]: not sent ({str(kind)[:40]!r} tool; only custom tools)")
            continue
        if "cache_control" in tool:
            notes.append(_CACHE_NOTE)
        fn: dict[str, Any] = {"name": str(tool.get("name") or "")}
        if "description" in tool:
            fn["description"] = copy.deepcopy(tool["description"])
        if "input_schema" in tool:
            fn["parameters"] = copy.deepcopy(tool["input_schema"])
        if "strict" in tool:
            fn["strict"] = copy.deepcopy(tool["strict"])
        tools.append({"type": "function", "function": fn})
    return tools


def _from_tool_choice(choice: Any, request: dict[str, Any], notes: list[str]) -> None:
    kind = choice.get("type") if isinstance(choice, dict) else None
    if not isinstance(choice, dict) or kind not in ("auto", "any", "none", "tool"):
        notes.append(f"tool_choice: not sent ({str(kind)[:40]!r} is not auto, any, tool, none)")
        return
    if kind == "tool":
        request["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    else:
        request["tool_choice"] = _CHOICES[str(kind)]
        if kind == "any":
            notes.append("tool_choice: any -> required")
    if choice.get("disable_parallel_tool_use") is True:
        request["parallel_tool_calls"] = False
        notes.append("tool_choice.disable_parallel_tool_use -> parallel_tool_calls false")


def _from_object(name: str, value: Any, request: dict[str, Any], notes: list[str]) -> None:
    """metadata (user_id -> user) and output_config (format -> response_format, effort ->
    reasoning_effort); every other key is noted."""
    if not isinstance(value, dict):
        notes.append(f"{name}: not sent (not an object)")
        return
    for key, inner in value.items():
        fmt = inner if isinstance(inner, dict) else {}
        if name == "metadata" and key == "user_id":
            request["user"] = copy.deepcopy(inner)
            notes.append("metadata.user_id -> user")
        elif name == "output_config" and key == "effort":
            request["reasoning_effort"] = copy.deepcopy(inner)
            notes.append("output_config.effort -> reasoning_effort")
        elif name == "output_config" and key == "format" and fmt.get("type") == "json_schema":
            spec = {"name": "response", "schema": copy.deepcopy(fmt.get("schema"))}
            request["response_format"] = {"type": "json_schema", "json_schema": spec}
            notes.append(
                "output_config.format -> response_format json_schema (named 'response': "
                "Messages schemas have no name)"
            )
        else:
            notes.append(f"{name}.{key}: not sent (no canonical field)")


# -- success bodies ----------------------------------------------------------------------------


def normalize_messages(body: dict[str, Any]) -> Normalized | None:
    """A `message` object -> Normalized, None without a content list."""
    content = body.get("content")
    if not isinstance(content, list):
        return None
    texts: list[str] = []
    has_text = False
    calls: list[ToolCall] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            has_text = True
            texts.append(str(block.get("text") or ""))
        elif kind == "tool_use":
            calls.append(
                ToolCall(
                    name=str(block.get("name") or ""),
                    arguments=args_text(block.get("input", {})),
                    id=str_or_none(block.get("id")),
                )
            )
    stop = body.get("stop_reason")
    return Normalized(
        content="".join(texts) if has_text else None,
        tool_calls=calls,
        finish_reason=ANTHROPIC_STOP.get(stop, stop) if isinstance(stop, str) else None,
        usage=_usage(body.get("usage")),
        model=str_or_none(body.get("model")),
        response_id=str_or_none(body.get("id")),
    )


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    uncached = int_or_none(usage.get("input_tokens"))
    cache_read = int_or_none(usage.get("cache_read_input_tokens"))
    cache_write = int_or_none(usage.get("cache_creation_input_tokens"))
    output = int_or_none(usage.get("output_tokens"))
    prompt = None if uncached is None else uncached + (cache_read or 0) + (cache_write or 0)
    total = None if prompt is None or output is None else prompt + output
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=output,
        total_tokens=total,
        cached_prompt_tokens=cache_read,
        reasoning_tokens=None,
        raw=usage,
    )
