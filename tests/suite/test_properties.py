"""Property-based tests (hypothesis): any text, and any YAML document shaped a little like a
suite, either loads or is a SuiteError (a usage error with file and line), never anything else."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.errors import UsageError
from harness.suite.loader import load_suite_text

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
KEYS = ["suite", "cases", "defaults", "id", "request", "expect", "messages", "role", "content",
        "matrix", "repeat", "tags", "status", "tool_call", "json_schema", "stream", "endpoint",
        "tools", "max_tokens", "temperature", "dialects", "auth", "extra", "data", "name"]
scalars = (st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
           | st.sampled_from(KEYS + ["user", "4xx", "200", "chat", ""]) | st.text(max_size=10))
docs = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                 max_size=5),
    max_leaves=40,
)


def _load(text: str) -> None:
    try:
        load_suite_text(text, "prop.yaml")
    except UsageError as exc:
        assert "prop.yaml" in str(exc)


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_loads_or_is_a_usage_error(text: str) -> None:
    _load(text)


@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS), docs, max_size=4), st.lists(docs, max_size=3))
def test_suite_shaped_documents_load_or_are_usage_errors(top: dict[str, Any],
                                                         cases: list[Any]) -> None:
    doc = {"suite": "p", **top, "cases": top.get("cases", cases)}
    _load(yaml.safe_dump(doc, allow_unicode=True))
