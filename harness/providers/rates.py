"""Per-token price tables (LiteLLM's `model_prices_and_context_window.json` format) and the
cost of one answer with them: cache reads and writes, reasoning tokens, service tiers,
long-context tiers and per-call fees, as far as the provider reports them.

    book = PriceBook.load("model_prices_and_context_window_backup.json")
    rates = book.rates("anthropic", ["claude-sonnet-4-5-20250929"])   # TokenRates or None
    model = PricedModel(id="claude-sonnet-4-5", rates=rates)
    compute_cost(model, usage, request)        # providers.pricing dispatches here

How one answer is billed (USD per token from the table; `usage` as normalised by
wire.normalize, whose prompt_tokens counts every prompt token, cached or not):

    uncached input  = prompt - cache reads - cache writes       x input_cost_per_token
    cache reads     = cached_prompt_tokens                       x cache_read_input_token_cost
    cache writes    = Anthropic cache_creation_input_tokens (1-hour writes apart:
                      cache_creation.ephemeral_1h_input_tokens), OpenAI
                      input_tokens_details / prompt_tokens_details.cache_write_tokens
                                                                 x cache_creation_input_token_cost
                                                                   (1 h: ..._above_1hr)
    output          = completion - reasoning                     x output_cost_per_token
    reasoning       = reasoning_tokens                           x output_cost_per_reasoning_token
                      (when the table has one; else reasoning tokens are output tokens, which is
                      how OpenAI, Mistral and OpenRouter count and bill them)
    per-call fees   = Anthropic usage.server_tool_use.web_search_requests, or web searches the
                      answer reports (PricedModel.calls) x search_context_cost_per_query
                      (search_context_size_medium)

A reported service tier picks the table's `*_priority` / `*_flex` prices ("default",
"standard", "auto" are the base prices; another tier without prices is an unknown cost).
A prompt above a table threshold (`*_above_272k_tokens`) bills the whole answer at those
rates, as OpenAI and Anthropic do. A missing cache-read or cache-write price bills those tokens
at the input price (an upper bound, said in the note); a missing input or output price, or an
unreported count the formula needs, makes the cost unknown (None), never 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.core.models import ModelInfo, Usage
from harness.providers.fees import per_call_fees

BASE_TIERS = frozenset({"default", "standard", "auto", "on_demand"})
_ABOVE = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(\d+)k_tokens$"
)


@dataclass(frozen=True)
class TokenRates:
    """USD per token (None = unknown) and per call, for one model at one service tier."""

    input: float | None
    output: float | None
    cache_read: float | None = None
    cache_write: float | None = None  # 5-minute cache writes (Anthropic), OpenAI cache writes
    cache_write_1h: float | None = None
    reasoning: float | None = None  # None: reasoning tokens are billed as output tokens
    web_search: float | None = None  # per search call
    source: str = ""  # e.g. "litellm:gpt-5.4-2026-03-05"
    tiers: Mapping[str, TokenRates] = field(default_factory=dict)  # "priority", "flex"
    # (prompt tokens threshold, rates for the whole answer above it), lowest first
    above: tuple[tuple[int, TokenRates], ...] = ()

    def for_tier(self, tier: str | None) -> TokenRates | None:
        """The rates of a service tier; None when the tier has no price in the table."""
        if tier is None or tier in BASE_TIERS:
            return self
        return self.tiers.get(tier)

    def for_prompt(self, prompt_tokens: int) -> TokenRates:
        chosen = self
        for threshold, rates in self.above:
            if prompt_tokens > threshold:
                chosen = rates
        return chosen


@dataclass(frozen=True)
class PricedModel(ModelInfo):
    """A ModelInfo priced per token (TokenRates), with what the answer reported about how it
    was served: its service tier and per-call tool uses (e.g. {"web_search": 2})."""

    rates: TokenRates | None = None
    service_tier: str | None = None
    calls: Mapping[str, int] = field(default_factory=dict)


def _num(entry: Mapping[str, Any], key: str) -> float | None:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _search_price(entry: Mapping[str, Any]) -> float | None:
    per_query = entry.get("search_context_cost_per_query")
    if isinstance(per_query, Mapping):
        value = per_query.get("search_context_size_medium")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def rates_from_litellm(key: str, entry: Mapping[str, Any]) -> TokenRates:
    """One LiteLLM table entry -> TokenRates (with its priority / flex tiers and long-context
    rates)."""

    def build(suffix: str, above: str = "") -> TokenRates:
        def price(name: str) -> float | None:
            return _num(entry, f"{name}{above}{suffix}")

        return TokenRates(
            input=price("input_cost_per_token"),
            output=price("output_cost_per_token"),
            cache_read=price("cache_read_input_token_cost"),
            cache_write=price("cache_creation_input_token_cost"),
            cache_write_1h=_num(entry, f"cache_creation_input_token_cost_above_1hr{suffix}"),
            reasoning=_num(entry, f"output_cost_per_reasoning_token{suffix}"),
            web_search=_search_price(entry),
            source=f"litellm:{key}" + (f" {suffix.strip('_')}" if suffix else ""),
        )

    thresholds = sorted(
        {int(m.group(2)) for k in entry if (m := _ABOVE.match(k)) is not None}
    )

    def with_above(base: TokenRates, suffix: str) -> TokenRates:
        tiers = []
        for k in thresholds:
            above = build(suffix, f"_above_{k}k_tokens")
            # a price the long-context tier does not restate stays the base one
            merged = replace(
                above,
                input=above.input if above.input is not None else base.input,
                output=above.output if above.output is not None else base.output,
                cache_read=above.cache_read if above.cache_read is not None else base.cache_read,
                cache_write=(
                    above.cache_write if above.cache_write is not None else base.cache_write
                ),
                cache_write_1h=base.cache_write_1h,
                reasoning=base.reasoning,
                source=f"{base.source} above {k}k prompt tokens",
            )
            tiers.append((k * 1000, merged))
        return replace(base, above=tuple(tiers))

    base = with_above(build(""), "")
    tiers = {}
    for tier in ("priority", "flex"):
        suffix = f"_{tier}"
        if f"input_cost_per_token{suffix}" in entry or f"output_cost_per_token{suffix}" in entry:
            tiers[tier] = with_above(build(suffix), suffix)
    return replace(base, tiers=tiers)


# vendor prefixes of OpenRouter model ids -> LiteLLM provider names
_VENDORS = {"mistralai": "mistral", "google": "gemini", "x-ai": "xai", "meta-llama": "meta_llama"}


class PriceBook:
    """A LiteLLM-format price table, looked up by provider and model id."""

    def __init__(self, entries: Mapping[str, Any], source: str = "") -> None:
        self.entries = {k: v for k, v in entries.items() if isinstance(v, Mapping)}
        self.entries.pop("sample_spec", None)
        self.source = source

    @classmethod
    def load(cls, path: str | Path) -> PriceBook:
        p = Path(path)
        data = json.loads(p.read_text("utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{p}: a price table is a JSON object of model -> prices")  # noqa: TRY004
        return cls(data, str(p))

    def keys_for(self, provider: str, model: str) -> list[str]:
        """Candidate table keys for a model served by `provider` (most specific first)."""
        keys = [f"{provider}/{model}", model]
        if provider == "openrouter" and "/" in model:
            vendor, _, name = model.partition("/")
            litellm = _VENDORS.get(vendor, vendor)
            keys += [f"{litellm}/{name}", name]
        return list(dict.fromkeys(keys))

    def lookup(self, provider: str, models: Iterable[str]) -> tuple[str, Mapping[str, Any]] | None:
        """(key, entry) of the first model id with a price, or None."""
        for model in models:
            if not model:
                continue
            vendor = model.partition("/")[0] if provider == "openrouter" else provider
            want = _VENDORS.get(vendor, vendor)
            for key in self.keys_for(provider, model):
                entry = self.entries.get(key)
                if entry is None:
                    continue
                owner = str(entry.get("litellm_provider") or "")
                # a bare model name must belong to the provider (or, via OpenRouter, to the
                # upstream vendor): "mistral-large-latest" is not OpenAI's
                if "/" not in key and owner and owner != want:
                    continue
                if _num(entry, "input_cost_per_token") is None:
                    continue
                return key, entry
        return None

    def rates(self, provider: str, models: Iterable[str]) -> TokenRates | None:
        found = self.lookup(provider, models)
        return rates_from_litellm(*found) if found else None


# -- cost --------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dig(d: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(key)
    return d


def cache_writes(raw: Mapping[str, Any] | None) -> tuple[int, int]:
    """(all cache-write tokens, of which 1-hour writes) reported in a raw usage block."""
    if not isinstance(raw, Mapping):
        return 0, 0
    if "cache_creation_input_tokens" in raw:  # Anthropic
        total = _int(raw.get("cache_creation_input_tokens"))
        one_hour = _int(_dig(raw, "cache_creation", "ephemeral_1h_input_tokens"))
        return total, min(one_hour, total)
    for block in ("input_tokens_details", "prompt_tokens_details"):  # OpenAI
        writes = _dig(raw, block, "cache_write_tokens")
        if writes is not None:
            return _int(writes), 0
    return 0, 0


def reported_calls(raw: Mapping[str, Any] | None, extra: Mapping[str, int]) -> dict[str, int]:
    calls = {k: int(v) for k, v in extra.items() if v}
    searches = _int(_dig(raw, "server_tool_use", "web_search_requests"))
    if searches:
        calls["web_search"] = max(calls.get("web_search", 0), searches)
    return calls


def _usd(x: float) -> str:
    return f"${x:.8f}".rstrip("0").rstrip(".")


def cost_with_rates(
    model: PricedModel, usage: Usage | None, request: Mapping[str, Any]
) -> tuple[float | None, str]:
    """(cost in USD or None when unknown, a note on how it was made)."""
    rates = _rates_for(model, usage)
    if isinstance(rates, str):
        return None, rates
    assert usage is not None  # _rates_for said why otherwise
    notes = [rates.source]
    cost = _token_cost(rates, usage, notes)
    for name, count in sorted(reported_calls(usage.raw, model.calls).items()):
        fee = rates.web_search if name == "web_search" else None
        if fee is None:
            return None, f"{count} {name} call(s) reported, and no per-call price for {model.id}"
        cost += count * fee
        notes.append(f"{count} {name} x {_usd(fee)}")
    if model.price.per_call:
        fees, fee_notes = per_call_fees(model, dict(request))
        cost += fees
        notes.extend(fee_notes)
    return cost, "; ".join(notes)


def _rates_for(model: PricedModel, usage: Usage | None) -> TokenRates | str:
    """The rates that apply (service tier, prompt-size tier), or why the cost is unknown."""
    base = model.rates
    if base is None:
        return f"no price known for {model.id}"
    if usage is None or usage.prompt_tokens is None or usage.completion_tokens is None:
        return "usage not reported"
    tiered = base.for_tier(model.service_tier)
    if tiered is None:
        return f"no {model.service_tier} service-tier price for {model.id} ({base.source})"
    rates = tiered.for_prompt(usage.prompt_tokens)
    if rates.input is None or rates.output is None:
        return f"no input/output price for {model.id} ({rates.source})"
    return rates


def _token_cost(rates: TokenRates, usage: Usage, notes: list[str]) -> float:
    """Prompt tokens split into uncached, cache reads and cache writes (5-minute and 1-hour),
    completion tokens into reasoning and the rest, each at its rate; a missing cache or
    reasoning rate falls back to the input or output rate, and `notes` says so."""
    assert rates.input is not None and rates.output is not None
    assert usage.prompt_tokens is not None and usage.completion_tokens is not None
    prompt, completion = usage.prompt_tokens, usage.completion_tokens
    read = min(usage.cached_prompt_tokens or 0, prompt)
    writes, writes_1h = cache_writes(usage.raw)
    writes = min(writes, prompt - read)
    writes_1h = min(writes_1h, writes)
    read_rate = rates.cache_read
    if read and read_rate is None:
        read_rate = rates.input
        notes.append(f"{read} cache reads at input price")
    write_rate = rates.cache_write
    if writes - writes_1h and write_rate is None:
        write_rate = rates.input
        notes.append(f"{writes - writes_1h} cache writes at input price")
    write_1h_rate = rates.cache_write_1h
    if writes_1h and write_1h_rate is None:
        write_1h_rate = write_rate if write_rate is not None else rates.input
        notes.append(f"{writes_1h} 1-hour cache writes at the 5-minute price")
    reasoning = min(usage.reasoning_tokens or 0, completion)
    reasoning_rate = rates.output if rates.reasoning is None else rates.reasoning
    if rates.reasoning is not None:
        notes.append(f"{reasoning} reasoning tokens at {_usd(rates.reasoning)}/token")
    if read:
        notes.append(f"{read} cache reads")
    if writes:
        notes.append(f"{writes} cache writes ({writes_1h} for 1 h)")
    return (
        (prompt - read - writes) * rates.input
        + read * (read_rate or 0.0)
        + (writes - writes_1h) * (write_rate or 0.0)
        + writes_1h * (write_1h_rate or 0.0)
        + (completion - reasoning) * rates.output
        + reasoning * reasoning_rate
    )
