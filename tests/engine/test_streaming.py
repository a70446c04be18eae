"""Streaming through the engine: timings (TTFB, TTFT, ITL), chunks, and broken streams.

A local aiohttp server streams SSE with controlled delays; rows are made by the real
checks.evaluate, so the error classes and columns are the ones users see.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from harness.core.models import Case, CheckSpec, Exchange, Job, ModelInfo, Target
from harness.engine.retry import RetryPolicy
from harness.sim import SimConfig, SimServer
from harness.sim.config import FAULT_KINDS
from tests.engine.runs import execute, run_jobs

from .support import fake_prepare, local_server, make_provider

USAGE = {"prompt_tokens": 7, "completion_tokens": 10, "total_tokens": 17}
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    body = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def usage_chunk() -> bytes:
    """OpenAI's extra final chunk (stream_options.include_usage): no choices, the usage."""
    body = {"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": USAGE}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


def stream_job(
    base: str,
    *,
    endpoint: str = "chat",
    dialect: str = "openai",
    expect: list[CheckSpec] | None = None,
    timeout_s: float | None = None,
    headers: dict[str, str] | None = None,
) -> Job:
    provider = make_provider("p", base + "/v1", dialect)
    if headers:
        provider = type(provider)(**{**provider.__dict__, "headers": headers})
    request: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    if endpoint != "chat":
        request["endpoint"] = endpoint
    case = Case(suite="s", id="c", request=request, expect=expect or [], timeout_s=timeout_s)
    return Job(case=case, target=Target(provider, ModelInfo(id="m1")), request=request)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def run_one(handler: Handler, **job_kw: Any) -> tuple[dict[str, Any], Exchange]:
    """Serve `handler`, run one stream job through run_jobs + the real evaluate."""
    seen: dict[str, Exchange] = {}

    async def main() -> dict[str, Any]:
        async with local_server(handler) as base:
            job = stream_job(base, **job_kw)

            def evaluate_fn(job: Job, exchange: Exchange, **kw: Any) -> dict[str, Any]:
                from harness.checks.evaluate import evaluate

                seen["exchange"] = exchange
                return evaluate(job, exchange, **kw)

            rows = await run_jobs(
                [job],
                run_id="r",
                concurrency=1,
                timeout_s=job_kw.get("timeout_s") or 10.0,
                policy=RetryPolicy(max_attempts=3, base_delay_s=0.01),
                prepare_fn=fake_prepare,
                evaluate_fn=evaluate_fn,
            )
            return rows[0]

    row = asyncio.run(main())
    return row, seen["exchange"]


async def _start(request: web.Request) -> web.StreamResponse:
    await request.read()
    resp = web.StreamResponse(status=200, headers=SSE_HEADERS)
    await resp.prepare(request)
    return resp


# -- timings -----------------------------------------------------------------------------------


async def timed_stream(request: web.Request) -> web.StreamResponse:
    """A keep-alive comment at once, the first token after 300 ms, then 10 tokens 20 ms apart."""
    resp = await _start(request)
    await resp.write(b": PROCESSING\n\n" + chunk({"role": "assistant", "content": ""}))
    await asyncio.sleep(0.3)
    for i in range(11):
        if i:
            await asyncio.sleep(0.02)
        await resp.write(chunk({"content": f"t{i} "}))
    await resp.write(chunk({}, "stop") + usage_chunk() + DONE)
    await resp.write_eof()
    return resp


def test_ttft_itl_and_chunks_are_measured() -> None:
    row, ex = run_one(timed_stream, expect=[CheckSpec("ttft_ms", {"max": 1000})])
    assert row["passed"], row["failures"]
    assert row["error_class"] is None
    assert row["ttfb_ms"] < 150  # the comment came at once
    assert 300 <= row["ttft_ms"] < 450
    assert 15 <= row["itl_ms"] <= 45
    assert row["stream_events"] == 15  # role, 11 tokens, finish, usage, [DONE]
    assert row["completion_tokens"] == 10
    # 10 tokens over (last byte - first token) ~= 200 ms
    assert 25 <= row["tokens_per_s"] <= 60
    # the Exchange keeps the chunks as received, with their offsets
    assert b"".join(c for _, c in ex.chunks) == ex.body
    offsets = [t for t, _ in ex.chunks]
    assert offsets == sorted(offsets) and offsets[0] < 0.15 and offsets[-1] >= 0.5
    assert len(ex.chunks) >= 10  # delivered as they were written, not in one piece
    assert len(ex.content_times) == 11
    assert ex.t_first_token is not None and ex.t_first_byte is not None
    assert ex.t_first_byte < ex.t_first_token
    assert ex.ttft_ms == pytest.approx(row["ttft_ms"], abs=0.01)
    assert ex.itl_ms == pytest.approx(row["itl_ms"], abs=0.01)
    assert ex.stream is not None and ex.stream.stats.terminator == "[DONE]"
    assert row["response_excerpt"].startswith(": PROCESSING")


def test_ttft_check_fails_on_a_slow_first_token() -> None:
    row, _ = run_one(timed_stream, expect=[CheckSpec("ttft_ms", 100)])
    assert not row["passed"]
    assert row["failures"][0]["check"] == "ttft_ms"
    assert "above max 100 ms" in row["failures"][0]["title"]


# -- broken streams ----------------------------------------------------------------------------


async def cut_stream(request: web.Request) -> web.StreamResponse:
    resp = await _start(request)
    await resp.write(chunk({"role": "assistant", "content": ""}) + chunk({"content": "Hel"}))
    await asyncio.sleep(0.05)
    await resp.write(chunk({"content": "lo"}))
    await asyncio.sleep(0.05)
    assert request.transport is not None
    request.transport.close()  # mid chunked body: the client sees an incomplete read
    return resp


def test_connection_cut_mid_stream_is_a_stream_cut_row() -> None:
    row, ex = run_one(cut_stream, expect=[CheckSpec("contains", "Hello")])
    assert row["error_class"] == "stream_cut"
    assert "after HTTP 200, stream cut after 3 event(s)" in row["error_message"]
    assert row["status_code"] == 200
    assert row["attempts"] == 1  # a broken stream is the observation: never retried
    assert not row["passed"]
    assert [f["check"] for f in row["failures"]] == ["stream"]  # contains saw the partial text
    assert ex.body.endswith(chunk({"content": "lo"}))
    assert len(ex.chunks) >= 2 and ex.t_first_token is not None
    assert row["stream_events"] == 3


async def ended_without_done(request: web.Request) -> web.StreamResponse:
    resp = await _start(request)
    await resp.write(chunk({"content": "Hi"}) + chunk({}, "stop"))
    await resp.write_eof()  # a clean end of body, but no [DONE]
    return resp


def test_clean_end_without_terminator_is_a_stream_cut() -> None:
    row, ex = run_one(ended_without_done)
    assert row["error_class"] == "stream_cut"
    assert "without its terminator (data: [DONE])" in row["error_message"]
    assert ex.error_class is None  # the transport saw nothing wrong; the stream did
    assert not row["passed"]


async def bad_event(request: web.Request) -> web.StreamResponse:
    resp = await _start(request)
    await resp.write(chunk({"content": "a"}) + b'data: {"id": "c1", "choi\n\n')
    await resp.write(chunk({"content": "b"}, "stop", usage=USAGE) + DONE)
    await resp.write_eof()
    return resp


def test_non_json_event_is_stream_malformed() -> None:
    row, _ = run_one(bad_event, expect=[CheckSpec("contains", "ab")])
    assert row["error_class"] == "stream_malformed"
    assert (
        "not a JSON object" in row["error_message"] and '{"id": "c1", "choi' in row["error_message"]
    )
    assert [f["check"] for f in row["failures"]] == ["stream"]


HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


async def html_mid_stream(request: web.Request) -> web.StreamResponse:
    resp = await _start(request)
    await resp.write(chunk({"content": "a"}) + chunk({"content": "b"}))
    await resp.write(HTML_502)
    await resp.write_eof()
    return resp


def test_html_page_mid_stream_is_html_error() -> None:
    row, _ = run_one(html_mid_stream)
    assert row["error_class"] == "html_error"
    assert "an HTML page where SSE events were expected" in row["error_message"]
    assert not row["passed"]


async def stalled(request: web.Request) -> web.StreamResponse:
    resp = await _start(request)
    await resp.write(chunk({"content": "a"}))
    await asyncio.sleep(1.5)
    return resp


def test_stall_mid_stream_is_a_timeout_with_the_partial_body() -> None:
    row, ex = run_one(stalled, timeout_s=0.3)
    assert row["error_class"] == "timeout"
    assert "stream stalled after 1 event(s)" in row["error_message"]
    assert row["status_code"] == 200 and row["attempts"] == 1
    assert ex.body == chunk({"content": "a"})
    assert row["ttft_ms"] is not None


async def unauthorized(request: web.Request) -> web.Response:
    await request.read()
    body = {
        "error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}
    }
    return web.json_response(body, status=401)


def test_error_status_to_a_stream_request_is_read_as_json() -> None:
    row, ex = run_one(unauthorized, expect=[CheckSpec("status", 401)])
    assert row["passed"], row["failures"]
    assert row["error_class"] == "auth"
    assert ex.chunks == [] and ex.stream is None and row["stream_events"] is None


_calls = {"n": 0}


async def server_error_then_stream(request: web.Request) -> web.StreamResponse:
    _calls["n"] += 1
    if _calls["n"] == 1:
        await request.read()
        return web.json_response({"error": {"message": "boom"}}, status=503)
    resp = await _start(request)
    await resp.write(chunk({"content": "ok"}, "stop") + DONE)
    await resp.write_eof()
    return resp


def test_retries_before_the_stream_starts_still_apply() -> None:
    _calls["n"] = 0
    row, ex = run_one(server_error_then_stream)
    assert row["passed"] and row["attempts"] == 2
    assert ex.stream is not None and ex.chunks


# -- other formats through the engine ----------------------------------------------------------


def anthropic_events() -> bytes:
    def ev(name: str, data: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: {json.dumps(data)}   \n\n".encode()

    return b"".join(
        [
            ev(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "model": "m1",
                        "content": [],
                        "stop_reason": None,
                        "usage": {"input_tokens": 12, "output_tokens": 1},
                    },
                },
            ),
            ev(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "get_weather",
                        "input": {},
                    },
                },
            ),
            ev("ping", {"type": "ping"}),
            ev(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": '{"city": "Os'},
                },
            ),
            ev(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": 'lo"}'},
                },
            ),
            ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ev(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "tool_use"},
                    "usage": {"output_tokens": 9},
                },
            ),
            ev("message_stop", {"type": "message_stop"}),
        ]
    )


def test_anthropic_stream_through_the_engine() -> None:
    body = anthropic_events()

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = await _start(request)
        for i in range(0, len(body), 37):  # chunk boundaries anywhere
            await resp.write(body[i : i + 37])
        await resp.write_eof()
        return resp

    expect = [CheckSpec("finish_reason", "tool_calls"), CheckSpec("stream", {"usage": True})]
    row, ex = run_one(handler, endpoint="messages", dialect="anthropic", expect=expect)
    assert row["passed"], row["failures"]
    assert row["endpoint"] == "messages"
    assert (row["prompt_tokens"], row["completion_tokens"]) == (12, 9)
    assert ex.stream.body["content"][0]["input"] == {"city": "Oslo"}


# -- the reference simulator (real prepare, real transport) ----------------------------------

needs_stream_faults = pytest.mark.skipif(
    "stream_cut" not in FAULT_KINDS, reason="the simulator has no stream faults yet"
)
# (sim dialect, endpoint): the gateway simulator serves all three endpoints
SIM_ENDPOINTS = [
    ("mistral", "chat"),
    ("openai", "chat"),
    ("openai", "responses"),
    ("openai", "messages"),
]
ENDPOINT_PATHS = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def sims() -> Any:
    with (
        SimServer(SimConfig(dialect="mistral", chunk_delay_ms=5)) as mistral,
        SimServer(SimConfig(dialect="openai", chunk_delay_ms=5)) as gateway,
    ):
        yield {"mistral": mistral, "openai": gateway}


def sim_row(
    srv: SimServer,
    *,
    endpoint: str = "chat",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    expect: list[CheckSpec] | None = None,
) -> tuple[dict[str, Any], Exchange]:
    from harness.checks.evaluate import evaluate
    from harness.core.models import Provider
    from harness.engine.transport import make_client

    dialect = srv.config.dialect
    provider = Provider(
        name="sim",
        base_url=srv.url,
        dialect=dialect,
        api_key_env="SIM_API_KEY",
        endpoints={"chat": ENDPOINT_PATHS["chat"]} if dialect == "mistral" else ENDPOINT_PATHS,
        headers=headers or {},
    )
    request: dict[str, Any] = {
        "messages": [{"role": "user", "content": "Say hello in five words."}],
        "stream": True,
        "max_tokens": 64,
        **(extra or {}),
    }
    if endpoint != "chat":
        request["endpoint"] = endpoint
    assert srv.config.models
    case = Case(suite="s", id="c", request=request, expect=expect or [])
    job = Job(
        case=case, target=Target(provider, ModelInfo(id=srv.config.models[0])), request=request
    )

    async def main() -> Exchange:
        client = make_client(None, timeout=10.0, max_connections=2)
        try:
            return await execute(
                job,
                client,
                api_key="sim-key",
                policy=RetryPolicy(max_attempts=1),
                timeout_s=10.0,
                rng=random.Random(0),
            )
        finally:
            await client.aclose()

    exchange = asyncio.run(main())
    return evaluate(job, exchange, run_id="r", mode="live"), exchange


@pytest.mark.parametrize("dialect", ["mistral", "openai"])
def test_simulator_stream_timings(dialect: str) -> None:
    cfg = SimConfig(dialect=dialect, latency_ms=200, chunk_delay_ms=15)
    with SimServer(cfg) as srv:
        extra = {"stream_options": {"include_usage": True}} if dialect == "openai" else None
        row, ex = sim_row(srv, extra=extra)
    assert row["passed"], row["failures"]
    assert row["error_class"] is None
    assert 200 <= row["ttft_ms"] < 400
    assert row["itl_ms"] is not None and 10 <= row["itl_ms"] <= 60
    assert row["completion_tokens"] and row["stream_events"] > 3
    assert ex.stream.stats.terminator == "[DONE]"
    assert ex.stream.stats.usage_in_final


@pytest.mark.parametrize(("dialect", "endpoint"), SIM_ENDPOINTS)
def test_simulator_streams_text_and_tool_calls(sims: Any, dialect: str, endpoint: str) -> None:
    # OpenAI chat sends usage only when asked; Mistral refuses stream_options (422)
    asked = endpoint == "chat" and dialect == "openai"
    usage_opts = {"stream_options": {"include_usage": True}} if asked else {}
    row, ex = sim_row(
        sims[dialect],
        endpoint=endpoint,
        extra=usage_opts,
        expect=[
            CheckSpec("stream", {"usage": True}),
            CheckSpec("usage", None),
            CheckSpec("contains", "Say hello"),
        ],
    )
    assert row["passed"], row["failures"]
    assert row["endpoint"] == endpoint and row["stream"] is True
    assert ex.stream.body["_assembled_from_stream"] is True
    row, ex = sim_row(
        sims[dialect],
        endpoint=endpoint,
        extra={
            "tools": [WEATHER_TOOL],
            "tool_choice": "required",
            "messages": [{"role": "user", "content": "Weather in Oslo?"}],
        },
        expect=[
            CheckSpec("stream", None),
            CheckSpec("tool_call", "get_weather"),
            CheckSpec("finish_reason", "tool_calls"),
        ],
    )
    assert row["passed"], row["failures"]
    assert row["ttft_ms"] is not None


@needs_stream_faults
@pytest.mark.parametrize(("dialect", "endpoint"), SIM_ENDPOINTS)
def test_simulator_first_token_delay_is_measured(sims: Any, dialect: str, endpoint: str) -> None:
    row, _ = sim_row(sims[dialect], endpoint=endpoint, headers={"x-sim-first-token-ms": "300"})
    assert row["passed"], row["failures"]
    assert 300 <= row["ttft_ms"] < 450
    assert row["ttfb_ms"] < row["ttft_ms"]


@needs_stream_faults
def test_simulator_slow_first_token_fails_a_ttft_bound(sims: Any) -> None:
    headers = {"x-sim-fault": "slow_first_token", "x-sim-first-token-ms": "350"}
    row, _ = sim_row(sims["openai"], headers=headers, expect=[CheckSpec("ttft_ms", {"max": 200})])
    assert row["error_class"] is None
    assert [f["check"] for f in row["failures"]] == ["ttft_ms"]
    assert row["ttft_ms"] >= 350


@needs_stream_faults
@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        ("stream_cut", "stream_cut"),
        ("stream_bad_event", "stream_malformed"),
        ("stream_html", "html_error"),
    ],
)
@pytest.mark.parametrize(("dialect", "endpoint"), SIM_ENDPOINTS)
def test_simulator_stream_faults(
    sims: Any, dialect: str, endpoint: str, fault: str, error_class: str
) -> None:
    row, _ = sim_row(sims[dialect], endpoint=endpoint, headers={"x-sim-fault": fault})
    assert row["error_class"] == error_class, row["error_message"]
    assert row["status_code"] == 200
    assert not row["passed"]
    assert "stream" in [f["check"] for f in row["failures"]]
