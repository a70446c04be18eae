"""`body_schema: {openapi: "<spec>#<Component>"}`: validation against providers' official specs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from harness.specs import ENV_DIR
from harness.wire.streams import assemble
from tests.realworld import REALWORLD, requires_realworld

MISTRAL_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
OPENAI_CHAT = "chatlas/test_provider_openai_completions/test_data_extraction.yaml"
OPENAI_STREAM = "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml"
RESPONSES_STREAM = "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml"
ANTHROPIC = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml"
ANTHROPIC_STREAM = "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml"
ANTHROPIC_SPEC = REALWORLD / "specs" / "anthropic-openapi-spec" / "hosted_spec.yaml"
realworld = [pytest.mark.realworld, requires_realworld]


@pytest.fixture(autouse=True)
def _no_specs_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)


@pytest.mark.parametrize(
    "args",
    [
        {"openapi": "mistral#ChatCompletionResponse"},
        {"openapi": "openai#CreateChatCompletionResponse", "strict": True},
        {"openapi": "openai#Response"},
        {"openapi": "anthropic#Message"},  # not packaged: needs a path at run time, not at load
        {"openapi": "openai"},
        {"openapi": True},
        {"openapi": "acme#Reply", "spec_file": "specs/acme.yaml"},
    ],
)
def test_valid_arguments(args: dict[str, Any]) -> None:
    validate_check_args("body_schema", args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"openapi": "mistral#ChatCompletionRespons"}, "did you mean 'ChatCompletionResponse'"),
        ({"openapi": "mistral#ChatCompletionRequest"}, "packaged copy holds only"),
        ({"openapi": "acme#Reply"}, "unknown spec 'acme'"),
        ({"openapi": "#Reply"}, "name the spec before '#'"),
        ({"openapi": "mistral", "strict": "yes"}, "strict must be true or false"),
        ({"openapi": "mistral", "schema": {}}, "give one of schema, file or openapi"),
        ({"schema": {"type": "object"}, "strict": True}, "strict goes with openapi"),
        ({"file": "x.json", "spec_file": "y.yaml"}, "spec_file goes with openapi"),
        ({"openapi": "mistral", "spec_file": ""}, "spec_file must be a path"),
        ({"openapi": "mistral", "stict": True}, "did you mean 'strict'"),
    ],
)
def test_bad_arguments_are_load_time_errors(args: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        validate_check_args("body_schema", args)


@pytest.mark.parametrize(
    ("file", "ref", "deviation"),
    [
        (MISTRAL_TOOL, "mistral#ChatCompletionResponse", "'data' is a required property"),
        (OPENAI_CHAT, "openai#CreateChatCompletionResponse", "'logprobs' is a required property"),
        ("pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml",
         "openai#Response", "'cache_write_tokens' is a required property"),
    ],
)
@pytest.mark.realworld
@requires_realworld
def test_real_bodies_pass_patched_and_show_their_deviations_strict(
    file: str, ref: str, deviation: str, ctx_from: Any, run: Any
) -> None:
    ctx, ex = ctx_from(file)
    assert run("body_schema", ctx, ex, {"openapi": ref}) is None
    assert run("body_schema", ctx, ex, {"openapi": ref.split("#")[0]}) is None  # by endpoint
    failure = run("body_schema", ctx, ex, {"openapi": ref, "strict": True})
    assert f"body does not match {ref} (strict)" in failure.title
    assert any(deviation in e for e in failure.received)
    assert failure.expected["strict"] is True and failure.expected["deviations_patched"] == []


@pytest.mark.realworld
@requires_realworld
def test_openapi_true_picks_the_targets_spec(ctx_from: Any, make_ctx: Any, run: Any) -> None:
    ctx, ex = ctx_from(MISTRAL_TOOL)
    assert run("body_schema", ctx, ex, {"openapi": True}) is None
    broken = copy.deepcopy(ex.json)
    broken["choices"][0]["finish_reason"] = "done"
    ctx, ex = make_ctx(broken, dialect="mistral")
    failure = run("body_schema", ctx, ex, {"openapi": True})
    assert "mistral#ChatCompletionResponse (2 known deviation(s) patched)" in failure.title
    assert "$.choices[0].finish_reason" in failure.title


def _stream_ctx(ctx_from: Any, file: str, index: int = 0) -> Any:
    ctx, ex = ctx_from(file, index)  # recorded headers: text/event-stream
    ex.stream = assemble(ctx.request.get("endpoint", "chat"), ex.body)
    return ctx, ex


@pytest.mark.realworld
@requires_realworld
def test_stream_events_are_validated_one_by_one(ctx_from: Any, run: Any) -> None:
    ctx, ex = _stream_ctx(ctx_from, OPENAI_STREAM)
    assert run("body_schema", ctx, ex, {"openapi": "openai"}) is None  # the chunk component
    failure = run("body_schema", ctx, ex, {"openapi": "openai", "strict": True})
    assert failure.title.startswith(
        "stream event does not match openai#CreateChatCompletionStreamResponse (strict): event 0"
    )
    assert "system_fingerprint" in failure.title
    ctx, ex = _stream_ctx(ctx_from, RESPONSES_STREAM)
    assert run("body_schema", ctx, ex, {"openapi": "openai#ResponseStreamEvent"}) is None
    failure = run("body_schema", ctx, ex, {"openapi": "openai#ResponseStreamEvent", "strict": True})
    assert "(response.created)" in failure.title


@pytest.mark.realworld
@requires_realworld
def test_anthropic_needs_a_user_given_spec(
    ctx_from: Any, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, ex = ctx_from(ANTHROPIC)
    failure = run("body_schema", ctx, ex, {"openapi": "anthropic#Message"})
    assert "Anthropic spec is not shipped" in failure.title
    args = {"openapi": "anthropic#Message", "spec_file": str(ANTHROPIC_SPEC)}
    assert run("body_schema", ctx, ex, args) is None
    monkeypatch.setenv(ENV_DIR, str(REALWORLD / "specs"))
    assert run("body_schema", ctx, ex, {"openapi": True}) is None  # messages -> anthropic
    ctx, ex = _stream_ctx(ctx_from, ANTHROPIC_STREAM, 1)
    assert run("body_schema", ctx, ex, {"openapi": "anthropic"}) is None
    failure = run("body_schema", ctx, ex, {"openapi": "anthropic", "strict": True})
    assert "(ping)" in failure.title  # the spec's MessageStreamEvent has no ping


@pytest.mark.realworld
@requires_realworld
def test_error_bodies(ctx_from: Any, run: Any) -> None:
    ctx, ex = ctx_from("mirascope/test_authentication_error/openai_gpt_4o_completions.yaml")
    assert run("body_schema", ctx, ex, {"openapi": "openai"}) is None  # -> ErrorResponse
    assert run("body_schema", ctx, ex, {"openapi": "openai#ErrorResponse"}) is None
    ctx, ex = ctx_from("pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml")
    failure = run("body_schema", ctx, ex, {"openapi": "openai#ErrorResponse"})
    assert "$.error.code" in " ".join(failure.received)  # OpenRouter's integer code
    ctx, ex = ctx_from(
        "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml"
    )
    failure = run("body_schema", ctx, ex, {"openapi": "mistral"})
    assert "names no component for HTTP 400 error bodies" in failure.title


def test_not_json_and_no_response(make_ctx: Any, run: Any) -> None:
    ctx, ex = make_ctx(status=200, body="<html>oops</html>")
    failure = run("body_schema", ctx, ex, {"openapi": "mistral"})
    assert failure.title == "body is not JSON (HTTP 200)"
    ctx, ex = make_ctx(status=None)
    assert run("body_schema", ctx, ex, {"openapi": "mistral"}).title.startswith("no success body")


def test_spec_file_for_any_spec(tmp_path: Any, make_ctx: Any, run: Any) -> None:
    spec = tmp_path / "acme.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: Acme, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    Reply:\n      type: object\n      required: [answer]\n"
        "      properties:\n        answer: {type: string, nullable: true}\n",
        encoding="utf-8",
    )
    args = {"openapi": "acme#Reply", "spec_file": str(spec)}
    ctx, ex = make_ctx({"answer": None})
    assert run("body_schema", ctx, ex, args) is None
    ctx, ex = make_ctx({"answer": 3})
    failure = run("body_schema", ctx, ex, args)
    assert failure.title.startswith("body does not match acme#Reply (0 known deviation(s) patched)")
