"""Cases x targets x data records x matrix variants x repeats -> Jobs.

Job order: suite, case, variant (record, then matrix point), repeat, then target innermost, so the targets of one request
run side by side (a head-to-head stays comparable even when a run is cut short).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from harness.core.errors import UsageError
from harness.core.models import Case, CheckSpec, Job, Target
from harness.suite.limits import (
    JOBS_FLAG,
    MAX_CASE_JOBS,
    RUN_JOBS_FACTOR,
    jobs_per_target,
    run_job_limit,
    shape_text,
    variant_count,
)
from harness.suite.template import render

if TYPE_CHECKING:
    from harness.suite.loader import Suite

    Expandable: TypeAlias = Suite | Case | Iterable[Suite | Case]


def expand(
    suites_or_cases: Expandable,
    targets: Sequence[Target],
    *,
    shard: tuple[int, int] | None = None,
    max_jobs: int = MAX_CASE_JOBS,
    jobs_flag: str = JOBS_FLAG,
) -> list[Job]:
    """Every job to run: one per case x matching target x record x matrix variant x repeat.

    A case runs on a target when the target's name matches one of the case's `targets` globs
    (fnmatch, case-sensitive) and its dialect is one of the case's `dialects` (empty = all),
    and its provider serves the request's endpoint (a responses / messages case skips a
    chat-only provider; a case no target serves gives no job, not an error).
    `shard=(k, n)` keeps the k-th of n disjoint, stable slices (1-based k), chosen by a hash of
    the job id, so n machines can split one run without talking to each other.
    `max_jobs` bounds the jobs of one case per target (data x matrix x repeat) and, times
    RUN_JOBS_FACTOR, of the whole expansion (before sharding): counted before any job is made,
    a breach is a UsageError naming the case and the count (`suite/limits.py`).
    """
    if shard is not None:
        _check_shard(shard)
    planned = _planned(suites_or_cases, targets, max_jobs, jobs_flag)
    jobs: list[Job] = []
    for case, case_targets in planned:
        for variant, job_case, request in case_variants(case):
            endpoint = str(request.get("endpoint", "chat"))
            served = [t for t in case_targets if endpoint in t.provider.endpoints]
            for repeat in range(case.repeat):
                for target in served:
                    jobs.append(
                        Job(
                            case=job_case,
                            target=target,
                            request=copy.deepcopy(request),
                            variant=variant,
                            repeat=repeat,
                        )
                    )
    if shard is not None:
        k, n = shard
        # Shard by case, target and variant, never by repeat: the repeats of one group stay
        # together (one cassette, and `same_across_repeats` compares them).
        jobs = [job for job in jobs if shard_of(_group_id(job), n) == k]
    return jobs


def _planned(suites_or_cases: Expandable, targets: Sequence[Target], max_jobs: int,
             jobs_flag: str) -> list[tuple[Case, list[Target]]]:
    """(case, its matching targets) for each case that runs, every count checked before any
    job is made (a run over the limit costs nothing but the count)."""
    planned, total, limit = [], 0, run_job_limit(max_jobs)
    for case in _cases(suites_or_cases):
        case_targets = [t for t in targets if matches(case, t)]
        if not case_targets:
            continue
        total += count_jobs(case, case_targets, max_jobs, jobs_flag)
        if total > limit:
            raise UsageError(
                f"{_where(case)}the run expands to more than {limit:,} jobs ({total:,} by case "
                f"{case.suite}::{case.id}); the limit is {RUN_JOBS_FACTOR} x {jobs_flag} "
                f"({max_jobs:,}): raise {jobs_flag} if you mean it, or run fewer suites or "
                "targets"
            )
        planned.append((case, case_targets))
    return planned


def case_variants(case: Case) -> Iterator[tuple[str, Case, dict[str, Any]]]:
    """(variant string, the case for its jobs, the request) per data record x matrix point.

    A templated case (data or matrix variables) gets its placeholders filled in the request
    and in a copy of the case's expect, expect_each_turn and tool_loop; the variant string is
    the record's key, then the matrix point (`paris,temperature=0`).
    """
    records = case.data or [("", {})]
    for key, row in records:
        for point, values in variants(case.matrix):
            paths = {k: v for k, v in values.items() if k not in case.matrix_vars}
            request = apply_variant(case.request, paths)
            variant = ",".join(part for part in (key, point) if part)
            if not case.templated:
                yield variant, case, request
                continue
            filled = {**{k: values[k] for k in case.matrix_vars}, **row}
            yield variant, _filled_case(case, filled), render(request, filled)


def _filled_case(case: Case, values: dict[str, Any]) -> Case:
    """A copy of `case` whose checks and tool loop have the placeholders filled."""
    def specs(items: list[CheckSpec]) -> list[CheckSpec]:
        return [dataclasses.replace(s, args=render(s.args, values)) for s in items]

    return dataclasses.replace(
        case, expect=specs(case.expect), expect_each_turn=specs(case.expect_each_turn),
        tool_loop=render(case.tool_loop, values),
    )


def count_jobs(case: Case, targets: Sequence[Target], max_jobs: int = MAX_CASE_JOBS,
               jobs_flag: str = JOBS_FLAG) -> int:
    """How many jobs `case` gives on `targets` (already matched), without making them;
    more than `max_jobs` per target is a UsageError naming the case."""
    per_target = jobs_per_target(case)
    if per_target > max_jobs:
        raise UsageError(
            f"{_where(case)}case {case.suite}::{case.id} expands to {per_target:,} jobs per "
            f"target ({shape_text(case)}), over the limit of {max_jobs:,} jobs per case; "
            f"raise it with {jobs_flag} N if you mean it"
        )
    others = variant_count(len(v) for k, v in case.matrix.items() if k != "endpoint")
    others *= max(1, len(case.data))
    endpoints = case.matrix.get("endpoint") or [case.request.get("endpoint", "chat")]
    served = sum(1 for e in endpoints for t in targets if str(e) in t.provider.endpoints)
    return served * others * case.repeat


def _where(case: Case) -> str:
    return f"{case.loc.path}: line {case.loc.line}: " if case.loc is not None else ""


def _group_id(job: Job) -> str:
    parts = [job.case.suite, job.case.id, job.target.name]
    if job.variant:
        parts.append(job.variant)
    return "::".join(parts)


def matches(case: Case, target: Target) -> bool:
    """Whether the case's target globs and dialect filter let it run on `target`."""
    if case.targets and not any(fnmatch.fnmatchcase(target.name, g) for g in case.targets):
        return False
    return not (case.dialects and target.dialect not in case.dialects)


def variants(matrix: dict[str, list[Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(variant string, {key: value}) for each point of the cartesian product, keys in order.

    No matrix gives one variant: ("", {}).
    """
    if not matrix:
        yield "", {}
        return
    keys = list(matrix)
    for combo in itertools.product(*(matrix[k] for k in keys)):
        values = dict(zip(keys, combo))
        yield ",".join(f"{k}={render_value(v)}" for k, v in values.items()), values


def render_value(value: Any) -> str:
    """A matrix value in a variant string: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def apply_variant(request: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `request` with each (possibly dotted) key set to its value."""
    result = copy.deepcopy(request)
    for key, value in values.items():
        set_path(result, key, copy.deepcopy(value))
    return result


def set_path(obj: dict[str, Any], dotted: str, value: Any) -> None:
    """Set `a.b.c` in nested mappings (missing mappings are created); digits index lists.

    Raises ValueError when the path goes through something that is neither.
    """
    parts = dotted.split(".")
    node: Any = obj
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[:i]) or "the request"
        if isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(
                    f"cannot set {dotted!r}: {where} is a list of {len(node)}, "
                    f"{part!r} is not an index in it"
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        else:
            raise ValueError(  # noqa: TRY004 - a suite value error, reported with its line
                f"cannot set {dotted!r}: {where} is {type(node).__name__} "
                f"{render_value(node)}, not a mapping or a list"
            )


def shard_of(job_id: str, n: int) -> int:
    """The 1-based shard (of n) a job id belongs to; the same in every process and machine."""
    digest = hashlib.sha1(job_id.encode("utf-8")).hexdigest()
    return int(digest, 16) % n + 1


def _check_shard(shard: tuple[int, int]) -> None:
    try:
        k, n = shard
        ok = isinstance(k, int) and isinstance(n, int) and 1 <= k <= n
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UsageError(f"shard must be K/N with 1 <= K <= N, got {shard!r}")


def _cases(items: Any) -> Iterator[Case]:
    if isinstance(items, Case):
        yield items
        return
    cases = getattr(items, "cases", None)
    if cases is not None:  # a Suite
        yield from cases
        return
    for item in items:
        yield from _cases(item)
