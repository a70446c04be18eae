"""providers.rates: per-token price tables, cache writes, reasoning, tiers and per-call fees."""

from __future__ import annotations

import pytest

from harness.core.models import ModelInfo, Price, Usage
from harness.providers.pricing import compute_cost
from harness.providers.rates import PriceBook, PricedModel, rates_from_litellm

CLAUDE = {
    "litellm_provider": "anthropic",
    "input_cost_per_token": 3e-06,
    "output_cost_per_token": 1.5e-05,
    "cache_read_input_token_cost": 3e-07,
    "cache_creation_input_token_cost": 3.75e-06,
    "cache_creation_input_token_cost_above_1hr": 6e-06,
    "input_cost_per_token_above_200k_tokens": 6e-06,
    "output_cost_per_token_above_200k_tokens": 2.25e-05,
    "search_context_cost_per_query": {"search_context_size_medium": 0.01},
}
GPT = {
    "litellm_provider": "openai",
    "input_cost_per_token": 2.5e-06,
    "output_cost_per_token": 1.5e-05,
    "cache_read_input_token_cost": 2.5e-07,
    "input_cost_per_token_priority": 5e-06,
    "output_cost_per_token_priority": 3e-05,
    "cache_read_input_token_cost_priority": 5e-07,
    "input_cost_per_token_flex": 1.25e-06,
    "output_cost_per_token_flex": 7.5e-06,
}
QWEN = {
    "litellm_provider": "dashscope",
    "input_cost_per_token": 1.2e-06,
    "output_cost_per_token": 1.2e-06,
    "output_cost_per_reasoning_token": 4e-06,
}


def _model(entry: dict, key: str = "m", **kw) -> PricedModel:  # type: ignore[no-untyped-def, type-arg]
    return PricedModel(id=key, rates=rates_from_litellm(key, entry), **kw)


def test_anthropic_cache_reads_and_5m_and_1h_writes() -> None:
    raw = {
        "input_tokens": 100,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 500,
        "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 200},
        "output_tokens": 50,
    }
    # normalised as wire.normalize does: prompt counts every prompt token
    usage = Usage(prompt_tokens=1600, completion_tokens=50, cached_prompt_tokens=1000, raw=raw)
    cost, note = compute_cost(_model(CLAUDE), usage, {})
    assert cost == pytest.approx(
        100 * 3e-06 + 1000 * 3e-07 + 300 * 3.75e-06 + 200 * 6e-06 + 50 * 1.5e-05
    )
    assert "500 cache writes (200 for 1 h)" in note


def test_openai_cache_write_tokens_without_a_write_price_bill_as_input() -> None:
    raw = {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 400,
                                                          "cache_write_tokens": 100}}
    usage = Usage(prompt_tokens=1000, completion_tokens=10, cached_prompt_tokens=400, raw=raw)
    cost, note = compute_cost(_model(GPT), usage, {})
    assert cost == pytest.approx(500 * 2.5e-06 + 400 * 2.5e-07 + 100 * 2.5e-06 + 10 * 1.5e-05)
    assert "100 cache writes at input price" in note


def test_reasoning_tokens_at_their_own_price_when_the_table_has_one() -> None:
    usage = Usage(prompt_tokens=10, completion_tokens=100, reasoning_tokens=80)
    cost, note = compute_cost(_model(QWEN), usage, {})
    assert cost == pytest.approx(10 * 1.2e-06 + 20 * 1.2e-06 + 80 * 4e-06)
    assert "80 reasoning tokens" in note
    # no reasoning price: reasoning tokens are output tokens (OpenAI, Mistral, OpenRouter)
    cost, _ = compute_cost(_model(GPT), usage, {})
    assert cost == pytest.approx(10 * 2.5e-06 + 100 * 1.5e-05)


def test_service_tiers() -> None:
    usage = Usage(prompt_tokens=13, completion_tokens=5, cached_prompt_tokens=3)
    priority, note = compute_cost(_model(GPT, service_tier="priority"), usage, {})
    assert priority == pytest.approx(10 * 5e-06 + 3 * 5e-07 + 5 * 3e-05)
    assert "priority" in note
    flex, _ = compute_cost(_model(GPT, service_tier="flex"), usage, {})
    # no flex cache-read price: cache reads billed at the flex input price (an upper bound)
    assert flex == pytest.approx(13 * 1.25e-06 + 5 * 7.5e-06)
    for tier in ("default", "standard", "auto", None):
        base, _ = compute_cost(_model(GPT, service_tier=tier), usage, {})
        assert base == pytest.approx(10 * 2.5e-06 + 3 * 2.5e-07 + 5 * 1.5e-05)
    unknown, note = compute_cost(_model(GPT, service_tier="scale"), usage, {})
    assert unknown is None and "no scale service-tier price" in note


def test_long_context_rates_apply_to_the_whole_answer_above_the_threshold() -> None:
    small = Usage(prompt_tokens=200_000, completion_tokens=10)
    big = Usage(prompt_tokens=200_001, completion_tokens=10)
    assert compute_cost(_model(CLAUDE), small, {})[0] == pytest.approx(
        200_000 * 3e-06 + 10 * 1.5e-05
    )
    assert compute_cost(_model(CLAUDE), big, {})[0] == pytest.approx(
        200_001 * 6e-06 + 10 * 2.25e-05
    )


def test_web_search_calls_reported_in_usage_or_by_the_answer() -> None:
    raw = {"input_tokens": 10, "output_tokens": 5, "server_tool_use": {"web_search_requests": 2}}
    usage = Usage(prompt_tokens=10, completion_tokens=5, raw=raw)
    cost, note = compute_cost(_model(CLAUDE), usage, {})
    assert cost == pytest.approx(10 * 3e-06 + 5 * 1.5e-05 + 2 * 0.01)
    assert "2 web_search x $0.01" in note
    plain = Usage(prompt_tokens=10, completion_tokens=5)
    cost, _ = compute_cost(_model(CLAUDE, calls={"web_search": 1}), plain, {})
    assert cost == pytest.approx(10 * 3e-06 + 5 * 1.5e-05 + 0.01)
    # a reported call without a per-call price: unknown, never undercounted
    cost, note = compute_cost(_model(GPT, calls={"web_search": 1}), plain, {})
    assert cost is None and "no per-call price" in note


def test_unknown_stays_unknown() -> None:
    assert compute_cost(PricedModel(id="x", rates=None), Usage(1, 1), {}) == (
        None,
        "no price known for x",
    )
    assert compute_cost(_model(GPT), None, {})[0] is None
    assert compute_cost(_model(GPT), Usage(prompt_tokens=5), {})[0] is None
    no_output = {"litellm_provider": "openai", "input_cost_per_token": 1e-06}
    assert compute_cost(_model(no_output), Usage(1, 1), {})[0] is None


def test_plain_model_info_keeps_the_old_behaviour() -> None:
    model = ModelInfo(id="m", price=Price(input_per_m=1.5, output_per_m=7.5))
    assert compute_cost(model, Usage(prompt_tokens=1000, completion_tokens=500), {}) == (
        pytest.approx(1000 * 1.5e-6 + 500 * 7.5e-6),
        "",
    )


def test_price_book_lookup() -> None:
    book = PriceBook(
        {
            "sample_spec": {"input_cost_per_token": 0.0},
            "gpt-5-mini": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-07,
                           "output_cost_per_token": 2e-06},
            "mistral/mistral-large-latest": {"litellm_provider": "mistral",
                                             "input_cost_per_token": 5e-07,
                                             "output_cost_per_token": 1.5e-06},
            "mistral-large-latest": {"litellm_provider": "bedrock", "input_cost_per_token": 9.0,
                                     "output_cost_per_token": 9.0},
        }
    )
    assert book.lookup("openai", ["gpt-5-mini-2025-08-07", "gpt-5-mini"])[0] == "gpt-5-mini"
    assert book.lookup("mistral", ["mistral-large-latest"])[0] == "mistral/mistral-large-latest"
    # OpenRouter's vendor/model -> the upstream vendor's entry
    assert book.lookup("openrouter", ["openai/gpt-5-mini"])[0] == "gpt-5-mini"
    # a bare name belonging to another provider is not a match
    assert book.lookup("openai", ["mistral-large-latest"]) is None
    assert book.lookup("openrouter", ["minimax/minimax-m2:free"]) is None
    assert book.rates("openai", ["nope"]) is None
    assert "sample_spec" not in book.entries
