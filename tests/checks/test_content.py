"""contains / not_contains / regex / equals on real reply text."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

THINK = "pydantic-ai/test_thinking_wire_contract/test_reasoning_wire_contract[mistral-small-thinking-high].yaml"
MAGISTRAL = "llm-mistral/reasoning/magistral-high-completion.json"
WEATHER = (
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-mistral].yaml"  # index 1
)
OPENAI_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"
ANTHROPIC = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml"


def test_equals_on_reasoning_reply(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(THINK)
    assert run("equals", ctx, ex, "4") is None
    assert run("equals", ctx, ex, "  4\n") is None
    failure = run("equals", ctx, ex, "5")
    assert failure.title == "content '4', expected '5'"
    assert (failure.expected, failure.received) == ("5", "4")


def test_thinking_is_not_content(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MAGISTRAL)
    # "distributive" appears only in the thinking part
    assert run("not_contains", ctx, ex, "distributive") is None
    assert (
        run("contains", ctx, ex, "distributive").title == "content does not contain 'distributive'"
    )
    assert run("equals", ctx, ex, "323") is None


def test_contains(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(WEATHER, 1)
    assert run("contains", ctx, ex, "Paris") is None
    assert run("contains", ctx, ex, ["Paris", "22°C", "sunny"]) is None
    failure = run("contains", ctx, ex, ["Paris", "rain", "snow"])
    assert failure.title == "content does not contain 'rain' (and 1 more)"
    assert failure.received.startswith("The current weather in **Paris**")
    assert run("contains", ctx, ex, "PARIS") is not None
    assert run("contains", ctx, ex, {"text": ["PARIS", "SUNNY"], "case_sensitive": False}) is None


def test_not_contains(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(ANTHROPIC, 1)
    assert run("not_contains", ctx, ex, ["As an AI", "I cannot"]) is None
    assert run("not_contains", ctx, ex, "sunny").title == "content contains 'sunny'"
    assert run("not_contains", ctx, ex, {"text": "PARIS", "case_sensitive": False}).title == (
        "content contains 'PARIS'"
    )


def test_regex(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(ANTHROPIC, 1)
    assert run("regex", ctx, ex, r"\d+°C") is None
    assert run("regex", ctx, ex, {"pattern": "^THE WEATHER", "flags": "i"}) is None
    failure = run("regex", ctx, ex, "^THE WEATHER")
    assert failure.title == "content does not match /^THE WEATHER/"
    ctx, ex = ctx_from(THINK)
    assert run("regex", ctx, ex, r"^\d+$") is None


def test_tool_call_only_reply_has_no_text(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(OPENAI_TOOL)  # content: null
    assert (
        run("contains", ctx, ex, "Paris").title == "no text content, expected it to contain 'Paris'"
    )
    assert run("regex", ctx, ex, ".").title == "no text content /./"
    assert run("equals", ctx, ex, "").title == "content missing, expected ''"
    assert run("not_contains", ctx, ex, "Paris") is None


def test_error_response(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from("mirascope/test_authentication_error/anthropic_claude_sonnet_4_0.yaml")
    for name, args in (("contains", "x"), ("not_contains", "x"), ("regex", "x"), ("equals", "x")):
        assert run(name, ctx, ex, args).title == "no success body: HTTP 401 auth error"


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("contains", None),
        ("contains", 3),
        ("contains", []),
        ("contains", {"txt": "a"}),
        ("contains", {"text": "a", "case_sensitive": "no"}),
        ("not_contains", [1]),
        ("regex", "("),
        ("regex", {"pattern": "a", "flags": "q"}),
        ("regex", None),
        ("regex", {"flags": "i"}),
        ("equals", None),
        ("equals", 4),
    ],
)
def test_bad_args(name, bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=name):
        validate_check_args(name, bad)
