"""`--harness-history STORE`: the pytest plugin appends its finished run to the history."""

from __future__ import annotations

import pytest

from harness.history.connect import open_store
from harness.history.spec import parse_spec
from tests.plugin.conftest import harness_args, run_dirs

pytest_plugins = ["pytester"]

SUITE = """suite: hist
cases:
  - id: hello
    request: {messages: [{role: user, content: hi}]}
    expect: [{status: 200}]
"""


def test_the_plugin_appends_its_run_to_the_history(project: pytest.Pytester) -> None:
    project.makefile(".yaml", hist=SUITE)
    store = project.path / "h.sqlite"
    result = project.runpytest(*harness_args("--harness-history", str(store)))
    result.assert_outcomes(passed=2)
    (run_dir,) = run_dirs(project.path / "reports")
    result.stdout.fnmatch_lines([f"*added run {run_dir.name} to the history {store}*"])
    with open_store(parse_spec(str(store))) as history:
        [run] = history.runs()
        assert run["run_id"] == run_dir.name and run["runner"] == "pytest"
        assert run["jobs"] == 2 and run["passed"] == 2
