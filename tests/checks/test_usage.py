"""`usage` on every real success body, with bounds and broken blocks."""

from __future__ import annotations

import copy

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import interaction, iter_interactions, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

SUCCESS = [
    i
    for i in iter_interactions(include_stream=False)
    if i.status == 200 and i.endpoint in ("chat", "responses", "messages")
]
MISTRAL_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
OPENAI_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"
ANTHROPIC_TOOL = (
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml"
)
STOP = "pydantic-ai/test_settings/test_stop_settings[mistral].yaml"


@pytest.mark.parametrize("inter", SUCCESS, ids=lambda i: f"{i.file}#{i.index}")
def test_every_real_success_body_passes(inter, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(inter.file, inter.index)
    assert run("usage", ctx, ex, None) is None
    assert run("usage", ctx, ex, True) is None
    total = ctx.normalized.usage.total_tokens
    assert run("usage", ctx, ex, {"max_total_tokens": total}) is None
    failure = run("usage", ctx, ex, {"max_total_tokens": total - 1})
    assert failure.title == f"usage total_tokens {total} above max {total - 1}"


def test_bounds(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MISTRAL_TOOL)  # 70 prompt (69 cached), 12 completion, 82 total
    ok = {
        "prompt_tokens": {"min": 70, "max": 70},
        "completion_tokens": 12,
        "total_tokens": {"max": 100},
        "cached_prompt_tokens": {"min": 1},
        "min_completion_tokens": 1,
    }
    assert run("usage", ctx, ex, ok) is None
    assert run("usage", ctx, ex, {"completion_tokens": {"min": 13}}).title == (
        "usage completion_tokens 12 below min 13"
    )
    failure = run("usage", ctx, ex, {"prompt_tokens": {"max": 50}})
    assert (failure.title, failure.expected, failure.received) == (
        "usage prompt_tokens 70 above max 50",
        "<= 50",
        70,
    )
    # unknown is never zero: Mistral reports no reasoning token count
    assert run("usage", ctx, ex, {"reasoning_tokens": {"max": 0}}).title == (
        "usage reasoning_tokens not reported, expected <= 0"
    )


def test_reasoning_and_cached(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(OPENAI_TOOL)
    assert run("usage", ctx, ex, {"reasoning_tokens": {"min": 1}}) is None
    assert run("usage", ctx, ex, {"cached_prompt_tokens": {"min": 1}}).title == (
        "usage cached_prompt_tokens 0 below min 1"
    )
    ctx, ex = ctx_from(STOP)  # no cache count reported at all
    assert "not reported" in run("usage", ctx, ex, {"cached_prompt_tokens": {"max": 10}}).title


def test_anthropic_total_is_computed(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(ANTHROPIC_TOOL)
    assert run("usage", ctx, ex, {"total_tokens": {"min": 693, "max": 693}}) is None


def _broken(mutate):  # type: ignore[no-untyped-def]
    body = copy.deepcopy(interaction(OPENAI_TOOL).response)
    mutate(body["usage"])
    return body


@pytest.mark.parametrize(
    ("label", "mutate", "title"),
    [
        (
            "total mismatch",
            lambda u: u.__setitem__("total_tokens", 300),
            "usage total_tokens 300 != prompt 130 + completion 87",
        ),
        (
            "negative",
            lambda u: u.__setitem__("completion_tokens", -1),
            "usage has invalid token counts: usage.completion_tokens = -1",
        ),
        (
            "string",
            lambda u: u.__setitem__("prompt_tokens", "130"),
            "usage has invalid token counts: usage.prompt_tokens = '130'",
        ),
        (
            "float detail",
            lambda u: u["completion_tokens_details"].__setitem__("reasoning_tokens", 1.5),
            "usage has invalid token counts: usage.completion_tokens_details.reasoning_tokens = 1.5",
        ),
        ("missing prompt", lambda u: u.pop("prompt_tokens"), "usage does not report prompt_tokens"),
        (
            "cached above prompt",
            lambda u: u["prompt_tokens_details"].__setitem__("cached_tokens", 131),
            "usage cached prompt tokens 131 exceed prompt tokens 130",
        ),
        (
            "reasoning above completion",
            lambda u: u["completion_tokens_details"].__setitem__("reasoning_tokens", 88),
            "usage reasoning tokens 88 exceed completion tokens 87",
        ),
    ],
)
def test_broken_usage_fails(label, mutate, title, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx(_broken(mutate), dialect="openai")
    assert run("usage", ctx, ex, None).title == title


def test_missing_usage_and_errors(make_ctx, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    body = copy.deepcopy(interaction(OPENAI_TOOL).response)
    body.pop("usage")
    ctx, ex = make_ctx(body, dialect="openai")
    assert run("usage", ctx, ex, None).title == "usage missing from the response"
    ctx, ex = ctx_from(
        "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml"
    )
    assert run("usage", ctx, ex, None).title == "no success body: HTTP 400 context_length error"


@pytest.mark.parametrize(
    "bad",
    [
        5,
        "x",
        {"total": 5},
        {"max_total_tokens": -1},
        {"total_tokens": {"max": "5"}},
        {"total_tokens": {"min": 5, "max": 1}},
        {"total_tokens": {"maximum": 5}},
        {"max_total_tokens": 10, "min_total_tokens": 20},
    ],
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="usage"):
        validate_check_args("usage", bad)


def test_did_you_mean() -> None:
    with pytest.raises(UsageError, match="did you mean 'total_tokens'"):
        validate_check_args("usage", {"total_token": 5})
