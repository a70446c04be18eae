"""json_output on real structured-output replies, with their recorded response formats."""

from __future__ import annotations

import copy
import json

import pytest

from harness.checks import validate_check_args
from harness.checks.json_output import requested_format
from harness.core.errors import UsageError
from tests.realworld import interaction, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

EXTRACTION = (
    [("chatlas/test_provider_mistral/test_data_extraction.yaml", i) for i in range(3)]
    + [("chatlas/test_provider_openai_completions/test_data_extraction.yaml", i) for i in range(3)]
    + [
        ("chatlas/test_provider_openai/test_data_extraction.yaml", i)
        for i in range(3)  # text.format
    ]
    + [
        ("chatlas/test_provider_anthropic/test_data_extraction.yaml", i)
        for i in range(3)  # output_config
    ]
)
MISTRAL = "chatlas/test_provider_mistral/test_data_extraction.yaml"
PROMPTED = "pydantic-ai/test_openai/test_openai_prompted_output.yaml"


@pytest.mark.parametrize(("file", "index"), EXTRACTION)
def test_real_structured_output_passes_its_recorded_schema(file, index, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(file, index)
    kind, schema = requested_format(ctx.request)
    assert kind == "json_schema" and schema["additionalProperties"] is False
    assert run("json_output", ctx, ex, None) is None
    # the same reply against a schema it does not meet
    wrong = copy.deepcopy(schema)
    wrong["required"] = [*wrong["required"], "year"]
    ctx, ex = ctx_from(
        file,
        index,
        request={
            **ctx.request,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": wrong},
            },
            "text": None,
            "output_config": None,
        },
    )
    failure = run("json_output", ctx, ex, None)
    assert failure.title == (
        "JSON content does not match the request's response_format schema: $: 'year' is a required property"
    )


def test_mistral_odd_whitespace_is_still_json(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MISTRAL, 0)
    assert ctx.normalized.content.endswith("\n  \t}")
    assert run("json_output", ctx, ex, None) is None


def test_given_schema_overrides(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MISTRAL, 2)  # {"name": "Emma Johnson", "age": 28}
    assert run("json_output", ctx, ex, {"schema": {"properties": {"age": {"minimum": 18}}}}) is None
    failure = run("json_output", ctx, ex, {"schema": {"properties": {"age": {"maximum": 20}}}})
    assert (
        failure.title
        == "JSON content does not match the given schema: $.age: 28 is greater than the maximum of 20"
    )
    assert failure.received["content"] == {"name": "Emma Johnson", "age": 28}


def test_json_object_mode(ctx_from, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(PROMPTED, 1)
    assert requested_format(ctx.request) == ("json_object", None)
    assert run("json_output", ctx, ex, None) is None
    inter = interaction(PROMPTED, 1)
    body = copy.deepcopy(inter.response)
    body["choices"][0]["message"]["content"] = "[1, 2]"
    ctx, ex = make_ctx(body, request=inter.request, dialect="openai")
    assert run("json_output", ctx, ex, None).title == (
        "content is JSON list, expected an object (json_object mode)"
    )


@pytest.mark.parametrize(
    ("content", "title"),
    [
        (
            '```json\n{"title": "a", "author": "b"}\n```',
            "content is not JSON (wrapped in a Markdown fence): Expecting value: line 1 column 1 (char 0)",
        ),
        ('Sure! {"title": "a"}', "content is not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("   ", "no text content to parse as JSON"),
    ],
)
def test_not_json_fails(content, title, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    inter = interaction(MISTRAL, 0)
    body = copy.deepcopy(inter.response)
    body["choices"][0]["message"]["content"] = content
    ctx, ex = make_ctx(body, request=inter.request, dialect="mistral")
    assert run("json_output", ctx, ex, None).title == title


def test_plain_request_only_needs_json(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    body = copy.deepcopy(interaction(MISTRAL, 2).response)
    ctx, ex = make_ctx(body, request={"messages": []})
    assert requested_format(ctx.request) == (None, None)
    assert run("json_output", ctx, ex, None) is None
    body["choices"][0]["message"]["content"] = json.dumps("just a string")
    ctx, ex = make_ctx(body, request={"messages": []})
    assert run("json_output", ctx, ex, None) is None


def test_tool_call_reply_and_errors(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"
    )
    assert run("json_output", ctx, ex, None).title == "no text content to parse as JSON"
    ctx, ex = ctx_from(
        "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[openai_chat].yaml"
    )
    assert (
        run("json_output", ctx, ex, None).title == "no success body: HTTP 400 context_length error"
    )


@pytest.mark.parametrize(
    "bad", ["x", 3, {"schema": {"type": 7}}, {"schema": {}, "file": "x"}, {"shema": {}}]
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="json_output"):
        validate_check_args("json_output", bad)
