"""Selection: --case globs, --tag / not:TAG, --repeat over loaded suites."""

from __future__ import annotations

import pytest

from harness.core.errors import UsageError
from harness.session import RunSettings
from harness.session.select import Selection
from harness.suite import load_suite_text

SUITE = """
suite: s
defaults:
  request: {messages: [{role: user, content: hi}]}
  tags: [smoke]
cases:
  - {id: alpha, tags: [fast]}
  - {id: beta, tags: [slow], repeat: 2}
  - {id: gamma}
"""


def _ids(selection: Selection) -> list[tuple[str, int]]:
    suites = selection.apply([load_suite_text(SUITE, path="s.yaml")])
    return [(c.id, c.repeat) for s in suites for c in s.cases]


def test_nothing_given_keeps_everything() -> None:
    assert _ids(Selection()) == [("alpha", 1), ("beta", 2), ("gamma", 1)]


def test_case_globs_match_suite_and_case_or_case() -> None:
    assert _ids(Selection(cases=("s::a*",))) == [("alpha", 1)]
    assert _ids(Selection(cases=("gam*", "beta"))) == [("beta", 2), ("gamma", 1)]


def test_tags_need_every_positive_and_none_excluded() -> None:
    assert _ids(Selection(tags=("smoke",))) == [("alpha", 1), ("beta", 2), ("gamma", 1)]
    assert _ids(Selection(tags=("smoke", "fast"))) == [("alpha", 1)]
    assert _ids(Selection(tags=("not:slow",))) == [("alpha", 1), ("gamma", 1)]
    assert _ids(Selection(tags=("smoke", "not:fast", "not:slow"))) == [("gamma", 1)]


def test_repeat_overrides_every_case() -> None:
    assert _ids(Selection(repeat=3)) == [("alpha", 3), ("beta", 3), ("gamma", 3)]


def test_nothing_matched_is_a_usage_error_naming_the_filters() -> None:
    with pytest.raises(UsageError, match=r"no case matches --case 'nope\*' --tag 'fast' in s.yaml"):
        _ids(Selection(cases=("nope*",), tags=("fast",)))


def test_bad_values_name_the_flag() -> None:
    with pytest.raises(UsageError, match="--repeat must be >= 1"):
        RunSettings(repeat=0)
    with pytest.raises(UsageError, match="--harness-tag expects TAG or not:TAG"):
        RunSettings(tags=("not:",), flag_prefix="--harness-")
