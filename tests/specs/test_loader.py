"""specs.loader: packaged copies (licence, source, regenerable), user paths, HARNESS_SPECS_DIR."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from harness.specs import (
    ENV_DIR,
    PACKAGED,
    SpecError,
    component_schema,
    component_validator,
    default_component,
    parse_ref,
    spec_for,
    spec_source,
)
from harness.specs.build import COMPONENTS, build
from tests.realworld import REALWORLD, requires_realworld

SPECS = REALWORLD / "specs"
UPSTREAM = {
    "mistral": SPECS / "platform-docs-public" / "openapi.yaml",
    "openai": SPECS / "openai-openapi" / "openapi.yaml",
    "anthropic": SPECS / "anthropic-openapi-spec" / "hosted_spec.yaml",
}


@pytest.fixture(autouse=True)
def _no_specs_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)


def _packaged(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(resources.files("harness.specs").joinpath(PACKAGED[name]).read_text("utf-8"))


def test_only_licensed_specs_are_packaged() -> None:
    assert set(PACKAGED) == {"mistral", "openai"}
    files = {p.name for p in Path(str(resources.files("harness.specs"))).iterdir()}
    assert not any("anthropic" in f for f in files)


@pytest.mark.parametrize(
    ("name", "spdx", "repo", "commit"),
    [
        ("mistral", "Apache-2.0", "mistralai/platform-docs-public",
         "222f4ba9114f84ce9f2d718b9a12fbac1e527f4b"),
        ("openai", "MIT", "openai/openai-openapi", "f85dbe223d40e1a31cba812ab2d755c7e98a92a3"),
    ],
)
def test_packaged_copy_carries_licence_and_source(name: str, spdx: str, repo: str, commit: str) -> None:
    data = _packaged(name)
    assert data["licence"]["spdx"] == spdx
    assert data["source"]["repository"] == repo and data["source"]["commit"] == commit
    assert "Modified by llm-contract-harness" in data["licence"]["notice"]
    text = data["licence"]["text"]
    if spdx == "Apache-2.0":
        assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    else:
        assert "Permission is hereby granted, free of charge" in text
    assert data["components"] == list(COMPONENTS[name])
    assert set(COMPONENTS[name]) <= set(data["$defs"])
    size = len(json.dumps(data))
    assert size < 120_000  # compact: not the 0.6-3 MB upstream files


@pytest.mark.realworld
@requires_realworld
@pytest.mark.parametrize("name", ["mistral", "openai"])
def test_packaged_copy_is_what_build_makes_from_the_upstream_file(name: str) -> None:
    data = _packaged(name)
    rebuilt = build(name, UPSTREAM[name], data["licence"]["text"])
    assert rebuilt == data


def test_parse_ref() -> None:
    assert parse_ref("mistral#ChatCompletionResponse") == ("mistral", "ChatCompletionResponse")
    assert parse_ref("openai") == ("openai", None)
    for bad in ("", "#Message", None):
        with pytest.raises(SpecError):
            parse_ref(bad)  # type: ignore[arg-type]


def test_anthropic_is_not_shipped() -> None:
    with pytest.raises(SpecError, match="not shipped with the harness"):
        spec_source("anthropic")
    with pytest.raises(SpecError, match="unknown spec 'cohere'"):
        spec_source("cohere")


def test_unknown_component_suggests() -> None:
    with pytest.raises(SpecError, match="did you mean 'ChatCompletionResponse'"):
        component_validator("mistral", "ChatCompletionRespons")
    with pytest.raises(SpecError, match="packaged copy holds only"):
        component_validator("mistral", "ChatCompletionRequest")


def test_strict_and_patched_schemas_differ_only_by_the_patches() -> None:
    strict = component_schema("mistral", "ChatCompletionResponse", strict=True)
    patched = component_schema("mistral", "ChatCompletionResponse")
    assert "data" in strict["$defs"]["ChatCompletionResponse"]["allOf"][1]["required"]
    assert "data" not in patched["$defs"]["ChatCompletionResponse"]["allOf"][1]["required"]
    checker = component_validator("mistral", "ChatCompletionResponse")
    assert checker.applied == ["mistral.chat.data_required", "mistral.usage.service_tier"]
    assert checker.label == "mistral#ChatCompletionResponse (2 known deviation(s) patched)"
    assert component_validator("mistral", "ChatCompletionResponse", strict=True).label == (
        "mistral#ChatCompletionResponse (strict)"
    )


@pytest.mark.realworld
@requires_realworld
def test_specs_dir_with_the_upstream_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIR, str(SPECS))
    for name, path in UPSTREAM.items():
        source = spec_source(name)
        assert source.origin == str(path) and not source.converted
    # the full documents hold components the packaged copies leave out
    assert component_validator("mistral", "ChatCompletionRequest").validator.is_valid(
        {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi"}]}
    )


@pytest.mark.realworld
@requires_realworld
def test_spec_file_argument_and_named_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    v = component_validator("anthropic", "Message", spec_file=UPSTREAM["anthropic"])
    assert v.origin == str(UPSTREAM["anthropic"]) and v.applied == []
    # <name>.json in HARNESS_SPECS_DIR, in the compact packaged format
    (tmp_path / "mistral.json").write_text(json.dumps(_packaged("mistral")), encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    assert spec_source("mistral").origin == str(tmp_path / "mistral.json")
    with pytest.raises(SpecError, match="not found"):
        spec_source("mistral", tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not an OpenAPI document"):
        spec_source("mistral", bad)


def test_default_components() -> None:
    assert default_component("mistral", "chat") == "ChatCompletionResponse"
    assert default_component("mistral", "chat", stream=True) == "CompletionChunk"
    assert default_component("openai", "responses", stream=True) == "ResponseStreamEvent"
    assert default_component("anthropic", "messages") == "Message"
    assert default_component("openai", "chat", error=True) == "ErrorResponse"
    assert default_component("mistral", "chat", error=True) is None
    assert default_component("mistral", "responses") is None
    assert spec_for("mistral", "chat") == "mistral"
    assert spec_for("openai", "messages") == "anthropic"
    assert spec_for("mistral", "responses") == "openai"
