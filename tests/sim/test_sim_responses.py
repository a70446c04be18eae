"""The gateway's ``/v1/responses``: shapes and errors compared with real recorded Responses traffic."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import yaml

from harness.sim import SimServer
from tests.realworld import CASSETTES, interaction
from tests.sim.simtest_helpers import (
    AUTH,
    GATEWAY_MODEL,
    MISTRAL_MODEL,
    assert_same_shape,
    sse_events,
    uses_realworld,
)

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


def respond(
    client: httpx.Client, srv: SimServer, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    return client.post(
        f"{srv.url}/responses",
        json={"model": GATEWAY_MODEL, **body},
        headers={**AUTH, **(headers or {})},
    )


def ok(client: httpx.Client, srv: SimServer, **body: Any) -> dict[str, Any]:
    resp = respond(client, srv, **body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def error(client: httpx.Client, srv: SimServer, status: int = 400, **body: Any) -> dict[str, Any]:
    resp = respond(client, srv, **body)
    assert resp.status_code == status, resp.text
    assert resp.text.startswith('{\n  "error": {\n    "message"') and resp.text.endswith("}")
    err = resp.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    return err


def raw_body(file: str) -> tuple[int, str]:
    recorded = yaml.safe_load((CASSETTES / file).read_text())["interactions"][0]["response"]
    return recorded["status"]["code"], recorded["body"]["string"]


# ---------------------------------------------------------------- shapes


@uses_realworld
def test_text_answer_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction("chatlas/test_provider_openai/test_data_extraction.yaml")
    sim = ok(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    real = inter.response
    assert set(sim) == set(real)
    assert_same_shape(sim, real)
    assert sim["id"].startswith("resp_") and sim["output"][0]["id"].startswith("msg_")
    assert sim["id"][5:21] == sim["output"][0]["id"][4:20]  # shared prefix, like real ids
    assert sim["status"] == "completed" and sim["text"] == real["text"]
    answer = json.loads(sim["output"][0]["content"][0]["text"])
    assert set(answer) == {"title", "author"}  # valid against the text.format schema
    usage = sim["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


@uses_realworld
def test_function_call_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml"
    )
    sim = ok(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    real = inter.response
    nullable = {"prompt_cache_retention"}
    assert_same_shape(
        {k: v for k, v in sim.items() if k != "output"},
        {k: v for k, v in real.items() if k != "output"},
        nullable=nullable,
    )
    real_call = next(i for i in real["output"] if i["type"] == "function_call")
    (call,) = sim["output"]
    assert set(call) == set(real_call)
    assert_same_shape(call, real_call)
    assert call["id"].startswith("fc_") and call["call_id"].startswith("call_")
    assert (call["name"], call["arguments"]) == ("get_weather", '{"city":"Paris"}')
    assert sim["tool_choice"] == "required" and sim["tools"] == real["tools"]


@uses_realworld
def test_stream_has_the_real_events(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction("chatlas/test_provider_openai/test_openai_simple_request.yaml")
    real = sse_events(inter.response)
    resp = respond(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    sim = sse_events(resp.text)

    def kinds(events: list[tuple[str, Any]]) -> list[str]:
        out = [name for name, _ in events]
        return [k for i, k in enumerate(out) if not (i and k == out[i - 1])]  # one per run

    assert kinds(sim) == kinds(real)
    assert [d["sequence_number"] for _, d in sim] == list(range(len(sim)))
    first = {name: data for name, data in reversed(real)}
    for name, data in sim:
        assert next(iter(data)) == "type"
        assert_same_shape(data, {k: v for k, v in first[name].items() if k != "obfuscation"})
    text = "".join(d["delta"] for n, d in sim if n == "response.output_text.delta")
    done = sim[-1][1]["response"]
    assert done["output"][0]["content"][0]["text"] == text and done["status"] == "completed"
    assert done["usage"]["output_tokens"] > 0 and sim[0][1]["response"]["usage"] is None


@uses_realworld
def test_streamed_function_call_has_the_real_events(
    client: httpx.Client, gateway: SimServer
) -> None:
    inter = interaction("chatlas/test_provider_openai/test_openai_tool_variations_async.yaml")
    real = sse_events(inter.response)
    body = {**inter.request, "model": GATEWAY_MODEL, "tools": [WEATHER], "tool_choice": "required"}
    body["input"] = [{"role": "user", "content": "Weather in Lagos?"}]
    sim = sse_events(respond(client, gateway, **body).text)
    first = {name: data for name, data in reversed(real)}
    assert {n for n, _ in sim} == {n for n, _ in real}
    for name, data in sim:
        assert_same_shape(data, {k: v for k, v in first[name].items() if k != "obfuscation"})
    args = "".join(d["delta"] for n, d in sim if n == "response.function_call_arguments.delta")
    assert json.loads(args) == {"city": "Lagos"}
    assert sim[-1][1]["response"]["output"][0]["arguments"] == args


def test_incomplete_when_max_output_tokens_is_reached(
    client: httpx.Client, gateway: SimServer
) -> None:
    body = ok(client, gateway, input="Tell me a long story", max_output_tokens=16)
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["status"] == "incomplete" and body["usage"]["output_tokens"] == 16
    events = sse_events(
        respond(
            client, gateway, input="Tell me a long story", max_output_tokens=16, stream=True
        ).text
    )
    assert events[-1][0] == "response.incomplete"


def test_instructions_tool_loop_and_previous_response_id(
    client: httpx.Client, gateway: SimServer
) -> None:
    first = ok(
        client, gateway, instructions="Be terse.", input="Weather in Paris?", tools=[WEATHER]
    )
    call = first["output"][0]
    assert call["type"] == "function_call" and first["instructions"] == "Be terse."
    output = {"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny, 22C"}
    second = ok(client, gateway, previous_response_id=first["id"], input=[output], tools=[WEATHER])
    text = second["output"][0]["content"][0]["text"]
    assert "According to the tool get_weather" in text and "Sunny, 22C" in text
    # stateless: the whole conversation resent, call and output items included
    resent = {k: v for k, v in call.items() if k not in ("id", "status")}
    items = [{"role": "user", "content": "Weather in Paris?"}, resent, output]
    assert "Sunny, 22C" in ok(client, gateway, input=items)["output"][0]["content"][0]["text"]
    err = error(client, gateway, input=[output])
    assert err["message"].startswith("No tool call found for function call output")
    err = error(client, gateway, previous_response_id="resp_nope", input="hi")
    assert (err["param"], err["code"]) == ("previous_response_id", "previous_response_not_found")


# ---------------------------------------------------------------- errors


@uses_realworld
def test_401_is_byte_exact_with_the_real_one(client: httpx.Client, gateway: SimServer) -> None:
    status, text = raw_body("mirascope/test_authentication_error/openai_gpt_4o_responses.yaml")
    resp = respond(client, gateway, {"Authorization": "Bearer invalid-api-key-12345"}, input="x")
    assert (resp.status_code, resp.text) == (status, text)
    assert resp.headers["www-authenticate"] == 'Bearer realm="OpenAI API"'
    assert resp.headers["content-type"] == "application/json"
    missing = client.post(f"{gateway.url}/responses", json={"model": GATEWAY_MODEL, "input": "x"})
    assert missing.status_code == 401 and "didn't provide an API key" in missing.text


@uses_realworld
def test_unknown_model_is_a_400_byte_exact(client: httpx.Client, gateway: SimServer) -> None:
    status, text = raw_body("mirascope/test_model_not_found/openai_gpt_4o_responses.yaml")
    resp = respond(client, gateway, model="this-model-does-not-exist-12345", input="x")
    assert (resp.status_code, resp.text) == (status, text)


@uses_realworld
def test_bad_temperature_on_a_stream_is_plain_json(
    client: httpx.Client, gateway: SimServer
) -> None:
    inter = interaction(
        "pydantic-ai/test_openai_responses/test_openai_responses_model_http_error.yaml"
    )
    resp = respond(client, gateway, **{**inter.request, "model": GATEWAY_MODEL})
    assert resp.status_code == inter.status == 400
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == inter.response


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": "x", "messages": []}, "messages", "unknown_parameter"),
        ({"input": "x", "max_tokens": 5}, "max_tokens", "unknown_parameter"),
        ({"input": "x", "temperature": 2.5}, "temperature", "decimal_above_max_value"),
        ({"input": "x", "top_p": -0.1}, "top_p", "decimal_below_min_value"),
        ({"input": "x", "max_output_tokens": 5}, "max_output_tokens", "integer_below_min_value"),
        (
            {"input": "x", "max_output_tokens": 10**6},
            "max_output_tokens",
            "integer_above_max_value",
        ),
        ({"input": "x", "stream": "yes"}, "stream", "invalid_type"),
        ({}, "input", "missing_required_parameter"),
        ({"input": 3}, "input", "invalid_type"),
        ({"input": [{"role": "robot", "content": "x"}]}, "input[0].role", "invalid_value"),
        ({"input": [{"type": "nope"}]}, "input[0].type", "invalid_value"),
        (
            {"input": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]},
            "input[0].content[0].type",
            "invalid_value",
        ),
        (
            {"input": "x", "tools": [{"type": "function", "function": {"name": "f"}}]},
            "tools[0].name",
            "missing_required_parameter",
        ),
        ({"input": "x", "tool_choice": "any", "tools": [WEATHER]}, "tool_choice", "invalid_value"),
        ({"input": "x", "text": {"format": {"type": "xml"}}}, "text.format.type", "invalid_value"),
        (
            {"input": "x", "text": {"format": {"type": "json_schema", "schema": {}}}},
            "text.format.name",
            "missing_required_parameter",
        ),
        ({"input": "x", "truncation": "middle"}, "truncation", "invalid_value"),
    ],
)
def test_validation_errors(
    client: httpx.Client, gateway: SimServer, body: dict[str, Any], param: str, code: str
) -> None:
    err = error(client, gateway, **body)
    assert (err["param"], err["code"], err["type"]) == (param, code, "invalid_request_error")


def test_accepts_the_documented_fields(client: httpx.Client, gateway: SimServer) -> None:
    body = ok(
        client,
        gateway,
        input=[
            {"type": "message", "role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        ],
        instructions="x",
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
        text={"format": {"type": "text"}, "verbosity": "low"},
        max_output_tokens=500,
        temperature=2,
        top_p=0.5,
        stream=False,
        store=False,
        metadata={"k": "v"},
        parallel_tool_calls=False,
        truncation="auto",
        reasoning={"effort": "low"},
        service_tier="priority",
        user="u",
        include=["reasoning.encrypted_content"],
    )
    assert body["service_tier"] == "priority" and body["store"] is False
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["output"][0]["type"] == "function_call"
    assert body["metadata"] == {"k": "v"} and body["temperature"] == 2.0
    ok_json = ok(client, gateway, input="give json", text={"format": {"type": "json_object"}})
    assert isinstance(json.loads(ok_json["output"][0]["content"][0]["text"]), dict)


def test_mistral_serves_neither_responses_nor_messages(
    client: httpx.Client, mistral: SimServer
) -> None:
    for path in ("responses", "messages"):
        resp = client.post(
            f"{mistral.url}/{path}", json={"model": MISTRAL_MODEL, "input": "x"}, headers=AUTH
        )
        assert resp.status_code == 404 and resp.json() == {"detail": "Not Found"}
