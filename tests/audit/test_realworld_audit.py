"""`harness audit` over every real cassette in ../shared/realworld: pinned file by file.

Every real success passes its contract checks, every real error is a known envelope of its
provider with the right class. A file added to the folder without an entry here fails
`test_every_cassette_is_pinned`, so nothing passes silently.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.audit import AuditOptions, Recorded, audit_paths, audit_recorded
from harness.checks import CheckContext, run_check
from harness.core.columns import COLUMN_NAMES
from tests.realworld import CASSETTE_ERRORS, CASSETTES, interactions, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

OK = (True, None)

# file -> (provider, endpoint, [(passed, error_class) per interaction, in order])
EXPECTED: dict[str, tuple[str, str, list[tuple[bool, str | None]]]] = {
    "chatlas/test_provider_anthropic/test_anthropic_images.yaml": ("anthropic", "messages", [OK] * 2),
    "chatlas/test_provider_anthropic/test_anthropic_simple_request.yaml": ("anthropic", "messages", [OK]),
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml": ("anthropic", "messages", [OK] * 8),
    "chatlas/test_provider_anthropic/test_data_extraction.yaml": ("anthropic", "messages", [OK] * 4),
    "chatlas/test_provider_mistral/test_data_extraction.yaml": ("mistral", "chat", [OK] * 4),
    "chatlas/test_provider_mistral/test_mistral_images.yaml": ("mistral", "chat", [OK]),
    "chatlas/test_provider_mistral/test_mistral_model_list.yaml": ("mistral", "models", [OK]),
    "chatlas/test_provider_mistral/test_mistral_respects_turns_interface.yaml": ("mistral", "chat", [OK] * 3),
    "chatlas/test_provider_mistral/test_mistral_simple_request.yaml": ("mistral", "chat", [OK]),
    "chatlas/test_provider_openai/test_data_extraction.yaml": ("openai", "responses", [OK] * 4),
    "chatlas/test_provider_openai/test_openai_service_tier_affects_pricing.yaml": ("openai", "responses", [OK]),
    "chatlas/test_provider_openai/test_openai_simple_request.yaml": ("openai", "responses", [OK]),
    "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml": ("openai", "responses", [OK] * 4),
    "chatlas/test_provider_openai_completions/test_data_extraction.yaml": ("openai", "chat", [OK] * 4),
    "chatlas/test_provider_openai_completions/test_openai_images.yaml": ("openai", "chat", [OK] * 2),
    "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml": ("openai", "chat", [OK]),
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml": ("openai", "chat", [OK] * 11),
    "mirascope/test_authentication_error/anthropic_claude_sonnet_4_0.yaml": ("anthropic", "messages", [(True, "auth")]),
    "mirascope/test_authentication_error/openai_gpt_4o_completions.yaml": ("openai", "chat", [(True, "auth")]),
    "mirascope/test_authentication_error/openai_gpt_4o_responses.yaml": ("openai", "responses", [(True, "auth")]),
    "mirascope/test_authentication_error_stream/anthropic_claude_sonnet_4_0.yaml": ("anthropic", "messages", [(True, "auth")]),
    "mirascope/test_authentication_error_stream/openai_gpt_4o_completions.yaml": ("openai", "chat", [(True, "auth")]),
    # an unknown model is a 400 on Responses, but its body says model_not_found
    "mirascope/test_model_not_found/openai_gpt_4o_responses.yaml": ("openai", "responses", [(True, "not_found")] * 2),
    "openinference/test_instrumentor/test_synchronous_streaming_chat_completions_emits_expected_span[False].yaml": ("mistral", "chat", [OK]),
    "openinference/test_instrumentor/test_synchronous_streaming_chat_completions_with_tool_call_response_emits_expected_spans[False].yaml": ("mistral", "chat", [OK]),
    # the response body is gzip bytes (!!binary)
    "openllmetry/test_chat/test_mistralai_chat_legacy.yaml": ("mistral", "chat", [OK]),
    "openllmetry/test_chat/test_mistralai_streaming_chat_legacy.yaml": ("mistral", "chat", [OK]),
    "openllmetry/test_vision/test_vision.yaml": ("openai", "chat", [OK, OK, (True, "validation")]),
    "pydantic-ai/test_anthropic/test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml": ("anthropic", "messages", [(True, "validation")]),
    # sent through gateway.pydantic.dev/proxy/anthropic
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[anthropic].yaml": ("anthropic", "messages", [(True, "context_length")]),
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml": ("mistral", "chat", [(True, "context_length")]),
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[openai_chat].yaml": ("openai", "chat", [(True, "context_length")]),
    "pydantic-ai/test_mistral/test_image_as_binary_content_tool_response.yaml": ("mistral", "chat", [OK] * 2),
    "pydantic-ai/test_mistral/test_mistral_forwards_penalties.yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_mistral/test_mistral_history_uses_prompt_cache.yaml": ("mistral", "chat", [OK] * 2),
    "pydantic-ai/test_mistral/test_mistral_model_thinking_part_iter.yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[anthropic].yaml": ("anthropic", "messages", [(True, "not_found")]),
    "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[openai-chat].yaml": ("openai", "chat", [(True, "not_found")]),
    "pydantic-ai/test_multimodal_tool_returns/test_multimodal_tool_return_matrix[direct-url-image-mistral].yaml": ("mistral", "chat", [OK] * 2),
    "pydantic-ai/test_openai/test_openai_o1_mini_system_role[developer].yaml": ("openai", "chat", [(True, "validation")]),
    "pydantic-ai/test_openai/test_openai_prompted_output.yaml": ("openai", "chat", [OK] * 2),
    "pydantic-ai/test_openai_responses/test_openai_responses_model_http_error.yaml": ("openai", "responses", [(True, "validation")]),
    "pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml": ("openrouter", "chat", [(True, "rate_limit")] * 3),
    # HTTP 200: the error comes inside the stream; a known in-band envelope passes
    "pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml": ("openrouter", "chat", [(True, "stream_error")]),
    "pydantic-ai/test_openrouter/test_openrouter_usage.yaml": ("openrouter", "chat", [OK] * 2),
    "pydantic-ai/test_settings/test_stop_settings[mistral].yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_thinking_wire_contract/test_reasoning_wire_contract[mistral-small-thinking-high].yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml": ("anthropic", "messages", [OK] * 2),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-mistral].yaml": ("mistral", "chat", [OK] * 2),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[list_single-mistral].yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[none-mistral].yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml": ("anthropic", "messages", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml": ("mistral", "chat", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml": ("openai", "chat", [OK]),
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml": ("openai", "responses", [OK]),
}

DIALECT = {"anthropic": "anthropic", "mistral": "mistral", "openai": "openai", "openrouter": "openai"}


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    result = audit_paths([CASSETTES], AuditOptions())
    assert result.skipped == []
    out: dict[str, list[dict[str, Any]]] = {}
    for row in result.rows:
        rel = Path(row["cassette"]).relative_to(CASSETTES).as_posix()
        out.setdefault(rel, []).append(row)
    return out


def test_every_cassette_is_pinned(rows: dict[str, list[dict[str, Any]]]) -> None:
    on_disk = {p.relative_to(CASSETTES).as_posix() for p in CASSETTES.rglob("*.yaml")}
    assert set(rows) == on_disk == set(EXPECTED)
    assert len(on_disk) == 55
    assert sum(len(v) for v in rows.values()) == 103
    from harness.core.row import check_row

    assert [p for rs in rows.values() for r in rs for p in check_row(r)] == []  # column contract


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_file(file: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    provider, endpoint, expected = EXPECTED[file]
    got = rows[file]
    assert [(r["passed"], r["error_class"]) for r in got] == expected, [
        r["failures"] for r in got
    ]
    for index, row in enumerate(got):
        assert row["provider"] == provider
        assert row["dialect"] == DIALECT[provider]
        assert row["endpoint"] == endpoint
        assert row["mode"] == "audit"
        assert row["case"] == f"{Path(file).stem}#{index}"
        assert row["suite"] == str(Path(file).parent.as_posix())
        assert row["failures"] == []
        assert set(COLUMN_NAMES) <= set(row)
    # the interactions match the independent reader of tests/realworld.py
    assert [r["status_code"] for r in got] == [i.status for i in interactions(file)]


def test_error_rows_carry_dialect_variant_and_class(rows: dict[str, list[dict[str, Any]]]) -> None:
    seen = 0
    for file, (dialect, shape, cls) in CASSETTE_ERRORS.items():
        for row in rows[file]:
            if row["status_code"] < 400:
                continue
            seen += 1
            assert row["checks"] == ["error_envelope"]
            assert row["error_variant"] == shape, file
            assert row["error_class"] == cls, file
            assert shape.startswith(dialect)
    assert seen == 19  # 1 Mistral, 10 OpenAI, 5 Anthropic, 3 OpenRouter error responses


def test_started_at_is_the_recorded_date(rows: dict[str, list[dict[str, Any]]]) -> None:
    (row,) = rows["chatlas/test_provider_anthropic/test_anthropic_simple_request.yaml"]
    assert row["started_at"] == "2025-12-31T20:35:08.000+00:00"  # its Date header


def test_openrouter_error_inside_a_200_stream(rows: dict[str, list[dict[str, Any]]]) -> None:
    (row,) = rows["pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml"]
    assert (row["status_code"], row["stream"]) == (200, True)
    assert row["checks"] == ["error_envelope"]  # no implicit stream check: the error is judged
    assert row["error_variant"] == "openrouter.error"
    assert "Token limit reached" in row["error_message"]
    assert row["finish_reason"] == "length"


def test_success_rows_ran_the_checks_that_apply(rows: dict[str, list[dict[str, Any]]]) -> None:
    ran: Counter[str] = Counter()
    for group in rows.values():
        for row in group:
            ran.update(set(row["checks"]))
    assert ran == {
        "status": 83,  # every success (82 chat/responses/messages + 1 model list)
        "usage": 82,
        "finish_reason": 82,
        "stream": 44,  # SSE answers: grammar, terminator, one finish reason, final usage
        "body_schema": 39,  # 38 JSON answers (packaged schema) + the model list (spec)
        "tool_call": 23,  # answers calling tools, judged against the recorded tools
        "json_output": 13,  # answers to a json_schema / json_object / output_config request
        "error_envelope": 20,  # 19 error statuses + the OpenRouter in-stream error
    }


def test_stream_rows_ask_for_usage_where_the_provider_sends_it(
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    from harness.audit import read_cassette

    path = CASSETTES / "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml"
    from harness.audit.pipeline import plan

    job, _, _ = plan(read_cassette(path)[0], "s", "c", AuditOptions())
    (stream_check,) = [c for c in job.case.expect if c.name == "stream"]
    assert stream_check.args == {"terminator": True, "single_finish_reason": True, "usage": True}
    assert job.request["stream_options"] == {"include_usage": True}  # the recorded request


def _raw_body(name: str) -> Recorded:
    path = CASSETTES / "llm-mistral" / "reasoning" / name
    return Recorded(
        cassette=path,
        index=0,
        method="POST",
        uri="https://api.mistral.ai/v1/chat/completions",
        request_headers={},
        request_body={"model": "magistral-small-latest", "messages": [], "max_tokens": 512},
        status=200,
        reason="OK",
        response_headers={"content-type": "application/json"},
        body=path.read_bytes(),
        body_format="string",
    )


@pytest.mark.parametrize("name", ["magistral-high-completion.json", "magistral-none-completion.json"])
def test_raw_llm_mistral_bodies_pass_too(name: str) -> None:
    # not cassettes (the folder walk skips .json files), but real answers: same pipeline
    row = audit_recorded(_raw_body(name), "llm-mistral", name, AuditOptions())
    assert row["passed"], row["failures"]
    assert row["checks"] == ["status", "body_schema", "usage", "finish_reason"]
    assert row["finish_reason"] == "stop"


def test_in_stream_envelope_class(rows: dict[str, list[dict[str, Any]]]) -> None:
    """The row's error_class is the stream's (stream_error); the envelope inside says
    validation (OpenRouter's integer code 400 stands for the status)."""
    from harness.audit import read_cassette
    from harness.audit.pipeline import plan

    path = CASSETTES / "pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml"
    job, exchange, _ = plan(read_cassette(path)[0], "s", "c", AuditOptions())
    ctx = CheckContext(job=job, normalized=None, sent=exchange.request_body)
    assert run_check("error_envelope", ctx, exchange, {"dialect": "openrouter"}) is None
    assert ctx.extra == {
        "error_variant": "openrouter.error",
        "error_class": "validation",
        "error_in_stream": True,
    }
