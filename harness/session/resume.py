"""Resuming an interrupted run folder (`harness run --resume RUN_DIR`): only the jobs not run.

    settings = <the run's own arguments, from run.json argv>     (the CLI parses them)
    plan, prior = resume_plan(settings, run_dir)                  # jobs without a row
    with Run(plan, run_dir=run_dir, prior_rows=prior) as run:      # rows appended
        run.run_all(stop=...); run.finish()                       # reports over all rows

The plan is made again from the same suites, targets and mode, and must be the same plan
(the plan fingerprint in run.json: the suites have not changed since) and the same jobs
(plan.jsonl): otherwise the rows of two different plans would mix, a usage error saying so.
A run still running (its process alive) is refused. Checks' run-scoped state (the
answers `same_across_repeats` compares) starts empty again: repeats split across the two
processes are compared within each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.engine.completeness import assess, read_plan
from harness.engine.results import RESULTS_FILE, read_meta, read_results
from harness.session.fingerprint import plan_fingerprints
from harness.session.plan import RunPlan, plan_run
from harness.session.settings import RunSettings

__all__ = ["resume_argv", "resume_plan"]


def resume_argv(run_dir: Path) -> list[str]:
    """The `harness run` arguments the run folder was made with (run.json argv, after "run")."""
    meta = read_meta(run_dir)
    if not meta:
        raise UsageError(f"--resume {run_dir}: not a run folder (no run.json)")
    argv = [str(a) for a in meta.get("argv") or []]
    if meta.get("runner") != "cli" or not argv or argv[0] != "run":
        raise UsageError(f"--resume {run_dir}: only a run made by `harness run` can be resumed "
                         f"(this one was made by {meta.get('runner') or 'an unknown runner'})")
    if "***" in argv:
        raise UsageError(f"--resume {run_dir}: its arguments hold a masked secret; re-run the "
                         "missing jobs with the original command instead")
    return argv[1:]


def resume_plan(settings: RunSettings, run_dir: Path) -> tuple[RunPlan, list[dict[str, Any]]]:
    """The plan of the jobs of `run_dir` that have no row yet, and the rows it has."""
    meta = read_meta(run_dir)
    results = run_dir / RESULTS_FILE
    rows = read_results(results) if results.is_file() else []
    done_ids = {str(r.get("job_id")) for r in rows}
    state = assess(run_dir, meta, sorted(done_ids))
    if state.state == "running":
        raise UsageError(f"--resume {run_dir}: the run is still running (pid {meta.get('pid')} "
                         "on this host)")
    if state.complete:
        raise UsageError(f"--resume {run_dir}: the run is complete ({state.done}/"
                         f"{state.planned} jobs); nothing to resume")
    plan = plan_run(settings)
    was = (meta.get("fingerprints") or {}).get("plan")
    now = plan_fingerprints(plan)["plan"]
    if was != now:
        raise UsageError(f"--resume {run_dir}: the suites, targets or mode changed since the run "
                         f"started (plan {was} then, {now} now): start a new run instead")
    planned = read_plan(run_dir)
    if planned is not None and [p.job_id for p in planned] != [j.id for j in plan.jobs]:
        raise UsageError(f"--resume {run_dir}: the jobs planned now differ from its plan.jsonl: "
                         "start a new run instead")
    plan.jobs = [j for j in plan.jobs if j.id not in done_ids]
    plan.modes = {j.id: plan.modes[j.id] for j in plan.jobs}
    plan.notes.append(f"resuming {run_dir}: {len(plan.jobs)} job(s) not run yet, "
                      f"{len(rows)} row(s) kept")
    return plan, rows
