"""`cost_usd`: the exchange's cost in USD stays within bounds.

    - cost_usd: 0.01              # a bare number is the max
    - cost_usd: {max: 0.01}
    - cost_usd: {min: 0.0001, max: 0.01}

The cost comes from ctx.cost_usd (providers.pricing: usage x the target's price). An unknown
cost (no price, or no usage) fails with "cost unknown: <why>": unknown is never zero.
"""

from __future__ import annotations

from typing import Any

from harness.checks._common import parse_bounds
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange


def _fmt_usd(x: float) -> str:
    return f"${x:.6f}".rstrip("0").rstrip(".") if x else "$0"


def _validate(args: Any) -> None:
    parse_bounds(args, "cost_usd")


@register_check("cost_usd")
def cost_usd(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    lo, hi = parse_bounds(args, "cost_usd")
    cost = ctx.cost_usd
    if cost is None:
        note = ctx.cost_note or "no price or no usage"
        raise CheckFailure(f"cost unknown: {note}", expected=_want(lo, hi), received=None)
    if hi is not None and cost > hi:
        raise CheckFailure(
            f"cost {_fmt_usd(cost)} above max {_fmt_usd(hi)}", expected=_want(lo, hi), received=cost
        )
    if lo is not None and cost < lo:
        raise CheckFailure(
            f"cost {_fmt_usd(cost)} below min {_fmt_usd(lo)}", expected=_want(lo, hi), received=cost
        )


def _want(lo: float | None, hi: float | None) -> dict[str, float]:
    out = {}
    if lo is not None:
        out["min"] = lo
    if hi is not None:
        out["max"] = hi
    return out


cost_usd.validate_args = _validate  # type: ignore[attr-defined]
