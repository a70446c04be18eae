"""The simulator's answers side by side with real recorded answers of the same kind: key sets
and JSON types, for every dialect and endpoint, success / stream / error.

Each kind of simulated answer is compared with every real recorded answer of that kind in
../shared/realworld (their union: providers change over time, and a key seen in any real
answer is real). Arrays are compared item by item, keyed by their `type` (content blocks,
output items); stream events by event type; user data (schemas, tool arguments, metadata) is
not compared. Three lists say how the simulator differs, and are exact or bounded:

- SIM_ONLY: keys the simulator sends that no real answer of the kind has (exact);
- TYPE_DIFFS: JSON types the simulator sends at a real key that no real answer has (exact);
- NOT_SIMULATED: real keys the simulator never produces (the simulator may grow into them).

`test_sim_shapes.py`, `test_sim_messages.py` and `test_sim_responses.py` compare single
answers with one recording each; this file covers the rest (reasoning, JSON modes, tool
streams, the Responses and Messages event types one by one, errors) against all of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

import httpx
import pytest

from harness.sim import SimConfig, SimServer
from harness.wire.sse import parse_sse
from tests.realworld import Interaction, iter_interactions, requires_realworld
from tests.sim.simtest_helpers import (
    ANTHROPIC,
    AUTH,
    GATEWAY_MODEL,
    MISTRAL_MODEL,
    WEATHER_TOOL,
)

pytestmark = [pytest.mark.realworld, requires_realworld]

# keys whose values are the caller's data, not the API's shape
OPAQUE = frozenset({"schema", "parameters", "input_schema", "metadata", "input", "properties"})
USER = [{"role": "user", "content": "Weather in Paris?"}]
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
FLAT_TOOL = {"type": "function", "name": "get_weather", "description": "Get the weather.",
             "parameters": WEATHER_TOOL["function"]["parameters"], "strict": True}
ANTHROPIC_TOOL = {"name": "get_weather", "description": "Get the weather.",
                  "input_schema": WEATHER_TOOL["function"]["parameters"]}

Shape = dict[str, set[str]]


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array"}.get(type(value), "object")


def shape(values: Iterable[Any]) -> Shape:
    """JSON path -> the JSON types seen there, over all the values."""
    out: Shape = {}

    def walk(value: Any, path: str) -> None:
        out.setdefault(path, set()).add(_type(value))
        if isinstance(value, dict):
            for key, item in value.items():
                if key in OPAQUE:
                    out.setdefault(f"{path}.{key}", set()).add(_type(item))
                else:
                    walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                tag = item.get("type") if isinstance(item, dict) else None
                walk(item, f"{path}[{tag}]" if isinstance(tag, str) else f"{path}[]")

    for value in values:
        walk(value, "$")
    return out


def _events(text: str | bytes) -> list[Any]:
    return [json.loads(e.data) for e in parse_sse(text) if e.data.strip() != "[DONE]"]


def _kind(inter: Interaction) -> str | None:
    dialect = inter.dialect
    if dialect not in ("mistral", "openai", "anthropic"):
        return None  # OpenRouter: not simulated
    if inter.status >= 400:
        return f"{dialect} error"
    if inter.endpoint not in ("chat", "responses", "messages"):
        return None
    return f"{dialect} {inter.endpoint}{' stream' if inter.stream else ''}"


@cache
def real() -> dict[str, list[Any]]:
    """kind -> every real answer (stream kinds: every event; by event type for Responses and
    Messages) recorded in ../shared/realworld."""
    out: dict[str, list[Any]] = {}
    for inter in iter_interactions():
        kind = _kind(inter)
        if kind is None:
            continue
        if not inter.stream:
            out.setdefault(kind, []).append(inter.response)
            continue
        for event in _events(inter.response):
            key = kind if inter.endpoint == "chat" else f"{kind} {event['type']}"
            out.setdefault(key, []).append(event)
    return out


# -- the documented differences -----------------------------------------------------------

STREAM_RESPONSE_EVENTS = ("response.created", "response.in_progress", "response.completed")

SIM_ONLY: dict[str, set[str]] = {
    # Recorded Mistral streams (2024-2025) have neither: the simulator adds `index` to a
    # streamed tool call and `prompt_tokens_details` to the final usage, as the 2026 non-stream
    # answers have them.
    "mistral chat stream": {
        "$.choices[].delta.tool_calls[].index",
        "$.usage.prompt_tokens_details",
        "$.usage.prompt_tokens_details.cached_tokens",
    },
    # `billing` is in the July 2026 non-stream Response objects, not in the May 2026 streams
    **{f"openai responses stream {t}": {"$.response.billing", "$.response.billing.payer"}
       for t in STREAM_RESPONSE_EVENTS},
}
TYPE_DIFFS: dict[str, set[str]] = {
    # gpt-5.4 streams (2026) send system_fingerprint null in every chunk; the simulator a string
    "openai chat stream": {"$.system_fingerprint: string"},
}
NOT_SIMULATED: dict[str, set[str]] = {
    "mistral chat": {
        # reasoning answers: content as [thinking, text] parts
        "$.choices[].message.content[text]",
        "$.choices[].message.content[text].text",
        "$.choices[].message.content[text].type",
        "$.choices[].message.content[thinking]",
        "$.choices[].message.content[thinking].closed",
        "$.choices[].message.content[thinking].thinking",
        "$.choices[].message.content[thinking].thinking[text]",
        "$.choices[].message.content[thinking].thinking[text].text",
        "$.choices[].message.content[thinking].thinking[text].type",
        "$.choices[].message.content[thinking].type",
        "$.usage.num_cached_tokens",  # the January 2026 spelling of cached tokens
        "$.usage.service_tier",  # Magistral
    },
    "mistral chat stream": {
        "$.choices[].delta.content[thinking]",
        "$.choices[].delta.content[thinking].thinking",
        "$.choices[].delta.content[thinking].thinking[text]",
        "$.choices[].delta.content[thinking].thinking[text].text",
        "$.choices[].delta.content[thinking].thinking[text].type",
        "$.choices[].delta.content[thinking].type",
        "$.choices[].logprobs",  # 2024 chunks
    },
    "openai chat stream": {"$.obfuscation"},
    "openai responses": {
        "$.output[reasoning]",
        "$.output[reasoning].encrypted_content",
        "$.output[reasoning].id",
        "$.output[reasoning].summary",
        "$.output[reasoning].type",
    },
    "openai responses stream response.output_text.delta": {"$.obfuscation"},
    "openai responses stream response.function_call_arguments.delta": {"$.obfuscation"},
}


def compare(kind: str, simulated: list[Any]) -> None:
    assert simulated, kind
    real_shape = shape(real()[kind])
    sim_shape = shape(simulated)
    sim_only = set(sim_shape) - set(real_shape)
    types = {
        f"{path}: {t}"
        for path in set(sim_shape) & set(real_shape)
        for t in sim_shape[path] - real_shape[path]
    }
    missing = set(real_shape) - set(sim_shape)
    assert sim_only == SIM_ONLY.get(kind, set()), f"{kind}: keys no real answer has"
    assert types == TYPE_DIFFS.get(kind, set()), f"{kind}: types no real answer has"
    assert missing <= NOT_SIMULATED.get(kind, set()), f"{kind}: real keys the simulator lacks"


@pytest.fixture(scope="module")
def sims() -> Any:
    with SimServer(SimConfig(dialect="mistral")) as m, SimServer(SimConfig(dialect="openai")) as g:
        yield m, g


def _ok(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    resp = client.post(url, json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp


# -- chat ----------------------------------------------------------------------------------

MISTRAL_VARIANTS = [
    {},
    {"tools": [WEATHER_TOOL], "tool_choice": "any"},
    {"response_format": {"type": "json_object"}},
    {"response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": SCHEMA}}},
    {"reasoning_effort": "high"},
    {"max_tokens": 1},
]
OPENAI_VARIANTS = [
    {},
    {"tools": [WEATHER_TOOL], "tool_choice": "required"},
    {"response_format": {"type": "json_object"}},
    {"response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": SCHEMA}}},
    {"max_tokens": 1},
]


def test_mistral_chat(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[0].url}/chat/completions"
    answers = [_ok(client, url, {"model": MISTRAL_MODEL, "messages": USER, **v}, AUTH).json()
               for v in MISTRAL_VARIANTS]
    compare("mistral chat", answers)


def test_mistral_chat_stream(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[0].url}/chat/completions"
    chunks = [c for v in MISTRAL_VARIANTS[:3] for c in _events(
        _ok(client, url, {"model": MISTRAL_MODEL, "messages": USER, "stream": True, **v}, AUTH).content)]
    compare("mistral chat stream", chunks)


def test_openai_chat(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/chat/completions"
    answers = [_ok(client, url, {"model": GATEWAY_MODEL, "messages": USER, **v}, AUTH).json()
               for v in OPENAI_VARIANTS]
    compare("openai chat", answers)


def test_openai_chat_stream(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/chat/completions"
    opts = {"stream": True, "stream_options": {"include_usage": True}}
    chunks = [c for v in OPENAI_VARIANTS[:2] for c in _events(
        _ok(client, url, {"model": GATEWAY_MODEL, "messages": USER, **opts, **v}, AUTH).content)]
    compare("openai chat stream", chunks)


# -- Responses -----------------------------------------------------------------------------

RESPONSES_VARIANTS = [
    {},
    {"tools": [FLAT_TOOL], "tool_choice": "required"},
    {"text": {"format": {"type": "json_schema", "name": "w", "schema": SCHEMA, "strict": True}}},
]


def test_openai_responses(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/responses"
    answers = [_ok(client, url, {"model": GATEWAY_MODEL, "input": "Weather?", **v}, AUTH).json()
               for v in RESPONSES_VARIANTS]
    compare("openai responses", answers)


def _by_type(events: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for event in events:
        out.setdefault(event["type"], []).append(event)
    return out


def _real_event_types(prefix: str) -> set[str]:
    return {k[len(prefix) + 1:] for k in real() if k.startswith(prefix + " ")}


def test_openai_responses_stream(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/responses"
    events = _by_type([e for v in RESPONSES_VARIANTS[:2] for e in _events(
        _ok(client, url, {"model": GATEWAY_MODEL, "input": "Weather?", "stream": True, **v},
            AUTH).content)])
    assert set(events) == _real_event_types("openai responses stream")  # the same event types
    for name, group in events.items():
        compare(f"openai responses stream {name}", group)


# -- Messages ------------------------------------------------------------------------------

MESSAGES_VARIANTS = [
    {},
    {"tools": [ANTHROPIC_TOOL], "tool_choice": {"type": "any"}},
    {"output_config": {"format": {"type": "json_schema", "schema": SCHEMA}}},
    {"max_tokens": 1},
]


def test_anthropic_messages(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/messages"
    answers = [_ok(client, url, {"model": GATEWAY_MODEL, "max_tokens": 256, "messages": USER, **v},
                   ANTHROPIC).json() for v in MESSAGES_VARIANTS]
    compare("anthropic messages", answers)


def test_anthropic_messages_stream(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/messages"
    events = _by_type([e for v in MESSAGES_VARIANTS[:2] for e in _events(_ok(
        client, url, {"model": GATEWAY_MODEL, "max_tokens": 256, "messages": USER, "stream": True,
                      **v}, ANTHROPIC).content)])
    assert set(events) == _real_event_types("anthropic messages stream")
    for name, group in events.items():
        compare(f"anthropic messages stream {name}", group)


# -- errors --------------------------------------------------------------------------------


def test_openai_errors(client: httpx.Client, sims: Any) -> None:
    base = sims[1].url
    bodies = [
        client.post(f"{base}/chat/completions", json={"model": GATEWAY_MODEL, "messages": USER},
                    headers={"Authorization": "Bearer nope"}),
        client.post(f"{base}/chat/completions", json={"model": "nope", "messages": USER}, headers=AUTH),
        client.post(f"{base}/chat/completions",
                    json={"model": GATEWAY_MODEL, "messages": USER, "bogus": 1}, headers=AUTH),
        client.post(f"{base}/responses", json={"model": GATEWAY_MODEL, "input": "x", "temperature": -1},
                    headers=AUTH),
        client.post(f"{base}/responses", json={"model": "nope", "input": "x"}, headers=AUTH),
    ]
    assert [r.status_code for r in bodies] == [401, 404, 400, 400, 400]
    compare("openai error", [r.json() for r in bodies])


def test_anthropic_errors(client: httpx.Client, sims: Any) -> None:
    url = f"{sims[1].url}/messages"
    ok = {"model": GATEWAY_MODEL, "max_tokens": 9, "messages": USER}
    bodies = [
        client.post(url, json=ok, headers={"x-api-key": "nope", "anthropic-version": "2023-06-01"}),
        client.post(url, json={**ok, "model": "nope"}, headers=ANTHROPIC),
        client.post(url, json={"model": GATEWAY_MODEL, "messages": USER}, headers=ANTHROPIC),
    ]
    assert [r.status_code for r in bodies] == [401, 404, 400]
    compare("anthropic error", [r.json() for r in bodies])


def test_mistral_flat_errors(client: httpx.Client) -> None:
    """The one recorded Mistral error (400, context length) is the flat envelope; the
    simulator's flat errors (context length, rate limit, unknown model) have its keys."""
    with SimServer(SimConfig(context_window=131072)) as srv:
        url = f"{srv.url}/chat/completions"
        bodies = [
            client.post(url, json={"model": MISTRAL_MODEL, "messages": [
                {"role": "user", "content": "word " * 120_000}]}, headers=AUTH),
            client.post(url, json={"model": MISTRAL_MODEL, "messages": USER},
                        headers={**AUTH, "x-sim-fault": "429"}),
            client.post(url, json={"model": "nope", "messages": USER}, headers=AUTH),
        ]
    assert [r.status_code for r in bodies] == [400, 429, 400]
    compare("mistral error", [r.json() for r in bodies])


def test_every_simulated_kind_has_real_counterparts() -> None:
    kinds = {k.split(" stream ")[0] + (" stream" if " stream " in k else "") for k in real()}
    assert kinds == {
        "mistral chat", "mistral chat stream", "mistral error",
        "openai chat", "openai chat stream", "openai responses", "openai responses stream",
        "openai error", "anthropic messages", "anthropic messages stream", "anthropic error",
    }
