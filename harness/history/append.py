"""Appending runs to the history: from run folders (`harness history add`) or at the end of a
run (`--history` on `harness run`, `--harness-history`, `harness.run(history=...)`).

A run whose run.json still says "running" is refused while it may still be writing (its process
alive, or on another host); one whose process is gone (killed with SIGKILL, crashed) is stored
as "interrupted" (`interrupted_by: killed`). "interrupted" and "failed" runs are stored with that status and
flagged: `history list` and `trend` show them, `regressions` and `last_good_run` skip them.
A run.json that says "complete" over fewer rows than it planned (`jobs_done` < `jobs_planned`)
is stored as "interrupted" too: an incomplete run is never a baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.engine.completeness import process_alive
from harness.engine.results import META_FILE, RESULTS_FILE, read_meta, read_results
from harness.history.connect import open_store
from harness.history.schema import Encoder, run_record
from harness.history.spec import HistoryError, StoreSpec, resolve_spec
from harness.history.store import Store, store_error

__all__ = ["AddResult", "add_rows", "add_run_dirs", "append_finished", "find_run_dirs"]

PARTIAL = ("interrupted", "failed")
NOT_HISTORY = ("bench", "audit")  # runners whose runs are never appended


@dataclass(frozen=True)
class AddResult:
    run_id: str
    outcome: str  # added | present | refused
    note: str = ""

    def line(self, store: str) -> str:
        if self.outcome == "added":
            return f"added run {self.run_id} to the history {store}{self.note}"
        if self.outcome == "present":
            return f"run {self.run_id} is already in the history {store}: not added again"
        return f"run {self.run_id} not added: {self.note}"


def _is_run_dir(path: Path) -> bool:
    return (path / META_FILE).is_file() or (path / RESULTS_FILE).is_file()


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Run folders named, or found one level below a folder of run folders (`reports/`), in
    name order (run ids sort by start time)."""
    found: list[Path] = []
    for given in map(Path, paths):
        if _is_run_dir(given):
            found.append(given)
        elif given.is_dir():
            inner = sorted(p for p in given.iterdir() if p.is_dir() and _is_run_dir(p))
            if not inner:
                raise UsageError(f"{given} holds no run folder (no {META_FILE} in it or below)")
            found.extend(inner)
        else:
            raise UsageError(f"no such run folder: {given}")
    return list(dict.fromkeys(found))


def add_rows(store: Store, meta: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
             run_id: str) -> AddResult:
    """Append one run (its run.json and rows), unless it is still running or already there."""
    status = meta.get("status")
    killed = ""
    if status == "running":
        if process_alive(meta) is not False:
            return AddResult(run_id, "refused", "run.json says it is still running (and its "
                             "process cannot be told dead): only finished runs are history")
        # its process is gone (SIGKILL, a crash): stored as interrupted, never a baseline
        meta = {**meta, "status": "interrupted", "interrupted_by": "killed"}
        status, killed = "interrupted", " (killed: run.json still said running)"
    if not meta.get("fingerprints"):
        note = " (run.json has no fingerprints: an older run, grouped by its run id alone)"
    elif status in PARTIAL:
        note = f" (flagged {status}{killed}: listed, never used as a baseline)"
    else:
        note = ""
    planned = meta.get("jobs_planned")
    if status == "complete" and isinstance(planned, int) and len(rows) < planned:
        meta = {**meta, "status": "interrupted"}
        note = (f" (flagged interrupted: {len(rows)} of {planned} planned jobs have a row; "
                "listed, never used as a baseline)")
    try:
        added = store.add(run_record(meta, rows, run_id), rows, Encoder())
    except store.errors as exc:
        raise store_error(store, exc) from None
    return AddResult(run_id, "added" if added else "present", note)


def add_run_dirs(store: Store, run_dirs: Sequence[Path]) -> list[AddResult]:
    out = []
    for run_dir in run_dirs:
        meta = read_meta(run_dir)
        if not meta:
            out.append(AddResult(run_dir.name, "refused", f"{run_dir} has no {META_FILE}"))
            continue
        rows = read_results(run_dir) if (run_dir / RESULTS_FILE).is_file() else []
        out.append(add_rows(store, meta, rows, str(meta.get("run_id") or run_dir.name)))
    return out


def append_finished(history: str | None, runner: str, run_dir: Path, meta: Mapping[str, Any],
                    rows: Sequence[Mapping[str, Any]], flag: str = "--history") -> str | None:
    """Run.finish's one call: append the run just finished to the history asked for
    (`history`, else $HARNESS_HISTORY; never for benches and audits, whose rows are not
    nightly runs of a suite), and say so in one line. A store that
    cannot be written is a HistoryError saying the run folder is complete and how to add it
    later."""
    spec: StoreSpec | None = resolve_spec(history, flag=flag) if runner not in NOT_HISTORY else None
    if spec is None:
        return None
    try:
        with open_store(spec) as store:
            result = add_rows(store, meta, rows, run_dir.name)
    except HistoryError as exc:
        raise HistoryError(f"{exc}\nthe run itself is complete in {run_dir}; add it later with "
                           f"`harness history add {run_dir} --history ...`") from None
    return result.line(spec.display)
