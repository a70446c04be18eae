"""Which run folders `harness report` may merge: the shards of one planned run, nothing else.

Several folders are merged only when every run.json has a plan fingerprint (`fingerprints.plan`:
suites + targets + mode + shard count), they are all equal, their `shard` values are set and
differ, and no job id appears in two of them. Otherwise three nights of one suite would be
reported as one run: distinct runs are compared with `harness compare` or kept in the history
(`harness history add`, `harness history trend`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.errors import UsageError

__all__ = ["check_shards"]

COMPARE_HINT = ("to compare distinct runs use `harness compare RUN_A RUN_B`, or append them to "
                "the history (`harness history add RUN_DIR...`) and read `harness history trend`")


def _name(meta: Mapping[str, Any], path: str) -> str:
    return str(meta.get("run_id") or path)


def check_shards(runs: Sequence[tuple[str, Mapping[str, Any]]],
                 jobs: Sequence[tuple[str, str]]) -> None:
    """`runs`: (path, run.json) of each folder given; `jobs`: (run_id, job_id) of every row.
    A UsageError naming the runs and why, unless they are the shards of one run."""
    names = [_name(m, p) for p, m in runs]
    old = [n for n, (_, m) in zip(names, runs, strict=True)
           if not (m.get("fingerprints") or {}).get("plan")]
    if old:
        raise UsageError(
            f"cannot merge {', '.join(names)}: {', '.join(old)} has no plan fingerprint in its "
            "run.json (written by an older harness), so its shards cannot be told from distinct "
            f"runs; report each run folder on its own, or re-run it. {COMPARE_HINT}")
    plans = {n: m["fingerprints"]["plan"] for n, (_, m) in zip(names, runs, strict=True)}
    if len(set(plans.values())) > 1:
        listed = ", ".join(f"{n} (plan {fp})" for n, fp in plans.items())
        raise UsageError(f"{listed} are distinct runs (different plans: suites, targets, mode or "
                         f"shard count differ); `harness report` merges only the shards of one "
                         f"run. {COMPARE_HINT}")
    shards: dict[str, list[str]] = {}
    for n, (_, m) in zip(names, runs, strict=True):
        shard = m.get("shard")
        shards.setdefault(f"shard {shard[0]}/{shard[1]}" if shard else "unsharded", []).append(n)
    clash = {k: v for k, v in shards.items() if len(v) > 1 or k == "unsharded"}
    if clash:
        what = "; ".join(f"{', '.join(v)}: {k}" for k, v in clash.items())
        raise UsageError(f"{', '.join(names)} are not the shards of one run ({what}: two runs "
                         f"of the same plan, e.g. two nights); {COMPARE_HINT}")
    seen: dict[str, str] = {}
    for run_id, job_id in jobs:
        other = seen.setdefault(job_id, run_id)
        if other != run_id:
            raise UsageError(f"job {job_id} is in both {other} and {run_id}: shards of one run "
                             f"never share a job, so these are overlapping runs. {COMPARE_HINT}")
