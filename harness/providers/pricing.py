"""Cost of one exchange: provider-reported usage x the price book, plus per-call fees.

An unknown price or missing usage gives an unknown cost (None) with a note saying why; it is
never reported as zero, because a zero would pass a `cost_usd: {max: ...}` gate it should not.
"""

from __future__ import annotations

from typing import Any

from harness.core.models import ModelInfo, Usage
from harness.providers.fees import per_call_fees
from harness.providers.rates import PricedModel, cost_with_rates

__all__ = ["compute_cost", "per_call_fees"]


def compute_cost(
    model: ModelInfo, usage: Usage | None, request: dict[str, Any]
) -> tuple[float | None, str]:
    """Return (cost in USD or None when unknown, a note on how it was made)."""
    if isinstance(model, PricedModel) and model.rates is not None:  # a per-token price table
        return cost_with_rates(model, usage, request)
    price = model.price
    if usage is None or usage.prompt_tokens is None or usage.completion_tokens is None:
        return None, "usage not reported"
    if price.input_per_m is None or price.output_per_m is None:
        return None, f"no price known for {model.id}"
    cached = usage.cached_prompt_tokens or 0
    cached = min(cached, usage.prompt_tokens)
    notes: list[str] = []
    if cached and price.cached_input_per_m is None:
        # No cache price stated: bill cached tokens at the input price (an upper bound).
        cached_rate = price.input_per_m
        notes.append(f"{cached} cached tokens at input price")
    else:
        cached_rate = price.cached_input_per_m or 0.0
        if cached:
            notes.append(f"{cached} cached tokens at ${cached_rate}/M")
    cost = (
        (usage.prompt_tokens - cached) * price.input_per_m
        + cached * cached_rate
        + usage.completion_tokens * price.output_per_m
    ) / 1_000_000
    fees, fee_notes = per_call_fees(model, request)
    notes.extend(fee_notes)
    return cost + fees, "; ".join(notes)
