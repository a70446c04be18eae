"""The built-in checks are all registered, documented and validate their arguments."""

from __future__ import annotations

import pytest

from harness.checks import CHECKS, get_check
from harness.checks.builtin import BUILTIN_CHECKS


def test_every_builtin_is_registered() -> None:
    assert set(BUILTIN_CHECKS) <= set(CHECKS.names())


@pytest.mark.parametrize("name", BUILTIN_CHECKS)
def test_documented_and_validating(name: str) -> None:
    fn = get_check(name)
    assert callable(getattr(fn, "validate_args", None)), name
    module = __import__(fn.__module__, fromlist=["__doc__"])
    assert module.__doc__ and f"- {name}" in module.__doc__, name


def test_packaged_schemas_ship_with_the_package() -> None:
    from importlib import resources

    names = {p.name for p in resources.files("harness.checks").joinpath("schemas").iterdir()}
    assert {
        "chat_completion.openai.json",
        "chat_completion.mistral.json",
        "response.openai.json",
        "message.anthropic.json",
    } <= names
