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

Wire -> canonical (`responses_to_canonical`, the shadow proxy's direction):

    instructions (text)             -> a leading system message (noted)
    input "text"                    -> one user message
    input items:
        {role, content}                a message; input_text / output_text -> text parts,
                                       input_image {image_url, detail} -> image_url parts,
                                       input_file -> a chat file part; assistant text joined
        function_call                  -> assistant tool_calls (joined to the assistant message
                                       before it), arguments as JSON text
        function_call_output           -> a role tool message (output parts' text joined)
        reasoning, item_reference, hosted tool items -> not sent, noted
    max_output_tokens               -> max_tokens (noted)
    tools, flat function tools      -> {type: function, function: {...}}; hosted tools
                                       (web_search, file_search, mcp...) not sent, noted
    tool_choice {type: function, name} -> {type: function, function: {name}}; allowed_tools and
                                       hosted choices not sent, noted
    text.format                     -> response_format (json_schema nested under json_schema);
                                       text.verbosity not sent, noted
    reasoning.effort                -> reasoning_effort (noted); reasoning.summary not sent
    previous_response_id, conversation, prompt -> not sent, noted (server-side state)
    temperature, top_p, parallel_tool_calls, stream, user, metadata -> as is
    any other field                 -> `extra`, noted

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


# -- wire request -> canonical ----------------------------------------------------------------

# Responses fields that refer to state on the primary's server: a mirror cannot carry them
RESPONSES_ONLY = {
    "previous_response_id": "the earlier turns are stored on the primary's server; the "
    "candidate gets only this request's input",
    "conversation": "a conversation stored on the primary's server; the candidate gets only "
    "this request's input",
    "prompt": "a prompt template stored on the primary's server",
}
_AS_IS = frozenset({"temperature", "top_p", "parallel_tool_calls", "stream", "user", "metadata"})


def responses_to_canonical(body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A /v1/responses request -> (canonical request, notes). Never raises."""
    notes: list[str] = []
    if not isinstance(body, dict):
        return {"messages": []}, ["body: not a JSON object, mirrored as an empty request"]
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        if instructions:
            messages.append({"role": "system", "content": instructions})
            notes.append("instructions -> messages[0] (system)")
    elif instructions is not None:
        notes.append("instructions: not sent (not text)")
    messages.extend(canonical_items(body.get("input"), notes))
    request: dict[str, Any] = {"messages": messages}
    for key, value in body.items():
        if key in ("model", "input", "instructions"):
            continue
        if key in RESPONSES_ONLY:
            notes.append(f"{key}: not sent ({RESPONSES_ONLY[key]})")
        elif key in _AS_IS:
            request[key] = copy.deepcopy(value)
        elif key == "max_output_tokens":
            request["max_tokens"] = copy.deepcopy(value)
            notes.append("max_output_tokens -> max_tokens")
        elif key == "tools":
            tools = _canonical_tools(value, notes)
            if tools:
                request["tools"] = tools
        elif key == "tool_choice":
            choice = _canonical_tool_choice(value, notes)
            if choice is not None:
                request["tool_choice"] = choice
        elif key == "text":
            _from_text(value, request, notes)
        elif key == "reasoning":
            _from_reasoning(value, request, notes)
        elif key in CANONICAL_FIELDS:  # a chat spelling, not read from a Responses request
            notes.append(f"{key}: not sent (a chat field, not read from a Responses request)")
        else:
            keep_extra(request, key, value, notes)
    return request, notes


def canonical_items(raw: Any, notes: list[str]) -> list[dict[str, Any]]:
    """Responses `input` (text or items) -> canonical messages; what cannot be, noted."""
    if isinstance(raw, str):
        return [{"role": "user", "content": raw}]
    if raw is None:
        return []
    if not isinstance(raw, list):
        notes.append("input: not sent (not text or a list of items)")
        return []
    out: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            notes.append(f"{where}: not sent (not an item)")
            continue
        kind = item.get("type", "message")
        if kind == "message" and isinstance(item.get("role"), str):
            out.append(_item_message(item, where, notes))
        elif kind == "function_call":
            _add_call(out, item)
        elif kind == "function_call_output":
            output = item.get("output")
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": _part_text(output, f"{where}.output", notes),
                }
            )
        else:
            notes.append(f"{where}: not sent ({str(kind)[:40]!r} items have no canonical place)")
    return out


def _item_message(item: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    role = item["role"]
    content = item.get("content")
    if role == "assistant":
        return {"role": role, "content": _part_text(content, f"{where}.content", notes)}
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        if content is not None:
            notes.append(f"{where}.content: not sent (not text or a list of parts)")
        return {"role": role, "content": ""}
    parts: list[dict[str, Any]] = []
    for j, part in enumerate(content):
        converted = _canonical_part(part)
        if converted is None:
            kind = part.get("type") if isinstance(part, dict) else None
            notes.append(f"{where}.content[{j}]: not sent ({str(kind)[:40]!r} part)")
        else:
            parts.append(converted)
    return {"role": role, "content": parts}


def _canonical_part(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text") and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    if kind == "input_image" and isinstance(part.get("image_url"), str):
        inner: dict[str, Any] = {"url": part["image_url"]}
        if part.get("detail") is not None:
            inner["detail"] = part["detail"]
        return {"type": "image_url", "image_url": inner}
    if kind == "input_file":
        file = {k: part[k] for k in ("file_id", "file_data", "filename") if k in part}
        return {"type": "file", "file": copy.deepcopy(file)} if file else None
    return None


def _part_text(content: Any, where: str, notes: list[str]) -> str:
    """Text, or the text of a list of parts (other parts noted)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for j, part in enumerate(content):
            converted = _canonical_part(part)
            if converted is not None and converted["type"] == "text":
                texts.append(converted["text"])
            else:
                kind = part.get("type") if isinstance(part, dict) else None
                notes.append(f"{where}[{j}]: not sent ({str(kind)[:40]!r} part; text only here)")
        return "".join(texts)
    if content is not None:
        notes.append(f"{where}: not sent (not text)")
    return ""


def _add_call(out: list[dict[str, Any]], item: dict[str, Any]) -> None:
    """A function_call item -> a tool call of the assistant message it follows (or a new one)."""
    call = {
        "id": item.get("call_id", item.get("id")),
        "type": "function",
        "function": {
            "name": str(item.get("name") or ""),
            "arguments": args_text(item.get("arguments")),
        },
    }
    if out and out[-1].get("role") == "assistant":
        out[-1].setdefault("tool_calls", []).append(call)
        if not out[-1].get("content"):
            out[-1]["content"] = None
    else:
        out.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _canonical_tools(raw: Any, notes: list[str]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        if raw is not None:
            notes.append("tools: not sent (not a list)")
        return []
    tools = []
    for i, tool in enumerate(raw):
        if not (isinstance(tool, dict) and tool.get("type") == "function"):
            kind = tool.get("type") if isinstance(tool, dict) else None
            notes.append(f"tools[{i}]: not sent ({str(kind)[:40]!r} tool; only function tools)")
            continue
        fn: dict[str, Any] = {"name": str(tool.get("name") or "")}
        for key in ("description", "parameters", "strict"):
            if key in tool:
                fn[key] = copy.deepcopy(tool[key])
        tools.append({"type": "function", "function": fn})
    return tools


def _canonical_tool_choice(choice: Any, notes: list[str]) -> Any:
    if isinstance(choice, str):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    kind = choice.get("type") if isinstance(choice, dict) else choice
    notes.append(f"tool_choice: not sent ({str(kind)[:40]!r} has no canonical equivalent)")
    return None


def _from_text(text: Any, request: dict[str, Any], notes: list[str]) -> None:
    if not isinstance(text, dict):
        notes.append("text: not sent (not an object)")
        return
    for key, value in text.items():
        if key != "format":
            notes.append(f"text.{key}: not sent (no canonical field)")
        elif isinstance(value, dict) and value.get("type") == "json_schema":
            spec = {k: copy.deepcopy(value[k]) for k in ("name", "description", "schema",
                                                         "strict") if k in value}
            request["response_format"] = {"type": "json_schema", "json_schema": spec}
            notes.append("text.format -> response_format")
        elif isinstance(value, dict) and value.get("type") in ("json_object", "text"):
            request["response_format"] = {"type": value["type"]}
            notes.append("text.format -> response_format")
        else:
            notes.append("text.format: not sent (not text, json_object or json_schema)")


def _from_reasoning(reasoning: Any, request: dict[str, Any], notes: list[str]) -> None:
    if not isinstance(reasoning, dict):
        notes.append("reasoning: not sent (not an object)")
        return
    for key, value in reasoning.items():
        if key == "effort" and value is not None:
            request["reasoning_effort"] = value
            notes.append("reasoning.effort -> reasoning_effort")
        elif value is not None:
            notes.append(f"reasoning.{key}: not sent (no canonical field)")


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
