"""--harness-max-jobs: the job limit of suite/limits.py under pytest, named in the error."""

from __future__ import annotations

import pytest

from tests.plugin.conftest import harness_args

pytest_plugins = ["pytester"]

WIDE = """\
cases:
  - id: wide
    request:
      messages: [{role: user, content: hi}]
    matrix:
      temperature: [0, 0.5, 1]
      top_p: [0.5, 1]
"""


def test_the_job_limit_is_a_collection_error_naming_the_pytest_flag(
    project: pytest.Pytester,
) -> None:
    project.makefile(".yaml", wide=WIDE)
    result = project.runpytest(*harness_args("--harness-max-jobs", "5", "--harness-simulate",
                                             "--harness-mode", "live"))
    result.stdout.fnmatch_lines([
        "*ERROR collecting wide.yaml*",
        ("wide.yaml: line 5-7: case 'wide' expands to 6 jobs per target (matrix 3 x 2 = 6 "
         "variants, repeat 1), over the limit of 5 jobs per case; raise it with "
         "--harness-max-jobs N if you mean it"),
    ])
    assert "Traceback" not in result.stdout.str()
    result = project.runpytest(*harness_args("--harness-max-jobs", "6", "--harness-simulate",
                                             "--harness-mode", "live"))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=12)
