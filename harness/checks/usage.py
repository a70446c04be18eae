"""`usage`: the token usage block is present and sane, optionally within bounds.

    - usage:                                  # present, counts are non-negative integers,
                                              # total = prompt + completion (when reported)
    - usage: {max_total_tokens: 500}          # shorthand: max_<field> / min_<field>
    - usage:
        prompt_tokens: {max: 1000}
        completion_tokens: {min: 1, max: 200}
        total_tokens: 1200                    # a bare number is a max
        cached_prompt_tokens: {min: 1}
        reasoning_tokens: {max: 0}

Fields are the normalised ones (see wire.normalize): for Anthropic, prompt_tokens includes
cache reads and writes, and total is computed. A bound on a count the provider did not report
fails ("not reported"): unknown is never treated as zero. The sanity rules always apply:
every `*tokens` count in the raw usage block (nested details too) is a non-negative integer or
null, prompt and completion counts are present, total = prompt + completion when the provider
reports a total, cached <= prompt and reasoning <= completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import fmt_num, is_flag, is_number, parse_bounds, require_success
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.hints import hint
from harness.core.models import Exchange, Usage

FIELDS = (
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cached_prompt_tokens",
    "reasoning_tokens",
)


def _bounds(args: Any) -> dict[str, tuple[float | None, float | None]]:
    if is_flag(args):
        return {}
    if not isinstance(args, Mapping):
        raise ValueError(  # noqa: TRY004
            "usage: give nothing, or a mapping of fields to bounds, "
            "e.g. {total_tokens: {max: 500}} or {max_total_tokens: 500}"
        )
    merged: dict[str, list[float | None]] = {}
    for key, value in args.items():
        key = str(key)
        if key in FIELDS:
            field = key
            lo, hi = parse_bounds(value, f"usage.{key}")
        elif key.startswith(("max_", "min_")) and key[4:] in FIELDS:
            field = key[4:]
            if not is_number(value) or value < 0:
                raise ValueError(f"usage.{key} must be a non-negative number, got {value!r}")
            lo, hi = (None, float(value)) if key.startswith("max_") else (float(value), None)
        else:
            names = list(FIELDS) + [f"max_{f}" for f in FIELDS] + [f"min_{f}" for f in FIELDS]
            raise ValueError(
                f"usage: unknown field {key!r}{hint(key, names)} (fields: {', '.join(FIELDS)})"
            )
        cur = merged.setdefault(field, [None, None])
        if lo is not None:
            cur[0] = lo
        if hi is not None:
            cur[1] = hi
        if cur[0] is not None and cur[1] is not None and cur[0] > cur[1]:
            raise ValueError(f"usage.{field}: min {fmt_num(cur[0])} is above max {fmt_num(cur[1])}")
    return {field: (lo, hi) for field, (lo, hi) in merged.items()}


def _bad_counts(raw: Any, path: str = "usage") -> list[str]:
    """Token counts in the raw block that are not non-negative integers (null is allowed)."""
    bad: list[str] = []
    if not isinstance(raw, Mapping):
        return bad
    for key, value in raw.items():
        where = f"{path}.{key}"
        if isinstance(value, Mapping):
            bad.extend(_bad_counts(value, where))
        elif (
            str(key).endswith("tokens")
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
        ):
            bad.append(f"{where} = {value!r}")
    return bad


def _sanity(usage: Usage) -> None:
    bad = _bad_counts(usage.raw)
    if bad:
        raise CheckFailure(
            f"usage has invalid token counts: {', '.join(bad[:3])}",
            expected="non-negative integers",
            received=bad,
        )
    missing = [f for f in ("prompt_tokens", "completion_tokens") if getattr(usage, f) is None]
    if missing:
        raise CheckFailure(
            f"usage does not report {' and '.join(missing)}",
            expected="prompt and completion token counts",
            received=usage.raw,
        )
    p, c, t = usage.prompt_tokens, usage.completion_tokens, usage.total_tokens
    assert p is not None and c is not None
    if t is not None and t != p + c:
        raise CheckFailure(
            f"usage total_tokens {t} != prompt {p} + completion {c}",
            expected=p + c,
            received=t,
        )
    if usage.cached_prompt_tokens is not None and usage.cached_prompt_tokens > p:
        raise CheckFailure(
            f"usage cached prompt tokens {usage.cached_prompt_tokens} exceed prompt tokens {p}",
            expected=f"<= {p}",
            received=usage.cached_prompt_tokens,
        )
    if usage.reasoning_tokens is not None and usage.reasoning_tokens > c:
        raise CheckFailure(
            f"usage reasoning tokens {usage.reasoning_tokens} exceed completion tokens {c}",
            expected=f"<= {c}",
            received=usage.reasoning_tokens,
        )


@register_check("usage")
def usage(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    bounds = _bounds(args)
    normalized = require_success(ctx, exchange)
    u = normalized.usage
    if u is None:
        raise CheckFailure(
            "usage missing from the response", expected="a usage block", received=None
        )
    _sanity(u)
    for field, (lo, hi) in bounds.items():
        value = getattr(u, field)
        want = " and ".join(
            part
            for part in (
                f">= {fmt_num(lo)}" if lo is not None else "",
                f"<= {fmt_num(hi)}" if hi is not None else "",
            )
            if part
        )
        if value is None:
            raise CheckFailure(
                f"usage {field} not reported, expected {want}", expected=want, received=None
            )
        if hi is not None and value > hi:
            raise CheckFailure(
                f"usage {field} {value} above max {fmt_num(hi)}", expected=want, received=value
            )
        if lo is not None and value < lo:
            raise CheckFailure(
                f"usage {field} {value} below min {fmt_num(lo)}", expected=want, received=value
            )


usage.validate_args = _bounds  # type: ignore[attr-defined]
