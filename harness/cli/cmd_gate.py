"""`harness gate CANDIDATE --baseline BASELINE [--gate FILE]`: the CI gate, per threshold."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gate",
        help="judge a candidate run against a baseline run, threshold by threshold (CI gate)",
        description="Judge one target of the candidate run against one target of the "
        "baseline run on their common cases (suite, case, variant; repeats grouped): pass "
        "rate, case-level regressions, paired pass-rate drop, p50/p95 latency and TTFT "
        "ratios, cost ratio, must-pass checks, coverage (expected differences), new "
        "failures, budget. Prints every threshold with its value, limit and verdict, and "
        "writes gate.md, gate.json and gate-junit.xml. Exit 0 pass, 1 fail, 2 usage error. "
        "`harness gate --explain` lists the gate file's keys and defaults.",
    )
    p.add_argument("candidate", metavar="CANDIDATE_RUN", nargs="?",
                   help="candidate: run folder or results file")
    p.add_argument("--baseline", metavar="BASELINE_RUN", help="baseline: run folder or results "
                   "file")
    p.add_argument("--against", choices=("last-good",), default=None,
                   help="take the baseline from the run history: the last good run (complete, "
                   "every job of the target passed) of the same target and suites, older than "
                   "the candidate")
    p.add_argument("--history", default=None, metavar="STORE",
                   help="the history for --against: a SQLite file or a postgresql:// URL "
                   "(default: $HARNESS_HISTORY, else reports/history.sqlite)")
    p.add_argument("--gate", metavar="FILE", default=None,
                   help="gate file (YAML) with the thresholds (default: the default gate)")
    p.add_argument("--target", default=None, metavar="PROVIDER/MODEL",
                   help="the candidate target to judge, when the candidate run has several")
    p.add_argument("--baseline-target", default=None, metavar="PROVIDER/MODEL",
                   help="the baseline target, when the baseline run has several")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for gate.md, gate.json, gate-junit.xml (default: the "
                   "candidate's run folder)")
    p.add_argument("--explain", action="store_true",
                   help="print the gate file's keys, defaults and meaning, and exit")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only the verdict line and the failed thresholds")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.core.errors import UsageError
    from harness.gating import explain, gate
    from harness.gating.render import render_text

    if args.explain:
        print(explain())
        return 0
    if not args.candidate or not (args.baseline or args.against):
        raise UsageError("harness gate needs CANDIDATE_RUN and --baseline BASELINE_RUN or "
                         "--against last-good (or --explain)")
    if args.baseline and args.against:
        raise UsageError("harness gate: give --baseline BASELINE_RUN or --against last-good, "
                         "not both")
    if args.against:
        verdict = _against(args)
    else:
        verdict = gate(args.candidate, args.baseline, args.gate, target=args.target,
                       baseline_target=args.baseline_target, out=args.out)
    text = render_text(verdict)
    if args.quiet:
        text = "\n".join(line for line in text.splitlines()
                         if line.startswith(("FAIL ", "  - ", "GATE ")))
    print(text)
    return verdict.exit_code


def _against(args: argparse.Namespace) -> Any:
    from harness.core.errors import UsageError
    from harness.gating.against import gate_against_history
    from harness.history.spec import resolve_spec

    if args.baseline_target:
        raise UsageError("--baseline-target goes with --baseline: --against last-good gates "
                         "each target against its own history")
    store = resolve_spec(args.history, default_dir="reports")
    assert store is not None
    if store.kind == "sqlite" and not Path(store.target).is_file():
        raise UsageError(f"--against last-good: no history at {store.display}: append runs "
                         "with `harness history add RUN_DIR` or `harness run ... --history "
                         "STORE` (or give --history)")
    verdict, _ = gate_against_history(args.candidate, store, args.gate, target=args.target,
                                      out=args.out)
    return verdict
