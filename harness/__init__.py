"""llm-contract-harness: contract-test and evaluate LLM chat APIs.

The public API. Names load lazily so that `harness --help` and `import harness` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Case": "harness.core.models",
    "CheckContext": "harness.checks.base",
    "CheckFailure": "harness.core.errors",
    "CheckSpec": "harness.core.models",
    "Exchange": "harness.core.models",
    "HarnessError": "harness.core.errors",
    "Job": "harness.core.models",
    "RESULT_COLUMNS": "harness.core.columns",
    "SimConfig": "harness.sim",
    "SimServer": "harness.sim",
    "SuiteError": "harness.core.errors",
    "Target": "harness.core.models",
    "UsageError": "harness.core.errors",
    "evaluate": "harness.checks.evaluate",
    "expand": "harness.suite",
    "load_catalogue": "harness.providers.catalogue",
    "load_run": "harness.report.frame",
    "load_suite": "harness.suite",
    "load_suites": "harness.suite",
    "read_results": "harness.engine.results",
    "register_check": "harness.checks.base",
    "run_jobs": "harness.engine.runner",
}

__all__ = [
    "RESULT_COLUMNS",
    "Case",
    "CheckContext",
    "CheckFailure",
    "CheckSpec",
    "Exchange",
    "HarnessError",
    "Job",
    "SimConfig",
    "SimServer",
    "SuiteError",
    "Target",
    "UsageError",
    "evaluate",
    "expand",
    "load_catalogue",
    "load_run",
    "load_suite",
    "load_suites",
    "read_results",
    "register_check",
    "run_jobs",
]
assert set(__all__) == set(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
