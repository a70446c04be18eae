from __future__ import annotations

import pytest

from harness.core.errors import RegistryError
from harness.core.registry import Registry


def test_duplicate_name_is_an_error() -> None:
    reg: Registry[int] = Registry("thing")
    reg.register("a", 1)
    with pytest.raises(RegistryError, match="thing 'a' is already registered"):
        reg.register("a", 2)


def test_suggest_and_names() -> None:
    reg: Registry[int] = Registry("check")
    reg.register("status", 1)
    reg.register("usage", 2)
    assert reg.suggest("statsu") == "status"
    assert reg.suggest("zzz") is None
    assert reg.names() == ["status", "usage"]
    assert "usage" in reg and len(reg) == 2
