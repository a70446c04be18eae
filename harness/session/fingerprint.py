"""Fingerprints of what a run was asked to do, written into run.json (`fingerprints`).

    suites   the cases as loaded (requests, checks, matrix, repeats, filters), not the file
             bytes: reformatting a suite keeps it, changing a check changes it
    prices   the price book of the targets (each model's prices and per-call fees)
    plan     suites + targets + mode + the shard count: every shard of one planned run has the
             same plan fingerprint, two different runs do not (`harness report` merges only
             shards of one plan; the history groups runs by it)

Each is the first 16 hex digits of a SHA-256 of canonical JSON (sorted keys).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from harness.core.models import Case, Target

__all__ = ["case_digest", "fingerprints", "plan_fingerprint", "plan_fingerprints",
           "prices_fingerprint", "suites_fingerprint"]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def case_digest(case: Case) -> str:
    """What a case asks and checks (its location and description do not count)."""
    data = dataclasses.asdict(case)
    data.pop("loc", None)
    data.pop("description", None)
    return _digest(data)


def suites_fingerprint(cases: Iterable[Case]) -> str:
    return _digest(sorted(f"{c.suite}::{c.id}::{case_digest(c)}" for c in cases))


def prices_fingerprint(targets: Sequence[Target]) -> str:
    book = {t.name: dataclasses.asdict(t.model.price) for t in targets}
    return _digest(book)


def plan_fingerprint(suites: str, targets: Sequence[str], mode: str,
                     shards: int | None) -> str:
    return _digest({"suites": suites, "targets": sorted(targets), "mode": mode,
                    "shards": shards or 1})


def fingerprints(cases: Iterable[Case], targets: Sequence[Target], mode: str,
                 shards: int | None, names: Sequence[str] | None = None) -> dict[str, str]:
    """{suites, prices, plan} for run.json; `names`: the target names as run (default theirs)."""
    suites = suites_fingerprint(cases)
    return {
        "suites": suites,
        "prices": prices_fingerprint(targets),
        "plan": plan_fingerprint(suites, names or [t.name for t in targets], mode, shards),
    }


def plan_fingerprints(plan: Any, extra_cases: Iterable[Case] = ()) -> dict[str, str]:
    """The fingerprints of a RunPlan: every case of its suites, before shard and target
    filters (a plan made without suite files, e.g. the pytest plugin's: its jobs' cases),
    plus `extra_cases`."""
    if plan.suites:
        cases = {(c.suite, c.id): c for suite in plan.suites for c in suite.cases}
    else:
        cases = {(j.case.suite, j.case.id): j.case for j in plan.jobs}
    cases.update({(c.suite, c.id): c for c in extra_cases})
    shards = plan.settings.shard[1] if plan.settings.shard else None
    return fingerprints(cases.values(), plan.targets, plan.mode, shards)
