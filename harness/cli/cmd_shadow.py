"""`harness shadow proxy | replay | report`: shadow-traffic diffing (harness.shadow).

    proxy    serve the primary's API on --port; mirror a sample of the requests to the
             candidate (and a share, for the noise floor, to the secondary); log the pairs
    replay   send captured traffic to the arms; the same pair log
    report   shadow.md (+ a report.html section) from a pair log; exit 1 when a gate fails
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.cli.argtypes import fraction, non_negative, port, positive
from harness.core.errors import UsageError
from harness.session.settings import RunSettings

_CONTENT = ("full", "hash", "none")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    return 0 if text.strip() == "0" else _positive_int(text)


def _arms(p: argparse.ArgumentParser) -> None:
    p.add_argument("--primary", required=True, metavar="TARGET",
                   help="provider/model answering the client (replay: sent unless recorded)")
    p.add_argument("--candidate", required=True, metavar="TARGET",
                   help="provider/model the requests are mirrored to (its key from its "
                   "provider's environment variable)")
    p.add_argument("--secondary", default=None, metavar="TARGET",
                   help="provider/model for the noise floor (default: the primary again)")
    p.add_argument("--secondary-share", type=fraction, default=0.1, metavar="F",
                   help="share of the mirrored requests also sent to the secondary (0 = none)")
    p.add_argument("--log", required=True, metavar="DIR", help="the pair log folder")
    p.add_argument("--log-content", choices=_CONTENT, default="hash",
                   help="what the log keeps of text: full, hash (sha256 + length; default), none")
    p.add_argument("--providers", action="append", default=[], metavar="FILE",
                   help="providers YAML file (repeatable), added to the packaged catalogue")
    p.add_argument("--timeout", type=positive, default=60.0, metavar="SECONDS",
                   help="per-phase timeout of each shadow request (default 60)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="retries of a shadow request on 429 / 5xx / transport errors")
    p.add_argument("--simulate", action="store_true",
                   help="aim every target at a local reference simulator (offline)")
    p.add_argument("--sim-latency-ms", type=non_negative, default=20.0, metavar="MS")
    p.add_argument("--seed", type=int, default=None, help="seed of sampling and retry jitter")


def add_parser(sub: Any) -> None:
    top = sub.add_parser(
        "shadow", help="shadow traffic: mirror proxy, replay, diff report",
        description="Compare a candidate with the primary on real traffic: `proxy` serves the "
        "primary's API and mirrors a sample of requests to the candidate, `replay` sends "
        "captured traffic to both, and the pairs are diffed into a report.",
    )
    verbs = top.add_subparsers(dest="verb", metavar="VERB", parser_class=type(top))
    verbs.required = True
    p = verbs.add_parser("proxy", help="serve the primary's API, mirror requests to a candidate")
    _arms(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port, default=8400, help="0 picks a free port")
    p.add_argument("--sample", type=fraction, default=0.1, metavar="F",
                   help="share of the requests mirrored (default 0.1)")
    p.add_argument("--max-in-flight", type=_positive_int, default=64, metavar="N",
                   help="shadows running at once; beyond, requests are not mirrored (counted)")
    p.add_argument("--shadow-timeout", type=positive, default=30.0, metavar="SECONDS",
                   help="deadline of each shadow arm, retries included")
    p.add_argument("--grace", type=non_negative, default=10.0, metavar="SECONDS",
                   help="on SIGINT / SIGTERM, how long the shadows in flight may finish")
    p.add_argument("--shadow-workers", type=_non_negative_int, default=0, metavar="N",
                   help="processes doing the shadow work (default 0: tasks on the proxy's own "
                   "event loop, fastest on 2 cores; N >= 1 for hosts with spare cores)")
    p.set_defaults(handler=run_proxy)
    r = verbs.add_parser("replay", help="send captured traffic to primary, candidate, secondary")
    r.add_argument("traffic", metavar="TRAFFIC",
                   help="a pair log, a JSONL of request bodies, an OpenAI batch file, or a "
                   "folder of cassettes")
    _arms(r)
    r.add_argument("-c", "--concurrency", type=_positive_int, default=8, metavar="N")
    r.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="replay the first N items only")
    r.add_argument("--no-recorded", dest="use_recorded", action="store_false",
                   help="send every item to the primary, even one with a recorded answer "
                   "(by default a recorded answer stands for the primary)")
    r.set_defaults(handler=run_replay)
    g = verbs.add_parser("report", help="shadow.md from a pair log; exit 1 when a gate fails")
    g.add_argument("log", metavar="LOG", nargs="?", help="a pair log folder or its pairs.jsonl")
    g.add_argument("--out", default=None, metavar="DIR", help="where shadow.md goes (default LOG)")
    g.add_argument("--gate", default=None, metavar="FILE", help="limits on beyond-noise diffs")
    g.add_argument("-q", "--quiet", action="store_true", help="print the verdict line only")
    g.add_argument("--explain", action="store_true",
                   help="print the shadow gate file's keys, defaults and meaning, and exit")
    g.set_defaults(handler=run_report)


def _settings(args: argparse.Namespace, concurrency: int) -> RunSettings:
    if args.retries < 0:
        raise UsageError(f"--retries must be >= 0, got {args.retries}")
    return RunSettings(providers=tuple(args.providers), simulate=args.simulate,
                       sim_latency_ms=args.sim_latency_ms, concurrency=concurrency,
                       timeout_s=args.timeout, retries=args.retries, seed=args.seed,
                       out=args.log, argv=tuple(sys.argv[1:]), runner="cli",
                       extra_meta={"command": f"shadow {args.verb}"})


def _roles(args: argparse.Namespace) -> dict[str, str | None]:
    secondary = args.secondary or args.primary
    return {"primary": args.primary, "candidate": args.candidate,
            "secondary": secondary if args.secondary_share > 0 else None}


def run_proxy(args: argparse.Namespace) -> int:
    from harness.shadow.proxy import ProxyOptions
    from harness.shadow.session import run_proxy as serve

    options = ProxyOptions(host=args.host, port=args.port, sample=args.sample,
                           secondary_share=args.secondary_share,
                           max_in_flight=args.max_in_flight,
                           shadow_timeout_s=args.shadow_timeout, grace_s=args.grace,
                           shadow_workers=args.shadow_workers, seed=args.seed)

    def ready(url: str) -> None:
        print(f"shadow proxy on {url} -> primary {args.primary}, candidate {args.candidate}; "
              f"pairs in {Path(args.log) / 'pairs.jsonl'} (Ctrl-C to stop)", flush=True)

    try:
        stats = serve(_roles(args), _settings(args, args.max_in_flight), options,
                      args.log_content, ready)
    except OSError as exc:
        raise UsageError(f"harness shadow proxy: cannot listen on {args.host}:{args.port}: "
                         f"{exc.strerror or exc}") from None
    print(_stats_line(stats), flush=True)
    return 0


def _stats_line(stats: dict[str, Any]) -> str:
    keys = ("requests", "mirrored", "skipped_sampling", "skipped_queue_full",
            "candidate_errors", "candidate_timeouts", "pairs_written")
    return "shadow: " + ", ".join(f"{k} {stats.get(k, 0)}" for k in keys)


def run_replay(args: argparse.Namespace) -> int:
    from harness.shadow.replay import ReplayOptions, replay

    options = ReplayOptions(limit=args.limit, use_recorded=args.use_recorded,
                            secondary_share=args.secondary_share, seed=args.seed)
    stats = replay(args.traffic, _roles(args), _settings(args, args.concurrency), options,
                   args.log_content)
    print(f"replayed {stats['items']} item(s) -> {stats['pairs_written']} pair(s) in "
          f"{Path(args.log) / 'pairs.jsonl'} (recorded primary {stats['recorded_primary']}, secondary "
          f"{stats['secondary_sent']}, candidate errors {stats['candidate_errors']}, timeouts "
          f"{stats['candidate_timeouts']})")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from harness.shadow.gate import explain
    from harness.shadow.report import shadow_report

    if args.explain:
        print(explain())
        return 0
    if not args.log:
        raise UsageError("harness shadow report needs LOG (a pair log folder) or --explain")
    verdict, text = shadow_report(args.log, out=args.out, gate=args.gate, quiet=args.quiet)
    print(text)
    return int(verdict.exit_code)
