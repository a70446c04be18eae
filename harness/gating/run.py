"""`gate(candidate, baseline, spec)`: run folders in, the verdict and its files out.

Reads both run folders (results.jsonl, run.json), judges them with `judge_rows`, and writes
gate.md, gate.json and gate-junit.xml into the candidate's folder (or `out`). A candidate that
did not do its whole plan (interrupted, killed, fewer rows than planned: engine/completeness.py)
never passes: the threshold `complete` fails and names how much ran.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import UsageError
from harness.engine.completeness import assess
from harness.engine.results import RESULTS_FILE, read_meta, read_results
from harness.gating.judge import FAIL, GateVerdict, ThresholdResult, judge_rows
from harness.gating.render import render_json, render_junit, render_markdown
from harness.gating.spec import GateSpec, load_spec

__all__ = ["GATE_FILES", "gate", "judge_complete", "read_run", "write_gate_files"]

GATE_FILES = ("gate.md", "gate.json", "gate-junit.xml")


def read_run(path: str | Path, role: str) -> tuple[Path, list[dict], str]:
    """(folder, rows, run id) of a run folder or results file; UsageError when missing."""
    path = Path(path)
    results = path / RESULTS_FILE if path.is_dir() else path
    if not results.is_file():
        raise UsageError(f"the {role} run {path} has no {RESULTS_FILE}: give a run folder "
                         "(reports/<run_id>/) or its results file")
    folder = results.parent
    rows = read_results(results)
    run_id = str(read_meta(folder).get("run_id") or folder.name)
    return folder, [{**r, "run_id": r.get("run_id") or run_id} for r in rows], run_id


def judge_complete(verdict: GateVerdict, folder: Path, rows: list[dict]) -> GateVerdict:
    """Fail the verdict when the candidate run folder is incomplete (see the module doc)."""
    done = assess(folder, read_meta(folder), [str(r.get("job_id")) for r in rows])
    if done.complete:
        return verdict
    shown = f"{done.done}/{done.planned if done.planned is not None else '?'} jobs"
    verdict.results.insert(0, ThresholdResult(
        "complete", done.done, done.planned, False,
        f"the candidate run is {done.label} ({done.reason}): an incomplete run is never green",
        FAIL, shown, "every planned job"))
    verdict.passed = False
    return verdict


def write_gate_files(verdict: GateVerdict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    texts = (render_markdown(verdict), render_json(verdict), render_junit(verdict))
    paths = []
    for name, text in zip(GATE_FILES, texts, strict=True):
        (out / name).write_text(text + "\n", encoding="utf-8")
        paths.append(out / name)
    return paths


def gate(
    candidate: str | Path,
    baseline: str | Path,
    spec: GateSpec | str | Path | None = None,
    *,
    target: str | None = None,
    baseline_target: str | None = None,
    out: str | Path | None = None,
    write: bool = True,
) -> GateVerdict:
    """Judge the candidate run against the baseline run; `spec` is a GateSpec, a gate file's
    path, or None (the default gate). Writes GATE_FILES into `out` (default: the candidate's
    run folder) unless `write` is false. `verdict.exit_code`: 0 pass, 1 fail."""
    if not isinstance(spec, GateSpec):
        spec = load_spec(spec)
    folder, cand_rows, _ = read_run(candidate, "candidate")
    _, base_rows, _ = read_run(baseline, "baseline")
    verdict = judge_rows(cand_rows, base_rows, spec, target=target,
                         baseline_target=baseline_target)
    judge_complete(verdict, folder, cand_rows)
    if write:
        write_gate_files(verdict, Path(out) if out is not None else folder)
    return verdict
