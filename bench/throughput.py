"""Throughput of the engine against the reference simulator, next to bare aiohttp and httpx.

    .venv/bin/python bench/throughput.py [--n 1000] [--latency-ms 200] [--concurrency 64,256]
                                         [--stock-httpx] [--stub]

The simulator runs in a SEPARATE PROCESS (harness.sim.SimServer inside a multiprocessing child;
with --stub, or when harness.sim is not importable, a minimal aiohttp server that answers a
fixed chat completion after the latency). For each concurrency C, side by side in one run:

    floor     ceil(N / C) x latency: what a zero-cost client would take
    aiohttp   N POSTs of a small chat request, C workers, one aiohttp session
    httpx     the same with a default httpx.AsyncClient (limits = C)
    harness   engine.runner.run_jobs over N jobs of a one-case suite (checks `status: 200` and
              `usage`), results.jsonl written to a temp folder, default AiohttpTransport
    stock     (--stock-httpx) the harness on httpx's own transport

Goal: harness within 1.15x of the floor. Also times `python -m harness --help` (best of 5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `harness` importable
    sys.path.insert(0, str(ROOT))

from harness.core.loop import run as run_loop

SIM_KEY = "sim-key"
SIM_KEY_ENV = "HARNESS_BENCH_SIM_KEY"
MODEL = "mistral-medium-3-1"  # served by the simulator's openai dialect (the gateway model)
CHAT_PATH = "/chat/completions"


# -- the server process -----------------------------------------------------------------------


def _stub_answer() -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "pong"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
        }
    ).encode()


def _serve_stub(conn: Any, latency_ms: float, kind: str) -> None:
    from aiohttp import web

    answer = _stub_answer()
    delay = latency_ms / 1000.0

    async def chat(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(delay)
        return web.Response(body=answer, content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/v1" + CHAT_PATH, chat)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        conn.send((kind, f"http://127.0.0.1:{port}/v1"))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await runner.cleanup()

    run_loop(main())


def _server_main(conn: Any, latency_ms: float, stub: bool) -> None:
    """Child process: serve until the parent sends anything on `conn`."""
    kind = "built-in stub (--stub)"
    if not stub:
        try:
            from harness.sim import SimConfig, SimServer
        except ImportError as exc:
            kind = f"built-in stub (harness.sim not available: {exc})"
        else:
            with SimServer(SimConfig(dialect="openai", latency_ms=latency_ms)) as srv:
                conn.send(("harness.sim", srv.url))
                conn.recv()
            return
    _serve_stub(conn, latency_ms, kind)


class ServerProcess:
    def __init__(self, latency_ms: float, stub: bool) -> None:
        ctx = mp.get_context("spawn")
        self._parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_server_main, args=(child, latency_ms, stub), daemon=True)

    def __enter__(self) -> tuple[str, str]:
        self._proc.start()
        if not self._parent.poll(30):
            self._proc.kill()
            raise RuntimeError("the simulator process did not start within 30 s")
        kind, url = self._parent.recv()
        return kind, url

    def __exit__(self, *exc: object) -> None:
        try:
            self._parent.send("stop")
        except OSError:
            pass
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)


# -- the clients ------------------------------------------------------------------------------


def _request_parts(url: str) -> tuple[str, bytes, dict[str, str]]:
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 8},
        separators=(",", ":"),
    ).encode()
    headers = {"content-type": "application/json", "authorization": f"Bearer {SIM_KEY}"}
    return url + CHAT_PATH, body, headers


async def bare_aiohttp(url: str, n: int, c: int) -> tuple[float, int]:
    import aiohttp

    full, body, headers = _request_parts(url)
    bad = 0
    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c)) as session:
        todo = iter(range(n))

        async def worker() -> None:
            nonlocal bad
            for _ in todo:
                async with session.post(full, data=body, headers=headers) as resp:
                    await resp.read()
                    bad += resp.status != 200

        await asyncio.gather(*(worker() for _ in range(c)))
    return time.perf_counter() - t0, bad


async def bare_httpx(url: str, n: int, c: int) -> tuple[float, int]:
    import httpx

    full, body, headers = _request_parts(url)
    bad = 0
    t0 = time.perf_counter()
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        todo = iter(range(n))

        async def worker() -> None:
            nonlocal bad
            for _ in todo:
                resp = await client.post(full, content=body, headers=headers)
                bad += resp.status_code != 200

        await asyncio.gather(*(worker() for _ in range(c)))
    return time.perf_counter() - t0, bad


def _jobs(url: str, n: int) -> list[Any]:
    from harness.core.models import Case, CheckSpec, Job, ModelInfo, Provider, Target

    model = ModelInfo(id=MODEL)
    provider = Provider(name="sim", base_url=url, dialect="openai", models={MODEL: model},
                        api_key_env=SIM_KEY_ENV)
    request = {"messages": [{"role": "user", "content": "ping"}], "max_tokens": 8}
    case = Case(
        suite="bench",
        id="ping",
        request=request,
        expect=[CheckSpec("status", 200), CheckSpec("usage", None)],
        repeat=n,
    )
    target = Target(provider, model)
    return [Job(case=case, target=target, request=request, repeat=i) for i in range(n)]


def harness_run(url: str, n: int, c: int, stock: bool = False) -> tuple[float, int]:
    """The jobs through the session layer (plan_jobs -> Run -> run_all), as `harness run`
    runs them; timed from the first request to the last row written."""
    from harness.engine.transport import stock_transport
    from harness.session import Run, RunSettings, plan_jobs

    os.environ[SIM_KEY_ENV] = SIM_KEY
    jobs = _jobs(url, n)
    with tempfile.TemporaryDirectory() as tmp:
        settings = RunSettings(concurrency=c, timeout_s=60, seed=0, mode="live", out=tmp,
                               runner="bench")
        plan = plan_jobs(settings, jobs, [jobs[0].target])
        with Run(plan, transport=stock_transport(c) if stock else None) as run:
            t0 = time.perf_counter()
            rows = run.run_all()
            elapsed = time.perf_counter() - t0
    failed = [r for r in rows if not r["passed"]]
    if failed:
        first = failed[0]
        print(
            f"  ! {len(failed)} harness rows failed, e.g. {first['error_class']}: "
            f"{first['failures'] or first['error_message']}",
            file=sys.stderr,
        )
    return elapsed, len(failed)


def startup_time() -> str:
    try:
        import importlib.util

        if importlib.util.find_spec("harness.__main__") is None:
            return "n/a (no harness CLI)"
    except ImportError:
        return "n/a (no harness CLI)"
    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "harness", "--help"],
            cwd=ROOT,
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            return f"n/a (exit {proc.returncode}: {err[-1] if err else ''})"
        best = min(best, elapsed)
    return f"{best * 1000:.0f} ms (best of 5)"


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="requests per measurement")
    ap.add_argument("--latency-ms", type=float, default=200.0, help="simulator latency")
    ap.add_argument("--concurrency", default="64,256", help="comma-separated, e.g. 16,64,256")
    ap.add_argument(
        "--stock-httpx", action="store_true", help="also the harness on httpx's transport"
    )
    ap.add_argument(
        "--stub", action="store_true", help="use the built-in stub server, not harness.sim"
    )
    args = ap.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    n, lat = args.n, args.latency_ms

    with ServerProcess(lat, args.stub) as (kind, url):
        print(f"server: {kind} at {url}, latency {lat:g} ms, N={n}, {os.cpu_count()} CPUs")
        run_loop(bare_aiohttp(url, 2, 1))  # warm the server up (imports, first connection)
        head = (
            f"{'C':>5} {'floor s':>8} {'aiohttp s':>10} {'httpx s':>8} {'harness s':>10} "
            f"{'harness/floor':>14} {'harness/aiohttp':>16}"
        )
        if args.stock_httpx:
            head += f" {'stock s':>8} {'stock/floor':>12}"
        print(head)
        for c in levels:
            floor = math.ceil(n / c) * lat / 1000.0
            t_aio, bad_a = run_loop(bare_aiohttp(url, n, c))
            t_hx, bad_h = run_loop(bare_httpx(url, n, c))
            t_h, bad_r = harness_run(url, n, c)
            line = (
                f"{c:>5} {floor:>8.2f} {t_aio:>10.2f} {t_hx:>8.2f} {t_h:>10.2f} "
                f"{t_h / floor:>14.3f} {t_h / t_aio:>16.3f}"
            )
            if args.stock_httpx:
                t_s, _ = harness_run(url, n, c, stock=True)
                line += f" {t_s:>8.2f} {t_s / floor:>12.3f}"
            if bad_a or bad_h or bad_r:
                line += f"   (non-200 / failed: aiohttp {bad_a}, httpx {bad_h}, harness {bad_r})"
            print(line, flush=True)
    print(f"`python -m harness --help`: {startup_time()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
