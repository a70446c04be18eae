"""Whether a run folder holds a whole run: its plan, its process, and the verdict INCOMPLETE.

    reports/<run_id>/plan.jsonl   one line per planned job, written before the first request:
                                  ["job_id", "suite", "case", "target", "variant", repeat, repeats]
    run.json                      pid, host, process_start of the process that runs it (written
                                  when it starts), jobs_planned, jobs_done, interrupted_by

`assess(run_dir, meta, job_ids)` -> Completeness: "complete", or why not: "interrupted" (a
signal: SIGINT / SIGTERM), "killed" (run.json still says "running" but its process is gone
from this host: SIGKILL, OOM, a power cut), "running" (its process is still alive), "failed"
(a bug), or "incomplete" (fewer rows than planned). Every report of an incomplete run says
INCOMPLETE (done/planned), JUnit lists the jobs not run as skipped, and `harness report`, the
gate and the history never call it green.

A 100,000-job plan is about 10 MB written once in about 0.2 s (a JSON array per line, no
per-job object), read back only by `harness report` and `--resume`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.models import Job

__all__ = [
    "PLAN_FILE",
    "Completeness",
    "PlanEntry",
    "assess",
    "process_alive",
    "process_identity",
    "read_plan",
    "write_plan",
]

PLAN_FILE = "plan.jsonl"


@dataclass(frozen=True)
class PlanEntry:
    """One planned job, as much as the reports need to name it."""

    job_id: str
    suite: str
    case: str
    target: str
    variant: str = ""
    repeat: int = 0
    repeats: int = 1

    def as_row(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "suite": self.suite, "case": self.case,
                "target": self.target, "variant": self.variant, "repeat": self.repeat,
                "repeats": self.repeats}


def write_plan(run_dir: Path, jobs: Iterable[Job]) -> Path:
    """plan.jsonl of the jobs about to run (atomically: a temp file, then a rename)."""
    path = run_dir / PLAN_FILE
    tmp = run_dir / f".{PLAN_FILE}.{os.getpid()}.tmp"
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(dumps([j.id, j.case.suite, j.case.id, j.target.name, j.variant,
                             j.repeat, j.case.repeat]) + "\n" for j in jobs)
    os.replace(tmp, path)
    return path


def read_plan(run_dir: Path) -> list[PlanEntry] | None:
    """The planned jobs of a run folder, or None when it has no plan (a pytest run, an audit,
    a run folder written by an older harness). A torn last line is skipped."""
    path = run_dir / PLAN_FILE
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    out: list[PlanEntry] = []
    with fh:
        for line in fh:
            try:
                job_id, suite, case, target, variant, repeat, repeats = json.loads(line)
            except ValueError:
                continue
            out.append(PlanEntry(str(job_id), str(suite), str(case), str(target),
                                 str(variant or ""), int(repeat), int(repeats)))
    return out


# -- the process that runs it ------------------------------------------------------------------


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux /proc), which tells a live
    run from another process that got the same pid later; None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    try:  # the command name (field 2) may hold spaces and parentheses: split after its end
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def process_identity() -> dict[str, Any]:
    """{pid, host, process_start} of this process, for run.json when a run starts."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "process_start": _start_ticks(pid)}


def process_alive(meta: Mapping[str, Any]) -> bool | None:
    """Whether the process run.json names is alive: None when that cannot be told (no pid
    recorded, or another host's)."""
    pid, host = meta.get("pid"), meta.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    recorded = meta.get("process_start")
    now = _start_ticks(pid)
    # a different start time: the pid was reused by a later process
    return not (isinstance(recorded, int) and now is not None and now != recorded)


# -- the verdict -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """How much of its plan a run did, and why it stopped (see the module doc)."""

    state: str  # complete | interrupted | killed | running | failed | incomplete
    done: int
    planned: int | None
    signal: str | None = None
    unrun: list[PlanEntry] = field(default_factory=list, repr=False)

    @property
    def complete(self) -> bool:
        return self.state == "complete"

    @property
    def reason(self) -> str:
        """"interrupted by SIGTERM", "interrupted (killed)", "still running", ..."""
        if self.state == "interrupted":
            return f"interrupted by {self.signal}" if self.signal else "interrupted"
        return {"killed": "interrupted (killed)", "running": "still running",
                "failed": "failed", "incomplete": "fewer rows than planned"}.get(self.state, "")

    @property
    def label(self) -> str:
        """"INCOMPLETE (88/1000)"; "" for a complete run."""
        if self.complete:
            return ""
        return f"INCOMPLETE ({self.done}/{self.planned if self.planned is not None else '?'})"

    def to_dict(self) -> dict[str, Any]:
        return {"complete": self.complete, "state": self.state, "reason": self.reason,
                "jobs_planned": self.planned, "jobs_done": self.done, "signal": self.signal}


def _state(meta: Mapping[str, Any], done: int, planned: int | None) -> str:
    status = meta.get("status")
    if status == "running":
        return "running" if process_alive(meta) else "killed"
    if status in ("interrupted", "failed"):
        return str(status)
    if planned is not None and done < planned:
        return "incomplete"
    return "complete"


def assess(run_dir: Path | None, meta: Mapping[str, Any], job_ids: Sequence[str]) -> Completeness:
    """The completeness of one run folder from its run.json, plan.jsonl and row job ids."""
    plan = read_plan(run_dir) if run_dir is not None else None
    if plan is not None:
        ids = set(job_ids)
        unrun = [p for p in plan if p.job_id not in ids]
        planned: int | None = len(plan)
        done = len(plan) - len(unrun)
    else:
        unrun = []
        jobs = meta.get("jobs_planned", meta.get("jobs"))
        planned = jobs if isinstance(jobs, int) and jobs >= len(job_ids) else None
        done = len(set(job_ids))
    signal = meta.get("interrupted_by")
    state = _state(meta, done, planned)
    return Completeness(state, done, planned, str(signal) if signal else None,
                        unrun if state != "complete" else [])


def merge(parts: Sequence[Completeness]) -> Completeness:
    """The completeness of the shards of one run, reported together."""
    if len(parts) == 1:
        return parts[0]
    bad = [p for p in parts if not p.complete]
    planned = (None if any(p.planned is None for p in parts)
               else sum(p.planned or 0 for p in parts))
    return Completeness(bad[0].state if bad else "complete", sum(p.done for p in parts),
                        planned, bad[0].signal if bad else None,
                        [u for p in parts for u in p.unrun])
