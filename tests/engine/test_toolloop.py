"""The multi-turn tool loop: scripted tool calls then a final answer, in each endpoint's form."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from harness.core.columns import COLUMN_NAMES
from harness.core.models import Case, CheckSpec, Job, ModelInfo, Price, Provider, Target
from harness.engine.retry import RetryPolicy
from harness.engine.toolloop import next_request, tool_result_text
from harness.suite import load_suite_text
from tests.engine.runs import run_jobs

KEY = "sk-test-SECRET-toolloop-42"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
RESULT = {"temp_c": 21, "sky": "sunny"}
ARGS = '{"city":"Paris"}'


# -- scripted server answers, per endpoint -------------------------------------------------------


def _chat_call(i: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "model": "m1",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": f"call_{i}", "type": "function",
                         "function": {"name": "get_weather", "arguments": ARGS}}
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chat_final() -> dict[str, Any]:
    return {
        "id": "chatcmpl-f",
        "object": "chat.completion",
        "model": "m1",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Sunny in Paris, 21C."},
             "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 4, "total_tokens": 24},
    }


def _responses_call(i: int) -> dict[str, Any]:
    return {
        "id": f"resp_{i}",
        "object": "response",
        "status": "completed",
        "model": "m1",
        "output": [
            {"type": "function_call", "id": f"fc_{i}", "call_id": f"call_{i}",
             "name": "get_weather", "arguments": ARGS, "status": "completed"}
        ],
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
    }


def _responses_final() -> dict[str, Any]:
    return {
        "id": "resp_f",
        "object": "response",
        "status": "completed",
        "model": "m1",
        "output": [
            {"type": "message", "id": "msg_f", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "Sunny in Paris, 21C.", "annotations": []}]}
        ],
        "usage": {"input_tokens": 20, "output_tokens": 4, "total_tokens": 24},
    }


def _messages_call(i: int) -> dict[str, Any]:
    return {
        "id": f"msg_{i}",
        "type": "message",
        "role": "assistant",
        "model": "m1",
        "content": [{"type": "tool_use", "id": f"toolu_{i}", "name": "get_weather",
                     "input": {"city": "Paris"}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def _messages_final() -> dict[str, Any]:
    return {
        "id": "msg_f",
        "type": "message",
        "role": "assistant",
        "model": "m1",
        "content": [{"type": "text", "text": "Sunny in Paris, 21C."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 20, "output_tokens": 4},
    }


SCRIPTS = {
    "chat": (_chat_call, _chat_final),
    "responses": (_responses_call, _responses_final),
    "messages": (_messages_call, _messages_final),
}


class Server:
    """A MockTransport answering tool calls for `calls` requests, then a final answer."""

    def __init__(self, endpoint: str, calls: int = 1, fail_at: int | None = None) -> None:
        self.endpoint = endpoint
        self.calls = calls
        self.fail_at = fail_at
        self.requests: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        self.headers.append(request.headers)
        n = len(self.requests)
        if n == self.fail_at:
            return httpx.Response(500, json={"error": {"message": "boom", "type": "server_error"}})
        call, final = SCRIPTS[self.endpoint]
        return httpx.Response(200, json=call(n) if n <= self.calls else final())


def _job(
    endpoint: str,
    *,
    max_turns: int = 5,
    results: dict[str, Any] | None = None,
    expect: list[CheckSpec] | None = None,
    each: list[CheckSpec] | None = None,
    loop: bool = True,
    dialect: str = "openai",
) -> Job:
    model = ModelInfo(id="m1", price=Price(input_per_m=1.0, output_per_m=2.0))
    provider = Provider(
        name="gw",
        base_url="http://gw.test/v1",
        dialect=dialect,
        endpoints={"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"},
        models={"m1": model},
    )
    request = {
        "endpoint": endpoint,
        "system": "Use the tools.",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [WEATHER],
        "tool_choice": "auto",
        "max_tokens": 64,
    }
    case = Case(
        suite="s",
        id="loop",
        request=request,
        expect=expect or [],
        tool_loop={"results": results or {"get_weather": RESULT}, "max_turns": max_turns}
        if loop
        else None,
        expect_each_turn=each or [],
    )
    return Job(case=case, target=Target(provider, model), request=request)


def _run(job: Job, server: Server) -> dict[str, Any]:
    (row,) = asyncio.run(
        run_jobs(
            [job],
            run_id="r",
            writer=None,
            transport=httpx.MockTransport(server),
            api_keys={"gw": KEY},
            policy=RetryPolicy(max_attempts=1),
        )
    )
    return row


# -- a loop to a final answer, in each format ----------------------------------------------------


@pytest.mark.parametrize("endpoint", ["chat", "responses", "messages"])
def test_loop_reaches_the_final_answer(endpoint: str) -> None:
    server = Server(endpoint)
    expect = [CheckSpec("contains", "Sunny"), CheckSpec("finish_reason", "stop"),
              CheckSpec("cost_usd", {"max": 0.0001})]
    row = _run(_job(endpoint, expect=expect), server)
    assert row["passed"], row["failures"]
    assert row["turns"] == 2 and len(server.requests) == 2
    assert len(row["turn_latencies_ms"]) == 2
    assert row["latency_ms"] == pytest.approx(sum(row["turn_latencies_ms"]), abs=0.01)
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (30, 9, 39)
    assert row["cost_usd"] == pytest.approx((30 * 1.0 + 9 * 2.0) / 1e6)
    assert row["finish_reason"] == "stop"
    assert row["request_sent"] == server.requests[-1]  # the last turn: the whole conversation
    assert "tool_loop" in row["checks"]
    assert set(COLUMN_NAMES) <= set(row)
    assert KEY not in json.dumps(row)


def test_chat_turn_two_carries_the_assistant_tool_calls_and_the_tool_message() -> None:
    server = Server("chat")
    _run(_job("chat"), server)
    first, second = server.requests
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert second["messages"][-2:] == [
        {"role": "assistant", "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": ARGS}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c":21,"sky":"sunny"}'},
    ]
    assert server.headers[1]["authorization"] == f"Bearer {KEY}"


def test_responses_turn_two_carries_function_call_and_output_items() -> None:
    server = Server("responses")
    _run(_job("responses"), server)
    first, second = server.requests
    assert first["instructions"] == second["instructions"] == "Use the tools."
    assert second["input"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": ARGS},
        {"type": "function_call_output", "call_id": "call_1",
         "output": '{"temp_c":21,"sky":"sunny"}'},
    ]


def test_messages_turn_two_carries_tool_use_and_tool_result_blocks() -> None:
    server = Server("messages")
    _run(_job("messages"), server)
    second = server.requests[1]
    assert second["system"] == "Use the tools."
    assert second["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
             "input": {"city": "Paris"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": '{"temp_c":21,"sky":"sunny"}'}]},
    ]
    for headers in server.headers:
        assert headers["x-api-key"] == KEY and headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in headers


def test_several_calls_then_the_answer() -> None:
    server = Server("chat", calls=3)
    row = _run(_job("chat", max_turns=5), server)
    assert row["passed"], row["failures"]
    assert row["turns"] == 4
    last = server.requests[-1]["messages"]
    assert [m["role"] for m in last[2:]] == ["assistant", "tool"] * 3


# -- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["chat", "responses", "messages"])
def test_max_turns_exceeded_is_a_failure(endpoint: str) -> None:
    server = Server(endpoint, calls=99)
    row = _run(_job(endpoint, max_turns=3), server)
    assert not row["passed"]
    assert row["turns"] == 3 and len(server.requests) == 3
    first = row["failures"][0]
    assert first["check"] == "tool_loop"
    assert first["title"] == "tool loop did not finish in 3 turns"
    assert first["received"] == "turn 3 called get_weather"


def test_a_call_to_an_unscripted_tool_stops_the_loop() -> None:
    job = _job("chat")
    job.request["tools"] = [WEATHER, {"type": "function", "function": {"name": "get_time"}}]
    job.case.tool_loop = {"results": {"get_time": "12:00"}, "max_turns": 5}
    server = Server("chat")
    row = _run(job, server)
    assert len(server.requests) == 1 and row["turns"] == 1
    assert row["failures"][0]["title"] == (
        "turn 1: the model called 'get_weather', which tool_loop.results does not script"
    )


def test_expect_each_turn_failures_name_the_turn() -> None:
    each = [CheckSpec("usage", {"completion_tokens": {"max": 4}})]
    row = _run(_job("chat", each=each), Server("chat"))
    assert not row["passed"]
    (failure,) = row["failures"]
    assert failure["turn"] == 1 and failure["check"] == "usage"
    assert failure["title"].startswith("turn 1: ")
    assert "usage (each turn)" in row["checks"]


def test_an_error_turn_ends_the_loop_and_fails_the_final_checks() -> None:
    server = Server("chat", calls=1, fail_at=2)
    row = _run(_job("chat"), server)
    assert row["turns"] == 2 and row["status_code"] == 500
    assert [f["check"] for f in row["failures"]] == ["status"]  # reported once, not per turn
    assert row["cost_usd"] is None  # the failed turn's cost is unknown, so is the total
    assert row["error_class"] == "server"


def test_expect_each_turn_without_a_loop_is_one_turn() -> None:
    each = [CheckSpec("usage", {"completion_tokens": {"max": 1}})]
    row = _run(_job("chat", each=each, loop=False), Server("chat", calls=0))
    assert row["turns"] == 1
    assert row["failures"][0]["title"].startswith("turn 1: ")


def test_a_plain_case_has_one_turn_and_its_latency() -> None:
    row = _run(_job("chat", loop=False), Server("chat", calls=0))
    assert row["passed"] and row["turns"] == 1
    assert row["turn_latencies_ms"] == [row["latency_ms"]]
    assert row["request_notes"] == []


# -- pieces ----------------------------------------------------------------------------------------


def test_tool_result_text() -> None:
    assert tool_result_text("sunny") == "sunny"
    assert tool_result_text({"a": [1, "é"]}) == '{"a":[1,"é"]}'
    assert tool_result_text(3) == "3"
    assert tool_result_text(None) == "null"


def test_next_request_gives_ids_to_calls_without_one_and_keeps_text() -> None:
    from harness.core.models import Normalized, ToolCall

    answer = Normalized(content="Let me check.", tool_calls=[ToolCall("f", "", None)])
    request = {"messages": [{"role": "user", "content": "x"}], "seed": 1}
    out = next_request(request, answer, {"f": "ok"}, 2)
    assert out["seed"] == 1 and request["messages"] == [{"role": "user", "content": "x"}]
    assert out["messages"][1:] == [
        {"role": "assistant", "content": "Let me check.", "tool_calls": [
            {"id": "call_t2_0", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_t2_0", "content": "ok"},
    ]


def test_suite_keys_merge_with_defaults() -> None:
    suite = load_suite_text(
        """\
defaults:
  request:
    tools: [{type: function, function: {name: get_weather, parameters: {type: object}}}]
  tool_loop: {results: {get_weather: sunny}}
  expect_each_turn:
    - latency_ms: {max: 30000}
    - usage:
cases:
  - id: inherits
    request: {messages: [{role: user, content: hi}]}
  - id: overrides
    request: {messages: [{role: user, content: hi}]}
    tool_loop: {results: {get_weather: {temp: 1}}, max_turns: 3}
    expect_each_turn:
      - usage: {completion_tokens: {max: 100}}
""",
        "loop.yaml",
    )
    inherits, overrides = suite.cases
    assert inherits.tool_loop == {"results": {"get_weather": "sunny"}, "max_turns": 5}
    assert [s.name for s in inherits.expect_each_turn] == ["latency_ms", "usage"]
    assert overrides.tool_loop == {"results": {"get_weather": {"temp": 1}}, "max_turns": 3}
    assert [(s.name, s.args) for s in overrides.expect_each_turn] == [
        ("latency_ms", {"max": 30000}),
        ("usage", {"completion_tokens": {"max": 100}}),
    ]


# -- over real HTTP, against the reference simulator ----------------------------------------------


def _sim_target(url: str, dialect: str) -> Target:
    from harness.providers.catalogue import load_catalogue

    name = "empiriolabs/mistral-medium-3-1" if dialect == "openai" else "mistral/mistral-medium-3.5"
    target = load_catalogue([]).resolve(name)
    from dataclasses import replace

    return Target(replace(target.provider, name="sim", base_url=url, api_key_env=None),
                  target.model)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("dialect", "endpoint"),
    [("mistral", "chat"), ("openai", "chat"), ("openai", "responses"), ("openai", "messages")],
)
def test_tool_loop_against_the_simulator(dialect: str, endpoint: str, stream: bool) -> None:
    sim = pytest.importorskip("harness.sim")
    with sim.SimServer(sim.SimConfig(dialect=dialect, latency_ms=5)) as srv:
        target = _sim_target(srv.url, dialect)
        request = {
            "endpoint": endpoint,
            "stream": stream,
            "messages": [{"role": "user", "content": "Weather in Lagos in Celsius?"}],
            "tools": [WEATHER],
            "tool_choice": "auto",
            "max_tokens": 128,
        }
        if stream and endpoint == "chat" and dialect == "openai":  # Mistral: usage unasked
            request["stream_options"] = {"include_usage": True}
        case = Case(
            suite="s",
            id="sim_loop",
            request=request,
            expect=[CheckSpec("no_tool_call"), CheckSpec("finish_reason", "stop"),
                    CheckSpec("contains", "sunny")],
            tool_loop={"results": {"get_weather": RESULT}, "max_turns": 3},
            expect_each_turn=[CheckSpec("status", 200), CheckSpec("usage")],
        )
        (row,) = asyncio.run(
            run_jobs([Job(case=case, target=target, request=request)], run_id="sim",
                     writer=None, api_keys={"sim": "sim-key"})
        )
    assert row["passed"], row["failures"]
    assert row["turns"] == 2
    assert row["prompt_tokens"] > 0 and row["cost_usd"] > 0
