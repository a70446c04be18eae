"""`harness history add | list | trend | regressions`: the run history store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.cli.argtypes import number
from harness.core.errors import UsageError

positive_int = number(1, integer=True)
STORE_HELP = ("the history: a SQLite file or a postgresql:// URL (default: $HARNESS_HISTORY, "
              "else reports/history.sqlite)")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "history", help="the run history: append runs, list them, trends, regressions",
        description="An append-only store of runs (rows, run.json, suites and price-book "
        "fingerprints): a SQLite file by default, a PostgreSQL database for a team.")
    cmds = p.add_subparsers(dest="history_command", metavar="SUBCOMMAND")
    cmds.required = True
    a = cmds.add_parser("add", help="append run folders (or folders of run folders)")
    a.add_argument("runs", nargs="+", metavar="RUN_DIR", help="run folder or reports/ folder")
    a.set_defaults(handler=_add)
    ls = cmds.add_parser("list", help="runs: target, suites, pass rate, p95, cost")
    ls.add_argument("--target", default=None, metavar="PROVIDER/MODEL",
                    help="only runs of this target (figures of its jobs)")
    ls.add_argument("--last", type=positive_int, default=None, metavar="N", help="newest N runs")
    ls.set_defaults(handler=_list)
    t = cmds.add_parser("trend", help="pass rate, latency, TTFT, cost and drift over runs")
    t.add_argument("--target", required=True, metavar="PROVIDER/MODEL")
    t.add_argument("--case", default=None, metavar="SUITE::CASE", help="only this case")
    t.add_argument("--check", default=None, metavar="CHECK",
                   help="pass rate of this check (jobs that ran it)")
    t.add_argument("--last", type=positive_int, default=None, metavar="N", help="newest N runs")
    t.add_argument("--html", default=None, metavar="FILE", help="also write an HTML page")
    t.set_defaults(handler=_trend)
    r = cmds.add_parser("regressions", help="when did each case start failing")
    r.add_argument("--target", default=None, metavar="PROVIDER/MODEL")
    r.add_argument("--last", type=positive_int, default=None, metavar="N",
                   help="only the newest N runs of each series")
    r.add_argument("--fail-on-regression", action="store_true",
                   help="exit 1 when a regression is still failing in the newest run")
    r.set_defaults(handler=_regressions)
    g = cmds.add_parser("gate", help="gate a run against the last good run in the history",
                        description="`harness gate CANDIDATE_RUN --against last-good`: the "
                        "baseline is the newest complete run of the same target and suites in "
                        "which every job passed. Exit 0 pass, 1 fail, 2 usage error.")
    g.add_argument("candidate", metavar="CANDIDATE_RUN", help="run folder or results file")
    g.add_argument("--against", choices=("last-good",), default="last-good",
                   help="the baseline to take from the history (default: last-good)")
    g.add_argument("--gate", metavar="FILE", default=None, help="gate file (YAML)")
    g.add_argument("--target", default=None, metavar="PROVIDER/MODEL",
                   help="the candidate target to judge, when the run has several")
    g.add_argument("--out", default=None, metavar="DIR",
                   help="folder for gate.md, gate.json, gate-junit.xml (default: the run's)")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print only the verdict line and the failed thresholds")
    g.set_defaults(handler=_gate, baseline=None, baseline_target=None, explain=False)
    for cmd in (a, ls, t, r, g):
        cmd.add_argument("--history", default=None, metavar="STORE", help=STORE_HELP)


def _store(args: argparse.Namespace, *, create: bool = False) -> Any:
    from harness.history.connect import open_store
    from harness.history.spec import resolve_spec

    spec = resolve_spec(args.history, default_dir="reports")
    assert spec is not None
    if spec.kind == "sqlite" and not create and not Path(spec.target).is_file():
        raise UsageError(f"no history at {spec.display}: append runs with `harness history add "
                         "RUN_DIR` or `harness run ... --history STORE` (or give --history)")
    return open_store(spec)


def _add(args: argparse.Namespace) -> int:
    from harness.history.append import add_run_dirs, find_run_dirs

    run_dirs = find_run_dirs(args.runs)
    with _store(args, create=True) as store:
        results = add_run_dirs(store, run_dirs)
        for result in results:
            print(result.line(store.display))
    return 0 if all(r.outcome != "refused" for r in results) else 1


def _list(args: argparse.Namespace) -> int:
    from harness.history.views import list_view

    with _store(args) as store:
        print(list_view(store, target=args.target, last=args.last))
    return 0


def _trend(args: argparse.Namespace) -> int:
    from harness.history.page import trend_page
    from harness.history.views import trend_points, trend_text

    with _store(args) as store:
        points = trend_points(store, args.target, case=args.case, check=args.check,
                              last=args.last)
    what = " ".join(x for x in (args.target, args.case, args.check and f"check {args.check}")
                    if x)
    title = f"Trend of {what} over {len(points)} run(s)"
    print(trend_text(points, title))
    if args.html:
        Path(args.html).write_text(trend_page(title, points), encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


def _regressions(args: argparse.Namespace) -> int:
    from harness.history.views import regression_report

    with _store(args) as store:
        report = regression_report(store, target=args.target, last=args.last)
    for line in report.lines:
        print(line)
    return 1 if args.fail_on_regression and report.open else 0


def _gate(args: argparse.Namespace) -> int:
    from harness.cli import cmd_gate

    return cmd_gate.run(args)
