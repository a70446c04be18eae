from __future__ import annotations

import json

import pytest

from harness.core.errors import UsageError
from harness.core.models import Case, Job, ModelInfo, Provider, Target
from harness.wire.dialects import INVALID_KEY, curl_command, mask_headers, prepare, translate

SECRET = "sk-test-SECRET-value-1234567890"


def _target(dialect: str, model: str = "m1") -> Target:
    provider = Provider(
        name="p", base_url="http://127.0.0.1:1/v1", dialect=dialect, api_key_env="P_KEY",
        models={model: ModelInfo(id=model)},
    )
    return Target(provider=provider, model=provider.models[model])


def _job(request: dict, dialect: str = "mistral", raw: bool = False) -> Job:
    case = Case(suite="s", id="c", request=request, raw=raw)
    return Job(case=case, target=_target(dialect), request=request)


def test_mistral_translation() -> None:
    body = translate(
        {"messages": [{"role": "user", "content": "hi"}], "tool_choice": "required", "seed": 7,
         "temperature": 0.2, "extra": {"safe_prompt": True}, "auth": "key", "endpoint": "chat"},
        "mistral", "mistral-medium-3.5",
    )
    assert body == {
        "model": "mistral-medium-3.5",
        "messages": [{"role": "user", "content": "hi"}],
        "tool_choice": "any",
        "random_seed": 7,
        "temperature": 0.2,
        "safe_prompt": True,
    }


def test_openai_translation_keeps_openai_spelling() -> None:
    body = translate(
        {"messages": [], "tool_choice": "any", "seed": 7, "system": "be brief",
         "extra": {"web_search_linkup": True}},
        "openai", "mistral-medium-3-1",
    )
    assert body["tool_choice"] == "required"
    assert body["seed"] == 7 and "random_seed" not in body
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["web_search_linkup"] is True


def test_named_tool_choice_untouched() -> None:
    choice = {"type": "function", "function": {"name": "f"}}
    assert translate({"messages": [], "tool_choice": choice}, "mistral", "m")["tool_choice"] == choice


def test_prepare_headers_mask_the_key() -> None:
    prepared = prepare(_job({"messages": [{"role": "user", "content": "x"}]}), SECRET)
    assert prepared.url == "http://127.0.0.1:1/v1/chat/completions"
    assert prepared.headers["authorization"] == f"Bearer {SECRET}"
    assert prepared.masked_headers["authorization"] == "Bearer ***"
    assert SECRET not in json.dumps(prepared.masked_headers)
    assert json.loads(prepared.body)["model"] == "m1"


@pytest.mark.parametrize(("auth", "expected"), [("none", None), ("invalid", f"Bearer {INVALID_KEY}")])
def test_auth_modes(auth: str, expected: str | None) -> None:
    prepared = prepare(_job({"messages": [], "auth": auth}), SECRET)
    assert prepared.headers.get("authorization") == expected


def test_raw_body_is_sent_untouched_but_model_placeholder() -> None:
    raw = {"model": "{{model}}", "messages": [], "seed": 1, "tool_choice": "required"}
    prepared = prepare(_job({"body": raw}, raw=True), SECRET)
    assert json.loads(prepared.body) == {"model": "m1", "messages": [], "seed": 1, "tool_choice": "required"}
    text = prepare(_job({"body": '{"broken'}, raw=True), SECRET)
    assert text.body == b'{"broken'


def test_unserved_endpoint_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="does not serve endpoint 'responses'"):
        prepare(_job({"endpoint": "responses", "messages": []}), None)


def test_mask_headers_covers_provider_secret_headers() -> None:
    masked = mask_headers({"X-Api-Key": "k", "X-Custom-Token": "t", "Accept": "a"}, {"x-custom-token"})
    assert masked == {"X-Api-Key": "***", "X-Custom-Token": "***", "Accept": "a"}


def test_curl_uses_the_env_variable_not_the_key() -> None:
    prepared = prepare(_job({"messages": [{"role": "user", "content": "it's"}]}), SECRET)
    line = curl_command("POST", prepared.url, prepared.masked_headers, prepared.sent, "P_KEY")
    assert SECRET not in line
    assert 'authorization: Bearer $P_KEY' in line
    assert "it'\\''s" in line
