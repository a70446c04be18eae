"""`harness simulate`: run the reference simulator as a server."""

from __future__ import annotations

import argparse
from typing import Any

from harness.cli.argtypes import fraction, non_negative, port


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "simulate", help="run the reference simulator (mistral or openai dialect)",
        description="Serve the reference simulator on HOST:PORT until Ctrl-C: a chat API of "
        "the mistral or openai dialect answering deterministically, with optional latency, "
        "jitter and injected faults (429, 500, 503, timeout, ...), for trying suites without "
        "a key or a network.",
    )
    p.add_argument("--dialect", choices=("mistral", "openai"), default="openai")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port, default=8300, help="0 picks a free port")
    p.add_argument("--latency-ms", type=non_negative, default=0.0, help="base latency per answer")
    p.add_argument("--jitter-ms", type=non_negative, default=0.0, help="uniform extra latency")
    p.add_argument("--fault-rate", type=fraction, default=0.0, help="share of requests that fail (0..1)")
    p.add_argument("--faults", default="429,500,503", help="fault kinds drawn from, comma-separated")
    p.add_argument("--seed", type=int, default=0, help="seed of the fault and jitter draws")
    p.add_argument("--api-key", action="append", default=[], metavar="KEY",
                   help="accepted bearer key (repeatable; default sim-key)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from harness.core.errors import UsageError
    from harness.sim import FaultConfig, SimConfig, serve

    kinds = tuple(k.strip() for k in args.faults.split(",") if k.strip())
    try:
        faults = FaultConfig(rate=args.fault_rate, seed=args.seed, kinds=kinds)
        config = SimConfig(
            dialect=args.dialect,
            api_keys=set(args.api_key) or None,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            seed=args.seed,
            faults=faults,
        )
    except ValueError as exc:
        raise UsageError(f"harness simulate: {exc}") from None
    try:
        serve(config, args.host, args.port)
    except OSError as exc:
        raise UsageError(
            f"harness simulate: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    return 0
