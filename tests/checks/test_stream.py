"""`stream` and `ttft_ms` checks, and how evaluate() judges streamed answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.checks.base import get_check, validate_check_args
from harness.checks.evaluate import evaluate
from harness.core.errors import UsageError
from harness.core.models import CheckSpec
from tests.checks.conftest import build_ctx, ctx_from_interaction
from tests.realworld import interaction, requires_realworld

SSE = {"content-type": "text/event-stream; charset=utf-8"}
STREAM_REQ = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
USAGE = {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def sse(*events: Any, done: bool = True) -> str:
    out = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return "".join(out) + ("data: [DONE]\n\n" if done else "")


GOOD = sse(
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Hello"}),
    chunk({"content": " world"}),
    chunk({"content": ""}, "stop", usage=USAGE),
)


def stream_ctx(body: str | bytes, request: dict[str, Any] | None = None, **kw: Any):
    kw.setdefault("headers", SSE)
    return build_ctx(body=body, request=request or dict(STREAM_REQ), **kw)


def row_of(ctx, exchange, expect: list[CheckSpec] | None = None) -> dict[str, Any]:
    job = ctx.job
    job.case.expect = list(expect or [])
    return evaluate(job, exchange, run_id="r", mode="live")


# -- stream ------------------------------------------------------------------------------------


def test_well_formed_stream_passes(run) -> None:
    ctx, ex = stream_ctx(GOOD)
    assert run("stream", ctx, ex, None) is None
    assert run("stream", ctx, ex, True) is None
    assert run("stream", ctx, ex, {"usage": True}) is None  # mistral: usage unasked


@requires_realworld
def test_real_streams_pass(run) -> None:
    for file, index in [
        ("chatlas/test_provider_mistral/test_mistral_simple_request.yaml", 0),
        ("chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml", 6),
        ("chatlas/test_provider_openai/test_openai_tool_variations_async.yaml", 0),
        ("chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml", 6),
    ]:
        ctx, ex = ctx_from_interaction(interaction(file, index))
        assert run("stream", ctx, ex, {"usage": True}) is None, file


@requires_realworld
def test_usage_asked_without_include_usage_fails_clearly(run) -> None:
    inter = interaction("chatlas/test_provider_openai_completions/test_openai_simple_request.yaml")
    request = {k: v for k, v in inter.request.items() if k != "stream_options"}
    ctx, ex = ctx_from_interaction(inter, request=request)
    failure = run("stream", ctx, ex, {"usage": True})
    assert failure is not None
    assert "stream_options: {include_usage: true}" in failure.title
    assert run("stream", ctx, ex, None) is None  # usage is not asked by default


def test_usage_missing_from_the_final_chunk(run) -> None:
    body = sse(chunk({"content": "a"}, usage=USAGE), chunk({}, "stop"))
    request = {**STREAM_REQ, "stream_options": {"include_usage": True}}
    ctx, ex = stream_ctx(body, request=request, dialect="openai")
    failure = run("stream", ctx, ex, {"usage": True})
    assert failure is not None
    assert (
        failure.title
        == "no usage in the last chunk of the stream (1 earlier event(s) carried usage)"
    )


@requires_realworld
def test_openrouter_error_in_stream_fails(run) -> None:
    ctx, ex = ctx_from_interaction(
        interaction("pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml")
    )
    failure = run("stream", ctx, ex, None)
    assert failure is not None
    assert failure.title.startswith("stream_error: error in the stream")
    assert "Token limit reached" in failure.title


def test_two_finish_reasons_fail_when_asked(run) -> None:
    body = sse(chunk({"content": "a"}, "length"), chunk({}, "length"))
    ctx, ex = stream_ctx(body)
    failure = run("stream", ctx, ex, None)
    assert failure is not None
    assert failure.title == "2 finish reasons in the stream (length, length), expected exactly one"
    assert run("stream", ctx, ex, {"single_finish_reason": False}) is None


def test_no_finish_reason(run) -> None:
    ctx, ex = stream_ctx(sse(chunk({"content": "a"})))
    failure = run("stream", ctx, ex, None)
    assert failure is not None and failure.title == "no finish reason in the stream"


def test_cut_stream_fails_unless_terminator_is_waived(run) -> None:
    ctx, ex = stream_ctx(sse(chunk({"content": "a"}, "stop"), done=False))
    failure = run("stream", ctx, ex, None)
    assert failure is not None
    assert failure.title.startswith("stream_cut: the stream ended after 1 event(s)")
    assert failure.received == {"events": 1, "terminator": None}
    assert run("stream", ctx, ex, {"terminator": False}) is None


def test_malformed_and_html_always_fail(run) -> None:
    ctx, ex = stream_ctx(sse(chunk({"content": "a"}, "stop"), "{not json"))
    failure = run("stream", ctx, ex, {"terminator": False})
    assert failure is not None and failure.title.startswith("stream_malformed:")
    ctx, ex = stream_ctx(
        sse(chunk({"content": "a"}), done=False) + "<html><body>502</body></html>\n"
    )
    failure = run("stream", ctx, ex, {"terminator": False})
    assert failure is not None and failure.title.startswith("html_error:")


def test_not_a_stream_request(run) -> None:
    ctx, ex = build_ctx({"id": "x", "object": "chat.completion", "choices": []})
    failure = run("stream", ctx, ex, None)
    assert failure is not None
    assert failure.title == "the request did not ask for a stream (set stream: true)"


def test_error_status_on_a_stream_request(run) -> None:
    body = {
        "error": {
            "message": "Incorrect API key",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    ctx, ex = build_ctx(body, status=401, request=dict(STREAM_REQ), dialect="openai")
    failure = run("stream", ctx, ex, None)
    assert failure is not None and failure.title == "no stream: HTTP 401 auth error"


def test_json_body_where_a_stream_was_asked(run) -> None:
    body = json.dumps({"id": "x", "object": "chat.completion", "choices": []})
    ctx, ex = stream_ctx(body, headers={"content-type": "application/json"})
    failure = run("stream", ctx, ex, None)
    assert failure is not None
    assert (
        failure.title
        == "asked for a stream, got a single JSON body (content-type application/json)"
    )


def test_engine_reported_cut_fails_even_with_a_clean_prefix(run) -> None:
    ctx, ex = stream_ctx(GOOD)
    ex.error_class, ex.error_message = "stream_cut", "RemoteProtocolError: gone (after HTTP 200)"
    failure = run("stream", ctx, ex, {"terminator": False})
    assert failure is not None and failure.title.startswith("stream_cut: RemoteProtocolError")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"terminatr": True}, "did you mean 'terminator'"),
        ({"usage": "yes"}, "stream.usage must be true or false"),
        ("usage", "give nothing, or a mapping"),
    ],
)
def test_stream_argument_validation(args: Any, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        validate_check_args("stream", args)


def test_stream_accepts_documented_arguments() -> None:
    for args in (None, True, {"terminator": True, "usage": True, "single_finish_reason": False}):
        validate_check_args("stream", args)
    assert get_check("stream") is not None


# -- ttft_ms -----------------------------------------------------------------------------------


def test_ttft_from_the_first_content_event(run) -> None:
    ctx, ex = stream_ctx(GOOD)
    ex.t_first_token = ex.t_start + 0.300
    assert run("ttft_ms", ctx, ex, 500) is None
    failure = run("ttft_ms", ctx, ex, {"max": 200})
    assert failure is not None and failure.title == "time to first token 300 ms above max 200 ms"
    failure = run("ttft_ms", ctx, ex, {"min": 400})
    assert failure is not None and "below min 400 ms" in failure.title


def test_ttft_from_recorded_offsets(run) -> None:
    ctx, ex = stream_ctx(GOOD)
    body = GOOD.encode()
    cut = body.index(b"data:", 10)
    ex.chunks = [(0.05, body[:cut]), (0.25, body[cut:])]
    failure = run("ttft_ms", ctx, ex, 100)
    assert failure is not None and failure.received == 250.0


def test_ttft_unknown_without_content(run) -> None:
    ctx, ex = stream_ctx(sse(chunk({"role": "assistant", "content": ""}, "stop")))
    failure = run("ttft_ms", ctx, ex, 100)
    assert failure is not None
    assert (
        failure.title == "time to first token unknown: no content event in the stream (2 event(s))"
    )


def test_ttft_on_a_non_stream_request_is_time_to_first_byte(run) -> None:
    ctx, ex = build_ctx({"id": "x", "object": "chat.completion", "choices": []})
    ex.t_first_byte = ex.t_start + 0.120
    failure = run("ttft_ms", ctx, ex, 100)
    assert failure is not None and failure.title == "time to first byte 120 ms above max 100 ms"


def test_ttft_argument_validation() -> None:
    with pytest.raises(UsageError):
        validate_check_args("ttft_ms", {"maximum": 3})
    validate_check_args("ttft_ms", 800)


# -- evaluate on streams -----------------------------------------------------------------------


def test_evaluate_runs_ordinary_checks_on_the_assembled_stream() -> None:
    ctx, ex = stream_ctx(GOOD)
    ex.t_first_byte = ex.t_start + 0.1
    ex.t_first_token = ex.t_start + 0.2
    ex.content_times = [0.2, 0.23]
    ex.t_end = ex.t_start + 0.3
    expect = [
        CheckSpec("contains", "Hello world"),
        CheckSpec("finish_reason", "stop"),
        CheckSpec("usage", None),
    ]
    row = row_of(ctx, ex, expect)
    assert row["passed"], row["failures"]
    assert row["error_class"] is None
    assert row["checks"] == ["status", "contains", "finish_reason", "usage", "stream"]
    assert row["stream"] is True
    assert row["finish_reason"] == "stop"
    assert (row["prompt_tokens"], row["completion_tokens"]) == (5, 4)
    assert row["ttfb_ms"] == pytest.approx(100.0)
    assert row["ttft_ms"] == pytest.approx(200.0)
    assert row["itl_ms"] == pytest.approx(30.0)
    assert row["tokens_per_s"] == pytest.approx(40.0)  # 4 tokens / (0.3 - 0.2) s
    assert row["stream_events"] == 5


def test_evaluate_non_stream_row_keeps_ttft_as_ttfb() -> None:
    body = {
        "id": "x",
        "object": "chat.completion",
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": USAGE,
    }
    ctx, ex = build_ctx(body)
    ex.t_first_byte = ex.t_start + 0.05
    row = row_of(ctx, ex)
    assert row["passed"]
    assert row["ttft_ms"] == row["ttfb_ms"] == pytest.approx(50.0)
    assert row["itl_ms"] is None and row["tokens_per_s"] is None and row["stream_events"] is None
    assert "stream" not in row["checks"]


@pytest.mark.parametrize(
    ("body", "headers", "error_class", "message_part"),
    [
        (sse(chunk({"content": "a"}), done=False), SSE, "stream_cut", "without its terminator"),
        (sse(chunk({"content": "a"}, "stop"), "oops"), SSE, "stream_malformed", "'oops'"),
        (
            sse(chunk({"content": "a"}), done=False) + "<html><body>Bad gateway</body></html>\n",
            SSE,
            "html_error",
            "Bad gateway",
        ),
        (
            "<html><head><title>502</title></head></html>",
            {"content-type": "text/html"},
            "html_error",
            "an HTML page (text/html) where an SSE stream was expected",
        ),
        (
            sse(chunk({"content": "a"}, "stop", error={"code": 400, "message": "Token limit"})),
            SSE,
            "stream_error",
            "400: Token limit",
        ),
        (
            json.dumps({"id": "x", "object": "chat.completion", "choices": []}),
            {"content-type": "application/json"},
            "stream_malformed",
            "got a single JSON body",
        ),
        (sse({"hello": "world"}), SSE, "malformed_body", "no recognisable chat events"),
    ],
)
def test_evaluate_broken_streams(
    body: str, headers: dict[str, str], error_class: str, message_part: str
) -> None:
    ctx, ex = stream_ctx(body, headers=headers)
    row = row_of(ctx, ex)
    assert row["error_class"] == error_class
    assert message_part in row["error_message"]
    assert row["passed"] is False
    assert row["status_code"] == 200
    assert "stream" in [f["check"] for f in row["failures"]]


def test_evaluate_engine_cut_keeps_the_partial_answer() -> None:
    ctx, ex = stream_ctx(sse(chunk({"content": "partial"}), done=False))
    ex.error_class = "stream_cut"
    ex.error_message = (
        "RemoteProtocolError: peer closed (after HTTP 200, stream cut after 1 event(s))"
    )
    row = row_of(ctx, ex, [CheckSpec("contains", "partial")])
    assert row["error_class"] == "stream_cut"
    assert row["error_message"] == ex.error_message
    assert [f["check"] for f in row["failures"]] == ["stream"]  # contains ran on the partial text


def test_evaluate_stream_request_answered_with_an_error_status() -> None:
    body = {
        "error": {
            "message": "Incorrect API key",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    ctx, ex = build_ctx(body, status=401, request=dict(STREAM_REQ), dialect="openai")
    row = row_of(ctx, ex, [CheckSpec("status", 401), CheckSpec("error_envelope", None)])
    assert row["passed"], row["failures"]
    assert row["error_class"] == "auth"
    assert row["checks"] == ["status", "error_envelope"]  # no implicit stream check
    assert row["stream_events"] is None


def test_explicit_stream_check_replaces_the_implicit_one() -> None:
    ctx, ex = stream_ctx(sse(chunk({"content": "a"}, "length"), chunk({}, "length")))
    row = row_of(ctx, ex)
    assert row["passed"]  # the implicit check does not count finish reasons
    row = row_of(ctx, ex, [CheckSpec("stream", None)])
    assert not row["passed"] and row["checks"] == ["status", "stream"]


@requires_realworld
def test_evaluate_real_anthropic_stream() -> None:
    inter = interaction("chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml", 6)
    ctx, ex = ctx_from_interaction(inter)
    row = row_of(ctx, ex, [CheckSpec("finish_reason", "tool_calls"), CheckSpec("usage", None)])
    assert row["passed"], row["failures"]
    assert row["endpoint"] == "messages"
    assert row["completion_tokens"] == 65
    assert row["stream_events"] == 19
