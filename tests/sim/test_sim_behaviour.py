"""What the simulated model answers: tools, structured output, stop, length, determinism."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from harness.sim import SimServer
from harness.sim.schema_gen import generate_instance
from tests.sim.simtest_helpers import WEATHER_TOOL, chat, post, sse_chunks, user

ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "$defs": {
        "item": {
            "type": "object",
            "properties": {
                "sku": {"type": "string", "minLength": 3},
                "qty": {"type": "integer", "minimum": 1, "maximum": 9},
                "price": {"type": "number", "exclusiveMinimum": 0},
            },
            "required": ["sku", "qty", "price"],
            "additionalProperties": False,
        }
    },
    "properties": {
        "order_id": {"type": "string", "format": "uuid"},
        "placed": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}, "minItems": 1, "maxItems": 3},
        "note": {"anyOf": [{"type": "null"}, {"type": "string", "maxLength": 5}]},
        "gift": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "meta": {
            "allOf": [
                {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"properties": {"b": {"type": ["string", "null"]}}},
            ]
        },
        "nothing": {"type": "null"},
    },
    "required": [
        "order_id",
        "placed",
        "status",
        "items",
        "note",
        "gift",
        "tags",
        "meta",
        "nothing",
    ],
    "additionalProperties": False,
}


def tool(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


def only_message(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["choices"]) == 1
    return body["choices"][0]["message"]


# ---------------------------------------------------------------- tools


@pytest.mark.parametrize("dialect", ["mistral", "gateway"])
def test_auto_calls_the_matching_tool_with_valid_arguments(
    request: pytest.FixtureRequest, client: httpx.Client, dialect: str
) -> None:
    srv: SimServer = request.getfixturevalue(dialect)
    other = tool("send_email", "Send an email to someone", {"type": "object", "properties": {}})
    body = chat(
        client,
        srv,
        messages=user("Weather in Lagos in Celsius?"),
        tools=[other, WEATHER_TOOL],
        tool_choice="auto",
    )
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    (call,) = only_message(body)["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    args = json.loads(call["function"]["arguments"])
    jsonschema.validate(args, WEATHER_TOOL["function"]["parameters"])
    assert args["city"] == "Lagos"


def test_auto_without_a_match_answers_in_text(client: httpx.Client, mistral: SimServer) -> None:
    body = chat(client, mistral, messages=user("Tell me a joke"), tools=[WEATHER_TOOL])
    message = only_message(body)
    assert message["tool_calls"] is None and message["content"]
    assert body["choices"][0]["finish_reason"] == "stop"


def test_none_never_calls(client: httpx.Client, mistral: SimServer, gateway: SimServer) -> None:
    for srv in (mistral, gateway):
        body = chat(
            client,
            srv,
            messages=user("Weather in Paris?"),
            tools=[WEATHER_TOOL],
            tool_choice="none",
        )
        assert not only_message(body).get("tool_calls")
        assert body["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("dialect", "choice"), [("mistral", "any"), ("mistral", "required"), ("gateway", "required")]
)
def test_forced_choice_always_calls(
    request: pytest.FixtureRequest, client: httpx.Client, dialect: str, choice: str
) -> None:
    srv: SimServer = request.getfixturevalue(dialect)
    body = chat(
        client, srv, messages=user("Tell me a joke"), tools=[WEATHER_TOOL], tool_choice=choice
    )
    (call,) = only_message(body)["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    jsonschema.validate(
        json.loads(call["function"]["arguments"]), WEATHER_TOOL["function"]["parameters"]
    )


def test_named_tool_choice(client: httpx.Client, mistral: SimServer, gateway: SimServer) -> None:
    order = tool("place_order", "Place an order", ORDER_SCHEMA)
    named = {"type": "function", "function": {"name": "place_order"}}
    for srv in (mistral, gateway):
        body = chat(
            client,
            srv,
            messages=user("Weather in Paris?"),
            tools=[WEATHER_TOOL, order],
            tool_choice=named,
        )
        (call,) = only_message(body)["tool_calls"]
        assert call["function"]["name"] == "place_order"
        jsonschema.validate(
            json.loads(call["function"]["arguments"]),
            ORDER_SCHEMA,
            format_checker=jsonschema.FormatChecker(),
        )


def test_tool_result_turn_answers_in_text(
    client: httpx.Client, mistral: SimServer, gateway: SimServer
) -> None:
    for srv in (mistral, gateway):
        first = chat(
            client,
            srv,
            messages=user("Weather in Paris?"),
            tools=[WEATHER_TOOL],
            tool_choice="auto",
        )
        assistant = only_message(first)
        call = assistant["tool_calls"][0]
        echoed = {
            "role": "assistant",
            "content": assistant["content"] or "",
            "tool_calls": assistant["tool_calls"],
        }
        history = [
            *user("Weather in Paris?"),
            echoed,
            {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 21}'},
        ]
        body = chat(client, srv, messages=history, tools=[WEATHER_TOOL], tool_choice="auto")
        message = only_message(body)
        assert body["choices"][0]["finish_reason"] == "stop"
        assert '{"temp_c": 21}' in message["content"] and "get_weather" in message["content"]


# ---------------------------------------------------------------- structured output


def test_json_schema_output_is_valid(
    client: httpx.Client, mistral: SimServer, gateway: SimServer
) -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "order", "schema": ORDER_SCHEMA, "strict": True},
    }
    for srv in (mistral, gateway):
        body = chat(client, srv, messages=user("Make an order"), response_format=fmt)
        value = json.loads(only_message(body)["content"])
        jsonschema.validate(value, ORDER_SCHEMA, format_checker=jsonschema.FormatChecker())
        assert value["placed"] == "2026-04-29"


def test_json_object_output_is_an_object(
    client: httpx.Client, mistral: SimServer, gateway: SimServer
) -> None:
    for srv in (mistral, gateway):
        body = chat(
            client, srv, messages=user("Answer in JSON"), response_format={"type": "json_object"}
        )
        assert isinstance(json.loads(only_message(body)["content"]), dict)


@pytest.mark.parametrize(
    "schema",
    [
        ORDER_SCHEMA,
        {
            "type": "array",
            "items": {"type": "integer", "multipleOf": 5, "minimum": 7},
            "minItems": 3,
        },
        {
            "type": "object",
            "properties": {"child": {"$ref": "#"}, "name": {"type": "string"}},
            "required": ["name"],
        },
        {"definitions": {"x": {"type": "number", "maximum": -3.5}}, "$ref": "#/definitions/x"},
        {"oneOf": [{"type": "string", "format": "email"}, {"type": "integer"}]},
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "n": {"type": "integer", "exclusiveMaximum": 0},
            },
        },
        {"type": "array", "prefixItems": [{"type": "boolean"}, {"const": "k"}], "items": False},
    ],
)
def test_schema_generator_output_is_valid(schema: dict[str, Any]) -> None:
    jsonschema.validate(
        generate_instance(schema, "some text"), schema, format_checker=jsonschema.FormatChecker()
    )


# ---------------------------------------------------------------- stop and length


def test_stop_list_cuts_before_the_stop_word(client: httpx.Client, mistral: SimServer) -> None:
    body = chat(client, mistral, messages=user("Count: one two three four five"), stop=["four"])
    content = only_message(body)["content"]
    assert "three" in content and "four" not in content
    assert body["choices"][0]["finish_reason"] == "stop"


def test_gateway_stop_is_comma_separated(client: httpx.Client, gateway: SimServer) -> None:
    body = chat(client, gateway, messages=user("Count: one two three four five"), stop="five,four")
    content = only_message(body)["content"]
    assert content.rstrip().endswith("three") and body["choices"][0]["finish_reason"] == "stop"
    listed = chat(
        client, gateway, messages=user("Count: one two three four five"), stop=["four"], seed=1
    )
    assert "four" not in only_message(listed)["content"]


def test_max_tokens_truncates_with_finish_length(
    client: httpx.Client, mistral: SimServer, gateway: SimServer
) -> None:
    for srv in (mistral, gateway):
        full = chat(client, srv, messages=user("Write a lot"), temperature=0)
        cut = chat(client, srv, messages=user("Write a lot"), temperature=0, max_tokens=5)
        assert cut["choices"][0]["finish_reason"] == "length"
        assert cut["usage"]["completion_tokens"] == 5
        assert full["choices"][0]["finish_reason"] == "stop"
        assert full["usage"]["completion_tokens"] > 20
        assert only_message(full)["content"].startswith(only_message(cut)["content"])
        words = len(only_message(full)["content"].split())
        assert 30 <= words <= 90


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize(
    ("dialect", "seed_field"), [("mistral", "random_seed"), ("gateway", "seed")]
)
def test_seed_makes_answers_identical(
    request: pytest.FixtureRequest, client: httpx.Client, dialect: str, seed_field: str
) -> None:
    srv: SimServer = request.getfixturevalue(dialect)

    def ask(seed: int) -> str:
        body = chat(
            client, srv, messages=user("Tell me about Lyon"), temperature=0.9, **{seed_field: seed}
        )
        return only_message(body)["content"]

    assert ask(1014) == ask(1014) == ask(1014)
    assert len({ask(s) for s in range(6)}) > 1


def test_without_seed_answers_vary_and_temperature_zero_is_stable(
    client: httpx.Client, mistral: SimServer
) -> None:
    def ask(**extra: Any) -> str:
        return only_message(chat(client, mistral, messages=user("Tell me about Lyon"), **extra))[
            "content"
        ]

    assert len({ask() for _ in range(6)}) > 1
    assert len({ask(temperature=0) for _ in range(3)}) == 1


def test_n_gives_n_choices(client: httpx.Client, gateway: SimServer) -> None:
    body = chat(client, gateway, messages=user("hi"), n=3, seed=5)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]


# ---------------------------------------------------------------- gateway extras, caching


def test_web_search_footer(client: httpx.Client, gateway: SimServer) -> None:
    plain = chat(client, gateway, messages=user("News about Lyon"), seed=2)
    searched = chat(
        client, gateway, messages=user("News about Lyon"), seed=2, web_search_linkup=True
    )
    bare = chat(
        client,
        gateway,
        messages=user("News about Lyon"),
        seed=2,
        web_search_linkup=True,
        disable_formatting=True,
    )
    assert "\n\nSources:\n- https://" in only_message(searched)["content"]
    assert "Sources:" not in only_message(bare)["content"]
    assert only_message(bare)["content"] == only_message(plain)["content"]
    assert searched["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"]


def test_resent_history_reports_cached_tokens(client: httpx.Client, mistral: SimServer) -> None:
    history = [
        {"role": "system", "content": "Retain this instruction prefix. " * 40},
        *user("Reply with exactly: cache probe unique-42."),
    ]
    first = chat(client, mistral, messages=history)
    second = chat(
        client, mistral, messages=[*history, {"role": "assistant", "content": "ok"}, *user("again")]
    )
    assert first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert 0 < cached < second["usage"]["prompt_tokens"] and cached % 32 == 0


# ---------------------------------------------------------------- streaming


@pytest.mark.parametrize("dialect", ["mistral", "gateway"])
def test_stream_content_equals_the_non_streamed_answer(
    request: pytest.FixtureRequest, client: httpx.Client, dialect: str
) -> None:
    srv: SimServer = request.getfixturevalue(dialect)
    model = "mistral-medium-3.5" if dialect == "mistral" else "mistral-medium-3-1"
    body = {"model": model, "messages": user("Describe Paris"), "temperature": 0, "max_tokens": 30}
    whole = post(client, srv, body).json()
    chunks = sse_chunks(post(client, srv, {**body, "stream": True}).text)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole["choices"][0]["message"]["content"]
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] == "length" and not any(finishes[:-1])


def test_streamed_tool_calls(client: httpx.Client, mistral: SimServer, gateway: SimServer) -> None:
    for srv in (mistral, gateway):
        model = "mistral-medium-3.5" if srv is mistral else "mistral-medium-3-1"
        resp = post(
            client,
            srv,
            {
                "model": model,
                "messages": user("Weather in Oslo?"),
                "stream": True,
                "tools": [WEATHER_TOOL],
                "tool_choice": "auto",
            },
        )
        chunks = sse_chunks(resp.text)
        args = "".join(
            tc["function"].get("arguments", "")
            for c in chunks
            if c["choices"]
            for tc in c["choices"][0]["delta"].get("tool_calls") or []
        )
        assert json.loads(args) == {"city": "Oslo", "unit": "c"}
        assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_answer_recalls_names_from_earlier_turns(client: httpx.Client, mistral: SimServer) -> None:
    history = [
        *user("My name is Ada."),
        {"role": "assistant", "content": "Nice to meet you, Ada."},
        *user("Repeat my name please."),
    ]
    content = only_message(chat(client, mistral, messages=history))["content"]
    assert "Ada" in content and "Repeat my name please" in content
