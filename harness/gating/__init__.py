"""The CI gate: a candidate run judged against a baseline run, threshold by threshold.

    spec.py    the gate file (`GateSpec`, `load_spec`, `explain`): thresholds as data
    cases.py   rows -> cases (repeats grouped), the case-level regression rule (`classify`)
    judge.py   `judge_rows(candidate_rows, baseline_rows, spec) -> GateVerdict` (no files)
    render.py  terminal text, gate.md, gate.json, gate-junit.xml
    run.py     `gate(candidate, baseline, spec)`: run folders in, files written
    against.py `gate_against_history(candidate, store)`: the baseline is the last good run

Layer: like `report/` (may import report, engine.results, core; never cli).
"""

from __future__ import annotations

from harness.gating.against import gate_against_history
from harness.gating.judge import GateVerdict, ThresholdResult, judge_rows
from harness.gating.run import GATE_FILES, gate
from harness.gating.spec import GateSpec, explain, load_spec

__all__ = ["GATE_FILES", "GateSpec", "GateVerdict", "ThresholdResult", "explain", "gate",
           "gate_against_history", "judge_rows", "load_spec"]
