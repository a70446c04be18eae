"""--harness-plugin: the module that registers a check is imported before the suites load."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import harness_args

pytest_plugins = ["pytester"]

CHECKS = """\
import harness
from harness.checks.base import CheckFailure


@harness.register_check("says_nothing_long")
def says_nothing_long(ctx, exchange, args):
    text = (ctx.normalized.content or "") if ctx.normalized else ""
    if len(text.split()) > int(args):
        raise CheckFailure(f"{len(text.split())} words, more than {args}")
"""
SUITE = """\
cases:
  - id: short
    request: {messages: [{role: user, content: hi}], max_tokens: 8}
    expect: [{status: 200}, {says_nothing_long: 1000}]
  - id: tight
    request: {messages: [{role: user, content: hi}], max_tokens: 8}
    expect: [{status: 200}, {says_nothing_long: 0}]
"""


def test_a_plugin_module_registers_checks_for_the_suites(project: pytest.Pytester) -> None:
    project.makepyfile(pt_user_checks=CHECKS)
    project.makefile(".yaml", plugged=SUITE)
    args = harness_args("--harness-simulate", "--harness-mode", "live")
    result = project.runpytest(*args, "--harness-plugin", "pt_user_checks.py")
    result.assert_outcomes(passed=2, failed=2)
    assert "words, more than 0" in result.stdout.str()
    missing = project.runpytest(*args, "--harness-plugin", "no_such_module_xyz")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    assert "no_such_module_xyz" in missing.stderr.str() + missing.stdout.str()
