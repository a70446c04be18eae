"""Response headers like the real ones: request ids, timings, rate-limit counters.

Mistral (openllmetry cassette, 2025-09): ``mistral-correlation-id`` = ``x-kong-request-id``
(a UUIDv7), ``x-kong-upstream-latency``, ``x-kong-proxy-latency``,
``x-envoy-upstream-service-time``, ``x-ratelimit-{limit,remaining}-req-10-second``,
``…-tokens-minute``, ``…-tokens-month`` and ``x-ratelimit-tokens-query-cost``.
OpenAI: ``x-request-id: req_…``, ``openai-processing-ms``, ``openai-version``,
``x-ratelimit-{limit,remaining,reset}-{requests,tokens}`` (chat and Responses).
Anthropic (the gateway's /v1/messages; chatlas cassettes): ``request-id: req_011C…`` and
``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}``.
"""

from __future__ import annotations

import os
import secrets
import string
import threading
import time
import uuid
from collections import deque

MISTRAL_REQ_10S = 60
MISTRAL_TOKENS_MINUTE = 2_000_000
MISTRAL_TOKENS_MONTH = 10_000_000_000
OPENAI_REQUESTS = 15_000
OPENAI_TOKENS = 40_000_000
ANTHROPIC_REQUESTS = 4_000
ANTHROPIC_TOKENS = 4_000_000
ANTHROPIC_OUTPUT_TOKENS = 800_000


def uuid7() -> str:
    """A time-ordered UUID (version 7), the format of ``mistral-correlation-id``."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def request_id(style: str) -> str:
    """The request id of an answer in this style (mistral, openai, responses, anthropic)."""
    if style == "mistral":
        return uuid7()
    if style == "anthropic":  # req_011C + 20 base-62 characters, like real ids
        alnum = string.ascii_letters + string.digits
        return "req_011C" + "".join(secrets.choice(alnum) for _ in range(20))
    return f"req_{uuid.uuid4().hex}"


def id_headers(style: str, rid: str) -> dict[str, str]:
    """Headers every answer carries, errors included."""
    if style == "anthropic":
        return {"request-id": rid}
    if style == "mistral":
        return {
            "mistral-correlation-id": rid,
            "x-kong-request-id": rid,
            "access-control-allow-origin": "*",
        }
    return {
        "x-request-id": rid,
        "openai-version": "2020-10-01",
        "access-control-expose-headers": "X-Request-ID",
    }


class RateCounters:
    """Sliding request window and token budgets, to fill the x-ratelimit-* headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: deque[float] = deque()
        self._minute: deque[tuple[float, int]] = deque()
        self._month = 0

    def success_headers(self, dialect: str, tokens: int, elapsed_ms: float) -> dict[str, str]:
        now = time.monotonic()
        with self._lock:
            self._requests.append(now)
            while self._requests and now - self._requests[0] > 10.0:
                self._requests.popleft()
            self._minute.append((now, tokens))
            while self._minute and now - self._minute[0][0] > 60.0:
                self._minute.popleft()
            self._month += tokens
            recent = len(self._requests)
            minute = sum(t for _, t in self._minute)
            month = self._month
        ms = str(max(1, int(elapsed_ms)))
        if dialect == "anthropic":
            return anthropic_headers(recent, minute, ms)
        if dialect == "mistral":
            return {
                "x-kong-upstream-latency": ms,
                "x-kong-proxy-latency": "1",
                "x-envoy-upstream-service-time": ms,
                "x-ratelimit-limit-req-10-second": str(MISTRAL_REQ_10S),
                "x-ratelimit-remaining-req-10-second": str(max(0, MISTRAL_REQ_10S - recent)),
                "x-ratelimit-limit-tokens-minute": str(MISTRAL_TOKENS_MINUTE),
                "x-ratelimit-remaining-tokens-minute": str(max(0, MISTRAL_TOKENS_MINUTE - minute)),
                "x-ratelimit-limit-tokens-month": str(MISTRAL_TOKENS_MONTH),
                "x-ratelimit-remaining-tokens-month": str(max(0, MISTRAL_TOKENS_MONTH - month)),
                "x-ratelimit-tokens-query-cost": str(tokens),
            }
        return {
            "openai-processing-ms": ms,
            "x-ratelimit-limit-requests": str(OPENAI_REQUESTS),
            "x-ratelimit-remaining-requests": str(max(0, OPENAI_REQUESTS - recent)),
            "x-ratelimit-reset-requests": "4ms",
            "x-ratelimit-limit-tokens": str(OPENAI_TOKENS),
            "x-ratelimit-remaining-tokens": str(max(0, OPENAI_TOKENS - minute)),
            "x-ratelimit-reset-tokens": "0s",
        }


def anthropic_headers(recent: int, minute: int, ms: str) -> dict[str, str]:
    """``anthropic-ratelimit-*`` (limit / remaining / reset, RFC 3339) as on the real API."""
    reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    out = {"x-envoy-upstream-service-time": ms}
    for name, limit, used in (
        ("requests", ANTHROPIC_REQUESTS, recent),
        ("tokens", ANTHROPIC_TOKENS, minute),
        ("input-tokens", ANTHROPIC_TOKENS, minute),
        ("output-tokens", ANTHROPIC_OUTPUT_TOKENS, 0),
    ):
        out[f"anthropic-ratelimit-{name}-limit"] = str(limit)
        out[f"anthropic-ratelimit-{name}-remaining"] = str(max(0, limit - used))
        out[f"anthropic-ratelimit-{name}-reset"] = reset
    return out
