"""OpenAI Responses (`endpoint: responses`): the canonical chat request -> a /v1/responses body.

Shapes copied from real requests (../shared/realworld: pydantic-ai tool_choice_matrix
[required-openai_responses], chatlas test_provider_openai/*):

    system option, leading system/developer messages -> instructions (joined by a blank line)
    messages                        -> input items:
        user / system / developer      {"role", "content": "text" | [input_text, input_image]}
        assistant text                 {"role": "assistant", "content": "text"}
        assistant tool_calls           {"type": "function_call", "call_id", "name", "arguments"}
        tool                           {"type": "function_call_output", "call_id", "output"}
    tools {type: function, function: {name, description, parameters, strict}}
                                    -> flat {"type": "function", "name", "description",
                                             "parameters", "strict"} (strict false when unset,
                                             as on chat; other tool types as they are)
    tool_choice auto|none|required  -> as is; any -> required;
                {type: function, function: {name}} -> {"type": "function", "name"}
    response_format json_schema     -> text.format {"type": "json_schema", "name", "schema",
                                                    "strict"?, "description"?} (flattened)
    response_format json_object|text -> text.format {"type": ...}
    max_tokens / max_completion_tokens -> max_output_tokens
    reasoning_effort                -> reasoning.effort
    temperature, top_p, parallel_tool_calls, stream, user, metadata -> as is
    stop, seed, n, penalties, logprobs, stream_options -> not sent, noted (DROPPED)

A success body is a `response` object: message items give the text (output_text parts),
function_call items the tool calls (the `call_id` is the id: that is what a
function_call_output refers to); status completed -> stop (tool_calls when there are function
calls), incomplete -> length (max_output_tokens) / content_filter, failed -> error; usage
input / output / total tokens, cached (input_tokens_details) and reasoning
(output_tokens_details) tokens.
"""

from __future__ import annotations

import copy
from typing import Any

from harness.core.models import Normalized, ToolCall, Usage
from harness.wire.canonical import (
    HARNESS_KEYS,
    conversation,
    extra_fields,
    field_notes,
    function_of,
    max_tokens_of,
    name_notes,
    text_of,
)
from harness.wire.fields import args_text, dig, int_or_none, parts_text, str_or_none
from harness.wire.images import responses_image_part

# canonical field -> why the Responses API does not get it
DROPPED = {
    "stop": "the Responses API has no stop sequences",
    "seed": "the Responses API has no seed",
    "n": "the Responses API returns one answer",
    "presence_penalty": "the Responses API has no presence_penalty",
    "frequency_penalty": "the Responses API has no frequency_penalty",
    "logprobs": "Responses asks for logprobs with include/top_logprobs; use extra",
    "stream_options": "Responses reports usage in response.completed, unasked",
}

_HANDLED = frozenset(
    {"messages", "tools", "tool_choice", "response_format", "max_tokens", "max_completion_tokens",
     "reasoning_effort"}
)


def responses_notes(request: dict[str, Any]) -> list[str]:
    """The canonical fields of `request` not sent to the Responses API, one note each."""
    return field_notes(request, DROPPED) + name_notes(request, "responses")


def translate_responses(request: dict[str, Any], model: str) -> dict[str, Any]:
    """The /v1/responses body for a canonical request (pure, no I/O)."""
    body: dict[str, Any] = {"model": model}
    messages = conversation(request)
    instructions: list[str] = []
    while messages and messages[0].get("role") in ("system", "developer"):
        text = text_of(messages.pop(0).get("content"))
        if text:
            instructions.append(text)
    if instructions:
        body["instructions"] = "\n\n".join(instructions)
    body["input"] = input_items(messages)
    for key, value in request.items():
        if key in HARNESS_KEYS or key in _HANDLED or key in DROPPED:
            continue
        body[key] = copy.deepcopy(value)
    if request.get("tools"):
        body["tools"] = [_tool(t) for t in request["tools"]]
    if "tool_choice" in request:
        body["tool_choice"] = _tool_choice(request["tool_choice"])
    fmt = _text_format(request.get("response_format"))
    if fmt is not None:
        body["text"] = {"format": fmt}
    limit = max_tokens_of(request)
    if limit is not None:
        body["max_output_tokens"] = limit
    if "reasoning_effort" in request:
        body["reasoning"] = {"effort": request["reasoning_effort"]}
    return extra_fields(body, request)


def input_items(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical chat messages -> Responses input items (one message may give several)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role == "tool":
            output = content if isinstance(content, str) else text_of(content)
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id"),
                    "output": output,
                }
            )
        elif role == "assistant":
            text = text_of(content)
            if text:
                items.append({"role": "assistant", "content": text})
            for call in message.get("tool_calls") or []:
                fn = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id"),
                        "name": fn.get("name"),
                        "arguments": fn.get("arguments") or "{}",
                    }
                )
        else:
            items.append({"role": role, "content": _input_content(content)})
    return items


def _input_content(content: Any) -> Any:
    if not isinstance(content, list):
        return content if content is not None else ""
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif kind == "image_url":
            parts.append(responses_image_part(part))
        else:
            parts.append(part)  # already a Responses part (input_text, input_file...)
    return parts


def _tool(tool: Any) -> Any:
    fn = function_of(tool)
    if fn is None:
        return copy.deepcopy(tool)
    flat: dict[str, Any] = {"type": "function", "name": fn.get("name")}
    if "description" in fn:
        flat["description"] = fn["description"]
    flat["parameters"] = copy.deepcopy(fn.get("parameters") or {"type": "object", "properties": {}})
    flat["strict"] = bool(fn.get("strict", False))
    return flat


def _tool_choice(choice: Any) -> Any:
    if choice == "any":
        return "required"
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "function", "name": choice["function"].get("name")}
    return copy.deepcopy(choice)


def _text_format(fmt: Any) -> dict[str, Any] | None:
    if not isinstance(fmt, dict) or "type" not in fmt:
        return None
    if fmt["type"] != "json_schema":
        return {"type": fmt["type"]}
    spec = fmt.get("json_schema") or {}
    out: dict[str, Any] = {"type": "json_schema", "name": spec.get("name")}
    if "description" in spec:
        out["description"] = spec["description"]
    out["schema"] = copy.deepcopy(spec.get("schema"))
    if "strict" in spec:
        out["strict"] = spec["strict"]
    return out


# -- success bodies ----------------------------------------------------------------------------


def normalize_responses(body: dict[str, Any]) -> Normalized | None:
    """A `response` object -> Normalized, None without an output list."""
    output = body.get("output")
    if not isinstance(output, list):
        return None
    texts: list[str] = []
    has_text = False
    calls: list[ToolCall] = []
    for item in output:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            text = parts_text(item.get("content"))
            if text is not None:
                has_text = True
                texts.append(text)
        elif kind == "output_text":
            has_text = True
            texts.append(str(item.get("text") or ""))
        elif kind == "function_call":
            calls.append(
                ToolCall(
                    name=str(item.get("name") or ""),
                    arguments=args_text(item.get("arguments")),
                    id=str_or_none(item.get("call_id")) or str_or_none(item.get("id")),
                )
            )
    return Normalized(
        content="".join(texts) if has_text else None,
        tool_calls=calls,
        finish_reason=_finish(body, bool(calls)),
        usage=_usage(body.get("usage")),
        model=str_or_none(body.get("model")),
        response_id=str_or_none(body.get("id")),
    )


def _finish(body: dict[str, Any], has_calls: bool) -> str | None:
    status = body.get("status")
    if status == "completed":
        return "tool_calls" if has_calls else "stop"
    if status == "incomplete":
        reason = dig(body, "incomplete_details", "reason")
        if reason == "content_filter":
            return "content_filter"
        return "length" if reason in (None, "max_output_tokens") else str(reason)
    if status == "failed":
        return "error"
    return str_or_none(status)


def _usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(
        prompt_tokens=int_or_none(usage.get("input_tokens")),
        completion_tokens=int_or_none(usage.get("output_tokens")),
        total_tokens=int_or_none(usage.get("total_tokens")),
        cached_prompt_tokens=int_or_none(dig(usage, "input_tokens_details", "cached_tokens")),
        reasoning_tokens=int_or_none(dig(usage, "output_tokens_details", "reasoning_tokens")),
        raw=usage,
    )
