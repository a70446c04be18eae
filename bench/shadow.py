"""Client-side latency through the shadow proxy vs direct to the primary, side by side.

    .venv/bin/python bench/shadow.py [--n 1000] [--clients 200] [--latency-ms 200]

Processes: the primary simulator (openai dialect, fixed latency, no jitter) in one child, the
candidate simulators (one that answers after the same latency, one that hangs) in another, each
proxy in its own child (`harness.shadow.session.run_proxy`, as `harness shadow proxy` runs
it), and the clients here: `--clients` concurrent aiohttp workers sending `--n` small chat
requests (after a warm-up of one request per client). Rows, in one run:

    direct                 the clients straight to the primary
    proxy s=0.1 / s=1      through the proxy, 10 % / 100 % of the requests mirrored
    candidate down         s=1, the candidate's port closed
    candidate hangs        s=1, the candidate never answers (shadow timeout 30 s, so the
                           shadow queue fills up and the rest is counted queue_full)
    proxy s=1 httpx        s=1 with the session's httpx client on the client path
                           (the measurement behind the choice of aiohttp; ARCHITECTURE.md)

each of the first four twice: `in-proc` (--shadow-workers 0: the shadow's work on the
proxy's event loop) and `worker` (--shadow-workers 1: in a worker process).

Per row: p50 / p99 of the client's latency, the added ms against `direct` at p50 and p99
(goal <= 2 ms and <= 5 ms), client errors (goal 0), and the proxy's counters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `harness` importable
    sys.path.insert(0, str(ROOT))

from harness.core.loop import run as run_loop

KEY = "sim-key"
MODEL = "mistral-medium-3-1"
BODY = json.dumps({"model": MODEL, "max_tokens": 8, "temperature": 0,
                   "messages": [{"role": "user", "content": "ping"}]}).encode()


def _sims_main(conn: Any, latency_ms: float, which: str) -> None:
    from harness.sim import FaultConfig, SimConfig, SimServer

    if which == "primary":
        configs = [SimConfig(dialect="openai", latency_ms=latency_ms)]
    else:
        configs = [SimConfig(dialect="openai", latency_ms=latency_ms),
                   SimConfig(dialect="openai", faults=FaultConfig(rate=1.0, kinds=("timeout",),
                                                                  hang_s=3600))]
    servers = [SimServer(c) for c in configs]
    for s in servers:
        s.__enter__()
    conn.send([s.url for s in servers])
    conn.recv()
    for s in servers:
        s.__exit__(None, None, None)


def _proxy_main(conn: Any, providers: str, log: str, options: dict[str, Any]) -> None:
    import threading

    from harness.session.settings import RunSettings
    from harness.shadow.proxy import ProxyOptions
    from harness.shadow.session import run_proxy

    holder: list[Any] = []

    def ready(url: str) -> None:
        conn.send(url)

        def wait_stop() -> None:
            conn.recv()
            holder[1].call_soon_threadsafe(holder[0].set)

        threading.Thread(target=wait_stop, daemon=True).start()

    settings = RunSettings(providers=(providers,), out=log, retries=0, concurrency=64,
                           runner="bench")
    roles = {"primary": "prim/" + MODEL, "candidate": "cand/" + MODEL, "secondary": None}
    final = run_proxy(roles, settings, ProxyOptions(**options), "hash", ready, holder)
    conn.send(final)


class Child:
    def __init__(self, target: Any, *args: Any, daemon: bool = True) -> None:
        ctx = mp.get_context("spawn")
        self.parent, child = ctx.Pipe()
        # a proxy is not a daemon: it starts its own shadow worker process
        self.proc = ctx.Process(target=target, args=(child, *args), daemon=daemon)
        self.final: Any = None

    def __enter__(self) -> Any:
        self.proc.start()
        if not self.parent.poll(60):
            self.proc.kill()
            raise RuntimeError("a child process did not start within 60 s")
        return self.parent.recv()

    def __exit__(self, *exc: object) -> None:
        self.parent.send("stop")
        try:
            if self.parent.poll(60):
                self.final = self.parent.recv()
        except EOFError:  # a child with nothing to report (the simulators)
            pass
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()


async def clients(url: str, n: int, c: int) -> tuple[list[float], int]:
    """Latencies (ms) of `n` requests from `c` concurrent clients, and the errors."""
    import aiohttp

    headers = {"content-type": "application/json", "authorization": f"Bearer {KEY}"}
    full = url + "/v1/chat/completions"
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c)) as session:
        async def one(keep: bool) -> None:
            nonlocal errors
            t0 = time.perf_counter()
            try:
                async with session.post(full, data=BODY, headers=headers) as resp:
                    await resp.read()
                    ok = resp.status == 200
            except aiohttp.ClientError:
                ok = False
            if keep:
                latencies.append((time.perf_counter() - t0) * 1000.0)
            errors += (not ok) and keep

        await asyncio.gather(*(one(False) for _ in range(c)))  # warm-up: c connections
        todo = iter(range(n))

        async def worker() -> None:
            for _ in todo:
                await one(True)

        await asyncio.gather(*(worker() for _ in range(c)))
    return latencies, errors


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def _providers(folder: Path, name: str, primary: str, candidate: str) -> str:
    import yaml

    path = folder / f"{name}.yaml"
    data = {"providers": {
        "prim": {"extends": "empiriolabs", "base_url": primary, "api_key_env": "BENCH_PRIM_KEY"},
        "cand": {"extends": "empiriolabs", "base_url": candidate, "api_key_env": "BENCH_CAND_KEY"}}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _row(name: str, lat: list[float], errors: int, base: tuple[float, float] | None,
         stats: dict[str, Any] | None) -> str:
    p50, p99 = _pct(lat, 0.5), _pct(lat, 0.99)
    added = f"{p50 - base[0]:+7.2f} {p99 - base[1]:+7.2f}" if base else f"{'':>7} {'':>7}"
    counters = ""
    if stats:
        counters = (f"mirrored {stats['mirrored']}, queue_full {stats['skipped_queue_full']}, "
                    f"cand err {stats['candidate_errors']}, hand-off mean "
                    f"{stats['handoff']['mean_us'] or 0:.0f} us")
    return f"{name:<26} {p50:8.2f} {p99:8.2f} {added} {errors:6d}  {counters}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="measured requests per row")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--latency-ms", type=float, default=200.0)
    args = ap.parse_args()
    os.environ["BENCH_CAND_KEY"] = KEY  # the candidate's own key, inherited by the proxies
    rows = [(f"{name} {mode}", sample, cand, "aiohttp", workers)
            for name, sample, cand in (("proxy s=0.1", 0.1, "up"), ("proxy s=1", 1.0, "up"),
                                       ("candidate down", 1.0, "down"),
                                       ("candidate hangs", 1.0, "hang"))
            for mode, workers in (("in-proc", 0), ("worker", 1))]
    rows.append(("proxy s=1 httpx worker", 1.0, "up", "httpx", 1))
    print(f"shadow proxy bench: {args.n} requests, {args.clients} concurrent clients, primary "
          f"latency {args.latency_ms:g} ms (simulator), goal added <= 2 ms p50, <= 5 ms p99")
    print(f"{'row':<26} {'p50 ms':>8} {'p99 ms':>8} {'+p50':>7} {'+p99':>7} {'errors':>6}")
    with tempfile.TemporaryDirectory() as tmp, \
            Child(_sims_main, args.latency_ms, "primary") as (primary,), \
            Child(_sims_main, args.latency_ms, "candidates") as (cand_up, cand_hang):
        folder = Path(tmp)
        lat, errors = run_loop(clients(primary.removesuffix("/v1"), args.n, args.clients))
        base = (_pct(lat, 0.5), _pct(lat, 0.99))
        print(_row("direct", lat, errors, None, None), flush=True)
        candidates = {"up": cand_up, "down": _closed_port(), "hang": cand_hang}
        for name, sample, cand, client, workers in rows:
            providers = _providers(folder, name.replace(" ", "_"), primary, candidates[cand])
            options = {"sample": sample, "secondary_share": 0.0, "max_in_flight": 64,
                       "shadow_timeout_s": 30.0, "grace_s": 0.5, "client": client,
                       "shadow_workers": workers}
            child = Child(_proxy_main, providers, str(folder / name.replace(" ", "_")), options,
                          daemon=False)
            with child as url:
                lat, errors = run_loop(clients(url, args.n, args.clients))
            print(_row(name, lat, errors, base, child.final), flush=True)
    print(f"(median of direct: {statistics.median(base):.2f} ms; added = row - direct at the "
          "same percentile)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
