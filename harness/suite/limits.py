"""The bounds of loading a suite: what a hostile or mistaken file can cost before it is refused.

| limit             | default      | where checked                  | breach                        |
|-------------------|--------------|--------------------------------|-------------------------------|
| MAX_SUITE_BYTES   | 16 MiB       | `source` (fstat, then a read   | SuiteError naming the file,   |
|                   |              | of at most the limit + 1 byte) | its size and the limit        |
| MAX_DEPTH         | 100 levels   | `yamlmarks` (an event pass     | SuiteError at the line where  |
|                   |              | before composing; the builder) | the limit is crossed          |
| MAX_ALIAS_NODES   | 200,000      | `yamlmarks` builder (nodes     | SuiteError at the alias's     |
|                   |              | built again through aliases    | line ("billion laughs")       |
|                   |              | and merge keys)                |                               |
| MAX_CASE_JOBS     | 10,000       | `loader` (data x matrix x      | SuiteError at the case's      |
|                   |              | repeat per case, per target);  | data / matrix / repeat line   |
|                   |              | `expand`                       |                               |
| RUN_JOBS_FACTOR   | 100          | `expand`: a run holds at most  | UsageError naming the case    |
|                   |              | 100 x max_jobs jobs (1,000,000)| that crosses it and the count |

`--max-jobs N` (`harness run`, `harness validate`; `--harness-max-jobs` under pytest;
`RunSettings.max_jobs`) raises the job limits; the others are fixed: a suite never needs them.
Every check costs time proportional to the file, so a bomb is refused as fast as it is read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from harness.core.models import Case

MAX_SUITE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100
MAX_ALIAS_NODES = 200_000
MAX_CASE_JOBS = 10_000
RUN_JOBS_FACTOR = 100
JOBS_FLAG = "--max-jobs"  # how errors name the flag (the pytest plugin passes its own)


def run_job_limit(max_jobs: int) -> int:
    """The most jobs one run may expand to, for a per-case limit of `max_jobs`."""
    return max_jobs * RUN_JOBS_FACTOR


def variant_count(matrix_lengths: Iterable[int]) -> int:
    """How many variants a matrix with lists of these lengths gives (1 for no matrix)."""
    return math.prod(matrix_lengths)


def jobs_per_target(case: Case) -> int:
    """The jobs `case` gives on one target: data records x matrix variants x repeats."""
    sizes = [len(values) for values in case.matrix.values()]
    return max(1, len(case.data)) * variant_count(sizes) * case.repeat


def shape_text(case: Case, *, variants: bool = False) -> str:
    """How a case's job count is made, for messages: 'data 3, matrix 2 x 2, repeat 5'
    (`variants`: 'matrix 2 x 2 = 4 variants')."""
    lengths = [len(values) for values in case.matrix.values()]
    sizes = " x ".join(map(str, lengths)) or "1"
    if variants:
        sizes += f" = {variant_count(lengths):,} variants"
    data = f"data {len(case.data):,}, " if case.data else ""
    return f"{data}matrix {sizes}, repeat {case.repeat}"


def size_text(n: int) -> str:
    """A byte count for messages: 207 -> '207 bytes', 52428800 -> '50 MiB'."""
    if n < 1024:
        return f"{n} bytes"
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else (
                f"{value:.1f} {unit}")
    raise AssertionError("unreachable")  # pragma: no cover
