"""`finish_reason` on real bodies of each dialect (normalised values)."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

CASES = [
    (
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml",
        0,
        "tool_calls",
    ),
    ("pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-mistral].yaml", 1, "stop"),
    ("openllmetry/test_vision/test_vision.yaml", 0, "length"),
    (
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml",
        0,
        "tool_calls",
    ),
    ("pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml", 1, "stop"),
    (
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml",
        0,
        "tool_calls",
    ),
    ("chatlas/test_provider_openai/test_data_extraction.yaml", 0, "stop"),
]


@pytest.mark.parametrize(("file", "index", "reason"), CASES)
def test_real_finish_reasons(file, index, reason, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(file, index)
    assert run("finish_reason", ctx, ex, reason) is None
    assert run("finish_reason", ctx, ex, [reason, "content_filter"]) is None
    other = "length" if reason != "length" else "stop"
    failure = run("finish_reason", ctx, ex, other)
    assert failure.title == f"finish_reason {reason!r}, expected {other}"
    assert (failure.expected, failure.received) == (other, reason)
    assert run("finish_reason", ctx, ex, [other, "error"]).title == (
        f"finish_reason {reason!r}, expected one of {other}, error"
    )


def test_error_response(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(
        "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[anthropic].yaml"
    )
    assert (
        run("finish_reason", ctx, ex, "stop").title == "no success body: HTTP 404 not_found error"
    )


@pytest.mark.parametrize("bad", [None, 3, [], ["stop", 1], {"value": "stop"}])
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="finish_reason"):
        validate_check_args("finish_reason", bad)
