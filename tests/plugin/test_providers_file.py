"""A bad providers file given to the pytest plugin stops pytest as a usage error naming the file
and line (the same message as `harness run`), before any collection, without a traceback."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import harness_args

pytest_plugins = ["pytester"]


def test_a_bad_providers_file_is_a_usage_error_with_its_line(project: pytest.Pytester) -> None:
    project.path.joinpath("providers.yaml").write_text(
        "providers:\n  m:\n    extends: mistral\n    base_url: ftp://sim\n", encoding="utf-8")
    project.makefile(".yaml", demo="cases:\n  - id: a\n    request:\n"
                     "      messages: [{role: user, content: hi}]\n")
    result = project.runpytest(*harness_args())
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        ("ERROR: harness: providers.yaml: line 4: provider 'm' base_url 'ftp://sim' has scheme "
        "'ftp', not http or https; it must be an http:// or https:// URL with a host"),
        "*> 4 |     base_url: ftp://sim",
    ])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
