"""``POST /v1/responses`` request validation (the gateway), answering like OpenAI's Responses API.

Errors are OpenAI's ``{"error":{...}}`` 400s, one at a time (the app prints them Responses-style:
2-space indentation, no trailing newline). Differences from chat that real traffic shows: an
unknown model is a **400** ``model_not_found`` with ``param: "model"``; tools are flat
(``{"type":"function","name",...}``: a chat-style tool fails on ``tools[0].name``); structured
output is ``text.format`` (``{"type":"json_schema","name","schema","strict"}``).

The input (a string, or items: messages with ``input_text`` / ``input_image`` / ``output_text``
parts, ``function_call``, ``function_call_output``; ``reasoning`` and ``item_reference`` items
are accepted and ignored) becomes a chat-form message list for the generator. Wording marked
ASSUMPTION is not recorded anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.sim import envelopes as env
from harness.sim.config import WEB_SEARCH_TOKENS, SimConfig
from harness.sim.request import ChatRequest, ToolSpec, prompt_tokens
from harness.sim.validate_openai import SERVICE_TIERS, check_images, type_name

# name -> kind ("any": not type-checked here)
FIELDS: dict[str, str] = {
    "model": "string",
    "input": "any",
    "instructions": "string",
    "tools": "array",
    "tool_choice": "any",
    "text": "object",
    "max_output_tokens": "integer",
    "temperature": "decimal",
    "top_p": "decimal",
    "stream": "boolean",
    "stream_options": "object",
    "store": "boolean",
    "metadata": "object",
    "parallel_tool_calls": "boolean",
    "truncation": "string",
    "reasoning": "object",
    "service_tier": "string",
    "user": "string",
    "include": "array",
    "previous_response_id": "string",
    "background": "boolean",
    "max_tool_calls": "integer",
    "top_logprobs": "integer",
    "prompt_cache_key": "string",
    "prompt_cache_retention": "string",
    "safety_identifier": "string",
    # the gateway's own two (seed 000)
    "web_search_linkup": "boolean",
    "disable_formatting": "boolean",
}
# ASSUMPTION: OpenAI's 16-token minimum for max_output_tokens, the gateway's 65536 maximum.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "max_output_tokens": (16, 65536),
    "top_logprobs": (0, 20),
    "max_tool_calls": (1, None),
}
ROLES = ["user", "assistant", "system", "developer"]
ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning", "item_reference"]
PART_TYPES = ["input_text", "input_image", "input_file", "output_text", "refusal"]
FORMATS = ["text", "json_schema", "json_object"]
TOOL_CHOICES = ["none", "auto", "required"]
TRUNCATIONS = ["auto", "disabled"]
DETAILS = ["low", "high", "auto"]
KINDS = {
    "string": (str, "a string"),
    "array": (list, "an array"),
    "object": (dict, "an object"),
    "boolean": (bool, "a boolean"),
}

Lookup = Callable[[str], list[dict[str, Any]] | None]


@dataclass
class ResponsesCall:
    """A validated Responses request: what the generator needs, plus the conversation so far
    (without ``instructions``) to store under the new response id."""

    req: ChatRequest
    history: list[dict[str, Any]]


def _type(param: str, kind: str, v: Any) -> None:
    if kind in ("decimal", "integer"):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        if kind == "integer":
            ok = ok and isinstance(v, int)
        if not ok:
            expected = "an integer" if kind == "integer" else "a decimal"
            raise env.openai_invalid_type(param, expected, type_name(v))
        return
    cls, expected = KINDS[kind]
    if not isinstance(v, cls) or (cls is not bool and isinstance(v, bool)):
        raise env.openai_invalid_type(param, expected, type_name(v))


def _range(name: str, v: Any, cfg: SimConfig) -> None:
    lo, hi = RANGES.get(name) or cfg.range_of(name)
    integer = FIELDS[name] == "integer"
    if lo is not None and v < lo:
        raise env.openai_out_of_range(name, v, lo, False, integer)
    if hi is not None and v > hi:
        raise env.openai_out_of_range(name, v, hi, True, integer)


def _part(p: str, part: Any) -> dict[str, Any] | None:
    """One content part -> its chat form (None: dropped, e.g. a file)."""
    _type(p, "object", part)
    if "type" not in part:
        raise env.openai_missing(f"{p}.type")
    kind = part["type"]
    if kind not in PART_TYPES:
        raise env.openai_invalid_value(f"{p}.type", kind, PART_TYPES)
    if kind == "input_image":
        if "image_url" not in part and "file_id" not in part:
            raise env.openai_missing(f"{p}.image_url")
        if part.get("detail") is not None and part["detail"] not in DETAILS:
            raise env.openai_invalid_value(f"{p}.detail", part["detail"], DETAILS)
        if "image_url" not in part:
            return None
        _type(f"{p}.image_url", "string", part["image_url"])
        return {"type": "image_url", "image_url": {"url": part["image_url"]}}
    if kind == "input_file":
        return None
    field = "refusal" if kind == "refusal" else "text"
    if field not in part:
        raise env.openai_missing(f"{p}.{field}")
    _type(f"{p}.{field}", "string", part[field])
    return {"type": "text", "text": part[field]}


def _message(p: str, item: dict[str, Any]) -> dict[str, Any]:
    if "role" not in item:
        raise env.openai_missing(f"{p}.role")
    if item["role"] not in ROLES:
        raise env.openai_invalid_value(f"{p}.role", item["role"], ROLES)
    if "content" not in item:
        raise env.openai_missing(f"{p}.content")
    content = item["content"]
    if isinstance(content, list):
        parts = [_part(f"{p}.content[{j}]", part) for j, part in enumerate(content)]
        content = [part for part in parts if part is not None]
    elif not isinstance(content, str):
        raise env.openai_invalid_type(
            f"{p}.content", "one of a string or array of input content", type_name(content)
        )
    role = "system" if item["role"] == "developer" else item["role"]
    return {"role": role, "content": content}


def _required_string(p: str, item: dict[str, Any], name: str) -> str:
    if name not in item:
        raise env.openai_missing(f"{p}.{name}")
    _type(f"{p}.{name}", "string", item[name])
    return str(item[name])


def input_messages(value: Any) -> list[dict[str, Any]]:
    """``input`` -> chat-form messages (consecutive function calls share one assistant turn)."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list):
        raise env.openai_invalid_type(
            "input", "one of a string or array of input items", type_name(value)
        )
    out: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        p = f"input[{i}]"
        _type(p, "object", item)
        kind = item.get("type", "message")
        if kind not in ITEM_TYPES:
            raise env.openai_invalid_value(f"{p}.type", kind, ITEM_TYPES)
        if kind == "message":
            out.append(_message(p, item))
        elif kind == "function_call":
            call_id = _required_string(p, item, "call_id")
            name = _required_string(p, item, "name")
            args = _required_string(p, item, "arguments")
            call = {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": args},
            }
            if out and out[-1].get("role") == "assistant" and out[-1].get("tool_calls"):
                out[-1]["tool_calls"].append(call)
            else:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            call_id = _required_string(p, item, "call_id")
            if "output" not in item:
                raise env.openai_missing(f"{p}.output")
            output = item["output"]
            text = output if isinstance(output, str) else str(output)
            out.append({"role": "tool", "tool_call_id": call_id, "content": text})
    return out


def _check_outputs_have_calls(messages: list[dict[str, Any]]) -> None:
    """Each function_call_output answers an earlier function_call (real wording, 400)."""
    seen: set[str] = set()
    for msg in messages:
        for call in msg.get("tool_calls") or []:
            seen.add(call["id"])
        if msg.get("role") == "tool" and msg["tool_call_id"] not in seen:
            raise env.openai_error(
                400,
                f"No tool call found for function call output with call_id {msg['tool_call_id']}.",
                param="input",
            )


def _tools(value: list[Any]) -> list[ToolSpec]:
    out = []
    for i, tool in enumerate(value):
        p = f"tools[{i}]"
        _type(p, "object", tool)
        if "type" not in tool:
            raise env.openai_missing(f"{p}.type")
        if tool["type"] != "function":  # ASSUMPTION: the gateway serves function tools only
            raise env.openai_invalid_value(f"{p}.type", tool["type"], ["function"])
        name = _required_string(p, tool, "name")
        params = tool.get("parameters") or {}
        _type(f"{p}.parameters", "object", params)
        if tool.get("strict") is not None:
            _type(f"{p}.strict", "boolean", tool["strict"])
        out.append(ToolSpec(name, str(tool.get("description") or ""), params))
    return out


def _tool_choice(v: Any, tools: list[ToolSpec]) -> str | dict[str, str]:
    if v is None:
        return "auto" if tools else "none"
    if isinstance(v, str):
        if v not in TOOL_CHOICES:
            raise env.openai_invalid_value("tool_choice", v, TOOL_CHOICES)
        if v == "required" and not tools:  # ASSUMPTION: wording
            raise env.openai_error(
                400,
                "Tool choice 'required' must be specified with 'tools' parameter.",
                param="tool_choice",
            )
        return v if tools else "none"
    _type("tool_choice", "object", v)
    if v.get("type") != "function":
        raise env.openai_invalid_value("tool_choice.type", v.get("type"), ["function"])
    name = _required_string("tool_choice", v, "name")
    if name not in {t.name for t in tools}:  # ASSUMPTION: wording
        raise env.openai_error(
            400, "Tool choice 'function' not found in 'tools' parameter.", param="tool_choice"
        )
    return {"name": name}


def _text_format(text: dict[str, Any]) -> dict[str, Any] | None:
    fmt = text.get("format")
    if text.get("verbosity") is not None and text["verbosity"] not in ("low", "medium", "high"):
        raise env.openai_invalid_value(
            "text.verbosity", text["verbosity"], ["low", "medium", "high"]
        )
    if fmt is None:
        return None
    _type("text.format", "object", fmt)
    if "type" not in fmt:
        raise env.openai_missing("text.format.type")
    if fmt["type"] not in FORMATS:
        raise env.openai_invalid_value("text.format.type", fmt["type"], FORMATS)
    if fmt["type"] == "text":
        return None
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    name = _required_string("text.format", fmt, "name")
    if "schema" not in fmt:
        raise env.openai_missing("text.format.schema")
    _type("text.format.schema", "object", fmt["schema"])
    spec = {"name": name, "schema": fmt["schema"], "strict": bool(fmt.get("strict"))}
    return {"type": "json_schema", "json_schema": spec}


def validate_responses(body: Any, cfg: SimConfig, lookup: Lookup) -> ResponsesCall:
    """Validate a Responses body; raise `SimHTTPError` (chat-styled: the app restyles it).

    ``lookup(response_id)`` returns a stored conversation (for ``previous_response_id``).
    """
    if not isinstance(body, dict):
        raise env.openai_invalid_type("body", "an object", type_name(body))
    for name in body:
        if name not in FIELDS:
            raise env.openai_unknown_parameter(name)
    if "model" not in body:
        raise env.openai_missing("model")
    if "input" not in body and "previous_response_id" not in body:  # ASSUMPTION
        raise env.openai_missing("input")
    for name, v in body.items():
        kind = FIELDS[name]
        if v is None or kind == "any":
            continue
        _type(name, kind, v)
        if kind in ("decimal", "integer"):
            _range(name, v, cfg)
    if body.get("service_tier") is not None and body["service_tier"] not in SERVICE_TIERS:
        raise env.openai_invalid_value("service_tier", body["service_tier"], SERVICE_TIERS)
    if body.get("truncation") is not None and body["truncation"] not in TRUNCATIONS:
        raise env.openai_invalid_value("truncation", body["truncation"], TRUNCATIONS)
    history: list[dict[str, Any]] = []
    if body.get("previous_response_id") is not None:
        found = lookup(body["previous_response_id"])
        if found is None:
            raise env.openai_error(
                400,
                f"Previous response with id '{body['previous_response_id']}' not found.",
                param="previous_response_id",
                code="previous_response_not_found",
            )
        history = list(found)
    history += input_messages(body["input"]) if body.get("input") is not None else []
    _check_outputs_have_calls(history)
    tools = _tools(body.get("tools") or [])
    choice = _tool_choice(body.get("tool_choice"), tools)
    fmt = _text_format(body["text"]) if body.get("text") else None
    return ResponsesCall(_semantic(body, cfg, history, tools, choice, fmt), history)


def _semantic(
    body: dict[str, Any],
    cfg: SimConfig,
    history: list[dict[str, Any]],
    tools: list[ToolSpec],
    choice: str | dict[str, str],
    fmt: dict[str, Any] | None,
) -> ChatRequest:
    assert cfg.models is not None and cfg.context_window is not None
    model = body["model"]
    if model not in cfg.models:
        raise env.responses_model_not_found(model)
    check_images(history, model, cfg, "input")
    messages = list(history)
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    web_search = bool(body.get("web_search_linkup"))
    prompt = prompt_tokens(messages, tools) + (WEB_SEARCH_TOKENS if web_search else 0)
    if prompt > cfg.context_window:
        raise env.openai_error(
            400,
            "Your input exceeds the context window of this model. Please adjust your input "
            "and try again.",
            param="input",
            code="context_length_exceeded",
        )
    return ChatRequest(
        dialect="openai",
        endpoint="responses",
        model=model,
        messages=messages,
        temperature=body.get("temperature"),
        max_tokens=body.get("max_output_tokens"),
        stream=bool(body.get("stream")),
        tools=tools,
        tool_choice=choice,
        response_format=fmt,
        web_search=web_search,
        disable_formatting=bool(body.get("disable_formatting")),
        raw=body,
    )
