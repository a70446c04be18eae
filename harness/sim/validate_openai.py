"""OpenAI-compatible gateway request validation, answering like OpenAI Chat Completions.

OpenAI reports one error at a time, all as HTTP 400 ``invalid_request_error`` with a ``code``:
``unknown_parameter``, ``missing_required_parameter``, ``invalid_type``,
``decimal_below_min_value`` / ``decimal_above_max_value``, ``integer_below_min_value`` /
``integer_above_max_value``, ``invalid_value``, ``empty_array``, ``context_length_exceeded``;
an unknown model is a 404 ``model_not_found``. Values are never coerced (no "0.5" strings).
"""

from __future__ import annotations

from typing import Any

from harness.sim import envelopes as env
from harness.sim.config import WEB_SEARCH_TOKENS, SimConfig
from harness.sim.images import ImageError, inspect_url, part_url
from harness.sim.request import ChatRequest, ToolSpec, prompt_tokens

# Known gateway fields: the OpenAI chat fields plus the gateway's own two. name -> kind
FIELDS: dict[str, str] = {
    "model": "string",
    "messages": "array",
    "temperature": "decimal",
    "top_p": "decimal",
    "max_tokens": "integer",
    "max_completion_tokens": "integer",
    "n": "integer",
    "stop": "stop",
    "stream": "boolean",
    "stream_options": "object",
    "presence_penalty": "decimal",
    "frequency_penalty": "decimal",
    "seed": "integer",
    "tools": "array",
    "tool_choice": "tool_choice",
    "response_format": "object",
    "parallel_tool_calls": "boolean",
    "user": "string",
    "logprobs": "boolean",
    "top_logprobs": "integer",
    "logit_bias": "object",
    "metadata": "object",
    "store": "boolean",
    "service_tier": "string",
    "web_search_linkup": "boolean",
    "disable_formatting": "boolean",
}
ROLES = ["system", "assistant", "user", "function", "tool", "developer"]
TOOL_CHOICES = ["none", "auto", "required"]
RESPONSE_FORMATS = ["text", "json_object", "json_schema"]
SERVICE_TIERS = ["auto", "default", "flex", "scale", "priority"]
PART_TYPES = ["text", "image_url", "input_audio", "refusal", "audio", "file"]
IMAGE_DETAILS = ["auto", "low", "high"]
EXPECTED = {
    "string": "a string",
    "array": "an array",
    "object": "an object",
    "boolean": "a boolean",
    "integer": "an integer",
    "decimal": "a decimal",
}


def type_name(v: Any) -> str:
    """How OpenAI names the JSON type it received."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a decimal"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def _is(kind: str, v: Any) -> bool:
    if kind == "decimal":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, {"string": str, "array": list, "object": dict, "boolean": bool}[kind])


def _check_type(param: str, kind: str, v: Any) -> None:
    if not _is(kind, v):
        raise env.openai_invalid_type(param, EXPECTED[kind], type_name(v))


def _check_messages(messages: list[Any]) -> None:
    if not messages:
        raise env.openai_error(
            400,
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead.",
            param="messages",
            code="empty_array",
        )
    for i, msg in enumerate(messages):
        p = f"messages[{i}]"
        _check_type(p, "object", msg)
        if "role" not in msg:
            raise env.openai_missing(f"{p}.role")
        if msg["role"] not in ROLES:
            raise env.openai_invalid_value(f"{p}.role", msg["role"], ROLES)
        if msg["role"] in ("system", "user", "tool", "developer") and "content" not in msg:
            raise env.openai_missing(f"{p}.content")
        if msg["role"] == "tool" and "tool_call_id" not in msg:
            raise env.openai_missing(f"{p}.tool_call_id")
        if isinstance(msg.get("content"), list):
            for j, part in enumerate(msg["content"]):
                _check_part(f"{p}.content[{j}]", part)


def _check_part(p: str, part: Any) -> None:
    """A content part; an image is ``{"type":"image_url","image_url":{"url",...}}`` (OpenAI
    refuses Mistral's plain-string form with invalid_type)."""
    _check_type(p, "object", part)
    if "type" not in part:
        raise env.openai_missing(f"{p}.type")
    if part["type"] not in PART_TYPES:
        raise env.openai_invalid_value(f"{p}.type", part["type"], PART_TYPES)
    if part["type"] != "image_url":
        return
    if "image_url" not in part:
        raise env.openai_missing(f"{p}.image_url")
    image = part["image_url"]
    _check_type(f"{p}.image_url", "object", image)
    if "url" not in image:
        raise env.openai_missing(f"{p}.image_url.url")
    _check_type(f"{p}.image_url.url", "string", image["url"])
    if image.get("detail") is not None and image["detail"] not in IMAGE_DETAILS:
        raise env.openai_invalid_value(f"{p}.image_url.detail", image["detail"], IMAGE_DETAILS)


def check_images(messages: list[dict[str, Any]], model: str, cfg: SimConfig, where: str) -> None:
    """Every image decodes (data URIs) and the model takes images; OpenAI's 400s otherwise.

    ``where`` names the list in ``param`` ("messages" on chat, "input" on Responses).
    """
    for i, msg in enumerate(messages):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            url = part_url(part)
            if url is None:
                continue
            if not cfg.accepts_images(model):
                raise env.openai_image_input_unsupported(model, f"{where}[{i}].content[{j}]")
            try:
                inspect_url(url)
            except ImageError:
                raise env.openai_unsupported_image() from None


def _check_tools(tools: list[Any]) -> list[ToolSpec]:
    out = []
    for i, tool in enumerate(tools):
        p = f"tools[{i}]"
        _check_type(p, "object", tool)
        if "type" not in tool:
            raise env.openai_missing(f"{p}.type")
        if tool["type"] != "function":
            raise env.openai_invalid_value(f"{p}.type", tool["type"], ["function"])
        fn = tool.get("function")
        if fn is None:
            raise env.openai_missing(f"{p}.function")
        _check_type(f"{p}.function", "object", fn)
        if "name" not in fn:
            raise env.openai_missing(f"{p}.function.name")
        _check_type(f"{p}.function.name", "string", fn["name"])
        params = fn.get("parameters") or {}
        _check_type(f"{p}.function.parameters", "object", params)
        out.append(ToolSpec(fn["name"], str(fn.get("description") or ""), params))
    return out


def _check_tool_choice(v: Any, tools: list[ToolSpec]) -> str | dict[str, str]:
    if not tools:
        raise env.openai_error(
            400,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
            "are specified.",
            param="tool_choice",
        )
    if isinstance(v, str):
        if v not in TOOL_CHOICES:
            raise env.openai_invalid_value("tool_choice", v, TOOL_CHOICES)
        return v
    _check_type("tool_choice", "object", v)
    if v.get("type") != "function":
        raise env.openai_invalid_value("tool_choice.type", v.get("type"), ["function"])
    fn = v.get("function")
    if not isinstance(fn, dict) or "name" not in fn:
        raise env.openai_missing("tool_choice.function.name")
    if fn["name"] not in {t.name for t in tools}:
        # ASSUMPTION: the exact OpenAI wording for this case is not recorded.
        raise env.openai_error(
            400,
            f"Invalid value for 'tool_choice': function '{fn['name']}' is not one of the "
            "provided 'tools'.",
            param="tool_choice",
            code="invalid_value",
        )
    return {"name": fn["name"]}


def _check_response_format(v: dict[str, Any]) -> dict[str, Any] | None:
    if "type" not in v:
        raise env.openai_missing("response_format.type")
    if v["type"] not in RESPONSE_FORMATS:
        raise env.openai_invalid_value("response_format.type", v["type"], RESPONSE_FORMATS)
    if v["type"] == "json_schema":
        js = v.get("json_schema")
        if js is None:
            raise env.openai_missing("response_format.json_schema")
        _check_type("response_format.json_schema", "object", js)
        if "name" not in js:
            raise env.openai_missing("response_format.json_schema.name")
    return None if v["type"] == "text" else v


def _stops(v: Any) -> list[str]:
    """The gateway documents ``stop`` as a comma-separated string; a list is accepted too."""
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    if isinstance(v, list) and all(isinstance(s, str) for s in v):
        return [s for s in v if s]
    raise env.openai_invalid_type("stop", "a string or an array of strings", type_name(v))


def validate_openai(body: Any, cfg: SimConfig) -> ChatRequest:
    """Validate a gateway chat body; raise `SimHTTPError` in OpenAI's envelope."""
    if not isinstance(body, dict):
        raise env.openai_invalid_type("body", "an object", type_name(body))
    for name in body:
        if name not in FIELDS:
            raise env.openai_unknown_parameter(name)
    for name in ("model", "messages"):
        if name not in body:
            raise env.openai_missing(name)
    for name, v in body.items():
        kind = FIELDS[name]
        if v is None and name not in ("model", "messages"):
            continue
        if kind in ("decimal", "integer"):
            _check_type(name, kind, v)
            lo, hi = cfg.range_of(name)
            if lo is not None and v < lo:
                raise env.openai_out_of_range(name, v, lo, False, kind == "integer")
            if hi is not None and v > hi:
                raise env.openai_out_of_range(name, v, hi, True, kind == "integer")
        elif kind in EXPECTED:
            _check_type(name, kind, v)
    _check_messages(body["messages"])
    if body.get("service_tier") is not None and body["service_tier"] not in SERVICE_TIERS:
        raise env.openai_invalid_value("service_tier", body["service_tier"], SERVICE_TIERS)
    stops = _stops(body["stop"]) if body.get("stop") is not None else []
    if body.get("stream_options") is not None and not body.get("stream"):
        raise env.openai_error(
            400,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
        )
    tools = _check_tools(body.get("tools") or [])
    choice: str | dict[str, str] = "auto" if tools else "none"
    if body.get("tool_choice") is not None:
        choice = _check_tool_choice(body["tool_choice"], tools)
    rf = _check_response_format(body["response_format"]) if body.get("response_format") else None
    return _semantic(body, cfg, tools, choice, rf, stops)


def _semantic(
    body: dict[str, Any],
    cfg: SimConfig,
    tools: list[ToolSpec],
    choice: str | dict[str, str],
    rf: dict[str, Any] | None,
    stops: list[str],
) -> ChatRequest:
    assert cfg.models is not None and cfg.context_window is not None
    if body["model"] not in cfg.models:
        raise env.openai_model_not_found(body["model"])
    check_images(body["messages"], body["model"], cfg, "messages")
    web_search = bool(body.get("web_search_linkup"))
    # Linkup sources are handed to the model as extra prompt text (seed doc).
    prompt = prompt_tokens(body["messages"], tools) + (WEB_SEARCH_TOKENS if web_search else 0)
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if prompt > cfg.context_window:
        raise env.openai_context_exceeded(cfg.context_window, prompt, None)
    if max_tokens and prompt + max_tokens > cfg.context_window:
        raise env.openai_context_exceeded(cfg.context_window, prompt, max_tokens)
    # max_tokens above the 40K max output but within the documented 1..65536 is accepted;
    # the answer simply never exceeds max_output.
    opts = body.get("stream_options") or {}
    return ChatRequest(
        dialect="openai",
        model=body["model"],
        messages=body["messages"],
        temperature=body.get("temperature"),
        seed=body.get("seed"),
        max_tokens=max_tokens,
        stop=stops,
        n=body.get("n") or 1,
        stream=bool(body.get("stream")),
        include_usage=bool(opts.get("include_usage")),
        tools=tools,
        tool_choice=choice,
        response_format=rf,
        web_search=web_search,
        disable_formatting=bool(body.get("disable_formatting")),
        raw=body,
    )
