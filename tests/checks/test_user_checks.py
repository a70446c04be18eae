"""Users add checks the way built-ins are added: by import path, or registered by name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.checks.base import CHECKS, register_check, run_check
from harness.core.errors import CheckFailure, RegistryError, UsageError
from harness.suite import load_suite_text
from tests.checks.conftest import build_ctx

BODY = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello Ada"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}


def test_check_by_import_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "team_checks.py").write_text(
        "from harness import CheckFailure\n"
        "def greets(ctx, exchange, args):\n"
        "    if not (ctx.normalized.content or '').startswith(args):\n"
        "        raise CheckFailure('no greeting', expected=args, received=ctx.normalized.content)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    suite = load_suite_text(
        "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n"
        "    expect:\n      - team_checks:greets: Hello\n",
        path="s.yaml",
    )
    spec = suite.cases[0].expect[0]
    assert spec.name == "team_checks:greets"
    ctx, exchange = build_ctx(BODY)
    assert run_check(spec.name, ctx, exchange, spec.args) is None
    failure = run_check(spec.name, ctx, exchange, "Goodbye")
    assert failure is not None
    assert (failure.check, failure.title, failure.expected) == ("team_checks:greets", "no greeting", "Goodbye")
    CHECKS.unregister("team_checks:greets")
    sys.modules.pop("team_checks", None)


def test_unimportable_user_check_is_a_suite_error() -> None:
    with pytest.raises(UsageError, match="cannot import user check 'no_such_mod:fn'"):
        load_suite_text(
            "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n"
            "    expect:\n      - no_such_mod:fn:\n",
            path="s.yaml",
        )


def test_register_by_name_and_duplicates_refused() -> None:
    @register_check("t_user_named")
    def named(ctx, exchange, args):  # type: ignore[no-untyped-def]
        raise CheckFailure("always", expected=1, received=2)

    try:
        with pytest.raises(RegistryError):
            register_check("t_user_named")(named)
        with pytest.raises(RegistryError):
            register_check("status")(named)
        ctx, exchange = build_ctx(BODY)
        failure = run_check("t_user_named", ctx, exchange, None)
        assert failure is not None and failure.check == "t_user_named"
    finally:
        CHECKS.unregister("t_user_named")
