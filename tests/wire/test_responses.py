"""endpoint: responses - canonical request -> /v1/responses body, compared with real requests."""

from __future__ import annotations

import json

import pytest

from harness.core.models import Case, Job, ModelInfo, Provider, Target
from harness.wire.dialects import prepare, request_notes, translate_request
from tests.realworld import CASSETTES, interaction, requires_realworld

SECRET = "sk-test-SECRET-responses-123"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather for a city",
        "parameters": {
            "additionalProperties": False,
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "type": "object",
        },
        "strict": True,
    },
}


def _body(request: dict, model: str = "m1", dialect: str = "openai") -> dict:
    body, _notes = translate_request(request, "responses", dialect, model)
    return body


def _real(file: str, index: int = 0) -> dict:
    if not (CASSETTES / file).exists():
        pytest.skip(f"recording absent: {file}")
    return interaction(file, index).request  # type: ignore[no-any-return]


def _job(request: dict, dialect: str = "openai") -> Job:
    provider = Provider(
        name="gw",
        base_url="http://127.0.0.1:1/v1",
        dialect=dialect,
        endpoints={"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"},
        models={"m1": ModelInfo(id="m1")},
    )
    request = {"endpoint": "responses", **request}
    case = Case(suite="s", id="c", request=request)
    return Job(case=case, target=Target(provider, provider.models["m1"]), request=request)


# -- compared with real recorded requests --------------------------------------------------------


@requires_realworld
def test_forced_tool_call_matches_the_recorded_request() -> None:
    real = _real(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml"
    )
    body = _body(
        {
            "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
            "tools": [WEATHER_TOOL],
            "tool_choice": "required",
            "stream": False,
        },
        model=real["model"],
    )
    assert body["input"] == real["input"]
    assert body["tools"] == real["tools"]  # flat: {"type": "function", "name", ...}
    assert body["tool_choice"] == real["tool_choice"] == "required"
    assert set(body) <= set(real)  # nothing the real client did not send ("include" is its own)


@requires_realworld
def test_json_schema_becomes_flat_text_format_like_the_recorded_request() -> None:
    real = _real("chatlas/test_provider_openai/test_data_extraction.yaml")
    fmt = real["text"]["format"]
    text = real["input"][0]["content"][0]["text"]
    body = _body(
        {
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": fmt["name"], "schema": fmt["schema"], "strict": True},
            },
            "stream": False,
        }
    )
    assert body["text"] == real["text"]
    assert body["input"] == real["input"]  # text parts -> input_text parts
    assert "response_format" not in body


@requires_realworld
def test_tool_loop_history_matches_the_recorded_function_call_items() -> None:
    real = _real("chatlas/test_provider_openai/test_openai_tool_variations_async.yaml", 1)
    call, output = real["input"][-2:]
    assert call["type"] == "function_call" and output["type"] == "function_call_output"
    body = _body(
        {
            "messages": [
                {"role": "system", "content": "Be very terse, not even punctuation."},
                {"role": "user", "content": "What's the current date in YYYY-MM-DD format?"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": call["call_id"],
                            "type": "function",
                            "function": {"name": call["name"], "arguments": call["arguments"]},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": call["call_id"], "content": output["output"]},
            ]
        }
    )
    assert body["input"][-2:] == [call, output]
    assert body["instructions"] == "Be very terse, not even punctuation."
    for item, real_item in zip(body["input"], real["input"][1:], strict=True):
        assert set(item) <= set(real_item) | {"content"}


# -- each canonical feature ----------------------------------------------------------------------


def test_system_option_and_leading_system_messages_become_instructions() -> None:
    body = _body(
        {
            "system": "Be brief.",
            "messages": [
                {"role": "developer", "content": [{"type": "text", "text": "No emoji."}]},
                {"role": "user", "content": "hi"},
                {"role": "system", "content": "late system"},
            ],
        }
    )
    assert body["instructions"] == "Be brief.\n\nNo emoji."
    assert body["input"] == [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "late system"},
    ]
    assert "messages" not in body and "system" not in body


def test_sampling_limits_and_reasoning() -> None:
    body = _body(
        {
            "messages": [{"role": "user", "content": "x"}],
            "temperature": 0.2,
            "top_p": 0.9,
            "max_tokens": 100,
            "reasoning_effort": "low",
            "parallel_tool_calls": False,
            "user": "u1",
            "metadata": {"k": "v"},
            "stream": True,
        }
    )
    assert body == {
        "model": "m1",
        "input": [{"role": "user", "content": "x"}],
        "temperature": 0.2,
        "top_p": 0.9,
        "parallel_tool_calls": False,
        "user": "u1",
        "metadata": {"k": "v"},
        "stream": True,
        "max_output_tokens": 100,
        "reasoning": {"effort": "low"},
    }
    assert _body({"messages": [], "max_tokens": 5, "max_completion_tokens": 50})[
        "max_output_tokens"
    ] == 50


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ({"type": "function", "function": {"name": "f"}}, {"type": "function", "name": "f"}),
    ],
)
def test_tool_choice(choice: object, sent: object) -> None:
    assert _body({"messages": [], "tool_choice": choice})["tool_choice"] == sent


def test_tool_without_parameters_or_strict_gets_the_chat_defaults() -> None:
    (tool,) = _body({"messages": [], "tools": [{"type": "function", "function": {"name": "f"}}]})[
        "tools"
    ]
    assert tool == {
        "type": "function",
        "name": "f",
        "parameters": {"type": "object", "properties": {}},
        "strict": False,
    }
    other = {"type": "web_search"}
    assert _body({"messages": [], "tools": [other]})["tools"] == [other]


@pytest.mark.parametrize("kind", ["json_object", "text"])
def test_other_response_formats(kind: str) -> None:
    body = _body({"messages": [], "response_format": {"type": kind}})
    assert body["text"] == {"format": {"type": kind}}


def test_fields_without_an_equivalent_are_dropped_and_noted() -> None:
    request = {
        "messages": [{"role": "user", "content": "x", "name": "ada"}],
        "stop": ["\n"],
        "seed": 7,
        "n": 1,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.1,
        "logprobs": True,
        "stream_options": {"include_usage": True},
    }
    body, notes = translate_request(request, "responses", "openai", "m1")
    for key in ("stop", "seed", "n", "presence_penalty", "frequency_penalty", "logprobs",
                "stream_options", "random_seed"):
        assert key not in body
    assert body["input"] == [{"role": "user", "content": "x"}]
    assert [n.split(":")[0] for n in notes] == [
        "stop", "seed", "n", "presence_penalty", "frequency_penalty", "logprobs",
        "stream_options", "messages[0].name",
    ]
    assert notes == request_notes(request, "responses")
    assert request_notes(request, "chat") == []


def test_the_dialect_does_not_matter_on_responses() -> None:
    request = {"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}
    assert _body(request, dialect="mistral") == _body(request, dialect="openai")


def test_extra_is_merged_untranslated() -> None:
    body = _body({"messages": [], "extra": {"web_search_linkup": True, "store": False}})
    assert body["web_search_linkup"] is True and body["store"] is False


def test_prepare_posts_to_responses_with_a_bearer_key_and_keeps_the_notes() -> None:
    prepared = prepare(_job({"messages": [{"role": "user", "content": "x"}], "seed": 3}), SECRET)
    assert prepared.url == "http://127.0.0.1:1/v1/responses"
    assert prepared.headers["authorization"] == f"Bearer {SECRET}"
    assert "x-api-key" not in prepared.headers and "anthropic-version" not in prepared.headers
    assert prepared.masked_headers["authorization"] == "Bearer ***"
    sent = json.loads(prepared.body)
    assert sent == prepared.sent and sent["input"] == [{"role": "user", "content": "x"}]
    assert prepared.notes == ["seed: not sent (the Responses API has no seed)"]
