"""The gateway's ``/v1/messages`` (Anthropic shape): compared with real recorded Anthropic traffic."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import yaml

from harness.sim import SimServer
from tests.realworld import CASSETTES, interaction
from tests.sim.simtest_helpers import (
    ANTHROPIC,
    GATEWAY_MODEL,
    KEY,
    assert_same_shape,
    sse_events,
    uses_realworld,
)

WEATHER = {
    "name": "get_weather",
    "description": "Get weather for a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
HI = [{"role": "user", "content": "hi"}]


def send(
    client: httpx.Client,
    srv: SimServer,
    headers: dict[str, str] | None = None,
    **body: Any,
) -> httpx.Response:
    body = {"model": GATEWAY_MODEL, "max_tokens": 1024, **body}
    return client.post(f"{srv.url}/messages", json=body, headers=headers or ANTHROPIC)


def ok(client: httpx.Client, srv: SimServer, **body: Any) -> dict[str, Any]:
    resp = send(client, srv, **body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def error(
    client: httpx.Client,
    srv: SimServer,
    status: int = 400,
    headers: dict[str, str] | None = None,
    **body: Any,
) -> str:
    """The error message, after checking the real envelope and its headers."""
    resp = send(client, srv, headers, **body)
    assert resp.status_code == status, resp.text
    got = resp.json()
    assert list(got) == ["type", "error", "request_id"] and got["type"] == "error"
    assert got["request_id"] == resp.headers["request-id"]
    assert re.fullmatch(r"req_011C[A-Za-z0-9]{20}", got["request_id"])
    retry = "true" if status in (429, 500, 503, 529) else "false"
    assert resp.headers["x-should-retry"] == retry
    assert set(got["error"]) == {"type", "message"}
    return str(got["error"]["message"])


# ---------------------------------------------------------------- shapes


@uses_realworld
def test_text_answer_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction("chatlas/test_provider_anthropic/test_data_extraction.yaml")
    sim = ok(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    real = inter.response
    assert list(sim) == list(real)  # chatlas keeps the wire order
    assert list(sim["usage"]) == list(real["usage"])
    assert_same_shape(sim, real)
    assert re.fullmatch(r"msg_01[A-Za-z0-9]{22}", sim["id"])
    assert sim["stop_reason"] == "end_turn" and sim["stop_sequence"] is None
    assert set(json.loads(sim["content"][0]["text"])) == {"title", "author"}  # output_config


@uses_realworld
def test_tool_use_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml"
    )
    sim = ok(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    assert_same_shape(sim, inter.response)
    (block,) = sim["content"]
    assert set(block) == {"type", "id", "name", "input"}
    assert re.fullmatch(r"toolu_01[A-Za-z0-9]{22}", block["id"])
    assert block["input"] == {"city": "Paris"} and sim["stop_reason"] == "tool_use"


@uses_realworld
def test_stream_has_the_real_events(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction("chatlas/test_provider_anthropic/test_anthropic_simple_request.yaml")
    real = sse_events(inter.response)
    resp = send(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
    sim = sse_events(resp.text)
    names = [n for n, _ in sim if n != "ping"]
    deltas = names.count("content_block_delta")
    assert names == [n for n, _ in real if n != "content_block_delta"][:2] + [
        "content_block_delta"
    ] * deltas + ["content_block_stop", "message_delta", "message_stop"]
    assert [n for n, _ in sim].count("ping") == 1
    first = {name: data for name, data in reversed(real)}
    for name, data in sim:
        if name != "ping":
            assert_same_shape(data, first[name])
    assert re.search(r'"}\s{1,}}\n', resp.text)  # data padded before the closing brace
    assert 'data: {"type": "ping"}\n' in resp.text
    text = "".join(d["delta"]["text"] for n, d in sim if n == "content_block_delta")
    assert text.startswith("Simulated answer to: What is 1 + 1?")
    final = dict(sim)["message_delta"]
    assert final["delta"]["stop_reason"] == "end_turn" and final["usage"]["output_tokens"] > 1


@uses_realworld
def test_streamed_tool_use_has_the_real_events(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction("chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml")
    real = sse_events(inter.response)
    sim = sse_events(
        send(
            client,
            gateway,
            stream=True,
            tools=[WEATHER],
            tool_choice={"type": "any"},
            messages=[{"role": "user", "content": "Weather in Lagos?"}],
        ).text
    )
    first = {name: data for name, data in reversed(real)}
    for name, data in sim:
        if name != "ping":
            assert_same_shape(data, first[name])
    start = dict(sim)["content_block_start"]["content_block"]
    assert start["type"] == "tool_use" and start["input"] == {}
    partial = "".join(d["delta"]["partial_json"] for n, d in sim if n == "content_block_delta")
    assert json.loads(partial) == {"city": "Lagos"}
    assert dict(sim)["message_delta"]["delta"]["stop_reason"] == "tool_use"


def test_stop_reasons_and_tool_loop(client: httpx.Client, gateway: SimServer) -> None:
    assert ok(client, gateway, messages=HI, max_tokens=5)["stop_reason"] == "max_tokens"
    stopped = ok(
        client,
        gateway,
        messages=[{"role": "user", "content": "Count: one two three"}],
        stop_sequences=["two"],
    )
    assert (stopped["stop_reason"], stopped["stop_sequence"]) == ("stop_sequence", "two")
    assert stopped["content"][0]["text"].endswith("one ")
    call = ok(
        client,
        gateway,
        system="Use tools.",
        tools=[WEATHER],
        messages=[{"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]}],
    )
    use = call["content"][0]
    turns = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": call["content"]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "Sunny, 22C"}],
        },
    ]
    final = ok(client, gateway, tools=[WEATHER], messages=turns)
    assert final["stop_reason"] == "end_turn"
    assert "According to the tool get_weather" in final["content"][0]["text"]
    none = ok(
        client,
        gateway,
        tools=[WEATHER],
        tool_choice={"type": "none"},
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )
    assert none["content"][0]["type"] == "text"


def test_bearer_is_accepted_too(client: httpx.Client, gateway: SimServer) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "anthropic-version": "2023-06-01"}
    assert send(client, gateway, headers, messages=HI).status_code == 200


# ---------------------------------------------------------------- errors


@uses_realworld
@pytest.mark.parametrize("stream", [False, True])
def test_401_is_the_real_one(client: httpx.Client, gateway: SimServer, stream: bool) -> None:
    path = CASSETTES / "mirascope/test_authentication_error/anthropic_claude_sonnet_4_0.yaml"
    recorded = yaml.safe_load(path.read_text())["interactions"][0]["response"]
    headers = {**ANTHROPIC, "x-api-key": "sk-ant-wrong"}
    resp = send(client, gateway, headers, messages=HI, stream=stream)
    rid = resp.headers["request-id"]
    real = re.sub(r"req_\w+", rid, recorded["body"]["string"])
    assert (resp.status_code, resp.text) == (401, real)  # byte for byte, a JSON body on a stream
    assert resp.headers["x-should-retry"] == "false" and "sk-ant-wrong" not in resp.text
    missing = error(client, gateway, 401, {"anthropic-version": "2023-06-01"}, messages=HI)
    assert missing == "x-api-key header is required"


@uses_realworld
def test_unknown_model_is_the_real_404(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction(
        "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[anthropic].yaml"
    )
    resp = send(client, gateway, **inter.request)
    assert resp.status_code == inter.status == 404
    assert resp.json() == {**inter.response, "request_id": resp.headers["request-id"]}


def test_anthropic_version_header(client: httpx.Client, gateway: SimServer) -> None:
    msg = error(client, gateway, 400, {"x-api-key": KEY}, messages=HI)
    assert msg == "anthropic-version: header is required"
    msg = error(
        client, gateway, 400, {"x-api-key": KEY, "anthropic-version": "2024-10-22"}, messages=HI
    )
    assert msg == 'anthropic-version: "2024-10-22" is not a valid version'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_tokens": None}, "max_tokens: Input should be a valid integer"),
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"temperature": 2.5}, "temperature: Input should be less than or equal to 2"),
        ({"top_p": "0.5"}, "top_p: Input should be a valid number"),
        ({"response_format": {}}, "response_format: Extra inputs are not permitted"),
        ({"messages": []}, "messages: at least one message is required"),
        (
            {"messages": [{"role": "system", "content": "x"}]},
            "messages.0.role: Input should be 'user' or 'assistant'",
        ),
        (
            {"messages": [{"role": "user", "content": ""}]},
            (
                "messages.0: all messages must have non-empty content except for the optional final "
                "assistant message"
            ),
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "x", "foo": 1}]}]},
            "messages.0.content.0.text.foo: Extra inputs are not permitted",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "input_text", "text": "x"}]}]},
            (
                "messages.0.content.0: Input tag 'input_text' found using 'type' does not match any "
                "of the expected tags: 'text', 'image', 'tool_use', 'tool_result', 'document', "
                "'thinking'"
            ),
        ),
        ({"tools": [{"name": "f"}]}, "tools.0.custom.input_schema: Field required"),
        (
            {"tool_choice": {"type": "required"}, "tools": [WEATHER]},
            (
                "tool_choice: Input tag 'required' found using 'type' does not match any of the "
                "expected tags: 'auto', 'any', 'tool', 'none'"
            ),
        ),
        (
            {"output_config": {"effort": "xhigh"}},
            (
                "This model does not support effort level 'xhigh'. Supported levels: high, low, max, "
                "medium."
            ),
        ),
        (
            {"max_tokens": 70000},
            (
                "max_tokens: 70000 > 65536, which is the maximum allowed number of output tokens for "
                "mistral-medium-3-1"
            ),
        ),
    ],
)
def test_validation_errors(
    client: httpx.Client, gateway: SimServer, body: dict[str, Any], message: str
) -> None:
    assert error(client, gateway, **{"messages": HI, **body}) == message


def test_missing_max_tokens_and_tool_pairing(client: httpx.Client, gateway: SimServer) -> None:
    resp = client.post(
        f"{gateway.url}/messages", json={"model": GATEWAY_MODEL, "messages": HI}, headers=ANTHROPIC
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "max_tokens: Field required"
    use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    orphan = [
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}],
        }
    ]
    assert "unexpected `tool_use_id` found in `tool_result` blocks: toolu_9" in error(
        client, gateway, messages=orphan, tools=[WEATHER]
    )
    unanswered = [HI[0], {"role": "assistant", "content": [use]}, {"role": "user", "content": "?"}]
    assert error(client, gateway, messages=unanswered, tools=[WEATHER]).startswith(
        "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: "
        "toolu_1."
    )


def test_prompt_too_long(client: httpx.Client, gateway: SimServer) -> None:
    msg = error(client, gateway, messages=[{"role": "user", "content": "word " * 110_000}])
    assert re.fullmatch(r"prompt is too long: \d+ tokens > 131072 maximum", msg)
    msg = error(
        client, gateway, max_tokens=65000, messages=[{"role": "user", "content": "w " * 140_000}]
    )
    assert msg.startswith("input length and `max_tokens` exceed context limit: ")
