"""Replay speed: the harness replaying cassettes (checks + results.jsonl) vs stock vcrpy.

    .venv/bin/python bench/replay.py [--n 1000] [--rounds 3] [--concurrency 8]

Set-up: a suite of N one-request cases (distinct prompts) on one target is RECORDED from the
reference simulator (harness.sim, in-process) into a temp folder: N one-interaction cassettes
in the harness format (vcrpy v1 YAML). The simulator is then STOPPED, and side by side in one
run (best of --rounds each, same cassettes, warm page cache):

    harness      engine.runner.run_jobs(mode="replay") from a fresh CassetteStore: lazy
                 cassette loading, request matching, the checks (status, usage,
                 finish_reason, regex, cost_usd), the result rows, results.jsonl written
    vcrpy        stock vcrpy: for each cassette `with vcr.use_cassette(path,
                 record_mode="none", match_on=["method", "uri", "body"])` the same request is
                 sent with httpx.Client (vcrpy's httpx stubs answer it); no checks, no rows
    checks only  checks.evaluate on in-memory Exchanges built from the already-parsed
                 interactions (no loading, no matching, no file): the floor of a replay with
                 checks
    block YAML   the harness replaying the same cassettes rewritten in YAML block style (as
                 vcrpy writes them): what loading them with libyaml instead of json costs

Prints cases per second and the ratio harness / vcrpy. Goal: >= 2x, checks included.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `harness` importable
    sys.path.insert(0, str(ROOT))


SIM_KEY = "sim-key"
MODEL = "mistral-medium-3-1"  # served by the simulator's openai dialect


def make_jobs(url: str, n: int) -> list[Any]:
    from harness.core.models import Case, CheckSpec, Job, ModelInfo, Price, Provider, Target

    model = ModelInfo(id=MODEL, price=Price(input_per_m=0.52, output_per_m=2.6))
    provider = Provider(name="sim", base_url=url, dialect="openai", models={MODEL: model},
                        api_key_env="SIM_KEY_FOR_BENCH")
    target = Target(provider, model)
    expect = [
        CheckSpec("status", 200),
        CheckSpec("usage", None),
        CheckSpec("finish_reason", ["stop", "length"]),
        CheckSpec("regex", r"\w+"),
        CheckSpec("cost_usd", {"max": 0.01}),
    ]
    jobs = []
    for i in range(n):
        request = {
            "messages": [{"role": "user", "content": f"Question number {i}: say something."}],
            "max_tokens": 16,
            "temperature": 0,
        }
        case = Case(suite="bench", id=f"case{i:05d}", request=request, expect=list(expect))
        jobs.append(Job(case=case, target=target, request=request))
    return jobs


def _session(jobs: list[Any], mode: str, cassettes: Path, concurrency: int,
             out: str) -> list[dict[str, Any]]:
    """The jobs through the session layer (plan_jobs -> Run -> run_all), as `harness run`."""
    from harness.session import Run, RunSettings, plan_jobs

    os.environ["SIM_KEY_FOR_BENCH"] = SIM_KEY
    settings = RunSettings(mode=mode, cassettes=str(cassettes), concurrency=concurrency,
                           out=out, runner="bench")
    with Run(plan_jobs(settings, jobs, [jobs[0].target])) as run:
        return run.run_all()


def record(jobs: list[Any], cassettes: Path) -> None:
    with tempfile.TemporaryDirectory() as out:
        rows = _session(jobs, "record", cassettes, 32, out)
    bad = [r for r in rows if not r["passed"]]
    if bad:
        raise SystemExit(f"recording failed: {bad[0]['failures'] or bad[0]['error_message']}")


def harness_replay(jobs: list[Any], cassettes: Path, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        rows = _session(jobs, "replay", cassettes, concurrency, out)
        elapsed = time.perf_counter() - t0
    bad = [r for r in rows if not r["passed"]]
    if bad:
        raise SystemExit(f"replay failed: {bad[0]['error_class']}: {bad[0]['error_message']}")
    return elapsed


def vcrpy_replay(jobs: list[Any], paths: list[Path]) -> float:
    import httpx
    import vcr

    from harness.wire.dialects import prepare

    requests = [prepare(job, SIM_KEY) for job in jobs]
    t0 = time.perf_counter()
    with httpx.Client() as client:
        for prepared, path in zip(requests, paths, strict=True):
            with vcr.use_cassette(str(path), record_mode="none",
                                  match_on=["method", "uri", "body"]):
                resp = client.post(prepared.url, content=prepared.body, headers=prepared.headers)
                if resp.status_code != 200:
                    raise SystemExit(f"vcrpy replayed status {resp.status_code} for {path}")
    return time.perf_counter() - t0


def checks_only(jobs: list[Any], paths: list[Path]) -> float:
    from harness.checks.evaluate import evaluate
    from harness.core.models import Exchange
    from harness.record.cassette import load_cassette
    from harness.wire.dialects import prepare

    parsed = []
    for job, path in zip(jobs, paths, strict=True):
        (inter,) = load_cassette(path).interactions
        parsed.append((job, prepare(job, SIM_KEY), inter))
    t0 = time.perf_counter()
    for job, prepared, inter in parsed:
        ex = Exchange(
            method=prepared.method, url=prepared.url, request_headers=prepared.masked_headers,
            request_body=prepared.sent, status_code=inter.status,
            response_headers={k: ", ".join(v) for k, v in inter.response_headers.items()},
            body=inter.body, t_start=0.0, t_first_byte=(inter.ttfb_ms or 0) / 1000,
            t_end=(inter.latency_ms or 0) / 1000, attempts=1,
        )
        row = evaluate(job, ex, run_id="bench-checks", mode="replay")
        if not row["passed"]:
            raise SystemExit(f"checks failed: {row['failures']}")
    return time.perf_counter() - t0


def to_block_style(src: Path, dst: Path) -> None:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for path in src.rglob("*.yaml"):
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        out.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False),
                       encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="cassettes (cases), default 1000")
    ap.add_argument("--rounds", type=int, default=3, help="best of R rounds each (default 3)")
    ap.add_argument("--concurrency", type=int, default=8, help="harness workers (default 8)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore", DeprecationWarning)  # vcrpy's own

    from harness.record.store import CassetteStore
    from harness.sim import SimConfig, SimServer

    with tempfile.TemporaryDirectory() as tmp:
        cassettes = Path(tmp) / "cassettes"
        with SimServer(SimConfig(dialect="openai")) as sim:
            jobs = make_jobs(sim.url, args.n)
            t0 = time.perf_counter()
            record(jobs, cassettes)
            rec_s = time.perf_counter() - t0
        store = CassetteStore(cassettes)
        paths = [store.path(job) for job in jobs]
        size = sum(p.stat().st_size for p in paths)
        print(f"recorded {args.n} one-interaction cassettes from the simulator in {rec_s:.2f} s "
              f"({size / args.n:.0f} bytes each); simulator stopped\n")
        block = Path(tmp) / "block"
        to_block_style(cassettes, block)
        results: dict[str, float] = {}
        for name, fn in (
            ("harness replay (checks + results.jsonl)",
             lambda: harness_replay(jobs, cassettes, args.concurrency)),
            ("stock vcrpy 9.4 + httpx (no checks)", lambda: vcrpy_replay(jobs, paths)),
            ("checks only (in-memory exchanges)", lambda: checks_only(jobs, paths)),
            ("harness replay, block-style YAML (libyaml)",
             lambda: harness_replay(jobs, block, args.concurrency)),
        ):
            results[name] = min(fn() for _ in range(args.rounds))
        width = max(len(k) for k in results)
        print(f"{'':{width}}  {'seconds':>8}  {'cases/s':>8}")
        for name, secs in results.items():
            print(f"{name:{width}}  {secs:8.3f}  {args.n / secs:8.0f}")
        harness_s, vcr_s = list(results.values())[:2]
        print(f"\nharness / vcrpy: {vcr_s / harness_s:.2f}x the cases per second (goal >= 2x)")
    return 0


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    raise SystemExit(main())
