"""Streams on all three endpoints: terminators, timing (first token, gaps) and stream faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.sim import FaultConfig, SimConfig, SimServer
from tests.sim.simtest_helpers import ANTHROPIC, AUTH, GATEWAY_MODEL, MISTRAL_MODEL, user

ENDPOINTS: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "chat": ("/chat/completions", {"messages": user("Tell me about streams")}, AUTH),
    "responses": ("/responses", {"input": "Tell me about streams"}, AUTH),
    "messages": (
        "/messages",
        {"max_tokens": 500, "messages": user("Tell me about streams")},
        ANTHROPIC,
    ),
}
TERMINATOR = {"chat": "data: [DONE]", "responses": "response.completed", "messages": "message_stop"}


@pytest.fixture(scope="module")
def slow() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="openai", faults=FaultConfig(first_token_ms=120))) as srv:
        yield srv


def is_content(line: str) -> bool:
    """A data line carrying text or tool-call data (what TTFT measures)."""
    if not line.startswith("data: ") or line == "data: [DONE]":
        return False
    try:
        data = json.loads(line[len("data: ") :])
    except ValueError:  # stream_bad_event's broken line
        return False
    if "type" in data:
        return str(data["type"]).endswith(("output_text.delta", "arguments.delta", "block_delta"))
    delta = data["choices"][0]["delta"] if data["choices"] else {}
    return bool(delta.get("content") or delta.get("tool_calls"))


def stream(
    client: httpx.Client,
    srv: SimServer,
    endpoint: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> tuple[float, list[float], list[str]]:
    """(time to headers, times of the content events, all lines), from just before sending."""
    path, body, auth = ENDPOINTS[endpoint]
    payload = {"model": GATEWAY_MODEL, "stream": True, **body, **extra}
    t0 = time.monotonic()
    with client.stream(
        "POST", srv.url + path, json=payload, headers={**auth, **(headers or {})}
    ) as resp:
        ttfb = time.monotonic() - t0
        assert resp.status_code == 200, resp.read()
        times, lines = [], []
        for line in resp.iter_lines():
            lines.append(line)
            if is_content(line):
                times.append(time.monotonic() - t0)
    return ttfb, times, lines


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_stream_ends_with_its_terminator(
    client: httpx.Client, gateway: SimServer, endpoint: str
) -> None:
    _, times, lines = stream(client, gateway, endpoint)
    assert len(times) > 10
    last = [line for line in lines if line][-1]
    assert TERMINATOR[endpoint] in last
    assert ("data: [DONE]" in lines) == (endpoint == "chat")


def first_token_times(
    client: httpx.Client, srv: SimServer, endpoint: str, headers: dict[str, str], **extra: Any
) -> list[tuple[float, float]]:
    """[(ttfb, ttft)] of one stream with the x-sim-first-token-ms delay, the first token
    checked never to come early (a lower bound: a loaded machine may be late, never early;
    how precise the delay is, is a benchmark's business, not a test's)."""
    delay = float(headers["x-sim-first-token-ms"]) / 1000
    ttfb, times, _ = stream(client, srv, endpoint, headers, **extra)
    assert times[0] >= delay, times[0]  # the server never sends the first token early
    return [(ttfb, times[0])]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_first_token_delay_is_never_early(
    client: httpx.Client, gateway: SimServer, endpoint: str
) -> None:
    stream(client, gateway, endpoint)  # warm the connection
    for delay_ms in (60, 150):
        headers = {"x-sim-fault": "slow_first_token", "x-sim-first-token-ms": str(delay_ms)}
        ((ttfb, ttft),) = first_token_times(client, gateway, endpoint, headers)
        assert ttfb <= ttft  # headers (and preamble events) before the delayed first token


def test_chunk_delay_spaces_content_events(client: httpx.Client, gateway: SimServer) -> None:
    headers = {"x-sim-chunk-delay-ms": "15", "x-sim-first-token-ms": "30"}
    _, times, _ = stream(client, gateway, "messages", headers, max_tokens=12)
    assert 8 <= len(times) <= 14
    # absolute schedule (first token at 30 ms, then one every 15 ms): no event comes before
    # its time (lower bounds only: a loaded machine may deliver late, never early)
    for k, t in enumerate(times):
        assert t >= 0.030 + 0.015 * k - 0.005, (k, times)


def test_slow_first_token_from_config_and_fault_rate(slow: SimServer, client: httpx.Client) -> None:
    _, times, _ = stream(client, slow, "responses", {"x-sim-fault": "slow_first_token"})
    assert times[0] >= 0.120  # FaultConfig.first_token_ms when the request names no delay
    cfg = SimConfig(faults=FaultConfig(rate=1.0, kinds=("slow_first_token",), first_token_ms=80))
    with SimServer(cfg) as srv:
        t0 = time.monotonic()
        resp = client.post(
            f"{srv.url}/chat/completions",
            json={"model": MISTRAL_MODEL, "messages": user("hi")},
            headers=AUTH,
        )
        assert resp.status_code == 200 and time.monotonic() - t0 >= 0.080  # non-stream waits
        assert srv.stats.by_fault == {"slow_first_token": 1}


def test_config_first_token_applies_to_every_stream(client: httpx.Client) -> None:
    with SimServer(SimConfig(dialect="openai", first_token_ms=70, latency_ms=20)) as srv:
        ttfb, times, _ = stream(client, srv, "chat")
    # headers at the latency deadline, the first token not before first_token_ms (lower bounds
    # only: a loaded machine may be late, never early)
    assert 0.020 <= ttfb <= times[0] and times[0] >= 0.070


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_stream_cut_is_an_incomplete_read(
    client: httpx.Client, gateway: SimServer, endpoint: str
) -> None:
    path, body, auth = ENDPOINTS[endpoint]
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"),
        client.stream(
            "POST",
            gateway.url + path,
            json={"model": GATEWAY_MODEL, "stream": True, **body},
            headers={**auth, "x-sim-fault": "stream_cut"},
        ) as resp,
    ):
        lines.extend(resp.iter_lines())
    assert sum(is_content(line) for line in lines) == 3
    assert not any(TERMINATOR[endpoint] in line for line in lines)
    with pytest.raises(httpx.RemoteProtocolError):  # the non-streamed form: half a body
        client.post(
            gateway.url + path,
            json={"model": GATEWAY_MODEL, **body},
            headers={**auth, "x-sim-fault": "stream_cut"},
        )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_stream_bad_event_is_not_json(
    client: httpx.Client, gateway: SimServer, endpoint: str
) -> None:
    _, _, lines = stream(client, gateway, endpoint, {"x-sim-fault": "stream_bad_event"})
    data = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    bad = []
    for i, text in enumerate(data):
        try:
            json.loads(text) if text != "[DONE]" else None
        except ValueError:
            bad.append(i)
    assert len(bad) == 1
    assert is_content("data: " + data[bad[0] - 1])  # right after the first content event
    assert TERMINATOR[endpoint] in [line for line in lines if line][-1]  # then it goes on
    path, body, auth = ENDPOINTS[endpoint]
    resp = client.post(
        gateway.url + path,
        json={"model": GATEWAY_MODEL, **body},
        headers={**auth, "x-sim-fault": "stream_bad_event"},
    )
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        resp.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_stream_html_is_a_proxy_page_mid_stream(
    client: httpx.Client, gateway: SimServer, endpoint: str
) -> None:
    _, times, lines = stream(client, gateway, endpoint, {"x-sim-fault": "stream_html"})
    assert len(times) == 2
    at = lines.index("<html>")
    assert "<title>502 Bad Gateway</title>" in lines[at + 1]
    assert not any(TERMINATOR[endpoint] in line for line in lines)
    path, body, auth = ENDPOINTS[endpoint]
    resp = client.post(
        gateway.url + path,
        json={"model": GATEWAY_MODEL, **body},
        headers={**auth, "x-sim-fault": "stream_html"},
    )
    assert resp.status_code == 502 and resp.headers["content-type"].startswith("text/html")


def test_stream_fault_kinds_in_the_fault_rate(client: httpx.Client) -> None:
    cfg = SimConfig(dialect="openai", faults=FaultConfig(rate=1.0, kinds=("stream_cut",)))
    with SimServer(cfg) as srv:
        for endpoint in ENDPOINTS:
            with pytest.raises(httpx.RemoteProtocolError):
                stream(client, srv, endpoint)
        assert srv.stats.by_fault == {"stream_cut": 3}


def test_529_in_each_envelope(client: httpx.Client, gateway: SimServer, mistral: SimServer) -> None:
    fault = {"x-sim-fault": "529"}
    got = {}
    for endpoint, (path, body, auth) in ENDPOINTS.items():
        resp = client.post(
            gateway.url + path, json={"model": GATEWAY_MODEL, **body}, headers={**auth, **fault}
        )
        assert resp.status_code == 529
        got[endpoint] = resp.json()
    assert got["messages"]["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert got["chat"]["error"]["type"] == got["responses"]["error"]["type"] == "server_error"
    resp = client.post(
        f"{mistral.url}/chat/completions",
        json={"model": MISTRAL_MODEL, "messages": user("hi")},
        headers={**AUTH, **fault},
    )
    assert resp.status_code == 529 and resp.json()["object"] == "error"
    resp = client.post(
        f"{gateway.url}/messages",
        json={"model": GATEWAY_MODEL, "max_tokens": 10, "messages": user("hi")},
        headers={**ANTHROPIC, "x-sim-fault": "429"},
    )
    assert resp.status_code == 429 and resp.headers["retry-after"] == "1"
    assert resp.json()["error"]["type"] == "rate_limit_error"
    assert resp.headers["x-should-retry"] == "true"
