"""The simulator's answers validate against the providers' official OpenAPI specs.

Every kind of answer (success, error, streamed; each dialect and endpoint) is validated with
`harness.specs` (the documented deviation patches applied, as for real traffic). Mistral and
OpenAI use the packaged spec copies, so those tests run anywhere; the Anthropic spec is not
shipped and is read from ../shared/realworld/specs (skipped with a reason when absent).

Mistral's spec documents one error body (422 `HTTPValidationError`, whose `detail` is optional,
so it accepts the real `{"object": "error", "message": {"detail": [...]}}` form too); its
other errors (401, 429, 400 context length) have no schema in the spec, so those answers are
checked for a known envelope of the dialect instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.sim import SimServer
from harness.specs import ENV_DIR, component_validator
from harness.wire.errors import classify_error
from harness.wire.sse import parse_sse
from tests.realworld import REALWORLD
from tests.sim.simtest_helpers import (
    ANTHROPIC,
    AUTH,
    GATEWAY_MODEL,
    MISTRAL_MODEL,
    WEATHER_TOOL,
    uses_realworld,
)

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
FLAT_TOOL = {"type": "function", "name": "get_weather",
             "parameters": WEATHER_TOOL["function"]["parameters"]}
ANTHROPIC_TOOL = {"name": "get_weather", "input_schema": WEATHER_TOOL["function"]["parameters"]}
USER = [{"role": "user", "content": "Weather in Paris?"}]


@pytest.fixture(autouse=True)
def _packaged_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)


@pytest.fixture
def anthropic_spec(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(ENV_DIR, str(REALWORLD / "specs"))
    yield


def _items(resp: httpx.Response) -> list[Any]:
    if resp.headers.get("content-type", "").startswith("text/event-stream"):
        events = [json.loads(e.data) for e in parse_sse(resp.content) if e.data.strip() != "[DONE]"]
        assert events
        return events
    return [resp.json()]


def assert_meets(resp: httpx.Response, spec: str, component: str, status: int = 200) -> None:
    assert resp.status_code == status, resp.text
    checker = component_validator(spec, component)
    errors = [
        f"item {i}: {e.json_path}: {e.message[:200]}"
        for i, item in enumerate(_items(resp))
        for e in checker.validator.iter_errors(item)
    ]
    assert errors == [], checker.label


# -- Mistral ------------------------------------------------------------------------------

MISTRAL_SUCCESS = {
    "text": {"messages": USER},
    "tool call": {"messages": USER, "tools": [WEATHER_TOOL], "tool_choice": "any"},
    "json_object": {"messages": USER, "response_format": {"type": "json_object"}},
    "json_schema": {"messages": USER, "response_format": {
        "type": "json_schema", "json_schema": {"name": "w", "schema": SCHEMA, "strict": True}}},
    "max_tokens": {"messages": USER, "max_tokens": 1},
}


@pytest.mark.parametrize("kind", sorted(MISTRAL_SUCCESS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_mistral_chat(kind: str, stream: bool, client: httpx.Client, mistral: SimServer) -> None:
    body = {"model": MISTRAL_MODEL, **MISTRAL_SUCCESS[kind], "stream": stream}
    resp = client.post(f"{mistral.url}/chat/completions", json=body, headers=AUTH)
    assert_meets(resp, "mistral", "CompletionChunk" if stream else "ChatCompletionResponse")


def test_mistral_models(client: httpx.Client, mistral: SimServer) -> None:
    assert_meets(client.get(f"{mistral.url}/models", headers=AUTH), "mistral", "ModelList")


def test_mistral_errors(client: httpx.Client, mistral: SimServer) -> None:
    url = f"{mistral.url}/chat/completions"
    resp = client.post(url, json={"model": MISTRAL_MODEL, "messages": USER, "store": True},
                       headers=AUTH)
    assert_meets(resp, "mistral", "HTTPValidationError", 422)
    assert classify_error(422, resp.content).shape == "mistral.detail_in_message"
    # no schema in the spec for these: a known Mistral envelope, of the right class
    for headers, status, shape, cls in [
        ({"Authorization": "Bearer nope"}, 401, "mistral.detail_string", "auth"),
        ({**AUTH, "x-sim-fault": "429"}, 429, "mistral.flat", "rate_limit"),
        ({**AUTH, "x-sim-fault": "503"}, 503, "mistral.flat", "overloaded"),
    ]:
        resp = client.post(url, json={"model": MISTRAL_MODEL, "messages": USER}, headers=headers)
        info = classify_error(resp.status_code, resp.content, resp.headers)
        assert (resp.status_code, info.dialect, info.shape, info.error_class) == (
            status, "mistral", shape, cls
        )


# -- OpenAI-compatible gateway: chat ---------------------------------------------------------

OPENAI_SUCCESS = {
    "text": {"messages": USER},
    "tool call": {"messages": USER, "tools": [WEATHER_TOOL], "tool_choice": "required"},
    "json_object": {"messages": USER, "response_format": {"type": "json_object"}},
    "json_schema": {"messages": USER, "response_format": {
        "type": "json_schema", "json_schema": {"name": "w", "schema": SCHEMA, "strict": True}}},
    "max_tokens": {"messages": USER, "max_tokens": 1},
}


@pytest.mark.parametrize("kind", sorted(OPENAI_SUCCESS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_gateway_chat(kind: str, stream: bool, client: httpx.Client, gateway: SimServer) -> None:
    body: dict[str, Any] = {"model": GATEWAY_MODEL, **OPENAI_SUCCESS[kind]}
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    resp = client.post(f"{gateway.url}/chat/completions", json=body, headers=AUTH)
    component = "CreateChatCompletionStreamResponse" if stream else "CreateChatCompletionResponse"
    assert_meets(resp, "openai", component)


def test_gateway_models(client: httpx.Client, gateway: SimServer) -> None:
    assert_meets(client.get(f"{gateway.url}/models", headers=AUTH), "openai", "ListModelsResponse")


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/chat/completions", {"model": GATEWAY_MODEL, "messages": USER}, {"Authorization": "Bearer x"}, 401),
        ("/chat/completions", {"model": GATEWAY_MODEL, "messages": USER, "bogus": 1}, AUTH, 400),
        ("/chat/completions", {"model": "nope", "messages": USER}, AUTH, 404),
        ("/chat/completions", {"model": GATEWAY_MODEL, "messages": USER}, {**AUTH, "x-sim-fault": "429"}, 429),
        ("/chat/completions", {"model": GATEWAY_MODEL, "messages": USER}, {**AUTH, "x-sim-fault": "500"}, 500),
        ("/responses", {"model": GATEWAY_MODEL, "input": "hi"}, {"Authorization": "Bearer x"}, 401),
        ("/responses", {"model": GATEWAY_MODEL, "input": "hi", "temperature": -1}, AUTH, 400),
        ("/responses", {"model": "nope", "input": "hi"}, AUTH, 400),
        ("/responses", {"model": GATEWAY_MODEL, "input": "hi"}, {**AUTH, "x-sim-fault": "503"}, 503),
    ],
)
def test_gateway_errors(path: str, body: dict[str, Any], headers: dict[str, str], status: int,
                        client: httpx.Client, gateway: SimServer) -> None:
    resp = client.post(f"{gateway.url}{path}", json=body, headers=headers)
    assert_meets(resp, "openai", "ErrorResponse", status)


# -- Responses ------------------------------------------------------------------------------

RESPONSES_SUCCESS = {
    "text": {"input": "Weather in Paris?"},
    "instructions": {"input": "Hi", "instructions": "Be brief."},
    "tool call": {"input": "Weather in Paris?", "tools": [FLAT_TOOL], "tool_choice": "required"},
    "json_schema": {"input": "Weather?", "text": {"format": {
        "type": "json_schema", "name": "w", "schema": SCHEMA, "strict": True}}},
    "incomplete": {"input": "Weather in Paris?", "max_output_tokens": 16},
}


@pytest.mark.parametrize("kind", sorted(RESPONSES_SUCCESS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_responses(kind: str, stream: bool, client: httpx.Client, gateway: SimServer) -> None:
    body = {"model": GATEWAY_MODEL, **RESPONSES_SUCCESS[kind], "stream": stream}
    resp = client.post(f"{gateway.url}/responses", json=body, headers=AUTH)
    assert_meets(resp, "openai", "ResponseStreamEvent" if stream else "Response")


# -- Messages (the Anthropic spec comes from ../shared/realworld) ----------------------------

MESSAGES_SUCCESS = {
    "text": {"messages": USER},
    "system": {"messages": USER, "system": "Be brief."},
    "tool call": {"messages": USER, "tools": [ANTHROPIC_TOOL], "tool_choice": {"type": "any"}},
    "json_schema": {"messages": USER, "output_config": {
        "format": {"type": "json_schema", "schema": SCHEMA}}},
    "max_tokens": {"messages": USER, "max_tokens": 1},
}


@uses_realworld
@pytest.mark.usefixtures("anthropic_spec")
@pytest.mark.parametrize("kind", sorted(MESSAGES_SUCCESS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_messages(kind: str, stream: bool, client: httpx.Client, gateway: SimServer) -> None:
    body = {"model": GATEWAY_MODEL, "max_tokens": 256, **MESSAGES_SUCCESS[kind], "stream": stream}
    resp = client.post(f"{gateway.url}/messages", json=body, headers=ANTHROPIC)
    assert_meets(resp, "anthropic", "MessageStreamEvent" if stream else "Message")


@uses_realworld
@pytest.mark.usefixtures("anthropic_spec")
@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"model": GATEWAY_MODEL, "max_tokens": 9, "messages": USER},
         {"x-api-key": "nope", "anthropic-version": "2023-06-01"}, 401),
        ({"model": "nope", "max_tokens": 9, "messages": USER}, ANTHROPIC, 404),
        ({"model": GATEWAY_MODEL, "messages": USER}, ANTHROPIC, 400),
        ({"model": GATEWAY_MODEL, "max_tokens": 9, "messages": USER},
         {**ANTHROPIC, "x-sim-fault": "429"}, 429),
        ({"model": GATEWAY_MODEL, "max_tokens": 9, "messages": USER},
         {**ANTHROPIC, "x-sim-fault": "529"}, 529),
    ],
)
def test_messages_errors(body: dict[str, Any], headers: dict[str, str], status: int,
                         client: httpx.Client, gateway: SimServer) -> None:
    resp = client.post(f"{gateway.url}/messages", json=body, headers=headers)
    assert_meets(resp, "anthropic", "ErrorResponse", status)
