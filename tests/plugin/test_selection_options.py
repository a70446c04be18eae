"""--harness-case, --harness-tag, --harness-repeat, --harness-plugin: the selection and plugins
of `harness run` (session/select.py, suite/plugins.py) under pytest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.checks.base import CHECKS
from harness.suite import plugins
from tests.plugin.conftest import harness_args

pytest_plugins = ["pytester"]

SEL = """\
suite: sel
cases:
  - id: hello
    tags: [smoke]
    request:
      messages: [{role: user, content: hi}]
  - id: slow_one
    tags: [smoke, slow]
    request:
      messages: [{role: user, content: hi}]
  - id: other
    request:
      messages: [{role: user, content: hi}]
"""

OTHER = """\
suite: more
cases:
  - id: unrelated
    request:
      messages: [{role: user, content: hi}]
"""

CHECK_NAME = "t_pytest_plugin_option_check"
CHECK = f"""
from harness import CheckFailure, register_check

@register_check("{CHECK_NAME}")
def says_something(ctx, exchange, args):
    if not ctx.normalized.content:
        raise CheckFailure("empty answer", expected="text", received="")
"""


def _run(project: pytest.Pytester, *extra: str) -> pytest.RunResult:
    project.makefile(".yaml", sel=SEL, more=OTHER)
    return project.runpytest(*harness_args("--harness-simulate", "--harness-mode", "live",
                                           "--collect-only", "-q", *extra))


def _ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


def test_case_globs_keep_the_matching_cases_of_every_file(project: pytest.Pytester) -> None:
    ids = _ids(_run(project, "--harness-case", "sel::h*", "--harness-case", "unrelated"))
    assert sorted({i.split("[", 1)[0] for i in ids}) == ["more.yaml::unrelated",
                                                         "sel.yaml::hello"]
    assert len(ids) == 4  # two targets each


def test_tags_and_not_tags(project: pytest.Pytester) -> None:
    ids = _ids(_run(project, "--harness-tag", "smoke", "--harness-tag", "not:slow"))
    assert {i.split("[", 1)[0] for i in ids} == {"sel.yaml::hello"}


def test_repeat_overrides_every_case(project: pytest.Pytester) -> None:
    ids = _ids(_run(project, "--harness-case", "hello", "--harness-repeat", "3"))
    assert len(ids) == 6
    assert sum(i.endswith("-r2]") for i in ids) == 2


def test_a_bad_repeat_or_tag_is_a_usage_error_naming_the_pytest_flag(
    project: pytest.Pytester,
) -> None:
    result = _run(project, "--harness-repeat", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*harness: --harness-repeat must be >= 1, got 0*"])
    result = _run(project, "--harness-tag", "not:")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--harness-tag expects TAG or not:TAG*"])


@pytest.fixture
def clean_check() -> Iterator[None]:
    yield
    if CHECKS.get(CHECK_NAME):
        CHECKS.unregister(CHECK_NAME)
    plugins._BY_PATH.clear()


def test_plugin_module_registers_a_check_the_suites_name(
    project: pytest.Pytester, clean_check: None,
) -> None:
    project.makefile(".py", my_checks=CHECK)
    project.makefile(".yaml", named=f"""\
cases:
  - id: a
    request: {{messages: [{{role: user, content: hi}}]}}
    expect: [{{status: 200}}, {{{CHECK_NAME}: }}]
""")
    args = harness_args("--harness-simulate", "--harness-mode", "live", "named.yaml")
    result = project.runpytest(*args)
    assert result.ret != pytest.ExitCode.OK
    assert f"unknown check {CHECK_NAME!r}" in result.stdout.str()
    result = project.runpytest(*args, "--harness-plugin", "my_checks.py")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=2)


def test_a_missing_plugin_is_a_usage_error(project: pytest.Pytester) -> None:
    result = _run(project, "--harness-plugin", "no_such_module_xyz")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*harness: --harness-plugin no_such_module_xyz:*"])
