"""Each protocol's to_canonical (wire request -> canonical): round trips through its translator
on realistic requests, and the respellings each one notes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from harness.wire.canonical import extra_note
from harness.wire.chat import (
    mistral_chat_to_canonical,
    openai_chat_to_canonical,
    translate_mistral_chat,
    translate_openai_chat,
)
from harness.wire.messages import messages_to_canonical, translate_messages
from harness.wire.protocols import MESSAGES, MISTRAL_CHAT, OPENAI_CHAT, RESPONSES, protocols
from harness.wire.responses import responses_to_canonical, translate_responses

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
ANSWER_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "answer",
        "schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "sky": {"type": "string"}},
            "required": ["city", "sky"],
        },
        "strict": True,
    },
}


def _canonical(**more: Any) -> dict[str, Any]:
    """A realistic canonical request: system, an image, a tool call and its result, json_schema."""
    request: dict[str, Any] = {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Where is this, and what is the weather there?"},
                    {"type": "image_url", "image_url": {"url": PNG}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21C"},
            {"role": "user", "content": "Answer as JSON."},
        ],
        "tools": [WEATHER_TOOL],
        "tool_choice": "required",
        "response_format": ANSWER_FORMAT,
        "max_tokens": 300,
        "temperature": 0.2,
        "top_p": 0.9,
        "user": "user-42",
    }
    request.update(more)
    return request


def test_every_builtin_protocol_has_to_canonical() -> None:
    builtins = {OPENAI_CHAT.name, MISTRAL_CHAT.name, RESPONSES.name, MESSAGES.name}
    for protocol in protocols():
        if protocol.name in builtins:
            assert protocol.to_canonical is not None, protocol.name


def test_openai_chat_round_trip_is_exact() -> None:
    request = _canonical(stop=["END"], seed=7, stream=True, stream_options={"include_usage": True})
    back, notes = openai_chat_to_canonical(translate_openai_chat(request, "openai", "gpt-4o"))
    assert back == request
    assert notes == []


def test_mistral_chat_round_trip_notes_its_spellings() -> None:
    request = _canonical(stop=["END"], seed=7)
    wire = translate_mistral_chat(request, "mistral", "mistral-large-latest")
    assert wire["tool_choice"] == "any" and wire["random_seed"] == 7
    assert wire["messages"][1]["content"][1] == {"type": "image_url", "image_url": PNG}
    back, notes = mistral_chat_to_canonical(wire)
    assert back == request
    assert notes == ["random_seed -> seed", "tool_choice: any -> required"]


def test_mistral_only_fields_are_noted_not_carried() -> None:
    back, notes = mistral_chat_to_canonical(
        {"model": "m", "messages": [], "safe_prompt": True, "prompt_mode": "reasoning"}
    )
    assert "safe_prompt" not in back and "prompt_mode" not in back
    assert [n.split(":")[0] for n in notes] == ["safe_prompt", "prompt_mode"]


def test_mistral_object_arguments_become_json_text() -> None:
    body = {
        "messages": [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"id": "a1", "function": {"name": "f", "arguments": {"x": 1}}}],
            }
        ]
    }
    back, _ = mistral_chat_to_canonical(body)
    call = back["messages"][0]["tool_calls"][0]
    assert call == {"id": "a1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}


def test_chat_fields_of_no_canonical_place_go_to_extra() -> None:
    back, notes = openai_chat_to_canonical(
        {"messages": [], "logit_bias": {"50256": -100}, "images": ["x.png"], "service_tier": "flex"}
    )
    assert back["extra"] == {"logit_bias": {"50256": -100}, "images": ["x.png"],
                             "service_tier": "flex"}
    assert "images" not in back  # a harness option, never taken from the wire
    assert notes == [extra_note("logit_bias"), extra_note("images"), extra_note("service_tier")]


def test_responses_round_trip() -> None:
    request = _canonical(reasoning_effort="low", stream=True)
    wire = translate_responses(request, "gpt-5")
    back, notes = responses_to_canonical(wire)
    assert back == request
    assert notes == [
        "instructions -> messages[0] (system)",
        "text.format -> response_format",
        "max_output_tokens -> max_tokens",
        "reasoning.effort -> reasoning_effort",
    ]


def test_responses_items_and_string_input() -> None:
    back, _ = responses_to_canonical({"model": "m", "input": "hello"})
    assert back == {"messages": [{"role": "user", "content": "hello"}]}
    body = {
        "input": [
            {"type": "message", "role": "user",
             "content": [{"type": "input_text", "text": "hi"},
                         {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"}]},
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {"role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "one"},
            {"type": "function_call_output", "call_id": "c2",
             "output": [{"type": "input_text", "text": "two"}]},
        ],
        "previous_response_id": "resp_123",
        "tools": [{"type": "web_search"}],
        "tool_choice": {"type": "function", "name": "f"},
        "store": False,
    }
    back, notes = responses_to_canonical(body)
    messages = back["messages"]
    assert messages[0]["content"][1] == {
        "type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}
    }
    assert messages[1]["content"] == "Checking."
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["c1", "c2"]
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": "one"},
        {"role": "tool", "tool_call_id": "c2", "content": "two"},
    ]
    assert back["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert "tools" not in back and back["extra"] == {"store": False}
    joined = "\n".join(notes)
    for name in ("input[1]", "previous_response_id", "tools[0]", "store"):
        assert name in joined


def test_messages_round_trip_loses_only_what_messages_cannot_carry() -> None:
    request = _canonical(stop=["END"], stream=True)
    wire = translate_messages(request, "claude-sonnet-4-5")
    back, notes = messages_to_canonical(wire)
    expected = copy.deepcopy(request)
    # Messages tools carry no `strict` and its output format no name or strict
    del expected["tools"][0]["function"]["strict"]
    expected["response_format"] = {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": ANSWER_FORMAT["json_schema"]["schema"]},
    }
    assert back == expected
    assert notes == [
        "system -> messages[0] (system)",
        "tool_choice: any -> required",
        "stop_sequences -> stop",
        (
            "output_config.format -> response_format json_schema (named 'response': Messages "
            "schemas have no name)"
        ),
        "metadata.user_id -> user",
    ]


def test_messages_blocks_to_canonical() -> None:
    body = {
        "model": "claude",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "top_k": 5,
        "tools": [
            {"name": "lookup", "input_schema": {"type": "object"}},
            {"type": "web_search_20250305", "name": "web_search"},
        ],
        "tool_choice": {"type": "tool", "name": "lookup", "disable_parallel_tool_use": True},
        "metadata": {"user_id": "u1", "session": "s"},
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "url", "url": "https://x/cat.jpg"}},
                {"type": "text", "text": "Whose cat?"},
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "...", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "cat"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True,
                 "content": [{"type": "text", "text": "not found"},
                             {"type": "image", "source": {"type": "base64",
                                                          "media_type": "image/gif",
                                                          "data": "R0lG"}}]},
            ]},
        ],
    }
    back, notes = messages_to_canonical(body)
    assert back["messages"] == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "https://x/cat.jpg"}},
            {"type": "text", "text": "Whose cat?"},
        ]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "toolu_1", "type": "function",
             "function": {"name": "lookup", "arguments": json.dumps({"q": "cat"})}},
        ]},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "not found"},
    ]
    assert back["tools"] == [
        {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    ]
    assert back["tool_choice"] == {"type": "function", "function": {"name": "lookup"}}
    assert back["parallel_tool_calls"] is False
    assert back["user"] == "u1"
    assert back["extra"] == {"thinking": body["thinking"], "top_k": 5}
    joined = "\n".join(notes)
    for name in ("cache_control", "messages[1].content[0]", "is_error",
                 "messages[2].content[0].content[1]", "tools[1]", "metadata.session",
                 extra_note("thinking"), extra_note("top_k")):
        assert name in joined, name


@pytest.mark.parametrize(
    "to_canonical",
    [openai_chat_to_canonical, mistral_chat_to_canonical, responses_to_canonical,
     messages_to_canonical],
)
def test_not_an_object_gives_an_empty_request(to_canonical: Any) -> None:
    back, notes = to_canonical(["not", "an", "object"])
    assert back == {"messages": []}
    assert notes == ["body: not a JSON object, mirrored as an empty request"]


def test_chat_odd_shapes_are_left_out_and_noted() -> None:
    body = {
        "messages": [
            "hello",
            {"content": "no role"},
            {"role": "user", "content": 5},
            {"role": "user", "content": ["a", 3, {"type": "image_url", "image_url": "u"}]},
            {"role": "assistant", "tool_calls": [{"function": "x"}, 7]},
        ],
        "stop": 3,
        "tools": {"a": 1},
        "tool_choice": 4,
        "response_format": {"type": "json_schema", "json_schema": "x"},
    }
    back, notes = openai_chat_to_canonical(body)
    assert back["messages"] == [
        {"role": "user", "content": ""},
        {"role": "user", "content": [{"type": "text", "text": "a"},
                                     {"type": "image_url", "image_url": {"url": "u"}}]},
        {"role": "assistant"},
    ]
    for key in ("stop", "tools", "tool_choice", "response_format"):
        assert key not in back
    assert len(notes) == 10
