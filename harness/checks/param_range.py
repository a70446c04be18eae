"""`param_range`: the provider honours the parameter ranges its documentation claims.

The catalogue records each model's documented ranges (temperature 0..1.5 on Mistral Medium 3.5,
0..2 on the EmpirioLabs gateway, ...). Sent inside the range, the request must succeed; sent
outside, it must be refused with a 400/422 validation error. One matrix case over boundary
values then checks a provider's claims on every target, whatever its range.

    - param_range: temperature          # or a list of names; null = every ranged parameter sent
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange


def _names(args: Any) -> list[str] | None:
    if args is None or args is True:
        return None
    if isinstance(args, str):
        return [args]
    if isinstance(args, list) and all(isinstance(a, str) for a in args):
        return list(args)
    raise ValueError("expects a parameter name, a list of names, or nothing")


@register_check("param_range")
def param_range(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    model = ctx.target.model
    names = _names(args)
    request = ctx.request
    checked = [n for n in (names or list(model.ranges)) if n in request and n in model.ranges]
    if names:
        missing = [n for n in names if n not in model.ranges]
        if missing:
            raise CheckFailure(
                f"no documented range for {', '.join(missing)} on {ctx.target.name}",
                expected="a range in the provider catalogue",
                received=sorted(model.ranges),
            )
    outside = []
    for name in checked:
        value = request[name]
        lo, hi = model.ranges[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            outside.append(f"{name}={value!r} (documented {lo:g}..{hi:g})")
    status = exchange.status_code
    if status is None:
        raise CheckFailure(
            "no HTTP response", expected="a response", received=exchange.error_class
        )
    if outside:
        if not 400 <= status < 500 or status in (401, 403, 404, 429):
            raise CheckFailure(
                f"{'; '.join(outside)} is outside the documented range but the provider "
                f"answered HTTP {status}",
                expected="400 or 422 validation error",
                received=status,
            )
        return
    if not 200 <= status < 300:
        sent = ", ".join(f"{n}={request[n]!r}" for n in checked) or "no ranged parameter"
        raise CheckFailure(
            f"{sent} is inside the documented range but the provider answered HTTP {status}",
            expected="2xx",
            received=status,
        )


param_range.validate_args = _names  # type: ignore[attr-defined]
