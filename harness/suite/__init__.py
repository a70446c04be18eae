"""Suites: YAML files of cases -> validated `Case`s -> `Job`s (cases x targets x matrix x repeat).

    from harness.suite import load_suites, expand
    jobs = expand(load_suites(["suites/"]), targets, shard=(1, 4))

Errors in a suite raise `SuiteError` (a UsageError: exit 2) naming file, line and the excerpt.
The suite JSON Schema ships at `SUITE_SCHEMA_PATH` (draft 2020-12), for editors and linters.
"""

from __future__ import annotations

from harness.suite.expand import apply_variant, expand, matches, shard_of, variants
from harness.suite.loader import (
    SUITE_SCHEMA_PATH,
    Suite,
    load_suite,
    load_suite_text,
    load_suites,
    suite_schema,
)

__all__ = [
    "SUITE_SCHEMA_PATH",
    "Suite",
    "apply_variant",
    "expand",
    "load_suite",
    "load_suite_text",
    "load_suites",
    "matches",
    "shard_of",
    "suite_schema",
    "variants",
]
