"""The session layer: one place where a run is planned and owned.

    RunSettings (argparse, pytest options, harness.run(...), benches)
        -> plan_run(settings) -> RunPlan (targets, jobs, mode per job, keys, store, simulators)
        -> with Run(plan) as run: run.run_all(); run.finish() -> Outcome

Every entry point is a thin adapter over these names. They load lazily, so that
`harness --help` (which builds RunSettings' parser) does not import httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.session.plan import RunPlan, default_mode, plan_jobs, plan_run, resolve_keys
    from harness.session.run import Outcome, Run
    from harness.session.settings import RunSettings, parse_shard

_EXPORTS = {
    "Outcome": "harness.session.run",
    "Run": "harness.session.run",
    "RunPlan": "harness.session.plan",
    "RunSettings": "harness.session.settings",
    "default_mode": "harness.session.plan",
    "parse_shard": "harness.session.settings",
    "plan_jobs": "harness.session.plan",
    "plan_run": "harness.session.plan",
    "resolve_keys": "harness.session.plan",
}

__all__ = [
    "Outcome", "Run", "RunPlan", "RunSettings", "default_mode", "parse_shard", "plan_jobs",
    "plan_run", "resolve_keys",
]
assert set(__all__) == set(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.session' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
