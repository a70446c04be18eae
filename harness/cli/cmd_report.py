"""`harness report RUN_DIR...`: (re)write a run folder's reports from its results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="regenerate a run's reports (summary.md, report.html, junit.xml, parquet, csv)",
        description="Read a run folder's results (results.parquet, else results.jsonl) and "
        "write results.parquet, results.csv, summary.md, summary.json, report.html and "
        "junit.xml into it, then print the summary. Several folders are merged into one report, "
        "written to --out, only when they are the shards of one run (same plan fingerprint, "
        "different --shard, no job in two); distinct runs are refused: compare them with "
        "`harness compare` or `harness history`. A run that did not do its whole plan "
        "(interrupted by a signal, killed, or fewer rows than planned) is reported INCOMPLETE "
        "(done/planned) in every file, its unrun jobs are skipped in junit.xml, and the exit "
        "code is 1; otherwise 0.",
    )
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folder(s) or results files")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for the reports (default: the run folder; required with several)")
    p.set_defaults(handler=run)


def merged_meta(metas: list[dict[str, Any]]) -> dict[str, Any]:
    if not metas:
        return {}
    if len(metas) == 1:
        return metas[0]
    out = dict(metas[0])
    out["run_id"] = "+".join(str(m.get("run_id", "?")) for m in metas)
    for key in ("targets", "suites"):
        out[key] = list(dict.fromkeys(x for m in metas for x in m.get(key) or []))
    statuses = {m.get("status") for m in metas}
    out["status"] = statuses.pop() if len(statuses) == 1 else "mixed"
    return out


def _check_shards(paths: list[str], df: Any) -> None:
    """Several folders: only the shards of one planned run (report/shards.py)."""
    from harness.engine.results import read_meta
    from harness.report.shards import check_shards

    runs = [(p, read_meta(Path(p) if Path(p).is_dir() else Path(p).parent)) for p in paths]
    jobs = list(zip(df["run_id"].astype(str), df["job_id"].astype(str), strict=True))
    check_shards(runs, jobs)


def completeness_of(paths: list[str], df: Any) -> Any:
    """The completeness of the run folders given (their shards summed)."""
    from harness.engine.completeness import assess, merge
    from harness.engine.results import read_meta

    parts = []
    for p in paths:
        folder = Path(p) if Path(p).is_dir() else Path(p).parent
        meta = read_meta(folder)
        rows = df[df["run_id"].astype(str) == str(meta.get("run_id") or folder.name)] \
            if len(paths) > 1 else df
        parts.append(assess(folder, meta, [str(j) for j in rows["job_id"].tolist()]))
    return merge(parts)


def run(args: argparse.Namespace) -> int:
    from harness.report.frame import load_run
    from harness.report.outputs import write_reports
    from harness.report.summary import (
        failed_records,
        failure_lines,
        render_pairs_text,
        render_text,
    )

    if len(args.runs) > 1 and not args.out:
        raise UsageError("several run folders are merged into one report: give --out DIR")
    first = Path(args.runs[0])
    out = Path(args.out) if args.out else (first if first.is_dir() else first.parent)
    df = load_run(args.runs if len(args.runs) > 1 else args.runs[0])
    if len(args.runs) > 1:
        _check_shards(args.runs, df)
    done = completeness_of(args.runs, df)
    written = write_reports(out, frame=df, meta=merged_meta(df.attrs.get("runs", [])),
                            completeness=done)
    report = written.report
    for line in failure_lines(failed_records(written.frame)):
        print(line)
    print(render_text(report.targets))
    if report.pairs:
        print()
        print(render_pairs_text(report.pairs))
    print(f"wrote {', '.join(p.name for p in written.paths)} in {out}")
    if not done.complete:
        print(f"{done.label}: {done.reason}; {report.passed}/{report.jobs} jobs passed")
        return 1
    return 0
