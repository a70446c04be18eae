from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.errors import ProviderConfigError, UnknownTargetError
from harness.providers.catalogue import interpolate, load_catalogue


def test_seed_providers_carry_the_seed_facts() -> None:
    cat = load_catalogue(env={})
    medium35 = cat.resolve("mistral/mistral-medium-3.5")
    assert medium35.provider.dialect == "mistral"
    assert medium35.provider.api_key_env == "MISTRAL_API_KEY"
    assert medium35.provider.base_url == "https://api.mistral.ai/v1"
    assert (medium35.model.price.input_per_m, medium35.model.price.output_per_m) == (1.5, 7.5)
    assert medium35.model.ranges["temperature"] == (0.0, 1.5)
    assert "image" in medium35.model.input_modalities

    gateway = cat.resolve("empiriolabs/mistral-medium-3-1")
    assert gateway.provider.dialect == "openai"
    assert gateway.provider.api_key_env == "EMPIRIOLABS_API_KEY"
    assert gateway.provider.base_url == "https://api.empiriolabs.ai/v1"
    assert set(gateway.provider.endpoints) == {"chat", "responses", "messages"}
    price = gateway.model.price
    assert (price.input_per_m, price.output_per_m, price.per_call) == (0.52, 2.60, {"web_search": 0.013})
    assert gateway.model.context_window == 131072 and gateway.model.max_output == 40000
    assert gateway.model.ranges["temperature"] == (0.0, 2.0)
    assert gateway.model.ranges["max_tokens"] == (1.0, 65536.0)

    table = {
        "mistral-small": (0.10, 0.30),
        "mistral-medium-3": (0.40, 2.00),
        "mistral-large": (2.00, 6.00),
    }
    for model, prices in table.items():
        p = cat.resolve(f"mistral/{model}").model.price
        assert (p.input_per_m, p.output_per_m) == prices


def test_alias_resolves() -> None:
    cat = load_catalogue(env={})
    assert cat.resolve("empiriolabs/mistral-medium-3.1").model.id == "mistral-medium-3-1"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mistral", "target 'mistral' is not of the form provider/model"),
        ("mistrall/mistral-medium-3.5", "unknown provider 'mistrall' in target 'mistrall/mistral-medium-3.5' (did you mean 'mistral'?)"),
        ("mistral/mistral-medium-3.6", "provider 'mistral' has no model 'mistral-medium-3.6' (did you mean 'mistral-medium-3.5'?)"),
    ],
)
def test_unknown_targets(name: str, message: str) -> None:
    with pytest.raises(UnknownTargetError) as err:
        load_catalogue(env={}).resolve(name)
    assert str(err.value).startswith(message)


def test_user_file_env_interpolation_and_extends(tmp_path: Path) -> None:
    f = tmp_path / "providers.yaml"
    f.write_text(
        """
providers:
  local:
    base_url: ${LOCAL_URL:-http://127.0.0.1:9999/v1}
    dialect: openai
    models:
      tiny: {price: {input: 0.1, output: 0.2}, context_window: 4096}
  proxy:
    extends: mistral
    base_url: ${PROXY_URL}/v1/
""",
        encoding="utf-8",
    )
    cat = load_catalogue([f], env={"PROXY_URL": "https://proxy.internal"})
    local = cat.resolve("local/tiny")
    assert local.provider.base_url == "http://127.0.0.1:9999/v1"
    assert local.provider.api_key_env is None
    proxy = cat.resolve("proxy/mistral-medium-3.5")
    assert proxy.provider.base_url == "https://proxy.internal/v1"
    assert proxy.provider.dialect == "mistral"
    assert proxy.provider.api_key_env == "MISTRAL_API_KEY"
    assert proxy.model.price.input_per_m == 1.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("providers: {x: {base_url: 'http://a', dialect: klingon}}", "line 1: provider 'x' dialect must be one of openai, mistral, anthropic, got string 'klingon'"),
        ("providers: {x: {base_url: 'http://a', dialect: openai, basse: 1}}", "line 1: unknown key 'basse' in provider 'x'; did you mean 'base_url'?"),
        ("providers: {x: {extends: nope}}", "line 1: provider 'x' extends unknown provider 'nope'"),
        ("providers: {x: {base_url: '${NOPE}', dialect: openai}}", "line 1: provider 'x' base_url: environment variable NOPE is not set"),
        ("models: {}", "line 1: a providers file needs a top-level 'providers:' mapping"),
        ("providers: {x: {base_url: 'http://a', dialect: openai, models: {m: {price: {inptu: 1}}}}}", "line 1: unknown key 'inptu' in provider 'x' model 'm' price; did you mean 'input'?"),
    ],
)
def test_bad_providers_files(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProviderConfigError) as err:
        load_catalogue([f], env={})
    assert str(f) in str(err.value)
    assert message in str(err.value)


def test_interpolate_default_and_value() -> None:
    assert interpolate("${A:-x}/${B}", "here", {"B": "b"}) == "x/b"
    assert interpolate("${A:-x}", "here", {"A": "a"}) == "a"


def test_a_user_file_can_change_a_known_provider_under_its_own_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # `mistral: {extends: mistral, ...}` extends the earlier definition (not a cycle): the
    # name suites, cassettes and history use stays, the base URL points somewhere else
    path = tmp_path / "providers.yaml"
    path.write_text("providers:\n  mistral:\n    extends: mistral\n"
                    "    base_url: http://127.0.0.1:9/v1\n", encoding="utf-8")
    catalogue = load_catalogue([path])
    target = catalogue.resolve("mistral/mistral-medium-3.5")
    packaged = load_catalogue([]).resolve("mistral/mistral-medium-3.5")
    assert target.provider.base_url == "http://127.0.0.1:9/v1"
    assert target.provider.api_key_env == packaged.provider.api_key_env == "MISTRAL_API_KEY"
    assert target.model == packaged.model
    assert sorted(catalogue.providers) == sorted(load_catalogue([]).providers)
