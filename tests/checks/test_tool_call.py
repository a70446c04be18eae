"""tool_call / no_tool_call on real forced tool calls, with the requests' own tool declarations."""

from __future__ import annotations

import copy
import json

import pytest

from harness.checks import validate_check_args
from harness.checks.tool_call import declared_tools
from harness.core.errors import UsageError
from tests.realworld import interaction, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

MATRIX = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[{}].yaml"
REQUIRED_MISTRAL = MATRIX.format("required-mistral")
FORCED = [
    MATRIX.format("required-mistral"),
    MATRIX.format("list_single-mistral"),
    MATRIX.format("auto-mistral"),
    MATRIX.format("required-openai"),
    MATRIX.format("required-openai_responses"),
    MATRIX.format("required-anthropic"),
    MATRIX.format("auto-anthropic"),
]
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}


@pytest.mark.parametrize("file", FORCED, ids=lambda f: f.rsplit("[", 1)[-1].rstrip("].yaml"))
def test_real_tool_calls_pass_with_their_own_request(file, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(file)
    assert declared_tools(ctx.request)["get_weather"]["required"] == ["city"]
    assert run("tool_call", ctx, ex, None) is None
    assert run("tool_call", ctx, ex, "get_weather") is None
    full = {"name": "get_weather", "arguments": {"city": "Paris"}, "index": 0, "count": 1}
    assert run("tool_call", ctx, ex, full) is None
    arguments = ctx.normalized.tool_calls[0].arguments
    assert (
        run("no_tool_call", ctx, ex, None).title == f"unexpected tool call get_weather({arguments})"
    )


def test_mistral_tools_without_type_are_declared(ctx_from) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = ctx_from(REQUIRED_MISTRAL)
    assert "type" not in ctx.request["tools"][0]
    assert declared_tools(ctx.request) == {"get_weather": WEATHER_SCHEMA}


def test_declared_tool_spellings() -> None:
    request = {
        "tools": [
            {"type": "function", "function": {"name": "a", "parameters": {"type": "object"}}},
            {"function": {"name": "b"}},
            {"type": "function", "name": "c", "parameters": {"type": "object"}, "strict": True},
            {"name": "d", "input_schema": {"type": "object"}},
            "junk",
        ]
    }
    assert declared_tools(request) == {
        "a": {"type": "object"},
        "b": None,
        "c": {"type": "object"},
        "d": {"type": "object"},
    }
    assert declared_tools({}) == {}


def test_wrong_name_fails(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(REQUIRED_MISTRAL)
    failure = run("tool_call", ctx, ex, "get_time")
    assert failure.title == "no call to 'get_time' (called: get_weather)"
    assert run("tool_call", ctx, ex, {"name": "get_time", "index": 0}).title == (
        "call 0 is to 'get_weather', expected 'get_time'"
    )


def test_expected_arguments(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(REQUIRED_MISTRAL)
    failure = run("tool_call", ctx, ex, {"arguments": {"city": "London"}})
    assert failure.title == "tool call arguments differ: city is 'Paris', expected 'London'"
    assert failure.received == [{"city": "Paris"}]
    assert run("tool_call", ctx, ex, {"arguments": {"unit": "C"}}).title == (
        "tool call arguments differ: unit is missing, expected 'C'"
    )


def test_count_and_index(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(REQUIRED_MISTRAL)
    assert run("tool_call", ctx, ex, {"count": 2}).title == "1 tool calls, expected 2"
    assert run("tool_call", ctx, ex, {"name": "get_weather", "count": 0}).title == (
        "1 calls to 'get_weather', expected 0"
    )
    assert run("tool_call", ctx, ex, {"index": 1}).title == "no tool call at index 1 (1 calls)"


def _with_arguments(arguments: str, make_ctx):  # type: ignore[no-untyped-def]
    inter = interaction(REQUIRED_MISTRAL)
    body = copy.deepcopy(inter.response)
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = arguments
    return make_ctx(body, request=inter.request, dialect="mistral")


@pytest.mark.parametrize(
    ("arguments", "title"),
    [
        (
            '{"city": 5}',
            "call 0 (get_weather) arguments break the tool schema: $.city: 5 is not of type 'string'",
        ),
        (
            "{}",
            "call 0 (get_weather) arguments break the tool schema: $: 'city' is a required property",
        ),
        (
            '{"city": "Paris"',
            (
                "call 0 (get_weather) arguments are not JSON: Expecting ',' delimiter: "
                "line 1 column 17 (char 16)"
            ),
        ),
        (
            "",
            "call 0 (get_weather) arguments are not JSON: Expecting value: line 1 column 1 (char 0)",
        ),
    ],
)
def test_arguments_must_fit_the_schema(arguments, title, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = _with_arguments(arguments, make_ctx)
    assert run("tool_call", ctx, ex, None).title == title
    # even when the expected name matches
    assert run("tool_call", ctx, ex, "get_weather").title == title


def test_undeclared_tool_fails(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    other = {"tools": [{"type": "function", "function": {"name": "get_time", "parameters": {}}}]}
    ctx, ex = ctx_from(REQUIRED_MISTRAL, request=other)
    failure = run("tool_call", ctx, ex, None)
    assert failure.title == "call 0 is to undeclared tool 'get_weather' (declared: get_time)"
    ctx, ex = ctx_from(REQUIRED_MISTRAL, request={"messages": []})
    assert "(declared: none)" in run("tool_call", ctx, ex, "get_weather").title


def test_invalid_declared_schema(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    bad = {"tools": [{"function": {"name": "get_weather", "parameters": {"type": "nope"}}}]}
    ctx, ex = ctx_from(REQUIRED_MISTRAL, request=bad)
    assert "declares an invalid parameters schema" in run("tool_call", ctx, ex, None).title


def test_any_matching_call_of_several(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    inter = interaction(REQUIRED_MISTRAL)
    body = copy.deepcopy(inter.response)
    calls = body["choices"][0]["message"]["tool_calls"]
    calls.append(copy.deepcopy(calls[0]))
    calls[1]["function"]["arguments"] = json.dumps({"city": "Lyon"})
    ctx, ex = make_ctx(body, request=inter.request)
    assert run("tool_call", ctx, ex, {"arguments": {"city": "Lyon"}}) is None
    assert run("tool_call", ctx, ex, {"arguments": {"city": "Lyon"}, "index": 0}) is not None
    assert run("tool_call", ctx, ex, {"name": "get_weather", "count": 2}) is None
    failure = run("tool_call", ctx, ex, {"arguments": {"city": "Nice"}})
    assert (
        failure.title
        == "tool call arguments differ: city is 'Paris', expected 'Nice' (none of 2 calls matches)"
    )
    assert run("no_tool_call", ctx, ex, None).title.endswith("(+1 more)")


def test_plain_reply(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MATRIX.format("none-mistral"))
    assert run("no_tool_call", ctx, ex, None) is None
    failure = run("tool_call", ctx, ex, "get_weather")
    assert failure.title == "no tool call, expected a call to 'get_weather'"
    assert failure.received.startswith("To check the current weather")
    assert run("tool_call", ctx, ex, None).title == "no tool call, expected a tool call"


def test_error_response(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from("pydantic-ai/test_openai/test_openai_o1_mini_system_role[developer].yaml")
    assert run("tool_call", ctx, ex, None).title == "no success body: HTTP 400 validation error"
    assert run("no_tool_call", ctx, ex, None).title == "no success body: HTTP 400 validation error"


@pytest.mark.parametrize(
    "bad",
    [
        3,
        "",
        ["a"],
        {"nam": "a"},
        {"name": 3},
        {"arguments": "city=Paris"},
        {"index": -1},
        {"count": "1"},
        {"count": True},
    ],
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="tool_call"):
        validate_check_args("tool_call", bad)


def test_no_tool_call_takes_no_args() -> None:
    validate_check_args("no_tool_call", None)
    with pytest.raises(UsageError, match="no_tool_call"):
        validate_check_args("no_tool_call", "get_weather")
