"""Success shapes, compared key by key and type by type against real recorded answers."""

from __future__ import annotations

import re

import httpx

from harness.sim import SimServer
from tests.realworld import interaction
from tests.sim.simtest_helpers import (
    AUTH,
    WEATHER_TOOL,
    assert_same_shape,
    chat,
    post,
    sse_chunks,
    user,
    uses_realworld,
)

# ---------------------------------------------------------------- Mistral


@uses_realworld
def test_mistral_text_answer_has_the_real_shape(client: httpx.Client, mistral: SimServer) -> None:
    real = interaction("pydantic-ai/test_mistral/test_mistral_forwards_penalties.yaml").response
    sim = chat(
        client, mistral, messages=user("Hello"), presence_penalty=0.5, frequency_penalty=0.25
    )
    assert_same_shape(sim, real)
    assert set(sim) == set(real)
    assert re.fullmatch(r"[0-9a-f]{32}", sim["id"])
    assert sim["object"] == "chat.completion"
    assert sim["choices"][0]["message"]["tool_calls"] is None


@uses_realworld
def test_mistral_tool_call_has_the_real_shape(client: httpx.Client, mistral: SimServer) -> None:
    inter = interaction(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
    )
    sim = chat(client, mistral, **inter.request)  # the recorded request, replayed as is
    real = inter.response
    assert_same_shape(sim, {k: v for k, v in real.items() if k != "usage"})
    assert_same_shape(
        sim["usage"], {k: v for k, v in real["usage"].items() if k != "num_cached_tokens"}
    )
    message = sim["choices"][0]["message"]
    call = message["tool_calls"][0]
    assert set(call) == {"id", "function", "index"}  # no "type", like the real one
    assert re.fullmatch(r"[A-Za-z0-9]{9}", call["id"])
    assert message["content"] == ""
    assert sim["choices"][0]["finish_reason"] == "tool_calls"
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert sim["model"] == "mistral-large-latest"  # the requested name is echoed


@uses_realworld
def test_mistral_stream_has_the_real_framing(client: httpx.Client, mistral: SimServer) -> None:
    inter = interaction("chatlas/test_provider_mistral/test_mistral_simple_request.yaml")
    real = sse_chunks(inter.response)
    resp = post(
        client,
        mistral,
        {"model": "mistral-large-latest", "stream": True, "messages": user("What is 1 + 1?")},
    )
    assert resp.headers["content-type"].startswith("text/event-stream")
    sim = sse_chunks(resp.text)
    assert sim[0] == {**real[0], "id": sim[0]["id"], "created": sim[0]["created"]}
    assert_same_shape(sim[1], real[1])
    assert_same_shape(sim[-1], real[-1])
    assert sim[-1]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in c for c in sim[:-1])
    assert len({c["id"] for c in sim}) == 1


@uses_realworld
def test_mistral_headers_are_the_real_ones(client: httpx.Client, mistral: SimServer) -> None:
    real = interaction("openllmetry/test_chat/test_mistralai_chat_legacy.yaml").headers
    resp = post(client, mistral, {"model": "mistral-small", "messages": user("hi")})
    wanted = [h for h in real if h.startswith(("x-ratelimit", "mistral-", "x-kong"))]
    assert wanted and all(h in resp.headers for h in wanted)
    assert resp.headers["mistral-correlation-id"] == resp.headers["x-kong-request-id"]
    usage = resp.json()["usage"]
    assert int(resp.headers["x-ratelimit-tokens-query-cost"]) == usage["total_tokens"]


@uses_realworld
def test_mistral_models_list_has_the_real_shape(client: httpx.Client, mistral: SimServer) -> None:
    real = interaction("chatlas/test_provider_mistral/test_mistral_model_list.yaml").response
    resp = client.get(f"{mistral.url}/models", headers=AUTH)
    assert resp.status_code == 200
    sim = resp.json()
    assert_same_shape(sim, {**real, "data": real["data"][:1]})
    assert {m["id"] for m in sim["data"]} >= {
        "mistral-medium-3.5",
        "mistral-small",
        "mistral-large",
    }
    assert sim["data"][0]["max_context_length"] == 256_000


# ---------------------------------------------------------------- OpenAI-compatible gateway


@uses_realworld
def test_gateway_text_answer_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    real = interaction("pydantic-ai/test_openai/test_openai_prompted_output.yaml", 1).response
    sim = chat(client, gateway, messages=user("Hello"))
    assert_same_shape(sim, real)
    assert sim["id"].startswith("chatcmpl-")
    message = sim["choices"][0]["message"]
    assert message["refusal"] is None and message["annotations"] == []
    assert sim["choices"][0]["logprobs"] is None


@uses_realworld
def test_gateway_tool_call_has_the_real_shape(client: httpx.Client, gateway: SimServer) -> None:
    inter = interaction(
        "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"
    )
    sim = chat(client, gateway, **{**inter.request, "model": "mistral-medium-3-1"})
    assert_same_shape(sim, inter.response)
    message = sim["choices"][0]["message"]
    assert message["content"] is None
    call = message["tool_calls"][0]
    assert call["type"] == "function"
    assert re.fullmatch(r"call_[A-Za-z0-9]{24}", call["id"])
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}


@uses_realworld
def test_gateway_stream_usage_chunk_has_the_real_shape(
    client: httpx.Client, gateway: SimServer
) -> None:
    real = sse_chunks(
        interaction(
            "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml"
        ).response
    )
    resp = post(
        client,
        gateway,
        {
            "model": "mistral-medium-3-1",
            "stream": True,
            "stream_options": {"include_usage": True},
            "messages": user("What is 1 + 1?"),
        },
    )
    sim = sse_chunks(resp.text)
    for i in (0, 1, -2, -1):  # role, content, finish, usage chunks; "obfuscation" is OpenAI's
        assert_same_shape(sim[i], {k: v for k, v in real[i].items() if k != "obfuscation"})
    assert sim[-1]["choices"] == [] and sim[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in sim[:-1])


def test_gateway_stream_without_include_usage_has_no_usage(
    client: httpx.Client, gateway: SimServer
) -> None:
    resp = post(
        client, gateway, {"model": "mistral-medium-3-1", "stream": True, "messages": user("hi")}
    )
    chunks = sse_chunks(resp.text)
    assert all("usage" not in c and c["choices"] for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_gateway_headers(client: httpx.Client, gateway: SimServer) -> None:
    resp = post(client, gateway, {"model": "mistral-medium-3-1", "messages": user("hi")})
    assert resp.headers["x-request-id"].startswith("req_")
    assert int(resp.headers["openai-processing-ms"]) >= 1
    assert "x-ratelimit-remaining-requests" in resp.headers


def test_gateway_models_list(client: httpx.Client, gateway: SimServer) -> None:
    body = client.get(f"{gateway.url}/models", headers=AUTH).json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["mistral-medium-3-1"]


def test_usage_adds_up(client: httpx.Client, mistral: SimServer, gateway: SimServer) -> None:
    for srv in (mistral, gateway):
        short = chat(client, srv, messages=user("hi"), tools=[WEATHER_TOOL], tool_choice="none")
        long = chat(client, srv, messages=user("hi " * 400))
        for body in (short, long):
            u = body["usage"]
            assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
            assert u["completion_tokens"] > 0
        assert long["usage"]["prompt_tokens"] > short["usage"]["prompt_tokens"] + 200
