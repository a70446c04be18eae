"""`harness compare RUN_A RUN_B`: a baseline run against a candidate run, on their common jobs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two runs (baseline A, candidate B) on their common cases",
        description="Compare run B (candidate) with run A (baseline) on their common jobs "
        "(suite, case, variant, repeat; targets by name when both runs have the same ones, "
        "else target by target in the order given, else all against all): pass-rate "
        "difference with Newcombe's paired interval, McNemar's exact test, latency ratio "
        "with a bootstrap interval, cost ratio. Prints the table and writes compare.md and "
        "compare.json. Exit 0, or with --fail-on-regression the verdict of `harness gate` "
        "with its default thresholds for each paired target (1 when one fails); 2 when the "
        "runs share no job.",
    )
    p.add_argument("run_a", metavar="RUN_A", help="baseline: run folder or results file")
    p.add_argument("run_b", metavar="RUN_B", help="candidate: run folder or results file")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for compare.md and compare.json (default: RUN_B's folder)")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="gate B against A with `harness gate`'s default thresholds (see "
                   "`harness gate --explain`; for a gate file, use `harness gate`): exit 1 "
                   "when a threshold fails")
    p.set_defaults(handler=run)


def _folder(path: str) -> Path:
    p = Path(path)
    return p if p.is_dir() else p.parent


def run(args: argparse.Namespace) -> int:
    from harness.core.errors import UsageError
    from harness.engine.results import read_meta
    from harness.report.compare import compare_runs, render_compare_markdown, render_compare_text
    from harness.report.frame import load_run

    df_a, df_b = load_run(args.run_a), load_run(args.run_b)
    meta_a, meta_b = read_meta(_folder(args.run_a)), read_meta(_folder(args.run_b))
    comparison = compare_runs(df_a, df_b, meta_a, meta_b)
    if not any(p.n for p in comparison.pairs):
        raise UsageError(
            f"{args.run_a} and {args.run_b} share no job (same suite, case, variant and repeat) "
            "on the paired targets: nothing to compare"
        )
    out = Path(args.out) if args.out else _folder(args.run_b)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(render_compare_markdown(comparison) + "\n", encoding="utf-8")
    (out / "compare.json").write_text(
        json.dumps(comparison.to_dict(), indent=1, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    print(render_compare_text(comparison))
    print(f"wrote {out / 'compare.md'} and {out / 'compare.json'}")
    return _gate(args, comparison.targets, out) if args.fail_on_regression else 0


def _gate(args: argparse.Namespace, targets: list[tuple[str, str]], out: Path) -> int:
    """--fail-on-regression: the default gate for each paired target; the exit code is its."""
    from harness.gating import judge_rows
    from harness.gating.render import render_text
    from harness.gating.run import read_run, write_gate_files

    _, rows_a, _ = read_run(args.run_a, "baseline")
    _, rows_b, _ = read_run(args.run_b, "candidate")
    code = 0
    for a, b in targets:
        verdict = judge_rows(rows_b, rows_a, target=b, baseline_target=a)
        print()
        print(render_text(verdict))
        if len(targets) == 1:
            write_gate_files(verdict, out)
        code = max(code, verdict.exit_code)
    return code
