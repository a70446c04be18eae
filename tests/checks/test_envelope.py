"""`error_envelope` on every real error body (cassettes and issue quotes)."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import (
    CASSETTE_ERRORS,
    ISSUE_BODIES,
    error_interactions,
    interaction,
    requires_realworld,
)

MISTRAL_400 = "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml"
OPENAI_401 = "mirascope/test_authentication_error/openai_gpt_4o_completions.yaml"
OPENROUTER_429 = "pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml"


@pytest.mark.parametrize("inter", error_interactions(), ids=lambda i: f"{i.file}#{i.index}")
@pytest.mark.realworld
@requires_realworld
def test_every_real_error_passes_with_its_dialect_and_class(inter, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    dialect, shape, cls = CASSETTE_ERRORS[inter.file]
    ctx, ex = ctx_from(inter.file, inter.index)
    assert run("error_envelope", ctx, ex, None) is None  # the target's dialect
    assert ctx.extra["error_variant"] == shape
    assert ctx.extra["error_class"] == cls
    assert (
        run("error_envelope", ctx, ex, {"dialect": dialect, "class": cls, "variant": shape}) is None
    )
    other = next(c for c in ("auth", "rate_limit") if c != cls)
    failure = run("error_envelope", ctx, ex, {"class": other})
    assert failure.title == f"error class {cls}, expected {other}"


@pytest.mark.parametrize(
    ("status", "body", "dialect", "shape", "cls"),
    [case[1:] for case in ISSUE_BODIES if case[3] is not None],
    ids=[case[0] for case in ISSUE_BODIES if case[3] is not None],
)
def test_issue_quoted_bodies(status, body, dialect, shape, cls, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    target = "openai" if dialect == "openrouter" else dialect
    ctx, ex = make_ctx(status=status, body=body, dialect=target)
    assert run("error_envelope", ctx, ex, {"class": cls, "variant": shape}) is None
    assert ctx.extra["error_variant"] == shape
    wrong = "anthropic" if target != "anthropic" else "mistral"
    failure = run("error_envelope", ctx, ex, wrong)
    assert failure.title.endswith(f"expected a {wrong} error envelope")


@pytest.mark.realworld
@requires_realworld
def test_mistral_code_type_param_message(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MISTRAL_400)
    ok = {
        "dialect": "mistral",
        "class": "context_length",
        "code": "3051",
        "type": "invalid_request_invalid_args",
        "message_contains": "MAXIMUM CONTEXT",
    }
    assert run("error_envelope", ctx, ex, ok) is None
    assert (
        run("error_envelope", ctx, ex, {"code": 3051}) is None
    )  # YAML int matches the string code
    assert (
        run("error_envelope", ctx, ex, {"code": "1300"}).title
        == "error code '3051', expected '1300'"
    )
    assert run("error_envelope", ctx, ex, {"type": "x"}).title.startswith("error type")
    assert (
        run("error_envelope", ctx, ex, {"param": "messages"}).title
        == "error param None, expected 'messages'"
    )
    assert "does not contain" in run("error_envelope", ctx, ex, {"message_contains": "quota"}).title
    strict = run("error_envelope", ctx, ex, {"variant": "mistral.detail_in_message"})
    assert strict.title == "error envelope variant mistral.flat, expected mistral.detail_in_message"


@pytest.mark.realworld
@requires_realworld
def test_wrong_dialect_fails(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(OPENAI_401, dialect="mistral")  # an OpenAI body from a "mistral" target
    failure = run("error_envelope", ctx, ex, None)
    assert failure.title == (
        "HTTP 401 body is an openai.error envelope, expected a mistral error envelope"
    )
    assert failure.received["variant"] == "openai.error"
    assert run("error_envelope", ctx, ex, "openai") is None


@pytest.mark.realworld
@requires_realworld
def test_openrouter_counts_as_openai_compatible(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(OPENROUTER_429)
    assert ctx.target.dialect == "openai"
    assert run("error_envelope", ctx, ex, {"class": "rate_limit", "code": 429}) is None
    assert run("error_envelope", ctx, ex, {"variant": "openai.error"}) is not None


@pytest.mark.realworld
@requires_realworld
def test_success_body_is_not_an_envelope(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    inter = interaction(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
    )
    ctx, ex = ctx_from(inter.file)
    failure = run("error_envelope", ctx, ex, None)
    assert failure.title == "HTTP 200 body is a success body, expected a mistral error envelope"
    assert ctx.extra["error_variant"] == "unknown"


def test_html_and_empty_fail(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx(status=502, body="<html><title>Bad Gateway</title></html>")
    assert run("error_envelope", ctx, ex, None).title == (
        "HTTP 502 body is an HTML page, expected a mistral error envelope"
    )
    assert ctx.extra["error_variant"] == "html"
    ctx, ex = make_ctx(status=401, body=b"")
    assert "an empty body" in run("error_envelope", ctx, ex, None).title


@pytest.mark.parametrize(
    "bad",
    [
        5,
        ["mistral"],
        "klingon",
        {"dialect": "x"},
        {"class": "nope"},
        {"variant": "mistral.nope"},
        {"dialect": "openai", "variant": "mistral.flat"},
        {"clas": "auth"},
        {"code": 1.5},
        {"code": True},
        {"type": 3},
        {"message_contains": None},
    ],
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="error_envelope"):
        validate_check_args("error_envelope", bad)


def test_did_you_mean() -> None:
    with pytest.raises(UsageError, match="did you mean 'class'"):
        validate_check_args("error_envelope", {"clas": "auth"})


@pytest.mark.parametrize(
    "good",
    [None, True, "mistral", "openrouter", {"class": "auth", "code": 3051, "variant": "html"}],
)
def test_good_args(good) -> None:  # type: ignore[no-untyped-def]
    validate_check_args("error_envelope", good)
