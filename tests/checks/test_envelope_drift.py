"""Error-envelope drift: every shape a provider has sent is accepted and reported (check context
and the row's `error_variant` column), and `variant:` pins one shape (or a few) so a team
learns when its provider changes its error bodies.

The bodies are the drifting Mistral 401 and 422 shapes quoted in ../shared/realworld/MANIFEST.md
(tests/realworld.ISSUE_BODIES; no cassette has them, so they need not the folder)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks import validate_check_args
from harness.checks.evaluate import evaluate, with_stream_check
from harness.core.columns import COLUMN_NAMES, COLUMN_TYPES
from harness.core.errors import UsageError
from harness.core.models import Case, CheckSpec, Exchange, Job, ModelInfo, Provider, Target
from harness.wire.streams import assemble
from tests.realworld import ISSUE_BODIES, interaction, requires_realworld

BODIES = {label: (status, body, shape, cls) for label, status, body, _, shape, cls in ISSUE_BODIES}
M401_MESSAGE = BODIES["mistral 401 message+request_id (CoolCline#36)"]
M401_DETAIL = BODIES["mistral 401 detail string (agent-zero#539)"]
M422_NOW = BODIES["mistral 422 detail in message (eca#231)"]
M422_2024 = BODIES["mistral 422 2024 detail with url (mistral-go#3)"]
M422_JAN24 = BODIES["mistral 422 Jan 2024 JSON-string message (platform-docs-public#7)"]
M422_BARE = BODIES["mistral 422 bare spec detail (openclaude#739)"]
M429_NOW = BODIES["mistral 429 current (cline#9085)"]
M429_OLD = BODIES["mistral 429 old gateway (pydantic-ai#1885)"]

DRIFTING = {
    "401 2025-03 {message, request_id}": M401_MESSAGE,
    "401 2025-06 {detail: str}": M401_DETAIL,
    "422 2025-12 detail in message": M422_NOW,
    "422 2024-04 detail with url": M422_2024,
    "422 2024-01 detail as a JSON string": M422_JAN24,
    "422 2026-04 bare spec detail": M422_BARE,
    "429 2026-02 flat": M429_NOW,
    "429 2025-06 gateway message": M429_OLD,
}


@pytest.mark.parametrize("label", sorted(DRIFTING))
def test_every_mistral_shape_is_accepted_and_reported(label: str, make_ctx: Any, run: Any) -> None:
    status, body, shape, cls = DRIFTING[label]
    ctx, ex = make_ctx(status=status, body=body, dialect="mistral")
    assert run("error_envelope", ctx, ex, None) is None
    assert run("error_envelope", ctx, ex, {"dialect": "mistral", "class": cls}) is None
    assert (ctx.extra["error_variant"], ctx.extra["error_class"]) == (shape, cls)


def test_the_mistral_shapes_are_six_variants() -> None:
    shapes = {shape for _, _, shape, _ in DRIFTING.values()}
    assert shapes == {
        "mistral.flat",
        "mistral.message_only",
        "mistral.detail_string",
        "mistral.detail_in_message",
        "mistral.detail_string_in_message",
        "mistral.bare_detail",
    }


@pytest.mark.parametrize("label", sorted(DRIFTING))
def test_strict_flat_variant_catches_every_other_shape(label: str, make_ctx: Any, run: Any) -> None:
    status, body, shape, _ = DRIFTING[label]
    ctx, ex = make_ctx(status=status, body=body, dialect="mistral")
    failure = run("error_envelope", ctx, ex, {"variant": "mistral.flat"})
    if shape == "mistral.flat":
        assert failure is None
    else:
        assert failure.title == f"error envelope variant {shape}, expected mistral.flat"
        assert failure.received["variant"] == shape


def test_a_list_of_variants(make_ctx: Any, run: Any) -> None:
    allowed = {"variant": ["mistral.detail_in_message", "mistral.bare_detail"]}
    for status, body, _, _ in (M422_NOW, M422_2024, M422_BARE):
        ctx, ex = make_ctx(status=status, body=body)
        assert run("error_envelope", ctx, ex, allowed) is None
    ctx, ex = make_ctx(status=M422_JAN24[0], body=M422_JAN24[1])
    failure = run("error_envelope", ctx, ex, allowed)
    assert failure.title == (
        "error envelope variant mistral.detail_string_in_message, expected one of "
        "mistral.detail_in_message, mistral.bare_detail"
    )


@pytest.mark.parametrize(
    "args",
    [
        {"variant": "mistral.flat"},
        {"dialect": "mistral", "variant": "mistral.bare_detail"},
        {"variant": ["mistral.flat", "mistral.detail_in_message"]},
        {"dialect": "openrouter", "variant": "openrouter.error"},
    ],
)
def test_variant_arguments(args: dict[str, Any]) -> None:
    validate_check_args("error_envelope", args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"variant": "mistral.flt"}, "unknown variant 'mistral.flt'"),
        ({"dialect": "openai", "variant": "mistral.flat"}, "unknown variant 'mistral.flat' for openai"),
        ({"variant": []}, "variant must be a shape name or a list"),
        ({"variant": ["mistral.flat", 3]}, "variant must be a shape name or a list"),
    ],
)
def test_bad_variant_arguments(args: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        validate_check_args("error_envelope", args)


# -- the row --------------------------------------------------------------------------------


def _row(status: int | None, body: str | bytes, expect: list[CheckSpec], **ex: Any) -> dict[str, Any]:
    provider = Provider(name="mistral", base_url="https://api.mistral.ai/v1", dialect="mistral")
    request = {"messages": [{"role": "user", "content": "hi"}], **ex.pop("request", {})}
    case = Case(suite="drift", id="auth", request=request, expect=expect)
    job = Job(case=case, target=Target(provider, ModelInfo("mistral-medium-3.5")), request=request)
    exchange = Exchange(
        method="POST",
        url="https://api.mistral.ai/v1/chat/completions",
        request_headers={},
        request_body=request,
        status_code=status,
        body=body.encode() if isinstance(body, str) else body,
        t_start=0.0,
        t_end=0.1,
        attempts=1,
        **ex,
    )
    return evaluate(job, exchange, run_id="r", mode="live")


def test_the_row_reports_the_variant() -> None:
    assert "error_variant" in COLUMN_NAMES and COLUMN_TYPES["error_variant"] == "str"
    status, body, _, _ = M401_DETAIL
    row = _row(status, body, [CheckSpec("error_envelope", {"class": "auth"})])
    assert row["passed"] and row["error_variant"] == "mistral.detail_string"
    assert row["error_class"] == "auth"
    # the same team, pinned to the shape it knew: the drift is a failure, with both shapes
    row = _row(status, body, [CheckSpec("error_envelope", {"variant": "mistral.message_only"})])
    assert not row["passed"] and row["error_variant"] == "mistral.detail_string"
    assert row["failures"][0]["title"] == (
        "error envelope variant mistral.detail_string, expected mistral.message_only"
    )
    # no envelope check: nothing judged the shape, the column stays empty
    row = _row(200, '{"object": "chat.completion", "choices": []}', [])
    assert row["error_variant"] is None


def test_no_body_is_no_envelope(make_ctx: Any, run: Any) -> None:
    """Mistral has also answered 401 with no body (continue#10277): there is nothing to check;
    error_envelope fails and says so, while the class is still known."""
    ctx, ex = make_ctx(status=401, body=b"", dialect="mistral")
    assert "an empty body" in run("error_envelope", ctx, ex, None).title
    assert (ctx.extra["error_variant"], ctx.extra["error_class"]) == ("empty", "auth")


# -- errors inside a 200 stream ------------------------------------------------------------

STREAM_ERROR = "pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml"


@pytest.mark.realworld
@requires_realworld
def test_openrouter_error_inside_a_200_stream(make_ctx: Any, run: Any) -> None:
    inter = interaction(STREAM_ERROR)
    ctx, ex = make_ctx(status=200, body=inter.body_bytes, request=inter.request, dialect="openai",
                       headers=inter.headers)
    assert run("error_envelope", ctx, ex, {"dialect": "openrouter", "class": "validation"}) is None
    assert ctx.extra == {
        "error_variant": "openrouter.error",
        "error_class": "validation",  # the integer code 400 stands for the status
        "error_in_stream": True,
    }
    failure = run("error_envelope", ctx, ex, {"class": "rate_limit"})
    assert failure.received["in_stream"] == {"event_index": 3, "event": None}  # 4th data event
    row = _row(200, inter.body_bytes, [CheckSpec("error_envelope", "openrouter")],
               request={"stream": True})
    assert row["passed"] and row["error_class"] == "stream_error"
    assert row["checks"] == ["error_envelope"]


def test_a_clean_stream_is_no_error(make_ctx: Any, run: Any) -> None:
    body = (
        'data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"m",'
        '"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
        "data: [DONE]\n\n"
    )
    ctx, ex = make_ctx(status=200, body=body, dialect="openai",
                       headers={"content-type": "text/event-stream"})
    failure = run("error_envelope", ctx, ex, None)
    assert failure.title == "HTTP 200 body is not a known error envelope, expected a openai error envelope"
    assert ctx.extra["error_in_stream"] is False


def test_stream_cases_expecting_an_error_get_no_implicit_stream_check() -> None:
    result = assemble("chat", b"data: [DONE]\n\n")
    specs = [CheckSpec("error_envelope")]
    assert with_stream_check(specs, result) == specs
    added = with_stream_check([CheckSpec("status", 200)], result)
    assert [s.name for s in added] == ["status", "stream"]
