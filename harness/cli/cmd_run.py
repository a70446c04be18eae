"""`harness run`: suites x targets -> results.jsonl, summary, exit code."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from harness.cli.argtypes import add_max_jobs, add_selection, non_negative, positive
from harness.core.errors import MissingCredentialError, UsageError
from harness.core.modes import MODES
from harness.session.settings import (
    DEFAULT_MAX_RESPONSE_BYTES,
    RunSettings,
    parse_shard,
    parse_size,
)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run suites against targets",
        description="Run every case of the given suites against every target, in parallel. "
        "Exit 0 when every check passed, 1 when one failed, 2 on a usage error; SIGINT "
        "(Ctrl-C) or SIGTERM stop it early: the jobs in flight get --grace seconds, the rows and "
        "reports are written (INCOMPLETE), and it exits 130 (SIGINT) or 143 (SIGTERM).",
    )
    p.add_argument("suites", nargs="*", metavar="SUITE_OR_DIR", help="suite files or folders")
    p.add_argument("-t", "--target", action="append", default=[], metavar="PROVIDER/MODEL",
                   help="target to run against (repeatable, or comma-separated)")
    p.add_argument("--providers", action="append", default=[], metavar="FILE",
                   help="extra providers file, ${ENV} interpolated (repeatable)")
    p.add_argument("-c", "--concurrency", type=_positive_int, default=8, metavar="N",
                   help="requests in flight per target (default 8)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="folder for run folders (default reports/)")
    p.add_argument("--timeout", type=positive, default=60.0, metavar="SECONDS",
                   help="deadline of each request, connect to last byte, streams included "
                   "(default 60; a case's timeout_s overrides)")
    p.add_argument("--first-byte-timeout", type=positive, default=None, metavar="SECONDS",
                   help="request start to the first body byte (default: --timeout)")
    p.add_argument("--idle-timeout", type=positive, default=None, metavar="SECONDS",
                   help="longest silence between two body chunks; SSE pings count as data, "
                   "--timeout still ends a stream of pings (default: --timeout)")
    p.add_argument("--max-response-bytes", type=_size, default=DEFAULT_MAX_RESPONSE_BYTES,
                   metavar="SIZE", help="largest body read, after decompression: 33554432, "
                   "32MiB, 64MB (default 32MiB); past it the row is too_large")
    p.add_argument("--max-retry-wait", type=non_negative, default=60.0, metavar="SECONDS",
                   help="longest Retry-After honoured; a longer one is not retried and the "
                   "row says so (default 60)")
    p.add_argument("--deadline", type=positive, default=None, metavar="SECONDS",
                   help="bound on the whole run: jobs in flight are cut and jobs not started "
                   "get a `deadline` row; the run exits non-zero (default: none)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="retries on 429, 5xx and transport errors (default 3)")
    p.add_argument("--shard", default=None, metavar="K/N",
                   help="run only shard K of N (deterministic split of the jobs)")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="live: call the providers; record: call them and (re)write the "
                   "cassettes; replay: answer from the cassettes, no network, no key; auto: "
                   "replay what is recorded, record what is not. Default: live, or replay when "
                   "a target's API key is not set")
    p.add_argument("--cassettes", default="cassettes", metavar="DIR",
                   help="folder of the cassettes (default cassettes/)")
    p.add_argument("--pace", action="store_true",
                   help="replay: hand streams over chunk by chunk at their recorded offsets "
                   "(default: instantly, reporting the recorded timings)")
    p.add_argument("--simulate", action="store_true",
                   help="send each target's traffic to a local reference simulator speaking its "
                   "provider's dialect (no key, no network); live: targets are renamed "
                   "sim-<provider>/...; record/auto: cassettes are recorded from the simulator "
                   "under the real target names (their metadata says so)")
    p.add_argument("--sim-latency-ms", type=non_negative, default=20.0, metavar="MS",
                   help="simulator latency with --simulate (default 20)")
    p.add_argument("--seed", type=int, default=None, help="seed for retry jitter")
    p.add_argument("--run-id", default=None, metavar="ID",
                   help="name the run folder OUT/ID (default: a fresh YYYYMMDD-HHMMSS-xxxx); "
                   "an existing folder is a usage error, so rows of two runs never mix")
    p.add_argument("--history", default=None, metavar="STORE",
                   help="append the finished run to this run history: a SQLite file (e.g. "
                   "reports/history.sqlite) or a postgresql:// URL (default: $HARNESS_HISTORY "
                   "when set, else no history); see `harness history`")
    p.add_argument("--grace", type=non_negative, default=10.0, metavar="SECONDS",
                   help="after SIGINT / SIGTERM, how long the requests in flight may still "
                   "finish before they are cancelled (default 10; a second Ctrl-C cancels them "
                   "at once)")
    p.add_argument("--resume", default=None, metavar="RUN_DIR",
                   help="run only the jobs of an interrupted run folder that have no row yet, "
                   "with that run's own arguments (run.json argv), appending to its results; "
                   "give no suites or targets with it")
    add_selection(p)
    add_max_jobs(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--max-response-bytes ", "")) from None


def settings_from(args: argparse.Namespace) -> RunSettings:
    """The RunSettings of `harness run`'s arguments (HARNESS_TARGETS when no --target)."""
    names = [t.strip() for spec in args.target for t in spec.split(",") if t.strip()]
    if not names:
        names = [t for t in os.environ.get("HARNESS_TARGETS", "").split(",") if t.strip()]
    if not names:
        raise UsageError(
            "no target given: pass --target provider/model (repeatable), e.g. "
            "--target mistral/mistral-medium-3.5; `harness targets` lists them"
        )
    return RunSettings(
        suites=tuple(args.suites), targets=tuple(names), providers=tuple(args.providers),
        concurrency=args.concurrency, out=args.out, timeout_s=args.timeout,
        first_byte_timeout_s=args.first_byte_timeout, idle_timeout_s=args.idle_timeout,
        max_response_bytes=args.max_response_bytes, max_retry_wait_s=args.max_retry_wait,
        deadline_s=args.deadline,
        retries=args.retries, shard=parse_shard(args.shard), simulate=args.simulate,
        sim_latency_ms=args.sim_latency_ms, seed=args.seed, mode=args.mode,
        cassettes=args.cassettes, pace=args.pace, argv=tuple(sys.argv[1:]), runner="cli",
        run_id=args.run_id,
        history=args.history, grace_s=args.grace, max_jobs=args.max_jobs,
        cases=tuple(args.case), tags=tuple(args.tag), repeat=args.repeat,
        plugins=tuple(args.plugin),
    )


def run(args: argparse.Namespace) -> int:
    from harness.cli.running import execute_run

    progress = not args.quiet and sys.stderr.isatty()
    if args.resume is not None:
        return _resume(args, progress)
    if not args.suites:
        raise UsageError("no suite given: pass suite files or folders (or --resume RUN_DIR)")
    return execute_run(settings_from(args), progress=progress)


def _resume(args: argparse.Namespace, progress: bool) -> int:
    """`--resume RUN_DIR`: the run's own arguments, only the jobs without a row."""
    from pathlib import Path

    from harness.cli.running import execute_run
    from harness.session.resume import resume_argv

    if args.suites or args.target or args.run_id:
        raise UsageError("--resume RUN_DIR runs the folder's own suites and targets: give no "
                         "suites, --target or --run-id with it")
    run_dir = Path(args.resume)
    argv = resume_argv(run_dir)
    parser = argparse.ArgumentParser(prog="harness run")
    add_parser(parser.add_subparsers())
    try:
        old = parser.parse_args(["run", *argv])
    except SystemExit:
        raise UsageError(f"--resume {run_dir}: its run.json argv no longer parses: "
                         f"{' '.join(argv)}") from None
    settings = settings_from(old).but(argv=("run", *argv), out=str(run_dir.parent),
                                      grace_s=args.grace)
    return execute_run(settings, progress=progress, resume=run_dir)


__all__ = ["MissingCredentialError", "add_parser", "run"]
