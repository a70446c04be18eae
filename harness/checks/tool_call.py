"""`tool_call` / `no_tool_call`: the reply calls (or does not call) the declared tools.

    - tool_call:                          # at least one tool call
    - tool_call: get_weather              # a call to this tool
    - tool_call:
        name: get_weather                 # optional
        arguments: {city: Paris}          # these keys with these values (others allowed)
        index: 0                          # judge this call (0-based); default: any call
                                          # matching `name`
        count: 1                          # how many calls (to `name`, when given)
    - no_tool_call:                       # the reply calls no tool

Always, for every call in the reply: the tool was declared in the request's `tools`, and its
arguments (the raw text) parse as JSON and validate against that tool's `parameters` schema.
Declared tools are read in the canonical OpenAI spelling
`[{"type": "function", "function": {"name", "parameters"}}]`; tools without "type" (as
pydantic-ai sends Mistral), flat Responses tools `{"type": "function", "name", "parameters"}`
and Anthropic tools `{"name", "input_schema"}` are read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import (
    is_flag,
    reject_unknown_keys,
    require_schema,
    require_success,
)
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.jsonsafe import loads_bounded
from harness.core.models import Exchange, ToolCall

_MISSING = object()


def declared_tools(request: Mapping[str, Any]) -> dict[str, Any]:
    """Tool name -> its parameters JSON Schema (None when it declares none)."""
    out: dict[str, Any] = {}
    tools = request.get("tools") if isinstance(request, Mapping) else None
    for tool in tools or []:
        if not isinstance(tool, Mapping):
            continue
        fn = tool.get("function")
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            out[fn["name"]] = fn.get("parameters")
        elif isinstance(tool.get("name"), str):
            out[tool["name"]] = tool.get("parameters", tool.get("input_schema"))
    return out


def _options(args: Any) -> dict[str, Any]:
    if is_flag(args):
        return {}
    if isinstance(args, str):
        if not args:
            raise ValueError("tool_call: the tool name must not be empty")
        return {"name": args}
    if not isinstance(args, Mapping):
        raise ValueError(  # noqa: TRY004
            "tool_call: give nothing, a tool name, or {name, arguments, index, count}"
        )
    reject_unknown_keys(args, ("name", "arguments", "index", "count"), "tool_call")
    if "name" in args and (not isinstance(args["name"], str) or not args["name"]):
        raise ValueError(f"tool_call: name must be a non-empty string, got {args['name']!r}")
    if "arguments" in args and not isinstance(args["arguments"], Mapping):
        raise ValueError(
            "tool_call: arguments must be a mapping of expected values, e.g. {city: Paris}"
        )
    for key in ("index", "count"):
        value = args.get(key)
        if key in args and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"tool_call: {key} must be a non-negative integer, got {value!r}")
    return dict(args)


def _describe(call: ToolCall, limit: int = 120) -> str:
    args = call.arguments if len(call.arguments) <= limit else call.arguments[:limit] + "…"
    return f"{call.name}({args})"


def _parse_and_validate(calls: list[ToolCall], tools: dict[str, Any]) -> list[Any]:
    """Every call names a declared tool and has JSON arguments valid for its schema."""
    parsed: list[Any] = []
    for i, call in enumerate(calls):
        if call.name not in tools:
            declared = ", ".join(sorted(tools)) or "none"
            raise CheckFailure(
                f"call {i} is to undeclared tool {call.name!r} (declared: {declared})",
                expected=sorted(tools),
                received=_describe(call),
            )
        try:
            args = loads_bounded(call.arguments)
        except ValueError as exc:
            raise CheckFailure(
                f"call {i} ({call.name}) arguments are not JSON: {exc}",
                expected="JSON arguments",
                received=call.arguments[:500],
            ) from None
        schema = tools[call.name]
        if isinstance(schema, (Mapping, bool)):
            require_schema(
                schema,
                args,
                bad_schema=f"tool {call.name!r} declares an invalid parameters schema",
                mismatch=f"call {i} ({call.name}) arguments break the tool schema",
                key="arguments",
            )
        parsed.append(args)
    return parsed


def _arguments_differ(actual: Any, expected: Mapping[str, Any]) -> str | None:
    """None when `actual` holds every expected key with an equal value, else the difference."""
    if not isinstance(actual, Mapping):
        return f"arguments are {type(actual).__name__}, not an object"
    for key, want in expected.items():
        got = actual.get(key, _MISSING)
        if got is _MISSING:
            return f"{key} is missing, expected {want!r}"
        if got != want or isinstance(got, bool) != isinstance(want, bool):
            return f"{key} is {got!r}, expected {want!r}"
    return None


@register_check("tool_call")
def tool_call(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    opts = _options(args)
    normalized = require_success(ctx, exchange)
    calls = normalized.tool_calls
    name = opts.get("name")
    received = [_describe(c) for c in calls]
    if not calls:
        want = f"a call to {name!r}" if name else "a tool call"
        content = normalized.content or ""
        raise CheckFailure(
            f"no tool call, expected {want}",
            expected=want,
            received=content[:300] if content else None,
        )
    parsed = _parse_and_validate(calls, declared_tools(ctx.request))

    if "count" in opts:
        n = sum(1 for c in calls if name is None or c.name == name)
        if n != opts["count"]:
            what = f"calls to {name!r}" if name else "tool calls"
            raise CheckFailure(
                f"{n} {what}, expected {opts['count']}", expected=opts["count"], received=received
            )
    if "index" in opts:
        idx = opts["index"]
        if idx >= len(calls):
            raise CheckFailure(
                f"no tool call at index {idx} ({len(calls)} calls)",
                expected=f"a call at index {idx}",
                received=received,
            )
        if name is not None and calls[idx].name != name:
            raise CheckFailure(
                f"call {idx} is to {calls[idx].name!r}, expected {name!r}",
                expected=name,
                received=received,
            )
        selected = [idx]
    else:
        selected = [i for i, c in enumerate(calls) if name is None or c.name == name]
        if not selected:
            got = ", ".join(sorted({c.name for c in calls}))
            raise CheckFailure(
                f"no call to {name!r} (called: {got})", expected=name, received=received
            )
    expected_args = opts.get("arguments")
    if expected_args:
        diffs = [_arguments_differ(parsed[i], expected_args) for i in selected]
        if all(d is not None for d in diffs):
            scope = "" if len(selected) == 1 else f" (none of {len(selected)} calls matches)"
            raise CheckFailure(
                f"tool call arguments differ: {diffs[0]}{scope}",
                expected=dict(expected_args),
                received=[parsed[i] for i in selected],
            )


@register_check("no_tool_call")
def no_tool_call(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    normalized = require_success(ctx, exchange)
    if normalized.tool_calls:
        first = normalized.tool_calls[0]
        more = len(normalized.tool_calls) - 1
        raise CheckFailure(
            f"unexpected tool call {_describe(first, 60)}" + (f" (+{more} more)" if more else ""),
            expected="no tool call",
            received=[_describe(c) for c in normalized.tool_calls],
        )


def _validate_no_tool_call(args: Any) -> None:
    if not is_flag(args):
        raise ValueError("no_tool_call takes no arguments")


def _validate_tool_call(args: Any) -> None:
    _options(args)


tool_call.validate_args = _validate_tool_call  # type: ignore[attr-defined]
no_tool_call.validate_args = _validate_no_tool_call  # type: ignore[attr-defined]
