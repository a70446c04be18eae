"""`status` on real exchanges."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

AUTH_401 = "mirascope/test_authentication_error/openai_gpt_4o_completions.yaml"
OK_200 = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"


def test_passes(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(OK_200)
    for args in (200, [200, 201], "2xx", "200", None, True and "2XX", [429, "2xx"]):
        assert run("status", ctx, ex, args) is None, args


def test_fails_on_a_real_401(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(AUTH_401)
    failure = run("status", ctx, ex, 200)
    assert failure.title == "status code 401, expected 200"
    assert (failure.expected, failure.received, failure.check) == ("200", 401, "status")
    assert run("status", ctx, ex, [200, 201]).title == "status code 401, expected one of 200, 201"
    assert run("status", ctx, ex, "2xx").title == "status code 401, expected 2xx"
    assert run("status", ctx, ex, None) is not None
    assert run("status", ctx, ex, "4xx") is None
    assert run("status", ctx, ex, [401, 403]) is None


def test_no_status_is_a_failure(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx(None, status=None, latency_ms=None)
    ex.error_class = "timeout"
    failure = run("status", ctx, ex, 200)
    assert failure.title == "no HTTP status (timeout), expected 200"


@pytest.mark.parametrize(
    "bad", [True, 99, 600, "3x", "abc", [], [200, "nope"], {"code": 200}, 200.5]
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="status"):
        validate_check_args("status", bad)


@pytest.mark.parametrize("good", [200, [200, 404], "5xx", None])
def test_good_args(good) -> None:  # type: ignore[no-untyped-def]
    validate_check_args("status", good)
