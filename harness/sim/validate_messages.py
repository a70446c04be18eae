"""``POST /v1/messages`` request validation (the gateway), answering like Anthropic's Messages API.

Anthropic validates with pydantic and reports the first error as one 400
``invalid_request_error`` whose message is "<dotted.loc>: <pydantic message>", the loc naming
the content block's type ("messages.0.content.1.image.source.base64.media_type: Input should
be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'", "tools.0.custom.input_schema: Field
required"). Values are not coerced. ``max_tokens`` is required.

Choices for this gateway (the model behind it is Mistral Medium 3.1, not Claude):

* temperature 0..2, the gateway's documented range for the model (seed 000), not Anthropic's
  0..1: nothing shows the gateway re-imposing Anthropic's range on its /v1/messages;
* ``max_tokens`` >= 1, and at most 65536 (the gateway's documented max_tokens); above that,
  Anthropic's "maximum allowed number of output tokens" 400. Between the model's 40K max output
  and 65536 it is accepted and the answer is capped, as on chat.

The messages become a chat-form list for the generator: ``system`` first, ``tool_result``
blocks become tool messages, ``tool_use`` blocks assistant tool calls, image blocks image parts
(base64 as a data URI).
"""

from __future__ import annotations

import json
from typing import Any

from harness.sim import envelopes_anthropic as anth
from harness.sim.config import SimConfig
from harness.sim.images import ImageError, inspect_base64
from harness.sim.request import ChatRequest, ToolSpec, prompt_tokens

Loc = tuple[Any, ...]
MAX_TOKENS_LIMIT = 65536
FIELDS = (
    "model",
    "messages",
    "max_tokens",
    "metadata",
    "stop_sequences",
    "stream",
    "system",
    "temperature",
    "tool_choice",
    "tools",
    "top_k",
    "top_p",
    "output_config",
    "thinking",
    "service_tier",
)
BLOCK_TYPES = ("text", "image", "tool_use", "tool_result", "document", "thinking")
MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MEDIA_TYPE_LIST = "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
EFFORTS = ("high", "low", "max", "medium")
VERSIONS = ("2023-06-01", "2023-01-01")
TOOL_CHOICE_TYPES = ("auto", "any", "tool", "none")
PY_TYPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "int": (int, "Input should be a valid integer"),
    "float": ((int, float), "Input should be a valid number"),
    "str": (str, "Input should be a valid string"),
    "bool": (bool, "Input should be a valid boolean"),
    "list": (list, "Input should be a valid list"),
    "dict": (dict, "Input should be a valid dictionary"),
}


def fail(loc: Loc, msg: str) -> anth.AnthropicError:
    return anth.invalid_request(f"{'.'.join(str(x) for x in loc)}: {msg}")


def check_version(value: str | None) -> None:
    """The ``anthropic-version`` header: required, one of the published dates."""
    if value is None:
        raise anth.version_required()
    if value not in VERSIONS:
        raise anth.invalid_version(value)


def _is(kind: str, v: Any, loc: Loc) -> Any:
    cls, msg = PY_TYPES[kind]
    if not isinstance(v, cls) or (kind != "bool" and isinstance(v, bool)):
        raise fail(loc, msg)
    return v


def _literal(v: Any, loc: Loc, allowed: tuple[str, ...]) -> str:
    if v not in allowed:
        quoted = [f"'{a}'" for a in allowed]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
        raise fail(loc, f"Input should be {listed}")
    return str(v)


def _fields(
    v: dict[str, Any], loc: Loc, allowed: tuple[str, ...], required: tuple[str, ...]
) -> None:
    for name in required:
        if name not in v:
            raise fail((*loc, name), "Field required")
    for name in v:
        if name not in allowed:
            raise fail((*loc, name), "Extra inputs are not permitted")


def _range(v: Any, loc: Loc, lo: float | None, hi: float | None) -> None:
    if lo is not None and v < lo:
        raise fail(loc, f"Input should be greater than or equal to {_num(lo)}")
    if hi is not None and v > hi:
        raise fail(loc, f"Input should be less than or equal to {_num(hi)}")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _tag(block: Any, loc: Loc, allowed: tuple[str, ...]) -> str:
    _is("dict", block, loc)
    tag = block.get("type")
    if tag is None:
        raise fail(loc, "Unable to extract tag using discriminator 'type'")
    if tag not in allowed:
        tags = ", ".join(f"'{t}'" for t in allowed)
        raise fail(
            loc,
            f"Input tag '{tag}' found using 'type' does not match any of the expected tags: {tags}",
        )
    return str(tag)


def _image(block: dict[str, Any], loc: Loc) -> str:
    """An image block -> the URL its chat form carries (base64 as a data URI)."""
    _fields(block, loc, ("type", "source", "cache_control"), ("source",))
    source = block["source"]
    kind = _tag(source, (*loc, "source"), ("base64", "url"))
    sloc = (*loc, "source", kind)
    if kind == "url":
        _fields(source, sloc, ("type", "url"), ("url",))
        return str(_is("str", source["url"], (*sloc, "url")))
    _fields(source, sloc, ("type", "media_type", "data"), ("media_type", "data"))
    if source["media_type"] not in MEDIA_TYPES:
        raise fail((*sloc, "media_type"), f"Input should be {MEDIA_TYPE_LIST}")
    media_type = source["media_type"]
    data = _is("str", source["data"], (*sloc, "data"))
    try:
        inspect_base64(data, media_type)
    except ImageError as err:
        if err.reason == "base64":  # real wording: "...image.source.base64: invalid base64 data"
            raise fail(sloc, "invalid base64 data") from None
        raise fail(
            (*sloc, "data"), f"Image does not match the provided media type {media_type}"
        ) from None
    return f"data:{media_type};base64,{''.join(data.split())}"


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(str(b.get("text", "")) for b in value if isinstance(b, dict))
    return ""


def _tool_result(block: dict[str, Any], loc: Loc) -> dict[str, Any]:
    _fields(
        block,
        loc,
        ("type", "tool_use_id", "content", "is_error", "cache_control"),
        ("tool_use_id",),
    )
    _is("str", block["tool_use_id"], (*loc, "tool_use_id"))
    content = block.get("content", "")
    if isinstance(content, list):
        for k, inner in enumerate(content):
            iloc = (*loc, "content", k)
            if _tag(inner, iloc, ("text", "image")) == "image":
                _image(inner, (*iloc, "image"))
    elif not isinstance(content, str):
        raise fail((*loc, "content"), "Input should be a valid string")
    if block.get("is_error") is not None:
        _is("bool", block["is_error"], (*loc, "is_error"))
    return {"role": "tool", "tool_call_id": block["tool_use_id"], "content": _text_of(content)}


def _message(msg: Any, i: int) -> list[dict[str, Any]]:
    """One Anthropic message -> chat-form messages (tool results first, then the rest)."""
    loc: Loc = ("messages", i)
    _is("dict", msg, loc)
    _fields(msg, loc, ("role", "content"), ("role", "content"))
    role = _literal(msg["role"], (*loc, "role"), ("user", "assistant"))
    content = msg["content"]
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    _is("list", content, (*loc, "content"))
    parts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    for j, block in enumerate(content):
        bloc = (*loc, "content", j)
        kind = _tag(block, bloc, BLOCK_TYPES)
        tloc = (*bloc, kind)
        if kind == "text":
            _fields(block, tloc, ("type", "text", "cache_control", "citations"), ("text",))
            parts.append({"type": "text", "text": _is("str", block["text"], (*tloc, "text"))})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image(block, tloc)}})
        elif kind == "tool_use":
            _fields(
                block,
                tloc,
                ("type", "id", "name", "input", "cache_control"),
                ("id", "name", "input"),
            )
            _is("dict", block["input"], (*tloc, "input"))
            args = json.dumps(block["input"], ensure_ascii=False)
            fn = {"name": _is("str", block["name"], (*tloc, "name")), "arguments": args}
            calls.append(
                {"id": _is("str", block["id"], (*tloc, "id")), "type": "function", "function": fn}
            )
        elif kind == "tool_result":
            results.append(_tool_result(block, tloc))
    out = list(results)
    if role == "assistant":
        text = "".join(p["text"] for p in parts if p["type"] == "text")
        out.append({"role": "assistant", "content": text or None, "tool_calls": calls or None})
    elif parts or not results:
        out.append({"role": "user", "content": parts})
    return out


def _check_pairing(messages: list[Any]) -> None:
    """tool_use / tool_result pairing, in Anthropic's real wording."""
    for i, msg in enumerate(messages):
        content = msg["content"] if isinstance(msg["content"], list) else []
        uses = [b["id"] for b in content if b.get("type") == "tool_use"]
        nxt = messages[i + 1] if i + 1 < len(messages) else None
        if uses and nxt is not None:
            answered = {
                b.get("tool_use_id")
                for b in (nxt["content"] if isinstance(nxt["content"], list) else [])
                if b.get("type") == "tool_result"
            }
            missing = [u for u in uses if u not in answered]
            if missing:
                raise anth.invalid_request(
                    f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing)}. Each `tool_use` block must have "
                    "a corresponding `tool_result` block in the next message."
                )
        prev = messages[i - 1] if i > 0 else None
        offered = {
            b.get("id")
            for b in (prev["content"] if prev and isinstance(prev["content"], list) else [])
            if b.get("type") == "tool_use"
        }
        for j, block in enumerate(content):
            if block.get("type") == "tool_result" and block["tool_use_id"] not in offered:
                raise anth.invalid_request(
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {block['tool_use_id']}. Each `tool_result` block must have a "
                    "corresponding `tool_use` block in the previous message."
                )


def _messages(value: Any) -> list[dict[str, Any]]:
    _is("list", value, ("messages",))
    if not value:
        raise anth.invalid_request("messages: at least one message is required")
    out: list[dict[str, Any]] = []
    for i, msg in enumerate(value):
        out.extend(_message(msg, i))
        content = msg["content"]
        final_assistant = i == len(value) - 1 and msg["role"] == "assistant"
        if not content and not final_assistant:
            raise anth.invalid_request(
                f"messages.{i}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
    _check_pairing(value)
    return out


def _system(value: Any) -> str:
    if isinstance(value, str):
        return value
    _is("list", value, ("system",))
    for k, block in enumerate(value):
        loc = ("system", k)
        _tag(block, loc, ("text",))
        _fields(block, loc, ("type", "text", "cache_control", "citations"), ("text",))
        _is("str", block["text"], (*loc, "text"))
    return _text_of(value)


def _tools(value: Any) -> list[ToolSpec]:
    _is("list", value, ("tools",))
    out = []
    for i, tool in enumerate(value):
        loc = ("tools", i, "custom")
        _is("dict", tool, ("tools", i))
        _fields(
            tool,
            loc,
            ("type", "name", "description", "input_schema", "cache_control", "strict"),
            ("name", "input_schema"),
        )
        name = _is("str", tool["name"], (*loc, "name"))
        schema = _is("dict", tool["input_schema"], (*loc, "input_schema"))
        desc = tool.get("description") or ""
        out.append(ToolSpec(name, str(desc), schema))
    return out


def _tool_choice(value: Any, tools: list[ToolSpec]) -> str | dict[str, str]:
    kind = _tag(value, ("tool_choice",), TOOL_CHOICE_TYPES)
    loc = ("tool_choice", kind)
    allowed = (
        ("type", "name", "disable_parallel_tool_use")
        if kind == "tool"
        else (("type",) if kind == "none" else ("type", "disable_parallel_tool_use"))
    )
    _fields(value, loc, allowed, ("name",) if kind == "tool" else ())
    if not tools or kind == "none":
        return "none"
    if kind == "tool":
        name = _is("str", value["name"], (*loc, "name"))
        if name not in {t.name for t in tools}:  # ASSUMPTION: wording
            raise anth.invalid_request(f"tool_choice: tool '{name}' not found in tools")
        return {"name": name}
    return kind


def _output_format(value: Any) -> dict[str, Any] | None:
    _is("dict", value, ("output_config",))
    _fields(value, ("output_config",), ("format", "effort"), ())
    if value.get("effort") is not None and value["effort"] not in EFFORTS:
        raise anth.invalid_request(  # the recorded wording (pydantic-ai cassette)
            f"This model does not support effort level '{value['effort']}'. "
            f"Supported levels: {', '.join(EFFORTS)}."
        )
    fmt = value.get("format")
    if fmt is None:
        return None
    loc = ("output_config", "format")
    _tag(fmt, loc, ("json_schema",))
    _fields(fmt, loc, ("type", "schema"), ("schema",))
    schema = _is("dict", fmt["schema"], (*loc, "schema"))
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}


def validate_messages(body: Any, cfg: SimConfig) -> ChatRequest:
    """Validate a Messages body; raise `AnthropicError`."""
    if not isinstance(body, dict):
        raise anth.invalid_request("Input should be a valid dictionary")
    for name in ("model", "messages", "max_tokens"):
        if name not in body:
            raise fail((name,), "Field required")
    _is("str", body["model"], ("model",))
    messages = _messages(body["messages"])
    max_tokens = _is("int", body["max_tokens"], ("max_tokens",))
    _range(max_tokens, ("max_tokens",), 1, None)
    simple = {
        "metadata": "dict",
        "stop_sequences": "list",
        "stream": "bool",
        "temperature": "float",
        "top_k": "int",
        "top_p": "float",
        "thinking": "dict",
        "service_tier": "str",
    }
    for name, kind in simple.items():
        if body.get(name) is not None:
            _is(kind, body[name], (name,))
    bounds = {"temperature": cfg.range_of("temperature"), "top_p": (0, 1), "top_k": (0, None)}
    for name, (lo, hi) in bounds.items():
        if body.get(name) is not None:
            _range(body[name], (name,), lo, hi)
    if body.get("metadata"):
        _fields(body["metadata"], ("metadata",), ("user_id",), ())
    for k, stop in enumerate(body.get("stop_sequences") or []):
        _is("str", stop, ("stop_sequences", k))
    if body.get("service_tier") is not None:
        _literal(body["service_tier"], ("service_tier",), ("auto", "standard_only"))
    system = _system(body["system"]) if body.get("system") is not None else ""
    tools = _tools(body["tools"]) if body.get("tools") is not None else []
    choice: str | dict[str, str] = "auto" if tools else "none"
    if body.get("tool_choice") is not None:
        choice = _tool_choice(body["tool_choice"], tools)
    fmt = _output_format(body["output_config"]) if body.get("output_config") is not None else None
    for name in body:
        if name not in FIELDS:
            raise fail((name,), "Extra inputs are not permitted")
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return _semantic(body, cfg, messages, tools, choice, fmt)


def _semantic(
    body: dict[str, Any],
    cfg: SimConfig,
    messages: list[dict[str, Any]],
    tools: list[ToolSpec],
    choice: str | dict[str, str],
    fmt: dict[str, Any] | None,
) -> ChatRequest:
    assert cfg.models is not None and cfg.context_window is not None
    model = body["model"]
    if model not in cfg.models:
        raise anth.model_not_found(model)
    if not cfg.accepts_images(model) and any(
        isinstance(m.get("content"), list)
        and any(p.get("type") == "image_url" for p in m["content"])
        for m in messages
    ):  # ASSUMPTION: wording
        raise anth.invalid_request(f"model: {model} does not support image input")
    max_tokens = body["max_tokens"]
    if max_tokens > MAX_TOKENS_LIMIT:
        raise anth.max_tokens_too_large(max_tokens, MAX_TOKENS_LIMIT, model)
    prompt = prompt_tokens(messages, tools)
    if prompt > cfg.context_window:
        raise anth.prompt_too_long(prompt, cfg.context_window)
    if prompt + max_tokens > cfg.context_window:  # real wording (Anthropic 400)
        raise anth.invalid_request(
            f"input length and `max_tokens` exceed context limit: {prompt} + {max_tokens} > "
            f"{cfg.context_window}, decrease input length or `max_tokens` and try again"
        )
    return ChatRequest(
        dialect="openai",
        endpoint="messages",
        model=model,
        messages=messages,
        temperature=body.get("temperature"),
        max_tokens=max_tokens,
        stop=list(body.get("stop_sequences") or []),
        stream=bool(body.get("stream")),
        tools=tools,
        tool_choice=choice,
        response_format=fmt,
        raw=body,
    )
