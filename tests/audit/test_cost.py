"""Cost of every real interaction with usage, computed by hand from the LiteLLM price table.

The expected values are written out below as explicit arithmetic: recorded token counts (read
from each cassette's usage block) x the per-token prices of
../shared/realworld/pricing/litellm/model_prices_and_context_window_backup.json (the constants
below, checked against the file). Cached prompt tokens are billed at the cache-read price,
reasoning tokens are part of the completion tokens and billed at the output price (the table
has no separate reasoning price for these models), a reported service tier picks its prices.
A model the table does not know has an unknown cost (None), never 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.audit import AuditOptions, Prices, audit_paths
from harness.providers.rates import PriceBook
from tests.realworld import CASSETTES, REALWORLD, requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

LITELLM = REALWORLD / "pricing" / "litellm" / "model_prices_and_context_window_backup.json"

# USD per token, as in the LiteLLM table (test_prices_are_the_tables checks each one)
GPT54_IN, GPT54_OUT = 2.5e-06, 1.5e-05
GPT54_PRIO_IN, GPT54_PRIO_OUT = 5e-06, 3e-05
GPT5MINI_IN, GPT5MINI_OUT = 2.5e-07, 2e-06
GPT4O_IN, GPT4O_OUT = 2.5e-06, 1e-05
HAIKU45_IN, HAIKU45_OUT = 1e-06, 5e-06
SONNET45_IN, SONNET45_OUT = 3e-06, 1.5e-05
MLARGE_IN, MLARGE_OUT, MLARGE_CACHE = 5e-07, 1.5e-06, 5e-08
MSMALL_IN, MSMALL_OUT = 1.5e-07, 6e-07
MTINY_IN, MTINY_OUT = 2.5e-07, 2.5e-07
MMEDIUM_IN, MMEDIUM_OUT, MMEDIUM_CACHE = 1.5e-06, 7.5e-06, 1.5e-07
MAGMED_IN, MAGMED_OUT = 1.5e-06, 7.5e-06
MIN8B_IN, MIN8B_OUT = 1.5e-07, 1.5e-07

TABLE_PRICES = {
    # constant: (table key, field)
    "GPT54_IN": ("gpt-5.4-2026-03-05", "input_cost_per_token"),
    "GPT54_OUT": ("gpt-5.4-2026-03-05", "output_cost_per_token"),
    "GPT54_PRIO_IN": ("gpt-5.4-2026-03-05", "input_cost_per_token_priority"),
    "GPT54_PRIO_OUT": ("gpt-5.4-2026-03-05", "output_cost_per_token_priority"),
    "GPT5MINI_IN": ("gpt-5-mini-2025-08-07", "input_cost_per_token"),
    "GPT5MINI_OUT": ("gpt-5-mini-2025-08-07", "output_cost_per_token"),
    "GPT4O_IN": ("gpt-4o-2024-08-06", "input_cost_per_token"),
    "GPT4O_OUT": ("gpt-4o-2024-08-06", "output_cost_per_token"),
    "HAIKU45_IN": ("claude-haiku-4-5-20251001", "input_cost_per_token"),
    "HAIKU45_OUT": ("claude-haiku-4-5-20251001", "output_cost_per_token"),
    "SONNET45_IN": ("claude-sonnet-4-5-20250929", "input_cost_per_token"),
    "SONNET45_OUT": ("claude-sonnet-4-5-20250929", "output_cost_per_token"),
    "MLARGE_IN": ("mistral/mistral-large-latest", "input_cost_per_token"),
    "MLARGE_OUT": ("mistral/mistral-large-latest", "output_cost_per_token"),
    "MLARGE_CACHE": ("mistral/mistral-large-latest", "cache_read_input_token_cost"),
    "MSMALL_IN": ("mistral/mistral-small-latest", "input_cost_per_token"),
    "MSMALL_OUT": ("mistral/mistral-small-latest", "output_cost_per_token"),
    "MTINY_IN": ("mistral/mistral-tiny", "input_cost_per_token"),
    "MTINY_OUT": ("mistral/mistral-tiny", "output_cost_per_token"),
    "MMEDIUM_IN": ("mistral/mistral-medium-latest", "input_cost_per_token"),
    "MMEDIUM_OUT": ("mistral/mistral-medium-latest", "output_cost_per_token"),
    "MMEDIUM_CACHE": ("mistral/mistral-medium-latest", "cache_read_input_token_cost"),
    "MAGMED_IN": ("mistral/magistral-medium-latest", "input_cost_per_token"),
    "MAGMED_OUT": ("mistral/magistral-medium-latest", "output_cost_per_token"),
    "MIN8B_IN": ("mistral/ministral-8b-latest", "input_cost_per_token"),
    "MIN8B_OUT": ("mistral/ministral-8b-latest", "output_cost_per_token"),
}

# file#index -> expected USD (None: the table has no price for the model)
EXPECTED_COST: dict[str, float | None] = {
    "chatlas/test_provider_anthropic/test_anthropic_images.yaml#0": 26 * HAIKU45_IN + 40 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_images.yaml#1": 119 * HAIKU45_IN + 154 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_simple_request.yaml#0": 26 * HAIKU45_IN + 5 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#0": 585 * HAIKU45_IN + 37 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#1": 640 * HAIKU45_IN + 13 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#2": 667 * HAIKU45_IN + 22 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#3": 577 * HAIKU45_IN + 37 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#4": 632 * HAIKU45_IN + 9 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#5": 682 * HAIKU45_IN + 55 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#6": 751 * HAIKU45_IN + 65 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml#7": 830 * HAIKU45_IN + 15 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_data_extraction.yaml#0": 265 * HAIKU45_IN + 25 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_data_extraction.yaml#1": 341 * HAIKU45_IN + 22 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_data_extraction.yaml#2": 361 * HAIKU45_IN + 13 * HAIKU45_OUT,
    "chatlas/test_provider_anthropic/test_data_extraction.yaml#3": 197 * HAIKU45_IN + 12 * HAIKU45_OUT,
    "chatlas/test_provider_mistral/test_data_extraction.yaml#0": 44 * MLARGE_IN + 27 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_data_extraction.yaml#1": 104 * MLARGE_IN + 24 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_data_extraction.yaml#2": 133 * MLARGE_IN + 19 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_data_extraction.yaml#3": 155 * MLARGE_IN + 11 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_mistral_images.yaml#0": 118 * MLARGE_IN + 115 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_mistral_respects_turns_interface.yaml#0": 32 * MLARGE_IN + 11 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_mistral_respects_turns_interface.yaml#1": 32 * MLARGE_IN + 11 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_mistral_respects_turns_interface.yaml#2": 25 * MLARGE_IN + 31 * MLARGE_OUT,
    "chatlas/test_provider_mistral/test_mistral_simple_request.yaml#0": 22 * MLARGE_IN + 2 * MLARGE_OUT,
    "chatlas/test_provider_openai/test_data_extraction.yaml#0": 80 * GPT54_IN + 23 * GPT54_OUT,
    "chatlas/test_provider_openai/test_data_extraction.yaml#1": 143 * GPT54_IN + 23 * GPT54_OUT,
    "chatlas/test_provider_openai/test_data_extraction.yaml#2": 171 * GPT54_IN + 19 * GPT54_OUT,
    "chatlas/test_provider_openai/test_data_extraction.yaml#3": 171 * GPT54_IN + 7 * GPT54_OUT,
    "chatlas/test_provider_openai/test_openai_service_tier_affects_pricing.yaml#0": 13 * GPT54_PRIO_IN + 5 * GPT54_PRIO_OUT,  # service_tier "priority" in the answer: priority prices
    "chatlas/test_provider_openai/test_openai_simple_request.yaml#0": 26 * GPT54_IN + 5 * GPT54_OUT,
    "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#0": 58 * GPT54_IN + 15 * GPT54_OUT,
    "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#1": 91 * GPT54_IN + 10 * GPT54_OUT,
    "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#2": 59 * GPT54_IN + 16 * GPT54_OUT,
    "chatlas/test_provider_openai/test_openai_tool_variations_async.yaml#3": 94 * GPT54_IN + 10 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_data_extraction.yaml#0": 90 * GPT54_IN + 22 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_data_extraction.yaml#1": 157 * GPT54_IN + 22 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_data_extraction.yaml#2": 183 * GPT54_IN + 18 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_data_extraction.yaml#3": 171 * GPT54_IN + 6 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_images.yaml#0": 15 * GPT54_IN + 23 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_images.yaml#1": 108 * GPT54_IN + 79 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_simple_request.yaml#0": 26 * GPT54_IN + 4 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#0": 147 * GPT54_IN + 13 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#1": 177 * GPT54_IN + 13 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#2": 207 * GPT54_IN + 13 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#3": 237 * GPT54_IN + 7 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#4": 138 * GPT54_IN + 13 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#5": 168 * GPT54_IN + 9 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#6": 163 * GPT54_IN + 50 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#7": 233 * GPT54_IN + 9 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#8": 203 * GPT54_IN + 19 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#9": 236 * GPT54_IN + 18 * GPT54_OUT,
    "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml#10": 266 * GPT54_IN + 5 * GPT54_OUT,
    "openinference/test_instrumentor/test_synchronous_streaming_chat_completions_emits_expected_span[False].yaml#0": 26 * MSMALL_IN + 4 * MSMALL_OUT,
    "openinference/test_instrumentor/test_synchronous_streaming_chat_completions_with_tool_call_response_emits_expected_spans[False].yaml#0": 96 * MSMALL_IN + 23 * MSMALL_OUT,
    "openllmetry/test_chat/test_mistralai_chat_legacy.yaml#0": 11 * MTINY_IN + 96 * MTINY_OUT,
    "openllmetry/test_chat/test_mistralai_streaming_chat_legacy.yaml#0": 11 * MTINY_IN + 80 * MTINY_OUT,
    "openllmetry/test_vision/test_vision.yaml#0": None,  # gpt-4-vision-preview: not in the table
    "openllmetry/test_vision/test_vision.yaml#1": None,
    "pydantic-ai/test_mistral/test_image_as_binary_content_tool_response.yaml#0": None,  # pixtral-12b-latest: not in the table
    "pydantic-ai/test_mistral/test_image_as_binary_content_tool_response.yaml#1": None,
    "pydantic-ai/test_mistral/test_mistral_forwards_penalties.yaml#0": 4 * MLARGE_IN + 36 * MLARGE_OUT,
    "pydantic-ai/test_mistral/test_mistral_history_uses_prompt_cache.yaml#0": 253 * MLARGE_IN + 5 * MLARGE_OUT,
    "pydantic-ai/test_mistral/test_mistral_history_uses_prompt_cache.yaml#1": (268 - 224) * MLARGE_IN + 224 * MLARGE_CACHE + 5 * MLARGE_OUT,  # prompt_tokens_details.cached_tokens: 224 cache reads
    "pydantic-ai/test_mistral/test_mistral_model_thinking_part_iter.yaml#0": 10 * MAGMED_IN + 232 * MAGMED_OUT,
    "pydantic-ai/test_multimodal_tool_returns/test_multimodal_tool_return_matrix[direct-url-image-mistral].yaml#0": 64 * MMEDIUM_IN + 6 * MMEDIUM_OUT,
    "pydantic-ai/test_multimodal_tool_returns/test_multimodal_tool_return_matrix[direct-url-image-mistral].yaml#1": (273 - 32) * MMEDIUM_IN + 32 * MMEDIUM_CACHE + 104 * MMEDIUM_OUT,  # num_cached_tokens: 32
    "pydantic-ai/test_openai/test_openai_prompted_output.yaml#0": 109 * GPT4O_IN + 11 * GPT4O_OUT,
    "pydantic-ai/test_openai/test_openai_prompted_output.yaml#1": 130 * GPT4O_IN + 11 * GPT4O_OUT,
    "pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml#0": None,  # minimax/minimax-m2:free: not in the table (OpenRouter says 0)
    "pydantic-ai/test_openrouter/test_openrouter_usage.yaml#0": 17 * GPT5MINI_IN + 1515 * GPT5MINI_OUT,  # OpenRouter passes OpenAI's gpt-5-mini price through; 704 reasoning tokens
    "pydantic-ai/test_openrouter/test_openrouter_usage.yaml#1": 17 * GPT5MINI_IN + 2177 * GPT5MINI_OUT,  # = OpenRouter's own usage.cost 0.00435825; 960 reasoning
    "pydantic-ai/test_settings/test_stop_settings[mistral].yaml#0": 28 * MIN8B_IN + 6 * MIN8B_OUT,
    "pydantic-ai/test_thinking_wire_contract/test_reasoning_wire_contract[mistral-small-thinking-high].yaml#0": 28 * MSMALL_IN + 35 * MSMALL_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml#0": 572 * SONNET45_IN + 53 * SONNET45_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml#1": 646 * SONNET45_IN + 31 * SONNET45_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-mistral].yaml#0": (77 - 76) * MLARGE_IN + 76 * MLARGE_CACHE + 12 * MLARGE_OUT,  # num_cached_tokens: 76
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-mistral].yaml#1": (100 - 99) * MLARGE_IN + 99 * MLARGE_CACHE + 29 * MLARGE_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[list_single-mistral].yaml#0": (70 - 69) * MLARGE_IN + 69 * MLARGE_CACHE + 12 * MLARGE_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[none-mistral].yaml#0": (10 - 9) * MLARGE_IN + 9 * MLARGE_CACHE + 224 * MLARGE_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml#0": 655 * SONNET45_IN + 38 * SONNET45_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml#0": (70 - 69) * MLARGE_IN + 69 * MLARGE_CACHE + 12 * MLARGE_OUT,
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml#0": 130 * GPT5MINI_IN + 87 * GPT5MINI_OUT,  # 64 of the 87 completion tokens are reasoning tokens, billed as output
    "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai_responses].yaml#0": 48 * GPT5MINI_IN + 105 * GPT5MINI_OUT,  # 64 reasoning tokens inside the 105 output tokens
}


@pytest.fixture(scope="module")
def priced_rows() -> dict[str, dict[str, Any]]:
    options = AuditOptions(prices=Prices(books=[PriceBook.load(LITELLM)]))
    rows = audit_paths([CASSETTES], options).rows
    return {_key(r): r for r in rows}


def _key(row: dict[str, Any]) -> str:
    rel = Path(row["cassette"]).relative_to(CASSETTES).as_posix()
    return f"{rel}#{row['case'].rsplit('#', 1)[1]}"


def test_prices_are_the_tables() -> None:
    table = json.loads(LITELLM.read_text("utf-8"))
    for name, (key, field) in TABLE_PRICES.items():
        assert table[key][field] == globals()[name], (name, key, field)


def test_every_interaction_with_usage_is_pinned(priced_rows: dict[str, dict[str, Any]]) -> None:
    with_usage = {k for k, r in priced_rows.items() if r["prompt_tokens"] is not None}
    assert with_usage == set(EXPECTED_COST)
    assert len(with_usage) == 83
    assert sum(v is None for v in EXPECTED_COST.values()) == 5


@pytest.mark.parametrize("key", sorted(EXPECTED_COST))
def test_cost_is_the_hand_computed_one(key: str, priced_rows: dict[str, dict[str, Any]]) -> None:
    expected = EXPECTED_COST[key]
    got = priced_rows[key]["cost_usd"]
    if expected is None:
        assert got is None  # unknown, never 0
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0)


def test_rows_without_usage_have_no_cost(priced_rows: dict[str, dict[str, Any]]) -> None:
    for key, row in priced_rows.items():
        if row["prompt_tokens"] is None:
            assert row["cost_usd"] is None, key


def test_openrouter_reported_cost_equals_the_computed_one(
    priced_rows: dict[str, dict[str, Any]],
) -> None:
    """OpenRouter bills gpt-5-mini at OpenAI's price, reasoning tokens as output tokens: its
    own `usage.cost` is exactly what the table gives."""
    from tests.realworld import interaction

    usage = interaction("pydantic-ai/test_openrouter/test_openrouter_usage.yaml", 1).response["usage"]
    row = priced_rows["pydantic-ai/test_openrouter/test_openrouter_usage.yaml#1"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 960
    assert row["cost_usd"] == pytest.approx(usage["cost"], rel=1e-12)
    assert usage["cost_details"]["upstream_inference_prompt_cost"] == pytest.approx(17 * GPT5MINI_IN)


def test_without_a_price_table_costs_are_unknown_never_zero() -> None:
    rows = audit_paths([CASSETTES], AuditOptions()).rows  # packaged catalogue only
    assert all(r["cost_usd"] is None for r in rows)
