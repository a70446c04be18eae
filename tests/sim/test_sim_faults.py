"""Fault injection, retry counting, latency, stats and concurrency."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from harness.sim import FaultConfig, SimConfig, SimServer
from tests.sim.simtest_helpers import AUTH, GATEWAY_MODEL, MISTRAL_MODEL, post, user

BODY = {"model": MISTRAL_MODEL, "messages": user("hi")}


@pytest.fixture(scope="module")
def faulty() -> Iterator[SimServer]:
    cfg = SimConfig(faults=FaultConfig(retry_after_s=0.05, hang_s=0.5))
    with SimServer(cfg) as srv:
        yield srv


def test_forced_429_has_retry_after(client: httpx.Client, faulty: SimServer) -> None:
    resp = post(client, faulty, BODY, {"x-sim-fault": "429"})
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "0.05"
    assert resp.json() == {
        "object": "error",
        "message": "Rate limit exceeded",
        "type": "rate_limited",
        "param": None,
        "code": "1300",
    }


def test_forced_429_on_the_gateway(client: httpx.Client) -> None:
    with SimServer(SimConfig(dialect="openai")) as srv:
        resp = post(
            client, srv, {"model": GATEWAY_MODEL, "messages": user("hi")}, {"x-sim-fault": "429"}
        )
    assert resp.status_code == 429 and resp.headers["retry-after"] == "1"
    err = resp.json()["error"]
    assert err["code"] == "rate_limit_exceeded" and GATEWAY_MODEL in err["message"]


@pytest.mark.parametrize("kind", ["500", "503"])
def test_forced_server_errors(client: httpx.Client, faulty: SimServer, kind: str) -> None:
    resp = post(client, faulty, BODY, {"x-sim-fault": kind})
    assert resp.status_code == int(kind)
    assert resp.json()["object"] == "error"


def test_forced_502_is_an_html_page(client: httpx.Client, faulty: SimServer) -> None:
    resp = post(client, faulty, BODY, {"x-sim-fault": "502_html"})
    assert resp.status_code == 502
    assert resp.headers["content-type"].startswith("text/html")
    assert "<title>502 Bad Gateway</title>" in resp.text


def test_forced_malformed_json(client: httpx.Client, faulty: SimServer) -> None:
    resp = post(client, faulty, BODY, {"x-sim-fault": "malformed_json"})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.text.startswith('{"id":')
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)


def test_forced_timeout_hangs(faulty: SimServer) -> None:
    with httpx.Client(timeout=0.1) as short, pytest.raises(httpx.ReadTimeout):
        post(short, faulty, BODY, {"x-sim-fault": "timeout"})


def test_unknown_forced_fault_is_rejected(client: httpx.Client, faulty: SimServer) -> None:
    resp = post(client, faulty, BODY, {"x-sim-fault": "meteor"})
    assert resp.status_code == 400 and "meteor" in resp.text


def test_fail_first_counts_per_key(client: httpx.Client, faulty: SimServer) -> None:
    faulty.reset_stats()
    statuses = [
        post(client, faulty, BODY, {"x-sim-fail-first": "2", "x-sim-key": "job-a"}).status_code
        for _ in range(4)
    ]
    assert statuses == [503, 503, 200, 200]
    other = post(
        client, faulty, BODY, {"x-sim-fail-first": "1", "x-sim-key": "job-b", "x-sim-fault": "429"}
    )
    assert other.status_code == 429
    stats = faulty.stats
    assert stats.by_key == {"job-a": 4, "job-b": 1}
    assert stats.total == 5 and stats.by_path == {"/v1/chat/completions": 5}
    assert stats.by_status == {503: 2, 200: 2, 429: 1}
    assert stats.by_fault == {"503": 2, "429": 1}
    faulty.reset_stats()
    assert faulty.stats.total == 0
    again = post(client, faulty, BODY, {"x-sim-fail-first": "1", "x-sim-key": "job-a"})
    assert again.status_code == 503  # the key's history was forgotten too


def _statuses(client: httpx.Client, cfg: SimConfig, count: int) -> list[int]:
    with SimServer(cfg) as srv:
        return [post(client, srv, BODY).status_code for _ in range(count)]


def test_fault_rate_is_reproducible_with_a_seed(client: httpx.Client) -> None:
    def cfg(seed: int) -> SimConfig:
        return SimConfig(faults=FaultConfig(rate=0.5, seed=seed))

    first = _statuses(client, cfg(7), 30)
    assert first == _statuses(client, cfg(7), 30)
    assert first != _statuses(client, cfg(8), 30)
    assert 3 < sum(s != 200 for s in first) < 27
    assert set(first) <= {200, 429, 500, 502, 503}
    assert set(_statuses(client, SimConfig(faults=FaultConfig(rate=1.0, kinds=("500",))), 5)) == {
        500
    }
    assert set(_statuses(client, SimConfig(faults=FaultConfig(rate=0.0)), 5)) == {200}


def test_fault_config_is_checked() -> None:
    with pytest.raises(ValueError, match="rate"):
        FaultConfig(rate=1.5)
    with pytest.raises(ValueError, match="kinds"):
        FaultConfig(kinds=("418",))
    with pytest.raises(ValueError, match="dialect"):
        SimConfig(dialect="anthropic")


def test_latency_is_respected(client: httpx.Client) -> None:
    with SimServer(SimConfig(latency_ms=120, jitter_ms=30)) as srv:
        t0 = time.monotonic()
        assert post(client, srv, BODY).status_code == 200
        assert time.monotonic() - t0 >= 0.115
        assert post(client, srv, BODY, {"x-sim-latency-ms": "0"}).status_code == 200
    with SimServer(SimConfig()) as srv:
        t0 = time.monotonic()
        post(client, srv, BODY, {"x-sim-latency-ms": "150"})
        assert time.monotonic() - t0 >= 0.145


def test_300_concurrent_requests_are_all_answered() -> None:
    # aiohttp as the client: httpx's pool itself takes seconds to juggle 300 connections.
    async def main(srv: SimServer) -> list[int]:
        connector = aiohttp.TCPConnector(limit=300)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int) -> int:
                body = {"model": MISTRAL_MODEL, "messages": user(f"question {i}")}
                async with session.post(
                    f"{srv.url}/chat/completions", json=body, headers=AUTH
                ) as r:
                    await r.read()
                    return r.status

            return await asyncio.gather(*(one(i) for i in range(300)))

    with SimServer(SimConfig(latency_ms=100)) as srv:
        t0 = time.monotonic()
        statuses = asyncio.run(main(srv))
        elapsed = time.monotonic() - t0
        assert statuses == [200] * 300
        assert srv.stats.total == 300
    assert elapsed < 5.0  # they overlapped: 300 x 100 ms in series would take 30 s


def test_async_with_runs_in_the_current_loop() -> None:
    async def main() -> int:
        async with SimServer(SimConfig(dialect="openai")) as srv, httpx.AsyncClient() as ac:
            resp = await ac.get(f"{srv.url}/models", headers=AUTH)
            return resp.status_code

    assert asyncio.run(main()) == 200


def test_serve_prints_its_url_and_answers(client: httpx.Client) -> None:
    code = (
        "from harness.sim import SimConfig, serve; "
        "serve(SimConfig(dialect='openai'), '127.0.0.1', 0)"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        prefix = "simulator (openai) listening on "
        assert line.startswith(prefix) and line.endswith("/v1"), line
        url = line[len(prefix) :]
        assert client.get(f"{url}/models", headers=AUTH).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
