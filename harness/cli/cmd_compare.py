"""`harness compare RUN_A RUN_B`: a baseline run against a candidate run, on their common jobs."""

from __future__ import annotations

import argparse
import json
import sys
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
        "compare.json. Exit 0, or 1 with --fail-on-regression when B is significantly worse or "
        "dropped jobs; 2 when the runs share no job.",
    )
    p.add_argument("run_a", metavar="RUN_A", help="baseline: run folder or results file")
    p.add_argument("run_b", metavar="RUN_B", help="candidate: run folder or results file")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for compare.md and compare.json (default: RUN_B's folder)")
    p.add_argument("--fail-on-regression", action="store_true",
                   help="exit 1 when B's pass rate is significantly lower (McNemar p < 0.05 "
                   "and more jobs passing only on A) or B did not run jobs A ran: a CI gate")
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
    if args.fail_on_regression and comparison.only_a:
        print(f"FAIL: B did not run {len(comparison.only_a)} job(s) that A ran", file=sys.stderr)
        return 1
    return 1 if args.fail_on_regression and comparison.regressions else 0
