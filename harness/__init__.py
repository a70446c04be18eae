"""llm-contract-harness: contract-test and evaluate LLM chat APIs.

The public API. Names load lazily so that `harness --help` and `import harness` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real types for type checkers and IDEs; at run time names load lazily
    from harness.api import RunResult, run
    from harness.checks.base import CheckContext, register_check
    from harness.checks.evaluate import evaluate
    from harness.core.columns import RESULT_COLUMNS
    from harness.core.errors import CheckFailure, HarnessError, SuiteError, UsageError
    from harness.core.models import Case, CheckSpec, Exchange, Job, Target
    from harness.core.row import ResultRow
    from harness.engine.results import read_results
    from harness.engine.runner import run_jobs
    from harness.gating import GateSpec, GateVerdict, gate
    from harness.providers.catalogue import load_catalogue
    from harness.report.frame import load_run
    from harness.session import Outcome, Run, RunPlan, RunSettings, plan_run
    from harness.sim import SimConfig, SimServer
    from harness.suite import expand, load_suite, load_suites
    from harness.wire.protocol import WireProtocol
    from harness.wire.protocols import register_protocol

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Case": "harness.core.models",
    "CheckContext": "harness.checks.base",
    "CheckFailure": "harness.core.errors",
    "CheckSpec": "harness.core.models",
    "Exchange": "harness.core.models",
    "GateSpec": "harness.gating",
    "GateVerdict": "harness.gating",
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
    "gate": "harness.gating",
    "load_catalogue": "harness.providers.catalogue",
    "load_run": "harness.report.frame",
    "load_suite": "harness.suite",
    "load_suites": "harness.suite",
    "read_results": "harness.engine.results",
    "register_check": "harness.checks.base",
    "run_jobs": "harness.engine.runner",
    "Outcome": "harness.session",
    "ResultRow": "harness.core.row",
    "Run": "harness.session",
    "RunPlan": "harness.session",
    "RunResult": "harness.api",
    "RunSettings": "harness.session",
    "WireProtocol": "harness.wire.protocol",
    "plan_run": "harness.session",
    "register_protocol": "harness.wire.protocols",
    "run": "harness.api",
}

__all__ = [
    "RESULT_COLUMNS",
    "Case",
    "CheckContext",
    "CheckFailure",
    "CheckSpec",
    "Exchange",
    "GateSpec",
    "GateVerdict",
    "HarnessError",
    "Job",
    "Outcome",
    "ResultRow",
    "Run",
    "RunPlan",
    "RunResult",
    "RunSettings",
    "SimConfig",
    "SimServer",
    "SuiteError",
    "Target",
    "UsageError",
    "WireProtocol",
    "evaluate",
    "expand",
    "gate",
    "load_catalogue",
    "load_run",
    "load_suite",
    "load_suites",
    "plan_run",
    "read_results",
    "register_check",
    "register_protocol",
    "run",
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
