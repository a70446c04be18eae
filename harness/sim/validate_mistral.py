"""Mistral request validation, answering like La Plateforme (FastAPI + pydantic v2).

Schema errors are collected (all of them, in the field order of the spec's
``ChatCompletionRequest``, extra fields last) and returned as one 422 whose ``message`` holds
``{"detail": [...]}`` pydantic items (type, loc, msg, input, ctx). Coercion follows pydantic's
lax mode: "0.5" is a valid float, 5.0 a valid int. Then, as 400s: unknown model, prompt larger
than the context window (code "3051"), unknown tool named in ``tool_choice``.
"""

from __future__ import annotations

from typing import Any

from harness.sim import envelopes as env
from harness.sim.config import SimConfig
from harness.sim.images import REASONS, ImageError, inspect_url, part_url
from harness.sim.pydantic_style import Checker, detail
from harness.sim.request import ChatRequest, ToolSpec, prompt_tokens

TOOL_CHOICES = ("auto", "none", "any", "required")
RESPONSE_FORMATS = ("text", "json_object", "json_schema")
ROLES = ("assistant", "system", "tool", "user")
MESSAGE_FIELDS = {
    "system": ("role", "content"),
    "user": ("role", "content"),
    "assistant": ("role", "content", "tool_calls", "prefix"),
    "tool": ("role", "content", "tool_call_id", "name"),
}

# The spec's ChatCompletionRequest properties, in order: name -> kind.
FIELDS: dict[str, str] = {
    "model": "str!",
    "temperature": "float",
    "top_p": "float",
    "max_tokens": "int",
    "stream": "bool",
    "stop": "stop",
    "random_seed": "int",
    "metadata": "dict",
    "messages": "messages!",
    "response_format": "response_format",
    "tools": "tools",
    "tool_choice": "tool_choice",
    "presence_penalty": "float",
    "frequency_penalty": "float",
    "n": "int",
    "prediction": "dict",
    "parallel_tool_calls": "bool",
    "prompt_mode": "enum:reasoning",
    "reasoning_effort": "enum:high,none",
    "guardrails": "list",
    "prompt_cache_key": "str",
    "safe_prompt": "bool",
}


class _Checker(Checker):
    """The Chat Completion request's compound fields."""

    def stop(self, v: Any) -> list[str] | None:
        if isinstance(v, str):
            return [v]
        if isinstance(v, list) and all(isinstance(s, str) for s in v):
            return list(v)
        if isinstance(v, list):
            for i, s in enumerate(v):
                if not isinstance(s, str):
                    self.fail(
                        "string_type", ("stop", "list[str]", i), "Input should be a valid string", s
                    )
            return None
        self.fail("string_type", ("stop", "str"), "Input should be a valid string", v)
        self.fail("list_type", ("stop", "list[str]"), "Input should be a valid list", v)
        return None

    def messages(self, v: Any) -> list[dict[str, Any]]:
        if not isinstance(v, list):
            self.fail("list_type", ("messages",), "Input should be a valid list", v)
            return []
        for i, msg in enumerate(v):
            loc = ("messages", i)
            if not isinstance(msg, dict):
                self.fail(
                    "model_attributes_type",
                    loc,
                    "Input should be a valid dictionary or object to extract fields from",
                    msg,
                )
                continue
            role = msg.get("role")
            if role is None:
                self.fail(
                    "union_tag_not_found",
                    loc,
                    "Unable to extract tag using discriminator 'role'",
                    msg,
                    {"discriminator": "'role'"},
                )
                continue
            if role not in ROLES:
                tags = ", ".join(f"'{r}'" for r in ROLES)
                self.fail(
                    "union_tag_invalid",
                    loc,
                    f"Input tag '{role}' found using 'role' does not match any of the "
                    f"expected tags: {tags}",
                    msg,
                    {"discriminator": "'role'", "tag": str(role), "expected_tags": tags},
                )
                continue
            required = () if role == "assistant" else ("content",)
            self.fields(msg, (*loc, role), MESSAGE_FIELDS[role], required)
            if isinstance(msg.get("content"), list):
                for j, part in enumerate(msg["content"]):
                    self.image_part(part, (*loc, role, "content", j))
        return v

    def image_part(self, part: Any, loc: tuple[Any, ...]) -> None:
        """``image_url`` is a string or ``{"url", "detail"?}`` (the spec's ImageURLChunk).
        ASSUMPTION: the loc of these details is simplified (pydantic's union locs are longer).
        """
        if not isinstance(part, dict) or part.get("type") != "image_url":
            return
        ploc = (*loc, "image_url")
        if "image_url" not in part:
            self.fail("missing", (*ploc, "image_url"), "Field required", part)
            return
        value = part["image_url"]
        if isinstance(value, str):
            return
        if not self.obj(value, (*ploc, "image_url"), "ImageURL"):
            return
        self.fields(value, (*ploc, "image_url"), ("url", "detail"), ("url",))
        if "url" in value:
            self.string(value["url"], (*ploc, "image_url", "url"))

    def tools(self, v: Any) -> list[ToolSpec]:
        if not isinstance(v, list):
            self.fail("list_type", ("tools",), "Input should be a valid list", v)
            return []
        out = []
        for i, tool in enumerate(v):
            loc = ("tools", i)
            if not self.obj(tool, loc, "Tool"):
                continue
            self.fields(tool, loc, ("type", "function"), ("function",))
            if "type" in tool:
                self.literal(tool["type"], (*loc, "type"), ("function",))
            fn = tool.get("function")
            if fn is None or not self.obj(fn, (*loc, "function"), "Function"):
                continue
            floc = (*loc, "function")
            self.fields(
                fn, floc, ("name", "description", "strict", "parameters"), ("name", "parameters")
            )
            name = self.string(fn.get("name", ""), (*floc, "name"))
            params = fn.get("parameters", {})
            if not isinstance(params, dict):
                self.fail(
                    "dict_type", (*floc, "parameters"), "Input should be a valid dictionary", params
                )
                params = {}
            desc = fn.get("description") or ""
            out.append(ToolSpec(str(name or ""), str(desc), params))
        return out

    def tool_choice(self, v: Any) -> Any:
        if not isinstance(v, dict):
            return self.literal(v, ("tool_choice",), TOOL_CHOICES)
        loc = ("tool_choice",)
        self.fields(v, loc, ("type", "function"), ("function",))
        if "type" in v:
            self.literal(v["type"], (*loc, "type"), ("function",))
        fn = v.get("function")
        if isinstance(fn, dict) or fn is None:
            if isinstance(fn, dict):
                self.fields(fn, (*loc, "function"), ("name",), ("name",))
                name = self.string(fn.get("name", ""), (*loc, "function", "name"))
                return {"name": name}
        else:
            self.obj(fn, (*loc, "function"), "FunctionName")
        return None

    def response_format(self, v: Any) -> dict[str, Any] | None:
        loc = ("response_format",)
        if not self.obj(v, loc, "ResponseFormat"):
            return None
        self.fields(v, loc, ("type", "json_schema"), ())
        self.literal(v.get("type", "text"), (*loc, "type"), RESPONSE_FORMATS)
        js = v.get("json_schema")
        if js is not None and self.obj(js, (*loc, "json_schema"), "JsonSchema"):
            self.fields(
                js,
                (*loc, "json_schema"),
                ("name", "description", "schema", "strict"),
                ("name", "schema"),
            )
            if "schema" in js and not isinstance(js["schema"], dict):
                self.fail(
                    "dict_type",
                    (*loc, "json_schema", "schema"),
                    "Input should be a valid dictionary",
                    js["schema"],
                )
        return v


def validate_mistral(body: Any, cfg: SimConfig) -> ChatRequest:
    """Validate a Mistral chat body; raise `SimHTTPError` in Mistral's envelope."""
    if not isinstance(body, dict):
        item = detail(
            "model_attributes_type",
            (),
            "Input should be a valid dictionary or object to extract fields from",
            body,
        )
        raise env.mistral_validation([item])
    c = _Checker()
    values: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        if name not in body:
            if kind.endswith("!"):
                c.fail("missing", (name,), "Field required", body)
            continue
        v = body[name]
        if v is None and not kind.endswith("!"):
            continue
        kind = kind.rstrip("!")
        if kind in ("float", "int"):
            num = c.number(v, (name,), kind == "int")
            c.in_range(num, v, (name,), cfg.range_of(name))
            values[name] = num
        elif kind == "bool":
            values[name] = c.boolean(v, (name,))
        elif kind == "str":
            values[name] = c.string(v, (name,))
        elif kind == "dict":
            values[name] = v if c.obj(v, (name,)) else None
        elif kind == "list":
            if not isinstance(v, list):
                c.fail("list_type", (name,), "Input should be a valid list", v)
        elif kind.startswith("enum:"):
            values[name] = c.literal(v, (name,), tuple(kind[5:].split(",")))
        else:
            values[name] = getattr(c, kind)(v)
    for name, value in body.items():
        if name not in FIELDS:
            c.fail("extra_forbidden", (name,), "Extra inputs are not permitted", value)
    if c.details:
        raise env.mistral_validation(c.details)
    return _semantic(values, body, cfg)


def _semantic(values: dict[str, Any], body: dict[str, Any], cfg: SimConfig) -> ChatRequest:
    assert cfg.models is not None and cfg.context_window is not None
    model = values["model"]
    if model not in cfg.models:
        raise env.mistral_invalid_model(model)
    tools: list[ToolSpec] = values.get("tools") or []
    messages = values["messages"]
    _check_images(messages, model, cfg)
    prompt = prompt_tokens(messages, tools)
    if prompt > cfg.context_window:
        raise env.mistral_context_exceeded(prompt, cfg.context_window)
    choice = values.get("tool_choice") or "auto"
    if isinstance(choice, dict) and choice["name"] not in {t.name for t in tools}:
        # ASSUMPTION: no recording of this case; 400 in the flat envelope.
        raise env.mistral_bad_request(
            f"Tool choice function '{choice['name']}' is not one of the provided tools"
        )
    rf = values.get("response_format")
    return ChatRequest(
        dialect="mistral",
        model=model,
        messages=messages,
        temperature=values.get("temperature"),
        seed=values.get("random_seed"),
        max_tokens=values.get("max_tokens"),
        stop=values.get("stop") or [],
        n=values.get("n") or 1,
        stream=bool(values.get("stream")),
        include_usage=True,
        tools=tools,
        tool_choice=choice,
        response_format=rf if rf and rf.get("type", "text") != "text" else None,
        raw=body,
    )


def _check_images(messages: list[dict[str, Any]], model: str, cfg: SimConfig) -> None:
    """ASSUMPTION (no recording): images to a text-only model, or an undecodable data URI,
    are 400s in the flat envelope."""
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        for part in content if isinstance(content, list) else []:
            url = part_url(part)
            if url is None:
                continue
            if not cfg.accepts_images(model):
                raise env.mistral_image_error(f"Model {model} does not support image input")
            try:
                inspect_url(url)
            except ImageError as err:
                raise env.mistral_image_error(f"Invalid image: {REASONS[err.reason]}") from None
