"""The known deviations of real traffic from the official specs: each one is real (its
evidence fails the raw spec), needed (without its patch the evidence still fails) and enough
(with the patches every real answer validates)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from harness.specs import DEVIATIONS, ENV_DIR, apply_deviations, default_component, spec_for
from harness.specs.loader import spec_source
from harness.specs.openapi import as_schema
from harness.wire.sse import parse_sse
from tests.realworld import (
    CASSETTES,
    REALWORLD,
    Interaction,
    interaction,
    iter_interactions,
    requires_realworld,
)

pytestmark = [pytest.mark.realworld, requires_realworld]


@pytest.fixture(autouse=True)
def _full_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DIR, str(REALWORLD / "specs"))


def _items(inter: Interaction) -> list[Any]:
    if inter.stream:
        return [json.loads(e.data) for e in parse_sse(inter.response) if e.data.strip() != "[DONE]"]
    return [inter.response]


def _target(inter: Interaction) -> tuple[str, str]:
    dialect = {"openrouter": "openai"}.get(inter.dialect or "", inter.dialect or "openai")
    endpoint = inter.endpoint or "chat"
    if endpoint == "models":
        return dialect, "ModelList" if dialect == "mistral" else "ListModelsResponse"
    spec = spec_for(dialect, endpoint)
    component = default_component(spec, endpoint, stream=inter.stream, error=inter.status >= 400)
    assert component is not None
    return spec, component


def _validator(spec: str, component: str, only: list[str] | None) -> Draft202012Validator:
    defs = spec_source(spec).defs(component)
    if only is not None:
        defs, _ = apply_deviations(spec, defs, only=only)
    return Draft202012Validator(as_schema(defs, component))


def _errors(validator: Draft202012Validator, inter: Interaction) -> list[str]:
    return [e.json_path for item in _items(inter) for e in validator.iter_errors(item)]


def _evidence(ref: str) -> Interaction:
    file, _, index = ref.rpartition("#")
    return interaction(file, int(index))


def test_every_deviation_is_documented_with_existing_evidence() -> None:
    assert len(DEVIATIONS) == 11
    assert len({d.id for d in DEVIATIONS}) == len(DEVIATIONS)
    for dev in DEVIATIONS:
        assert dev.spec in ("mistral", "openai", "anthropic")
        assert dev.summary and dev.where and dev.patches
        for ref in dev.evidence:
            assert (CASSETTES / ref.rpartition("#")[0]).is_file(), ref


@pytest.mark.parametrize("dev", DEVIATIONS, ids=lambda d: d.id)
def test_each_deviation_is_real_needed_and_patched(dev: Any) -> None:
    all_ids = [d.id for d in DEVIATIONS if d.spec == dev.spec]
    others = [i for i in all_ids if i != dev.id]
    for ref in dev.evidence:
        inter = _evidence(ref)
        spec, component = _target(inter)
        assert spec == dev.spec
        assert _errors(_validator(spec, component, None), inter), f"{ref} passes the raw spec"
        assert _errors(_validator(spec, component, others), inter), (
            f"{ref} passes without {dev.id}: the patch is not needed"
        )
        assert _errors(_validator(spec, component, all_ids), inter) == [], ref


@pytest.mark.parametrize("spec", ["mistral", "openai", "anthropic"])
def test_every_patch_applies_to_the_upstream_spec(spec: str) -> None:
    source = spec_source(spec)
    names = {p.component for d in DEVIATIONS if d.spec == spec for p in d.patches}
    assert names <= set(source.schemas)
    defs: dict[str, Any] = {}
    for name in names:
        defs.update(source.defs(name))
    _, applied = apply_deviations(spec, defs)
    assert applied == [d.id for d in DEVIATIONS if d.spec == spec]  # no dead patch


SUCCESSES = [i for i in iter_interactions() if i.status == 200]
OFFICIAL_ERRORS = [i for i in iter_interactions() if i.status >= 400 and i.dialect in ("openai", "anthropic")]


@pytest.mark.parametrize("inter", SUCCESSES + OFFICIAL_ERRORS, ids=lambda i: f"{i.file}#{i.index}")
def test_every_real_answer_meets_its_patched_spec(inter: Interaction) -> None:
    spec, component = _target(inter)
    ids = [d.id for d in DEVIATIONS if d.spec == spec]
    assert _errors(_validator(spec, component, ids), inter) == []


def test_coverage_of_the_spec_validation() -> None:
    assert (len(SUCCESSES), len(OFFICIAL_ERRORS)) == (86, 15)  # 84 cassette + 2 raw bodies


def test_openrouter_errors_are_not_openai_errors() -> None:
    """OpenRouter is OpenAI-compatible, not OpenAI: its integer `code` and missing `type` /
    `param` break OpenAI's ErrorResponse. Not a deviation of OpenAI's: nothing is patched."""
    inter = interaction("pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml", 0)
    errors = _errors(_validator("openai", "ErrorResponse", None), inter)
    assert sorted(set(errors)) == ["$.error", "$.error.code"]
