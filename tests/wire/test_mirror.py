"""wire/mirror.py: which protocol a path speaks, and a request mirrored to another protocol or
dialect (body, notes), plus properties over arbitrary JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.errors import UsageError
from harness.wire.mirror import Mirrored, mirror_request, protocol_for_path
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import MESSAGES, MISTRAL_CHAT, OPENAI_CHAT, RESPONSES
from tests.realworld import iter_interactions, requires_realworld

BUILTINS = (OPENAI_CHAT, MISTRAL_CHAT, RESPONSES, MESSAGES)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ANTHROPIC_TOOL_TURN = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 512,
    "system": "You are a weather bot.",
    "tools": [
        {
            "name": "get_weather",
            "description": "Get weather for a city",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ],
    "tool_choice": {"type": "auto"},
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather",
                 "input": {"city": "Paris"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny, 21C"},
            ],
        },
    ],
}


@pytest.mark.parametrize(
    ("path", "dialect", "expected"),
    [
        ("/v1/chat/completions", "openai", OPENAI_CHAT),
        ("/chat/completions", "openai", OPENAI_CHAT),
        ("/v1/chat/completions", "mistral", MISTRAL_CHAT),
        ("/openai/v1/chat/completions?api-version=1", "openai", OPENAI_CHAT),
        ("/v1/chat/completions/", "anthropic", OPENAI_CHAT),
        ("http://127.0.0.1:8080/v1/responses", "openai", RESPONSES),
        ("/v1/responses", "mistral", RESPONSES),
        ("/v1/messages", "anthropic", MESSAGES),
        ("/anthropic/v1/messages", "openai", MESSAGES),
        ("/v1/messages/count_tokens", "anthropic", None),
        ("/v1/responses/resp_123", "openai", None),
        ("/v1/models", "openai", None),
        ("/v1/notmessages", "anthropic", None),
        ("", "openai", None),
        ("/", "openai", None),
    ],
)
def test_protocol_for_path(path: str, dialect: str, expected: WireProtocol | None) -> None:
    assert protocol_for_path(path, dialect) is expected


def test_same_protocol_keeps_the_body_except_the_model() -> None:
    body = {"model": "claude-a", "max_tokens": 10, "thinking": {"type": "enabled"},
            "messages": [{"role": "user", "content": "hi"}], "stream": True}
    mirrored = mirror_request(body, MESSAGES, MESSAGES, "claude-b")
    assert isinstance(mirrored, Mirrored) and mirrored.protocol is MESSAGES
    assert mirrored.body == {**body, "model": "claude-b"}
    assert mirrored.notes == ["model: claude-a -> claude-b"]
    assert body["model"] == "claude-a"  # the client's body is not touched


def test_same_protocol_stream_to_openai_chat_asks_for_usage() -> None:
    body = {"model": "m", "messages": [], "stream": True, "stream_options": {"x": 1}}
    mirrored = mirror_request(body, OPENAI_CHAT, OPENAI_CHAT, "m")
    assert mirrored.body["stream_options"] == {"x": 1, "include_usage": True}
    assert mirrored.notes == [
        "stream_options.include_usage: true added (so the candidate's stream reports usage)"
    ]
    already = mirror_request(mirrored.body, OPENAI_CHAT, OPENAI_CHAT, "m")
    assert already.notes == [] and already.body == mirrored.body


def test_mistral_to_openai_gets_required_and_seed() -> None:
    body = {
        "model": "mistral-large-latest",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": "https://example.com/cat.png"},
        ]}],
        "tools": [WEATHER],
        "tool_choice": "any",
        "random_seed": 42,
        "safe_prompt": False,
        "stream": True,
    }
    mirrored = mirror_request(body, MISTRAL_CHAT, OPENAI_CHAT, "gpt-4o-mini")
    assert mirrored.protocol is OPENAI_CHAT
    assert mirrored.body == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        ]}],
        "tools": [WEATHER],
        "tool_choice": "required",
        "seed": 42,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert mirrored.notes == [
        "model: mistral-large-latest -> gpt-4o-mini",
        "random_seed -> seed",
        "tool_choice: any -> required",
        "safe_prompt: not sent (Mistral's safety prompt switch; no other API has it)",
        "stream_options.include_usage: true added (so the candidate's stream reports usage)",
    ]


def test_openai_to_mistral_notes_the_mistral_spellings() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
            "tool_choice": "required", "tools": [WEATHER], "seed": 1, "logit_bias": {"1": 2}}
    mirrored = mirror_request(body, OPENAI_CHAT, MISTRAL_CHAT, "mistral-small-latest")
    assert mirrored.body["tool_choice"] == "any"
    assert mirrored.body["random_seed"] == 1 and "seed" not in mirrored.body
    assert mirrored.body["logit_bias"] == {"1": 2}  # another chat dialect: sent as is
    assert mirrored.notes == [
        "model: gpt-4o -> mistral-small-latest",
        "logit_bias: sent as is (not a canonical field)",
        "tool_choice: required -> any",
        "seed -> random_seed",
    ]


def test_anthropic_tool_turn_to_chat_completions() -> None:
    mirrored = mirror_request(ANTHROPIC_TOOL_TURN, MESSAGES, OPENAI_CHAT, "gpt-4o")
    assert mirrored.body == {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a weather bot."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "toolu_01", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
            ]},
            {"role": "tool", "tool_call_id": "toolu_01", "content": "sunny, 21C"},
        ],
        "max_tokens": 512,
        "tools": [WEATHER],
        "tool_choice": "auto",
    }
    assert mirrored.notes == [
        "model: claude-sonnet-4-5 -> gpt-4o",
        "system -> messages[0] (system)",
    ]


def test_anthropic_extras_are_named_when_not_sent() -> None:
    body = {**ANTHROPIC_TOOL_TURN, "thinking": {"type": "enabled", "budget_tokens": 1024},
            "top_k": 3, "stream": True}
    for target in (OPENAI_CHAT, MISTRAL_CHAT, RESPONSES):
        mirrored = mirror_request(body, MESSAGES, target, "x")
        assert "thinking" not in mirrored.body and "top_k" not in mirrored.body
        assert mirrored.body["stream"] is True
        for key in ("thinking", "top_k"):
            assert (
                f"{key}: not sent (a field of Anthropic Messages with no canonical place)"
                in mirrored.notes
            )
    assert "stream_options" not in mirror_request(body, MESSAGES, RESPONSES, "x").body


def test_chat_to_messages() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Short answers."},
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
        "tools": [WEATHER],
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "stop": "END",
        "seed": 3,
        "user": "u-7",
        "logprobs": True,
    }
    mirrored = mirror_request(body, OPENAI_CHAT, MESSAGES, "claude-haiku-4-5")
    assert mirrored.body == {
        "model": "claude-haiku-4-5",
        "max_tokens": 1024,
        "system": "Short answers.",
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "call_1", "name": "get_weather",
                 "input": {"city": "Paris"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}]},
        ],
        "tools": [{"name": "get_weather", "description": "Get weather for a city",
                   "input_schema": WEATHER["function"]["parameters"]}],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-7"},
    }
    assert mirrored.notes == [
        "model: gpt-4o -> claude-haiku-4-5",
        "seed: not sent (the Messages API has no seed)",
        "logprobs: not sent (the Messages API has no logprobs)",
        "max_tokens: not in the case, sent 1024 (required by messages)",
        "tool_choice: required -> any",
        "stop -> stop_sequences",
        "user -> metadata.user_id",
    ]


def test_responses_to_chat_and_back() -> None:
    body = {
        "model": "gpt-5",
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": "call_9", "name": "get_weather",
             "arguments": '{"city":"Paris"}'},
            {"type": "function_call_output", "call_id": "call_9", "output": "sunny"},
        ],
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"},
                   "strict": True}],
        "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
        "max_output_tokens": 200,
        "reasoning": {"effort": "minimal", "summary": "auto"},
        "previous_response_id": "resp_1",
        "stream": True,
    }
    chat = mirror_request(body, RESPONSES, OPENAI_CHAT, "gpt-4.1")
    assert chat.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_9", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_9", "content": "sunny"},
    ]
    assert chat.body["max_tokens"] == 200 and chat.body["reasoning_effort"] == "minimal"
    assert chat.body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "w", "schema": {"type": "object"}}
    }
    assert chat.body["stream_options"] == {"include_usage": True}
    assert "max_output_tokens -> max_tokens" in chat.notes
    assert any(n.startswith("previous_response_id: not sent") for n in chat.notes)
    assert "reasoning.summary: not sent (no canonical field)" in chat.notes

    back = mirror_request(chat.body, OPENAI_CHAT, RESPONSES, "gpt-5")
    for key in ("instructions", "input", "tools", "text", "max_output_tokens", "stream"):
        assert back.body[key] == body[key], key
    assert back.body["reasoning"] == {"effort": "minimal"}
    assert "stream_options: not sent (Responses reports usage in response.completed, unasked)" \
        in back.notes


def test_chat_to_responses_names_what_it_drops() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stop": ["x"],
            "n": 2, "max_completion_tokens": 50, "top_logprobs": 2}
    mirrored = mirror_request(body, OPENAI_CHAT, RESPONSES, "gpt-5")
    assert mirrored.body == {"model": "gpt-5", "input": [{"role": "user", "content": "hi"}],
                             "max_output_tokens": 50}
    assert mirrored.notes == [
        "model: gpt-4o -> gpt-5",
        "top_logprobs: not sent (a field of OpenAI-compatible chat with no canonical place)",
        "stop: not sent (the Responses API has no stop sequences)",
        "n: not sent (the Responses API returns one answer)",
        "max_completion_tokens -> max_output_tokens",
    ]


def test_a_protocol_without_to_canonical_is_a_usage_error() -> None:
    plugin = WireProtocol(name="plugin", endpoint="plugin", path="/plugin",
                          translate=lambda r, d, m: {}, normalize=lambda b: None)
    with pytest.raises(UsageError, match="cannot be mirrored"):
        mirror_request({"model": "a"}, plugin, OPENAI_CHAT, "b")


# -- properties: any JSON object gives a body and notes, never an exception -------------------

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=8
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20,
)
# keys and values the translators look at, so the interesting branches are reached
_KEYS = ["messages", "input", "system", "instructions", "tools", "tool_choice", "stop",
         "stop_sequences", "response_format", "text", "reasoning", "metadata", "output_config",
         "max_tokens", "random_seed", "seed", "stream", "stream_options", "user", "extra",
         "images", "parallel_tool_calls", "model", "thinking"]
_WORDS = st.sampled_from(["user", "assistant", "tool", "system", "developer", "text",
                          "image_url", "image", "tool_use", "tool_result", "function",
                          "function_call", "function_call_output", "input_text",
                          "input_image", "json_schema", "auto", "any", "none", "required",
                          "tool", "base64", "url", "message", "custom"])
_KNOWN = ["role", "content", "type", "text", "tool_calls", "function", "arguments", "name",
          "id", "call_id", "tool_use_id", "input", "output", "source", "data", "url",
          "image_url", "json_schema", "schema", "format", "effort", "user_id", "is_error",
          "disable_parallel_tool_use", "media_type", "parameters", "input_schema"]
_shaped = st.recursive(
    _scalars | _WORDS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KNOWN) | st.text(max_size=4), inner, max_size=5),
    max_leaves=30,
)
_bodies = st.one_of(
    st.dictionaries(st.text(max_size=8), _json, max_size=6),
    st.dictionaries(st.sampled_from(_KEYS), _shaped, max_size=8),
)
_PROPERTY = settings(max_examples=300, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(body=_bodies)
def test_every_to_canonical_is_total(body: dict[str, Any]) -> None:
    for protocol in BUILTINS:
        assert protocol.to_canonical is not None
        canonical, notes = protocol.to_canonical(body)
        assert isinstance(canonical, dict) and isinstance(canonical.get("messages"), list)
        assert all(isinstance(n, str) for n in notes)
        json.dumps(canonical)


@_PROPERTY
@given(body=_bodies, source=st.sampled_from(BUILTINS), target=st.sampled_from(BUILTINS))
def test_mirror_request_is_total(
    body: dict[str, Any], source: WireProtocol, target: WireProtocol
) -> None:
    mirrored = mirror_request(body, source, target, "candidate-model")
    assert mirrored.protocol is target
    assert mirrored.body["model"] == "candidate-model"
    assert all(isinstance(n, str) for n in mirrored.notes)
    json.dumps(mirrored.body)


def test_notes_compose_through_the_canonical_spelling() -> None:
    effort = mirror_request({"model": "c", "max_tokens": 5, "messages": [],
                             "output_config": {"effort": "high"}}, MESSAGES, RESPONSES, "g")
    assert "output_config.effort -> reasoning.effort" in effort.notes
    seed = mirror_request({"model": "m", "messages": [], "random_seed": 4}, MISTRAL_CHAT,
                          MESSAGES, "c")
    assert "random_seed: not sent (the Messages API has no seed)" in seed.notes
    assert not any(n.startswith("seed") for n in seed.notes)
    choice = mirror_request({"model": "m", "messages": [], "tool_choice": "any"}, MISTRAL_CHAT,
                            MESSAGES, "c")
    assert not any(n.startswith("tool_choice") for n in choice.notes)  # any stays any
    assert choice.body["tool_choice"] == {"type": "any"}


@pytest.mark.realworld
@requires_realworld
def test_recorded_requests_mirror_to_every_protocol() -> None:
    """Every recorded request body mirrors to every built-in protocol; OpenAI chat requests
    come back exactly from the canonical form, and every other protocol's keep their turns."""
    seen: set[str] = set()
    for it in iter_interactions():
        source = protocol_for_path(urlsplit(it.uri).path, it.dialect or "openai")
        if source is None or not isinstance(it.request, dict):
            continue
        seen.add(source.name)
        assert source.to_canonical is not None
        canonical, _ = source.to_canonical(it.request)
        if source is OPENAI_CHAT:
            again = OPENAI_CHAT.translate(canonical, "openai", it.request.get("model", ""))
            assert again == it.request, it.file
        for target in BUILTINS:
            mirrored = mirror_request(it.request, source, target, "candidate")
            assert mirrored.body["model"] == "candidate", it.file
            json.dumps(mirrored.body)
    assert seen == {p.name for p in BUILTINS}
