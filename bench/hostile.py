"""Hostile answers: time and peak memory of one job meeting each (the limits of engine/send.py).

    .venv/bin/python bench/hostile.py [--only KIND ...]

The reference simulator (harness.sim, in THIS process) answers with each `harness.sim.hostile`
fault; every job runs in its own child process (`--child`), through the real engine (aiohttp
transport, execute, evaluate), so the peak memory printed is that child's whole-process
`ru_maxrss` and nothing of the simulator or the previous job. A child whose job took more than
SIZE_GUARD of memory would be a regression: the figures are what the limits promise.

Printed per answer: the row's error_class, seconds, the child's peak RSS (MiB), and the size of
the body kept. The floor is a plain answer (python + httpx + aiohttp + the harness imported).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (label, fault kind, stream?, extra request headers, RunSettings-like options)
CASES: list[tuple[str, str | None, bool, dict[str, str], dict[str, Any]]] = [
    ("plain answer (floor)", None, False, {}, {}),
    ("deep JSON 2,000 levels, 200", "deep_json", False, {}, {}),
    ("deep JSON 2,000 levels, 400", "deep_json_400", False, {}, {}),
    ("deep JSON 2,000 levels, stream event", "deep_json_stream", True, {}, {}),
    ("1 byte/s drip, --timeout 5", "slow_drip", False, {}, {"timeout_s": 5.0}),
    ("endless stream (as fast as sent)", "endless_stream", True, {}, {}),
    ("endless stream (an event / 10 ms), --timeout 5", "endless_stream", True,
     {"x-sim-chunk-delay-ms": "10"}, {"timeout_s": 5.0}),
    ("': ping' every second, --timeout 5", "ping_forever", True, {}, {"timeout_s": 5.0}),
    ("2 GB body", "huge_body", False, {"x-sim-size-mib": "2048"}, {}),
    ("1 MB gzip -> 1 GB", "gzip_bomb", False, {"x-sim-size-mib": "1024"}, {}),
    ("Retry-After: 3600, --retries 3", "429_long", False, {}, {"retries": 3}),
]


async def _one(url: str, kind: str | None, stream: bool, headers: dict[str, str],
               opts: dict[str, Any]) -> dict[str, Any]:
    from harness.checks.evaluate import evaluate
    from harness.core.models import Case, Job, ModelInfo, Provider, Target
    from harness.engine.retry import RetryPolicy
    from harness.engine.send import SendOptions, execute
    from harness.engine.transport import make_client

    model = ModelInfo(id="mistral-medium-3-1")
    fault = {"x-sim-fault": kind} if kind else {}
    provider = Provider(name="sim", base_url=url, dialect="openai", headers={**fault, **headers})
    request: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
    if stream:
        request["stream"] = True
    job = Job(case=Case(suite="s", id="c", request=request), target=Target(provider, model),
              request=request)
    timeout = float(opts.get("timeout_s", 60.0))
    options = SendOptions(policy=RetryPolicy(max_attempts=int(opts.get("retries", 0)) + 1),
                          timeout_s=timeout, rng=random.Random(0))
    client = make_client(None, timeout=timeout, max_connections=2)
    t0 = time.perf_counter()
    try:
        exchange = await execute(job, client, options, "sim-key")
    finally:
        await client.aclose()
    row = evaluate(job, exchange, run_id="bench", mode="live")
    return {"seconds": time.perf_counter() - t0, "error_class": row["error_class"],
            "message": (row["error_message"] or "")[:110], "kept": len(exchange.body),
            "attempts": row["attempts"]}


def child(url: str, index: int) -> None:
    _label, kind, stream, headers, opts = CASES[index]
    out = asyncio.run(_one(url, kind, stream, headers, opts))
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("URL", "INDEX"), help=argparse.SUPPRESS)
    parser.add_argument("--only", action="append", default=[], metavar="KIND",
                        help="run only these fault kinds (repeatable)")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    from harness.sim import SimConfig, SimServer

    print(f"{'answer':48} {'row':12} {'seconds':>8} {'peak MiB':>9} {'kept':>10}  message")
    with SimServer(SimConfig(dialect="openai", latency_ms=0)) as srv:
        for i, (label, kind, *_rest) in enumerate(CASES):
            if args.only and kind not in args.only:
                continue
            done = subprocess.run([sys.executable, __file__, "--child", srv.url, str(i)],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{label:48} CRASHED: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{label:48} {r['error_class'] or 'passed':12} {r['seconds']:8.2f} "
                  f"{r['peak_mib']:9.1f} {r['kept']:10d}  {r['message']}")


if __name__ == "__main__":
    main()
