"""Fixtures for the suite tests: throwaway checks (independent of the built-in ones) and targets."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.checks.base import CHECKS
from harness.core.models import ModelInfo, Provider, Target


def _status_args(args: Any) -> None:
    codes = args if isinstance(args, list) else [args]
    if not codes or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
        raise ValueError(f"expected an HTTP status code or a list of them, got {args!r}")


def _contains_args(args: Any) -> None:
    if not isinstance(args, str):
        raise TypeError(f"expected a string, got {type(args).__name__}")


def _noop(ctx: Any, exchange: Any, args: Any) -> None:
    return None


def _t_status(ctx: Any, exchange: Any, args: Any) -> None:
    return None


def _t_contains(ctx: Any, exchange: Any, args: Any) -> None:
    return None


_t_status.validate_args = _status_args  # type: ignore[attr-defined]
_t_contains.validate_args = _contains_args  # type: ignore[attr-defined]

TEST_CHECKS = {"t_status": _t_status, "t_contains": _t_contains, "t_any": _noop}


@pytest.fixture(autouse=True)
def test_checks() -> Iterator[dict[str, Any]]:
    """Register t_status (int or list of ints), t_contains (a string) and t_any (anything)."""
    for name in TEST_CHECKS:
        CHECKS.unregister(name)
    for name, fn in TEST_CHECKS.items():
        CHECKS.register(name, fn)
    yield TEST_CHECKS
    for name in TEST_CHECKS:
        CHECKS.unregister(name)


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """write(text, name="suite.yaml") -> a relative path to the file, cwd = tmp_path."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str, name: str = "suite.yaml") -> Path:
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


def make_target(provider: str, model: str, dialect: str = "openai") -> Target:
    return Target(
        provider=Provider(
            name=provider, base_url=f"https://{provider}.invalid/v1", dialect=dialect
        ),
        model=ModelInfo(id=model),
    )


@pytest.fixture
def targets() -> list[Target]:
    return [
        make_target("gateway", "gpt-4o-mini", "openai"),
        make_target("mistral", "mistral-medium-2505", "mistral"),
        make_target("anthropic", "claude-sonnet-4", "anthropic"),
    ]
