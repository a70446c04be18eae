"""pytest plugin (entry point `pytest11: harness`): run suite YAML files as pytest tests.

    pytest suites/ --harness-target mistral/mistral-medium-3.5 -n auto

Inert unless a target is given (`--harness-target`, `$HARNESS_TARGETS` or the `harness_targets`
ini option). Then every suite file among the paths pytest collects becomes a test file, each
case x target x matrix variant x repeat one item (`suites/tools.yaml::auto_calls_tool[
mistral/mistral-medium-3.5]`), suite tags become markers, and the rows and reports of the run go
to a run folder as with `harness run`. See plugin.py (hooks, run folder, xdist), items.py
(nodes, ids, the failure text) and options.py.
"""

from harness.pytest_plugin.plugin import pytest_addoption, pytest_configure

__all__ = ["pytest_addoption", "pytest_configure"]
