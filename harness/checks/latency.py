"""`latency_ms`: the wall time of the exchange (request sent -> body read) in milliseconds.

    - latency_ms: 5000            # a bare number is the max
    - latency_ms: {max: 5000}
    - latency_ms: {min: 10, max: 5000}

Uses exchange.latency_ms (the last attempt). Replays of recorded traffic carry the recorded
latency separately (exchange.recorded_latency_ms); this check does not read it.
"""

from __future__ import annotations

from typing import Any

from harness.checks._common import fmt_num, parse_bounds
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange


def _validate(args: Any) -> None:
    parse_bounds(args, "latency_ms")


@register_check("latency_ms")
def latency_ms(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    lo, hi = parse_bounds(args, "latency_ms")
    want = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
    ms = exchange.latency_ms
    if ms is None:
        reason = exchange.error_class or "the exchange did not finish"
        raise CheckFailure(f"latency unknown: {reason}", expected=want, received=None)
    if hi is not None and ms > hi:
        raise CheckFailure(
            f"latency {ms:.0f} ms above max {fmt_num(hi)} ms", expected=want, received=round(ms, 1)
        )
    if lo is not None and ms < lo:
        raise CheckFailure(
            f"latency {ms:.0f} ms below min {fmt_num(lo)} ms", expected=want, received=round(ms, 1)
        )


latency_ms.validate_args = _validate  # type: ignore[attr-defined]
