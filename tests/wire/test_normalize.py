"""wire.normalize against every real success body, plus the dialect mapping rules."""

from __future__ import annotations

import json

import pytest

from harness.core.models import Normalized
from harness.wire.normalize import detect_endpoint, normalize
from tests.realworld import error_interactions, interaction, iter_interactions, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

SUCCESS = [
    i
    for i in iter_interactions(include_stream=False)
    if i.status == 200 and i.endpoint in ("chat", "responses", "messages")
]
STREAMS = [i for i in iter_interactions() if i.stream]


def _id(inter) -> str:  # type: ignore[no-untyped-def]
    return f"{inter.file}#{inter.index}"


def _norm(file: str, index: int = 0) -> Normalized:
    inter = interaction(file, index)
    result = normalize(inter.endpoint or "chat", inter.dialect or "openai", inter.response)
    assert result is not None
    return result


def test_the_real_data_is_there() -> None:
    # 40 non-stream success bodies: 20 Mistral, 8 OpenAI chat, 2 OpenRouter, 4 Responses, 6 Anthropic
    assert len(SUCCESS) == 40
    assert len(STREAMS) >= 30


@pytest.mark.parametrize("inter", SUCCESS, ids=_id)
def test_every_real_success_body_normalizes(inter) -> None:  # type: ignore[no-untyped-def]
    result = normalize(inter.endpoint, inter.dialect, inter.response)
    assert result is not None
    assert result.finish_reason in ("stop", "length", "tool_calls")
    assert result.usage is not None and result.usage.prompt_tokens is not None
    assert result.response_id and result.model
    if result.finish_reason == "tool_calls":
        assert result.tool_calls and all(
            json.loads(c.arguments) is not None for c in result.tool_calls
        )
    else:
        assert isinstance(result.content, str) and result.content
    # the same body as JSON bytes / text gives the same result
    assert normalize(inter.endpoint, inter.dialect, json.dumps(inter.response)) == result


@pytest.mark.parametrize("inter", SUCCESS, ids=_id)
def test_endpoint_is_detected_from_the_body(inter) -> None:  # type: ignore[no-untyped-def]
    assert detect_endpoint(inter.response) == inter.endpoint
    # a wrong endpoint argument does not matter: the body says what it is
    wrong = "messages" if inter.endpoint != "messages" else "chat"
    assert normalize(wrong, "openai", inter.response) == normalize(
        inter.endpoint, "openai", inter.response
    )


@pytest.mark.parametrize("inter", error_interactions(), ids=_id)
def test_error_bodies_are_not_success(inter) -> None:  # type: ignore[no-untyped-def]
    assert normalize(inter.endpoint or "chat", inter.dialect or "openai", inter.response) is None
    assert detect_endpoint(inter.response) is None


@pytest.mark.parametrize("inter", STREAMS, ids=_id)
def test_streams_do_not_crash(inter) -> None:  # type: ignore[no-untyped-def]
    assert normalize(inter.endpoint or "chat", inter.dialect or "openai", inter.response) is None
    assert normalize("chat", "mistral", inter.body_bytes) is None


@pytest.mark.parametrize(
    "body",
    [
        None,
        5,
        "x",
        b"\xff\xfe",
        [],
        [{"choices": []}],
        {},
        {"object": "chat.completion.chunk", "choices": [{"delta": {"content": "hi"}}]},
        {"object": "list", "data": []},
        {"choices": "nope"},
        {"object": "response", "output": None},
        {"type": "message", "content": 3},
    ],
)
def test_odd_input_gives_none(body) -> None:  # type: ignore[no-untyped-def]
    assert normalize("chat", "mistral", body) is None


def test_odd_parts_do_not_crash() -> None:
    body = {
        "object": "chat.completion",
        "choices": [
            None,
            {
                "index": 0,
                "message": {
                    "content": [1, None, {"type": "text"}],
                    "tool_calls": [None, {"function": None}],
                },
            },
        ],
        "usage": {"prompt_tokens": "12", "completion_tokens": True, "total_tokens": 3.5},
    }
    result = normalize("chat", "mistral", body)
    assert result is not None
    assert result.content == ""
    assert result.tool_calls[0].name == "" and result.tool_calls[0].arguments == ""
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (None, None)
    assert result.usage.total_tokens is None


# -- Mistral ----------------------------------------------------------------------------------


def test_mistral_reasoning_content_joins_text_parts_and_drops_thinking() -> None:
    result = _norm(
        "pydantic-ai/test_thinking_wire_contract/"
        "test_reasoning_wire_contract[mistral-small-thinking-high].yaml"
    )
    assert result.content == "4"
    assert result.finish_reason == "stop"
    high = _norm("llm-mistral/reasoning/magistral-high-completion.json")
    assert high.content == "323"
    assert high.usage is not None and high.usage.raw is not None
    assert high.usage.raw["service_tier"] == "standard"  # kept in raw, not a count
    assert _norm("llm-mistral/reasoning/magistral-none-completion.json").content == "323"


def test_mistral_forced_tool_call() -> None:
    result = _norm(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
    )
    assert result.finish_reason == "tool_calls"
    assert result.content == ""  # Mistral sends "" beside tool_calls; kept as sent
    [call] = result.tool_calls
    assert (call.name, json.loads(call.arguments), call.id) == (
        "get_weather",
        {"city": "Paris"},
        "pcZFHqej8",
    )
    assert result.usage is not None
    assert result.usage.cached_prompt_tokens == 69  # num_cached_tokens
    assert (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
        result.usage.total_tokens,
    ) == (70, 12, 82)
    assert result.response_id == "e163e89dde8440d791674699aa4630a8"
    assert result.model == "mistral-large-latest"


def test_mistral_cached_tokens_from_prompt_tokens_details() -> None:
    result = _norm("pydantic-ai/test_mistral/test_mistral_history_uses_prompt_cache.yaml", 1)
    assert result.usage is not None and result.usage.cached_prompt_tokens == 224


def test_mistral_misspelt_prompt_token_details_twin() -> None:
    body = {
        "object": "chat.completion",
        "id": "x",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "model_length",
                "message": {"role": "assistant", "content": "a"},
            }
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 1,
            "total_tokens": 11,
            "prompt_token_details": {"cached_tokens": 7},
        },
    }
    result = normalize("chat", "mistral", body)
    assert result is not None and result.usage is not None
    assert result.usage.cached_prompt_tokens == 7
    assert result.finish_reason == "model_length"  # Mistral values are kept as is


def test_gzip_cassette_body() -> None:
    result = _norm("openllmetry/test_chat/test_mistralai_chat_legacy.yaml")
    assert result.content and "OpenTelemetry" in result.content
    assert result.usage is not None and result.usage.cached_prompt_tokens is None


# -- OpenAI chat / OpenRouter ------------------------------------------------------------------


def test_openai_tool_call_and_reasoning_tokens() -> None:
    result = _norm(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"
    )
    assert result.content is None
    assert result.tool_calls[0].id == "call_injwxidE5XUzmiKVfOH3rxf2"
    assert result.tool_calls[0].arguments == '{"city":"Paris"}'
    assert result.usage is not None
    assert (result.usage.reasoning_tokens, result.usage.cached_prompt_tokens) == (64, 0)


def test_openai_length() -> None:
    assert _norm("openllmetry/test_vision/test_vision.yaml", 0).finish_reason == "length"


def test_openrouter_usage() -> None:
    result = _norm("pydantic-ai/test_openrouter/test_openrouter_usage.yaml", 1)
    assert result.usage is not None
    assert result.usage.reasoning_tokens == 960
    assert result.usage.raw is not None and result.usage.raw["cost"] == pytest.approx(0.00435825)


def test_legacy_function_call() -> None:
    body = {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "finish_reason": "function_call",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "function_call": {"name": "f", "arguments": "{}"},
                },
            }
        ],
    }
    result = normalize("chat", "openai", body)
    assert result is not None and result.tool_calls[0].name == "f"


# -- OpenAI Responses --------------------------------------------------------------------------


def test_responses_function_call() -> None:
    result = _norm(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml"
    )
    assert result.finish_reason == "tool_calls"
    assert result.content is None  # the reasoning item is not content
    [call] = result.tool_calls
    assert call.id == "call_1qsWTcKZwQRwKLxPFIMpbnzV"  # call_id, what function_call_output cites
    assert result.usage is not None
    assert (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
        result.usage.total_tokens,
    ) == (48, 105, 153)
    assert result.usage.reasoning_tokens == 64


def test_responses_message() -> None:
    result = _norm("chatlas/test_provider_openai/test_data_extraction.yaml", 2)
    assert json.loads(result.content or "") == {"name": "Maya Turner", "age": 34}
    assert result.finish_reason == "stop"


@pytest.mark.parametrize(
    ("status", "details", "expected"),
    [
        ("incomplete", {"reason": "max_output_tokens"}, "length"),
        ("incomplete", {"reason": "content_filter"}, "content_filter"),
        ("failed", None, "error"),
        ("completed", None, "stop"),
    ],
)
def test_responses_status_mapping(status, details, expected) -> None:  # type: ignore[no-untyped-def]
    body = {
        "object": "response",
        "id": "resp_1",
        "status": status,
        "incomplete_details": details,
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "hi"}],
            }
        ],
    }
    result = normalize("responses", "openai", body)
    assert result is not None and result.finish_reason == expected and result.content == "hi"


# -- Anthropic ---------------------------------------------------------------------------------


def test_anthropic_tool_use_input_is_dumped_to_json() -> None:
    result = _norm(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml"
    )
    assert result.finish_reason == "tool_calls"
    [call] = result.tool_calls
    assert json.loads(call.arguments) == {"city": "Paris"}
    assert call.id == "toolu_01Dxp8hdnkA8bsrVJJ8LB9q1"
    assert result.usage is not None
    assert (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
        result.usage.total_tokens,
    ) == (655, 38, 693)


def test_anthropic_end_turn_is_stop() -> None:
    result = _norm("chatlas/test_provider_anthropic/test_data_extraction.yaml", 2)
    assert result.finish_reason == "stop"
    assert json.loads(result.content or "") == {"name": "James Mitchell", "age": 34}


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "pause_turn"),
    ],
)
def test_anthropic_stop_reasons(stop, expected) -> None:  # type: ignore[no-untyped-def]
    body = {
        "type": "message",
        "id": "msg_1",
        "content": [{"type": "text", "text": "a"}],
        "stop_reason": stop,
    }
    result = normalize("messages", "anthropic", body)
    assert result is not None and result.finish_reason == expected


def test_anthropic_prompt_tokens_include_cache_reads_and_writes() -> None:
    body = {
        "type": "message",
        "id": "msg_1",
        "model": "claude",
        "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": 10,
            "cache_read_input_tokens": 200,
            "cache_creation_input_tokens": 30,
            "output_tokens": 5,
        },
    }
    result = normalize("messages", "anthropic", body)
    assert result is not None and result.usage is not None
    assert result.content == "ok"
    assert result.usage.prompt_tokens == 240
    assert result.usage.cached_prompt_tokens == 200
    assert result.usage.total_tokens == 245
