"""`harness gate CANDIDATE --against last-good`: the baseline is taken from the run history.

The baseline of a target is the newest complete run in the history of the same target and the
same suites fingerprint, older than the candidate, in which every job of that target passed
(`harness.history.queries.last_good_run`). The candidate is a run folder (it may be in the
history already: it is never its own baseline). Everything else is `harness gate`: the same
thresholds, the same verdict and the same files.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import UsageError
from harness.engine.results import read_meta
from harness.gating.cases import select_target
from harness.gating.judge import GateVerdict, judge_rows
from harness.gating.run import judge_complete, read_run, write_gate_files
from harness.gating.spec import GateSpec, load_spec
from harness.history.connect import opened
from harness.history.queries import last_good_run
from harness.history.spec import StoreSpec

__all__ = ["AGAINST", "gate_against_history"]

AGAINST = ("last-good",)


def gate_against_history(
    candidate: str | Path,
    store: StoreSpec,
    spec: GateSpec | str | Path | None = None,
    *,
    target: str | None = None,
    out: str | Path | None = None,
    write: bool = True,
) -> tuple[GateVerdict, str]:
    """Judge one target of the candidate run against that target's last good run in the
    history `store`; (verdict, baseline run id). UsageError when the history holds no good
    run of the target with the candidate's suites (say so, and how to make one)."""
    if not isinstance(spec, GateSpec):
        spec = load_spec(spec)
    folder, cand_rows, run_id = read_run(candidate, "candidate")
    chosen, _ = select_target(cand_rows, target, "candidate", "--target")
    meta = read_meta(folder)
    suites_fp = (meta.get("fingerprints") or {}).get("suites")
    started = meta.get("started_at") or min(
        (str(r.get("started_at")) for r in cand_rows if r.get("started_at")), default=None)
    with opened(store) as db:
        found = last_good_run(db, chosen, suites_fp, before=run_id, started_before=started)
    if found is None:
        raise UsageError(
            f"the history {store.display} holds no good run of {chosen} with the candidate's "
            f"suites (fingerprint {suites_fp or 'unknown'}) older than {run_id}: a good run is "
            "a complete run of the same suites in which every job of the target passed. Append "
            "one with `harness history add RUN_DIR` (or `harness run ... --history STORE`), or "
            "gate against a named run with --baseline RUN")
    base_id, base_rows = found
    verdict = judge_rows(cand_rows, base_rows, spec, target=chosen, baseline_target=chosen)
    judge_complete(verdict, folder, cand_rows)
    verdict.notes.append(f"baseline: the last good run of {chosen} in the history "
                         f"{store.display}: {base_id}")
    if write:
        write_gate_files(verdict, Path(out) if out is not None else folder)
    return verdict, base_id
