"""`cost_usd`: reads ctx.cost_usd; unknown is never zero."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

FILE = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"


def test_within_and_above(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    # 70 prompt + 12 completion tokens at $0.5 / $1.5 per 1M = $0.000053
    ctx, ex = ctx_from(FILE, cost=0.000053, cost_note="mistral-large-latest list price")
    assert run("cost_usd", ctx, ex, {"max": 0.001}) is None
    assert run("cost_usd", ctx, ex, 0.001) is None
    assert run("cost_usd", ctx, ex, {"min": 0.00001, "max": 0.0001}) is None
    failure = run("cost_usd", ctx, ex, {"max": 0.00001})
    assert failure.title == "cost $0.000053 above max $0.00001"
    assert (failure.expected, failure.received) == ({"max": 0.00001}, 0.000053)
    assert run("cost_usd", ctx, ex, {"min": 0.001}).title == "cost $0.000053 below min $0.001"


def test_unknown_cost_fails(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(FILE, cost=None, cost_note="no price for mistral/unknown-model")
    failure = run("cost_usd", ctx, ex, {"max": 1})
    assert failure.title == "cost unknown: no price for mistral/unknown-model"
    assert failure.received is None
    ctx, ex = ctx_from(FILE, cost=None)
    assert run("cost_usd", ctx, ex, 1).title == "cost unknown: no price or no usage"


def test_zero_cost_is_a_cost(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(FILE, cost=0.0, cost_note="free tier")
    assert run("cost_usd", ctx, ex, 0) is None


@pytest.mark.parametrize(
    "bad", [None, "1", -1, {"maxi": 1}, {}, {"max": "x"}, {"min": 2, "max": 1}, True]
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="cost_usd"):
        validate_check_args("cost_usd", bad)
