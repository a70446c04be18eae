"""wire.errors.classify_error against every real error body: cassettes and issue quotes."""

from __future__ import annotations

import json

import pytest

from harness.wire.errors import (
    ERROR_CLASSES,
    all_shapes,
    classify_error,
    envelope_variants,
)
from tests.realworld import CASSETTE_ERRORS, ISSUE_BODIES, error_interactions, requires_realworld


def _id(inter) -> str:  # type: ignore[no-untyped-def]
    return f"{inter.file}#{inter.index}"


@pytest.mark.realworld
@requires_realworld
def test_every_recorded_error_file_is_pinned() -> None:
    files = {i.file for i in error_interactions()}
    assert files == set(CASSETTE_ERRORS), "pin new error cassettes in CASSETTE_ERRORS"
    assert len(error_interactions()) == 19


@pytest.mark.realworld
@requires_realworld
@pytest.mark.parametrize("inter", error_interactions(), ids=_id)
def test_recorded_errors(inter) -> None:  # type: ignore[no-untyped-def]
    dialect, shape, cls = CASSETTE_ERRORS[inter.file]
    info = classify_error(inter.status, inter.body_bytes, inter.headers)
    assert (info.dialect, info.shape, info.error_class) == (dialect, shape, cls)
    assert info.message
    assert info.shape in envelope_variants(dialect)
    # parsed JSON, text and bytes give the same answer
    assert classify_error(inter.status, inter.response, inter.headers) == info
    assert classify_error(inter.status, inter.body_bytes.decode(), inter.headers) == info


@pytest.mark.parametrize(
    ("status", "body", "dialect", "shape", "cls"),
    [case[1:] for case in ISSUE_BODIES],
    ids=[case[0] for case in ISSUE_BODIES],
)
def test_issue_quoted_errors(status, body, dialect, shape, cls) -> None:  # type: ignore[no-untyped-def]
    info = classify_error(status, body)
    assert (info.dialect, info.shape, info.error_class) == (dialect, shape, cls)
    assert classify_error(status, body.encode("utf-8")) == info


def test_mistral_details() -> None:
    info = classify_error(
        400,
        b'{"code": "3051", "message": "Prompt contains 150004 tokens and 0 draft tokens, too large for model '
        b'with 131072 maximum context length", "object": "error", "param": null, "type": "invalid_request_invalid_args"}',
        {"mistral-correlation-id": "019b"},
    )
    assert (info.code, info.type, info.param, info.request_id) == (
        "3051",
        "invalid_request_invalid_args",
        None,
        "019b",
    )
    detail = classify_error(422, ISSUE_BODIES[3][2])
    # the param comes from the first detail item's loc, and the message is readable text
    assert detail.param == "max_completion_tokens"
    assert detail.message == "body.max_completion_tokens: Extra inputs are not permitted"
    jan = classify_error(422, ISSUE_BODIES[5][2])
    assert (jan.param, jan.code, jan.type) == ("frequency_penalty", "1000", "internal_error_proxy")
    bare = classify_error(422, ISSUE_BODIES[6][2])
    assert bare.type == "extra_forbidden" and bare.param == "store"
    assert "body.max_completion_tokens" in bare.message
    mo = classify_error(401, ISSUE_BODIES[0][2])
    assert mo.request_id == "933f233947ff6d346065bb297e4a4d56"


def test_openrouter_message_keeps_the_upstream_reason() -> None:
    info = classify_error(429, ISSUE_BODIES[-2][2])
    assert info.code == 429
    assert info.message.startswith("Provider returned error")
    assert "rate-limited upstream" in info.message


@pytest.mark.parametrize(
    ("status", "body", "headers", "dialect", "shape", "cls"),
    [
        (
            502,
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            None,
            None,
            "html",
            "server",
        ),
        (503, "<!DOCTYPE html><html>down</html>", None, None, "html", "overloaded"),
        (
            500,
            "upstream connect error or disconnect/reset before headers",
            None,
            None,
            "text",
            "server",
        ),
        (401, b"", {"mistral-correlation-id": "x"}, "mistral", "empty", "auth"),
        (401, None, {"anthropic-ratelimit-requests-limit": "5"}, "anthropic", "empty", "auth"),
        (
            402,
            '{"error":{"message":"Insufficient credits","code":402}}',
            None,
            "openrouter",
            "openrouter.error",
            "payment",
        ),
        (
            403,
            '{"type":"error","error":{"type":"permission_error","message":"no"}}',
            None,
            "anthropic",
            "anthropic.error",
            "permission",
        ),
        (
            500,
            '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
            None,
            "anthropic",
            "anthropic.error",
            "server",
        ),
        (
            None,
            '{"type":"error","error":{"type":"api_error","message":"x"}}',
            None,
            "anthropic",
            "anthropic.error",
            "server",
        ),
        (
            None,
            '{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}',
            None,
            "openai",
            "openai.error",
            "validation",
        ),
        (418, '{"something": "else"}', None, None, "unknown", "unknown"),
        (500, "[1, 2]", None, None, "unknown", "server"),
        (200, {"object": "chat.completion", "choices": []}, None, None, "unknown", "unknown"),
    ],
)
def test_generic_bodies(status, body, headers, dialect, shape, cls) -> None:  # type: ignore[no-untyped-def]
    info = classify_error(status, body, headers)
    assert (info.dialect, info.shape, info.error_class) == (dialect, shape, cls)


def test_html_message_is_the_title() -> None:
    info = classify_error(502, "<html><head><title>502 Bad Gateway</title></head></html>")
    assert info.message == "502 Bad Gateway"
    assert not info.is_envelope


def test_envelope_variants() -> None:
    assert envelope_variants("openai") == ["openai.error"]
    assert envelope_variants("anthropic") == ["anthropic.error"]
    assert envelope_variants("openrouter") == ["openrouter.error"]
    assert envelope_variants("mistral") == [
        "mistral.flat",
        "mistral.detail_in_message",
        "mistral.detail_string_in_message",
        "mistral.bare_detail",
        "mistral.detail_string",
        "mistral.message_only",
    ]
    assert envelope_variants("nope") == []
    assert set(envelope_variants()) < set(all_shapes())
    assert {"html", "text", "empty", "unknown"} <= set(all_shapes())


def test_every_class_is_reachable() -> None:
    seen = {case[-1] for case in ISSUE_BODIES} | {cls for _, _, cls in CASSETTE_ERRORS.values()}
    seen |= {
        classify_error(s, "").error_class for s in (401, 402, 403, 404, 400, 429, 529, 500, 418)
    }
    assert seen == set(ERROR_CLASSES)


def test_never_crashes_on_junk() -> None:
    for body in (
        b"\xff\xfe\x00",
        "{",
        "{'a': }",
        "null",
        "3",
        '"str"',
        [],
        {"error": "text"},
        {"detail": 3},
        {"object": "error", "message": None},
        {"object": "error", "message": "{oops"},
        json.dumps({"error": {"code": True}}),
    ):
        info = classify_error(400, body)
        assert info.error_class in ERROR_CLASSES
