"""--plugin MODULE and a suite's `plugins:`: checks registered by name usable from the CLI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.checks.base import CHECKS
from harness.cli.main import main
from harness.suite import plugins

CHECK = """
from harness import CheckFailure, register_check

@register_check("{name}")
def says_something(ctx, exchange, args):
    if not ctx.normalized.content:
        raise CheckFailure("empty answer", expected="text", received="")
"""
SUITE = """
suite: {suite}
{plugins}
cases:
  - id: a
    request: {{messages: [{{role: user, content: hi}}]}}
    expect: [{{status: 200}}, {{{name}: }}]
"""


@pytest.fixture
def check_name(request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"t_plugin_{request.node.name[:40].replace('[', '_').replace(']', '')}"
    yield name
    if CHECKS.get(name):
        CHECKS.unregister(name)
    plugins._BY_PATH.clear()


def _files(tmp_path: Path, name: str, plugins_line: str = "") -> tuple[Path, Path]:
    module = tmp_path / "my_checks.py"
    module.write_text(CHECK.format(name=name), encoding="utf-8")
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE.format(suite="plug", plugins=plugins_line, name=name), encoding="utf-8")
    return module, suite


def test_plugin_file_on_the_command_line(tmp_path: Path, check_name: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    module, suite = _files(tmp_path, check_name)
    assert main(["validate", str(suite)]) == 2
    assert f"unknown check {check_name!r}" in capsys.readouterr().err
    code = main(["run", str(suite), "--plugin", str(module), "--target",
                 "mistral/mistral-medium-3.5", "--simulate", "--sim-latency-ms", "0",
                 "--out", str(tmp_path / "o"), "-q"])
    assert code == 0, capsys.readouterr()
    assert main(["validate", str(suite), "--plugin", str(module)]) == 0  # imported once


def test_plugin_by_dotted_name(tmp_path: Path, check_name: str, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    _, suite = _files(tmp_path, check_name)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert main(["validate", str(suite), "--plugin", "my_checks"]) == 0
    finally:
        sys.modules.pop("my_checks", None)


def test_plugins_key_in_the_suite_is_relative_to_its_folder(
    tmp_path: Path, check_name: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, suite = _files(tmp_path, check_name, "plugins: [my_checks.py]")
    monkeypatch.chdir(Path(__file__).parent)
    assert main(["validate", str(suite)]) == 0, capsys.readouterr().err


def test_import_errors_are_usage_errors_naming_the_module(
    tmp_path: Path, check_name: str, capsys: pytest.CaptureFixture[str],
) -> None:
    _, suite = _files(tmp_path, check_name, "plugins: [missing.py]")
    assert main(["validate", str(suite), "--plugin", "no_such_module_xyz"]) == 2
    assert capsys.readouterr().err == (
        "error: --plugin no_such_module_xyz: cannot import module 'no_such_module_xyz': "
        "ModuleNotFoundError: No module named 'no_such_module_xyz'\n")
    assert main(["validate", str(suite)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {suite}: line 3: plugins[0] 'missing.py': no such plugin file")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    assert main(["validate", str(suite), "--plugin", str(broken)]) == 2
    assert "RuntimeError: boom" in capsys.readouterr().err
