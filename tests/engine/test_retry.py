"""Backoff (full jitter, Retry-After, retry-after-ms) and execute()'s retry loop."""

from __future__ import annotations

import asyncio
import random
import time
from email.utils import formatdate

import httpx
import pytest

from harness.engine.retry import (
    RetryPolicy,
    backoff_delay,
    parse_retry_after,
    parse_retry_after_ms,
)
from harness.engine.transport import make_client
from tests.engine.runs import execute

from .support import SECRET, fake_prepare, make_job

# -- backoff_delay --------------------------------------------------------------------------


def test_full_jitter_bounds_and_spread():
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=3.0)
    rng = random.Random(1)
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (10, 3.0), (10_000, 3.0)]:
        draws = [backoff_delay(attempt, policy, rng, None) for _ in range(2000)]
        assert all(0.0 <= d <= cap for d in draws)
        assert min(draws) < cap * 0.05 and max(draws) > cap * 0.95  # full jitter: whole window
        assert abs(sum(draws) / len(draws) - cap / 2) < cap * 0.05


def test_backoff_is_reproducible_with_a_seeded_rng():
    p = RetryPolicy()
    a = [backoff_delay(n, p, random.Random(7), None) for n in range(1, 5)]
    b = [backoff_delay(n, p, random.Random(7), None) for n in range(1, 5)]
    assert a == b


def test_retry_after_seconds_is_a_floor_and_max_delay_a_cap():
    p = RetryPolicy(base_delay_s=0.5, max_delay_s=30.0)
    rng = random.Random(0)
    assert backoff_delay(1, p, rng, "2") == 2.0  # hint > jitter window: exactly the hint
    assert backoff_delay(1, p, rng, "1.25") == 1.25  # fractional seconds
    assert backoff_delay(1, p, rng, "3600") == 30.0  # capped
    # a tiny hint does not collapse the exponential backoff: max(hint, jitter)
    draws = [backoff_delay(6, p, rng, "0.001") for _ in range(500)]
    assert all(0.001 <= d <= 16.0 for d in draws) and max(draws) > 10


def test_retry_after_ms_wins_over_retry_after():
    p = RetryPolicy(base_delay_s=0.0)
    rng = random.Random(0)
    assert backoff_delay(1, p, rng, "5", retry_after_ms="250") == 0.25
    assert backoff_delay(1, p, rng, None, retry_after_ms="1500") == 1.5
    assert backoff_delay(1, p, rng, "2", retry_after_ms="garbage") == 2.0


def test_retry_after_http_date_and_bad_values():
    now = 1_800_000_000.0
    assert parse_retry_after(formatdate(now + 12, usegmt=True), now=now) == pytest.approx(12.0)
    assert parse_retry_after(formatdate(now - 50, usegmt=True), now=now) == 0.0  # past: no wait
    assert parse_retry_after("-3") == 0.0
    for bad in (None, "", "soon", "nan"):
        assert parse_retry_after(bad) is None
    assert parse_retry_after_ms("20") == 0.02
    assert parse_retry_after_ms("x") is None


def test_retry_after_ignored_when_policy_says_so():
    p = RetryPolicy(base_delay_s=0.5, respect_retry_after=False)
    assert backoff_delay(1, p, random.Random(0), "20") <= 0.5


def test_policy_validation():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    assert RetryPolicy(retry_statuses={429}).retry_statuses == frozenset({429})  # type: ignore[arg-type]


# -- execute() retry loop (MockTransport, injected sleep) --------------------------------------


class Recorder:
    """A MockTransport handler replaying a script of responses/exceptions; counts requests."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(time.perf_counter())
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        return httpx.Response(status, headers=headers, json={"status": status})


def _execute(script, *, policy=None, timeout_s=30.0, job=None):
    rec = Recorder(script)
    delays: list[float] = []

    async def fake_sleep(d: float) -> None:
        delays.append(d)

    async def main():
        async with make_client(httpx.MockTransport(rec), timeout=timeout_s, max_connections=4) as c:
            return await execute(
                job or make_job(),
                c,
                api_key=SECRET,
                policy=policy or RetryPolicy(),
                timeout_s=timeout_s,
                rng=random.Random(3),
                sleep=fake_sleep,
                prepare_fn=fake_prepare,
            )

    return asyncio.run(main()), rec, delays


def test_429_with_retry_after_is_honoured():
    ex, rec, delays = _execute([(429, {"Retry-After": "2"}), 200])
    assert ex.status_code == 200 and ex.attempts == 2 and len(rec.requests) == 2
    assert delays == [2.0]
    assert ex.error_class is None


def test_429_with_retry_after_ms():
    ex, _rec, delays = _execute([(429, {"retry-after-ms": "1200", "retry-after": "1"}), 200])
    assert delays == [1.2] and ex.attempts == 2


def test_503_then_200_gives_two_attempts():
    ex, rec, delays = _execute([503, 200])
    assert (ex.status_code, ex.attempts, len(rec.requests)) == (200, 2, 2)
    assert len(delays) == 1 and 0 <= delays[0] <= 0.5
    assert ex.json == {"status": 200}


def test_400_is_not_retried():
    ex, rec, delays = _execute([400, 200])
    assert (ex.status_code, ex.attempts, len(rec.requests), delays) == (400, 1, 1, [])
    assert ex.error_class is None  # HTTP errors are classified by checks.evaluate


def test_max_attempts_respected():
    ex, rec, delays = _execute([503], policy=RetryPolicy(max_attempts=3))
    assert (ex.status_code, ex.attempts, len(rec.requests)) == (503, 3, 3)
    assert len(delays) == 2
    assert delays[0] <= 0.5 and delays[1] <= 1.0  # exponential windows


def test_no_retry_policy():
    ex, rec, _ = _execute([503, 200], policy=RetryPolicy(max_attempts=1))
    assert (ex.status_code, ex.attempts, len(rec.requests)) == (503, 1, 1)


def test_transport_error_is_retried():
    ex, rec, delays = _execute([httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), 200])
    assert (ex.status_code, ex.attempts, len(rec.requests), len(delays)) == (200, 3, 3, 2)
    assert ex.error_class is None and ex.error_message is None


def test_transport_errors_exhausted_give_error_class_and_no_status():
    ex, rec, _ = _execute([httpx.ReadTimeout("timed out")], policy=RetryPolicy(max_attempts=2))
    assert (ex.status_code, ex.attempts, len(rec.requests)) == (None, 2, 2)
    assert ex.error_class == "timeout"
    assert ex.error_message.startswith("ReadTimeout: timed out")
    ex, _, _ = _execute([httpx.ConnectError("refused")], policy=RetryPolicy(max_attempts=1))
    assert ex.error_class == "connect"
    ex, _, _ = _execute([httpx.RemoteProtocolError("closed")], policy=RetryPolicy(max_attempts=1))
    assert ex.error_class == "transport"
    assert ex.t_end is not None and ex.t_end >= ex.t_start


def test_transport_errors_not_retried_when_disabled():
    ex, rec, _ = _execute(
        [httpx.ConnectError("x"), 200], policy=RetryPolicy(retry_transport_errors=False)
    )
    assert (ex.attempts, len(rec.requests), ex.error_class) == (1, 1, "connect")


def test_error_message_never_contains_the_key():
    ex, _, _ = _execute(
        [httpx.ConnectError(f"failed with header authorization: Bearer {SECRET}")],
        policy=RetryPolicy(max_attempts=1),
    )
    assert SECRET not in ex.error_message
    assert "***" in ex.error_message


def test_exchange_fields_and_last_attempt_timing():
    ex, rec, _ = _execute([500, 200])
    assert ex.method == "POST" and ex.url.endswith("/chat/completions")
    assert ex.request_headers["authorization"] == "Bearer ***"  # masked
    assert ex.request_body["model"] == "m1"
    assert rec.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the real key is sent
    assert rec.requests[0].content == rec.requests[1].content  # body built once, re-sent
    assert ex.response_headers["content-type"] == "application/json"
    assert rec.times[0] < ex.t_start <= rec.times[1]  # t_start = start of the LAST attempt
    assert ex.t_start <= ex.t_first_byte <= ex.t_end


def test_case_timeout_overrides_default():
    _ex, rec, _ = _execute([200], timeout_s=30.0, job=make_job(timeout_s=2.5))
    assert rec.requests[0].extensions["timeout"]["read"] == 2.5
    _ex, rec, _ = _execute([200], timeout_s=30.0)
    assert rec.requests[0].extensions["timeout"]["read"] == 30.0
