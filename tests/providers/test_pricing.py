from __future__ import annotations

import pytest

from harness.core.models import Usage
from harness.providers.catalogue import load_catalogue
from harness.providers.pricing import compute_cost


@pytest.fixture(scope="module")
def cat():  # type: ignore[no-untyped-def]
    return load_catalogue(env={})


def test_cost_from_usage_and_price(cat) -> None:  # type: ignore[no-untyped-def]
    model = cat.resolve("mistral/mistral-medium-3.5").model
    cost, note = compute_cost(model, Usage(prompt_tokens=1000, completion_tokens=500), {})
    # the guide's formula: prompt * 1.5/1M + completion * 7.5/1M
    assert cost == pytest.approx(1000 * 1.5e-6 + 500 * 7.5e-6)
    assert note == ""


def test_cached_tokens_without_cache_price_billed_at_input_price(cat) -> None:  # type: ignore[no-untyped-def]
    model = cat.resolve("mistral/mistral-medium-3.5").model
    usage = Usage(prompt_tokens=300, completion_tokens=10, cached_prompt_tokens=224)
    cost, note = compute_cost(model, usage, {})
    assert cost == pytest.approx(300 * 1.5e-6 + 10 * 7.5e-6)
    assert "224 cached tokens at input price" in note


def test_cached_tokens_at_their_own_price() -> None:
    from harness.core.models import ModelInfo, Price

    model = ModelInfo(id="m", price=Price(input_per_m=2.0, output_per_m=6.0, cached_input_per_m=0.2))
    usage = Usage(prompt_tokens=1000, completion_tokens=100, cached_prompt_tokens=400)
    cost, _ = compute_cost(model, usage, {})
    assert cost == pytest.approx((600 * 2.0 + 400 * 0.2 + 100 * 6.0) / 1e6)


def test_web_search_fee_added(cat) -> None:  # type: ignore[no-untyped-def]
    model = cat.resolve("empiriolabs/mistral-medium-3-1").model
    usage = Usage(prompt_tokens=100, completion_tokens=100)
    plain, _ = compute_cost(model, usage, {})
    searched, note = compute_cost(model, usage, {"extra": {"web_search_linkup": True}})
    assert plain == pytest.approx(100 * 0.52e-6 + 100 * 2.60e-6)
    assert searched == pytest.approx(plain + 0.013)
    assert "web_search" in note


def test_unknown_price_is_unknown_not_zero() -> None:
    from harness.core.models import ModelInfo

    cost, note = compute_cost(ModelInfo(id="free?"), Usage(prompt_tokens=1, completion_tokens=1), {})
    assert cost is None
    assert note == "no price known for free?"


def test_missing_usage_is_unknown(cat) -> None:  # type: ignore[no-untyped-def]
    model = cat.resolve("mistral/mistral-medium-3.5").model
    assert compute_cost(model, None, {}) == (None, "usage not reported")
    assert compute_cost(model, Usage(prompt_tokens=5), {})[0] is None
