"""run.json, one shape, written by one function (`meta_of`) for every runner.

Every key is always present (null or empty when it does not apply), so a CI script or a
notebook reads any run folder the same way, whoever wrote it:

    format_version run_id runner status started_at finished_at suites targets mode simulated
    argv jobs passed failed cassettes paced jobs_by_mode cassette_sources workers counts
    shard ([K, N] of a sharded run, else null) fingerprints ({suites, prices, plan}: see
    session/fingerprint.py; what `harness report` and the history compare runs by)
    jobs_planned jobs_done (how much of its plan a run did) interrupted_by (SIGINT | SIGTERM
    when a signal stopped it) pid host process_start (the process running it, so `harness
    report` tells a run killed outright from one still running: engine/completeness.py)
    (+ the runner's own extra keys: audit's skipped / prices / openapi / cassettes list)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.engine.results import utc_now_iso, write_meta

__all__ = ["META_KEYS", "ROWS_MODE", "meta_of", "save_meta"]

ROWS_MODE = "audit"  # the mode of a run whose rows judge recorded traffic (harness audit)

META_KEYS = (
    "run_id", "runner", "status", "started_at", "finished_at", "suites", "targets", "mode",
    "simulated", "argv", "jobs", "passed", "failed", "cassettes", "paced", "jobs_by_mode",
    "cassette_sources", "workers", "counts", "shard", "fingerprints", "jobs_planned",
    "jobs_done", "interrupted_by", "pid", "host", "process_start",
)


def meta_of(
    *,
    run_id: str,
    runner: str,
    status: str,
    suites: Sequence[str],
    targets: Sequence[str],
    mode: str,
    jobs: int,
    started_at: str | None = None,
    simulated: bool = False,
    argv: Sequence[str] = (),
    cassettes: str | None = None,
    paced: bool | None = None,
    rows: Iterable[Mapping[str, Any]] | None = None,
    cassette_sources: Iterable[str] = (),
    workers: int = 0,
    shard: Sequence[int] | None = None,
    fingerprints: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The run.json of a run; `rows` (when known) fill passed / failed / jobs_by_mode."""
    meta: dict[str, Any] = dict.fromkeys(META_KEYS)
    meta.update(
        run_id=run_id, runner=runner, status=status,
        started_at=started_at or utc_now_iso(), suites=list(suites), targets=list(targets),
        mode=mode, simulated=simulated, argv=list(argv), jobs=jobs,
        cassettes=cassettes if mode != "live" else None,
        paced=paced if mode in ("replay", "record", "auto") else None,
        cassette_sources=sorted(set(cassette_sources)), workers=workers,
        counts={}, jobs_by_mode={}, shard=list(shard) if shard else None,
        fingerprints=dict(fingerprints or {}),
    )
    if rows is not None:
        done = list(rows)
        failed = sum(1 for r in done if not r.get("passed"))
        by_mode = Counter(str(r.get("mode")) for r in done)
        meta.update(passed=len(done) - failed, failed=failed,
                    jobs_by_mode={m: by_mode[m] for m in ("replay", "record", "live", ROWS_MODE)
                                  if by_mode[m]})
    meta.update(extra or {})
    meta["jobs_planned"] = meta["jobs"]
    meta["jobs_done"] = meta["passed"] + meta["failed"] if rows is not None else 0
    return meta


def save_meta(run_dir: Path, meta: Mapping[str, Any], scrubber: Any = None) -> dict[str, Any]:
    """Write run.json atomically (argv masked, format_version set, every string through the
    run's scrubber); returns what was written."""
    return write_meta(run_dir, meta, scrubber)
