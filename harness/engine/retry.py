"""Retries: which failures are retried, and how long to wait (full jitter, Retry-After).

Backoff is exponential with FULL jitter (AWS architecture blog, "Exponential Backoff And
Jitter"): before attempt n+1 wait uniform(0, min(max_delay, base * 2**(n-1))). Full jitter
spreads a burst of clients that failed together across the whole window.

Server hints: `retry-after-ms` (OpenAI, milliseconds, more precise, wins when both are present)
or `Retry-After` (seconds, fractional accepted, or an HTTP date). Rule: wait
max(hint, jittered backoff). Why max and not the hint alone: the hint is the earliest moment
the server expects to accept us, so we never wait less than it; but servers often send tiny or
stale hints (0, or a few ms), and taking the max keeps the exponential growth and the jitter
spread of many workers in that case. Two bounds: `max_delay_s` bounds our own backoff, and
`max_retry_wait_s` (`--max-retry-wait`, default 60 s) the server's hint. A hint OVER
max_retry_wait_s is not shortened: the request is not retried at all (`retry_wait` gives
None) and the row says so (`retries_exhausted`, "Retry-After 3600 s is over --max-retry-wait
60 s"). Why give up rather than wait the cap and try again: the server said it will refuse us
until then, so an early retry only spends an attempt and the run's time to be refused again;
a CI run learns the answer (rate limited, for an hour) at once. `backoff_delay` (the older
rule, everything capped at max_delay_s) is kept for callers that want one number.

Only statuses in `retry_statuses` (429, 5xx overload/unavailable) and, optionally, transport
errors (connect, timeout, reset) are retried. Other 4xx are the contract under test: never
retried.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = [
    "DEFAULT_RETRY_STATUSES",
    "NO_RETRY",
    "RetryPolicy",
    "backoff_delay",
    "hint_from_headers",
    "parse_retry_after",
    "parse_retry_after_ms",
    "retry_wait",
]

DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts (1 = no retry), how long to wait, and what is worth retrying."""

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    retry_statuses: frozenset[int] = field(default=DEFAULT_RETRY_STATUSES)
    retry_transport_errors: bool = True
    respect_retry_after: bool = True
    max_retry_wait_s: float = 60.0  # a server hint over this: not retried (see module doc)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_retry_wait_s < 0:
            raise ValueError("delays must be >= 0")
        if not isinstance(self.retry_statuses, frozenset):
            object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    def retries_status(self, status: int) -> bool:
        return status in self.retry_statuses


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds (fractions allowed) or an HTTP
    date. None when absent or unparseable; never negative (a date in the past gives 0)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)  # +inf is capped by the caller's max_delay


def parse_retry_after_ms(value: str | None) -> float | None:
    """Seconds to wait from a `retry-after-ms` value (milliseconds); None if absent/bad."""
    if value is None:
        return None
    try:
        ms = float(value.strip())
    except ValueError:
        return None
    if math.isnan(ms):
        return None
    return max(ms, 0.0) / 1000.0


def hint_from_headers(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(Retry-After, retry-after-ms) raw values from lower-cased response headers."""
    return headers.get("retry-after"), headers.get("retry-after-ms")


def backoff_delay(
    attempt: int,
    policy: RetryPolicy,
    rng: random.Random,
    retry_after: str | None = None,
    *,
    retry_after_ms: str | None = None,
    now: float | None = None,
) -> float:
    """Seconds to sleep after failed attempt number `attempt` (1-based) before the next one."""
    cap = min(policy.max_delay_s, policy.base_delay_s * 2.0 ** min(max(attempt - 1, 0), 60))
    delay = rng.uniform(0.0, cap) if cap > 0 else 0.0
    if policy.respect_retry_after:
        hint = server_hint(retry_after, retry_after_ms, now)
        if hint is not None:
            delay = max(delay, hint)
    return min(delay, policy.max_delay_s)


def server_hint(retry_after: str | None, retry_after_ms: str | None,
                now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms wins), or None."""
    hint = parse_retry_after_ms(retry_after_ms)
    return hint if hint is not None else parse_retry_after(retry_after, now=now)


def retry_wait(
    attempt: int,
    policy: RetryPolicy,
    rng: random.Random,
    retry_after: str | None = None,
    *,
    retry_after_ms: str | None = None,
    now: float | None = None,
) -> tuple[float | None, float | None]:
    """(seconds to sleep before the next attempt, the server's hint). The wait is None when
    the hint is over `policy.max_retry_wait_s`: give up now (see the module doc)."""
    cap = min(policy.max_delay_s, policy.base_delay_s * 2.0 ** min(max(attempt - 1, 0), 60))
    delay = rng.uniform(0.0, cap) if cap > 0 else 0.0
    hint = server_hint(retry_after, retry_after_ms, now) if policy.respect_retry_after else None
    if hint is None:
        return delay, None
    if hint > policy.max_retry_wait_s:
        return None, hint
    return max(delay, hint), hint
