"""Hostile answers over real HTTP (the simulator's `harness.sim.hostile` faults): each one is a
classified row, never a crash, a hang or unbounded memory. No upper bound on elapsed time is
asserted (a loaded machine is slow, not wrong); a drip cut at --timeout is a correctness
assertion (the drip would take minutes)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.checks.evaluate import evaluate
from harness.core.models import Case, Exchange, Job, ModelInfo, Provider, Target
from harness.core.row import check_row
from harness.engine.retry import RetryPolicy
from harness.engine.send import SendOptions, execute
from harness.engine.transport import make_client
from harness.sim import SimConfig, SimServer
from harness.sim.hostile import REDIRECT_LOCATION

MODEL = "mistral-medium-3-1"
MIB = 1 << 20


@pytest.fixture(scope="module")
def srv() -> Iterator[SimServer]:
    cfg = SimConfig(dialect="openai", latency_ms=0)
    cfg.faults.hang_s = 30.0
    with SimServer(cfg) as server:
        yield server


def _job(url: str, headers: dict[str, str], stream: bool = False) -> Job:
    model = ModelInfo(id=MODEL)
    provider = Provider(name="sim", base_url=url, dialect="openai", models={MODEL: model},
                        headers=headers)
    request: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}],
                               "max_tokens": 8}
    if stream:
        request["stream"] = True
    case = Case(suite="s", id="c", request=request)
    return Job(case=case, target=Target(provider, model), request=request)


def hostile(srv: SimServer, kind: str, *, stream: bool = False,
            headers: dict[str, str] | None = None, sleeps: list[float] | None = None,
            **options: Any) -> tuple[dict[str, Any], Exchange]:
    """One job answered with fault `kind`, through the real engine and evaluate."""
    job = _job(srv.url, {"x-sim-fault": kind, **(headers or {})}, stream)
    options.setdefault("policy", RetryPolicy(max_attempts=1))
    options.setdefault("timeout_s", 20.0)

    async def sleep(seconds: float) -> None:
        (sleeps if sleeps is not None else []).append(seconds)

    async def main() -> Exchange:
        client = make_client(None, timeout=options["timeout_s"], max_connections=2)
        try:
            opts = SendOptions(rng=random.Random(0), sleep=sleep, **options)
            return await execute(job, client, opts, "sim-key")
        finally:
            await client.aclose()

    exchange = asyncio.run(main())
    row = evaluate(job, exchange, run_id="r", mode="live")
    row["cassette"] = None
    assert check_row(row) == []
    json.dumps(row)  # a row is always writable: nothing deep was kept parsed
    return row, exchange


@pytest.mark.parametrize(("kind", "stream", "status"), [
    ("deep_json", False, None), ("deep_json_400", False, 400), ("deep_json_stream", True, 200),
])
def test_json_nested_2000_deep_is_a_too_deep_row(srv: SimServer, kind: str, stream: bool,
                                                 status: int | None) -> None:
    row, _ = hostile(srv, kind, stream=stream)
    assert (row["error_class"], row["passed"]) == ("too_deep", False)
    assert "256" in row["error_message"]
    if status is not None:
        assert row["status_code"] == status


def test_a_body_dripped_at_one_byte_a_second_is_cut_at_the_timeout(srv: SimServer) -> None:
    row, exchange = hostile(srv, "slow_drip", timeout_s=1.0)
    assert (row["status_code"], row["error_class"], row["passed"]) == (None, "timeout", False)
    assert "--timeout 1 s" in row["error_message"] and "after HTTP 200" in row["error_message"]
    assert len(exchange.body) < 100  # the drip was cut long before its ~300 bytes


def test_pings_every_second_still_end_at_the_whole_deadline(srv: SimServer) -> None:
    row, exchange = hostile(srv, "ping_forever", stream=True, timeout_s=1.5, idle_timeout_s=0.8,
                            headers={"x-sim-chunk-delay-ms": "200"})
    assert (row["status_code"], row["error_class"]) == (200, "timeout")
    assert "whole-exchange deadline (--timeout 1.5 s)" in row["error_message"]
    assert exchange.stream.stats.comments >= 1  # pings came, and reset the idle timer


def test_silence_between_chunks_is_an_idle_timeout(srv: SimServer) -> None:
    row, _ = hostile(srv, "ping_forever", stream=True, timeout_s=20, idle_timeout_s=0.3,
                     headers={"x-sim-chunk-delay-ms": "5000"})
    assert row["error_class"] == "timeout"
    assert "no data (--idle-timeout 0.3 s)" in row["error_message"]


def test_no_first_byte_is_a_first_byte_timeout(srv: SimServer) -> None:
    row, _ = hostile(srv, "timeout", timeout_s=20, first_byte_timeout_s=0.3)
    assert (row["status_code"], row["error_class"]) == (None, "timeout")
    assert "no first byte (--first-byte-timeout 0.3 s)" in row["error_message"]
    assert "before the response headers" in row["error_message"]


def test_an_endless_stream_stops_at_the_size_cap(srv: SimServer) -> None:
    row, exchange = hostile(srv, "endless_stream", stream=True, max_response_bytes=MIB)
    assert (row["status_code"], row["error_class"], row["passed"]) == (200, "too_large", False)
    assert "--max-response-bytes 1 MiB" in row["error_message"]
    assert len(exchange.body) <= MIB


@pytest.mark.parametrize("kind", ["huge_body", "gzip_bomb"])
def test_a_huge_body_or_a_gzip_bomb_keeps_at_most_the_cap(srv: SimServer, kind: str) -> None:
    row, exchange = hostile(srv, kind, max_response_bytes=MIB,
                            headers={"x-sim-size-mib": "256"})
    assert (row["status_code"], row["error_class"], row["passed"]) == (None, "too_large", False)
    assert "after decompression" in row["error_message"]
    assert len(exchange.body) <= MIB


def test_a_small_gzip_body_is_decoded(srv: SimServer) -> None:
    row, exchange = hostile(srv, "gzip_bomb", headers={"x-sim-size-mib": "2"})
    assert len(exchange.body) == 2 * MIB + 2 and exchange.json == {}
    assert row["error_class"] == "malformed_body"  # `{}` is not a chat completion


def test_retry_after_3600_is_not_waited_for_and_the_row_says_so(srv: SimServer) -> None:
    sleeps: list[float] = []
    row, _ = hostile(srv, "429_long", sleeps=sleeps,
                     policy=RetryPolicy(max_attempts=4, max_retry_wait_s=60))
    assert sleeps == []
    assert (row["status_code"], row["error_class"], row["attempts"]) == (429, "rate_limit", 1)
    assert row["retries_exhausted"] is True
    assert "Retry-After 3600 s is over --max-retry-wait 60 s" in row["error_message"]


def test_exhausted_429_retries_are_marked(srv: SimServer) -> None:
    sleeps: list[float] = []
    row, _ = hostile(srv, "429", sleeps=sleeps, policy=RetryPolicy(max_attempts=3))
    assert (row["error_class"], row["attempts"], row["retries_exhausted"]) == (
        "rate_limit", 3, True)
    assert "retries exhausted: gave up after 3 attempt(s)" in row["error_message"]
    assert len(sleeps) == 2


def test_a_307_is_a_redirect_row_naming_the_masked_location(srv: SimServer) -> None:
    row, _ = hostile(srv, "redirect_307")
    assert (row["status_code"], row["error_class"], row["passed"]) == (307, "redirect", False)
    assert "http://127.0.0.1:9/v1/chat/completions?api_key=***" in row["error_message"]
    secret = REDIRECT_LOCATION.rpartition("=")[2]
    assert secret not in json.dumps(row)


def test_a_success_row_says_no_retries_were_exhausted(srv: SimServer) -> None:
    job = _job(srv.url, {})

    async def main() -> Exchange:
        client = make_client(None, timeout=10, max_connections=1)
        try:
            return await execute(job, client, SendOptions(), "sim-key")
        finally:
            await client.aclose()

    row = evaluate(job, asyncio.run(main()), run_id="r", mode="live")
    assert (row["passed"], row["retries_exhausted"], row["error_class"]) == (True, False, None)


def test_fd_exhaustion_is_a_local_resource_error_not_a_connect_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("All connection attempts failed") from OSError(
            24, "Too many open files")

    job = _job("http://127.0.0.1:9/v1", {})

    async def main() -> Exchange:
        client = make_client(httpx.MockTransport(handler), timeout=5, max_connections=1)
        async with client:
            return await execute(job, client, SendOptions(policy=RetryPolicy(max_attempts=1)),
                                 "k")

    exchange = asyncio.run(main())
    assert exchange.error_class == "resource"
    assert "EMFILE" in (exchange.error_message or "")
    assert "this process, not the provider" in (exchange.error_message or "")


def test_a_2xx_that_is_not_a_success_body_never_passes(srv: SimServer) -> None:
    """A 200 whose body is not JSON (or JSON of no known shape) is not a success, even when the
    case checks nothing but the status (the implicit `status: 2xx`)."""
    for kind in ("malformed_json",):
        row, _ = hostile(srv, kind)
        assert (row["status_code"], row["error_class"], row["passed"]) == (
            200, "malformed_body", False)
        assert row["failures"][-1]["check"] == "body"
    row, _ = hostile(srv, "gzip_bomb", headers={"x-sim-size-mib": "1"})
    assert (row["error_class"], row["passed"]) == ("malformed_body", False)
