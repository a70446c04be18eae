"""The orchestration behind `harness run`: load, expand, execute, summarise, exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.errors import MissingCredentialError, UsageError
from harness.core.loop import run as run_loop
from harness.core.models import Job, Target

SIM_KEY = "sim-key"
SIM_CHUNK_DELAY_MS = 5.0


def _start_simulators(
    stack: contextlib.ExitStack, providers: Sequence[Any], latency_ms: float
) -> dict[str, Any]:
    """One reference simulator per provider (by name), started on `stack`."""
    from harness.sim import SimConfig, SimServer

    servers: dict[str, Any] = {}
    for provider in providers:
        if provider.name in servers:
            continue
        cfg = SimConfig(
            dialect=provider.dialect,
            models=tuple(provider.models),
            latency_ms=latency_ms,
            jitter_ms=latency_ms / 4,
            # paced streams, so tokens/s and inter-token latency look like a served model's
            chunk_delay_ms=SIM_CHUNK_DELAY_MS,
        )
        servers[provider.name] = stack.enter_context(SimServer(cfg))
    return servers


@contextlib.contextmanager
def simulated(targets: Sequence[Target], latency_ms: float) -> Iterator[list[Target]]:
    """Start one reference simulator per provider; yield the targets re-aimed at them (renamed
    sim-<provider>, so nobody mistakes the figures for a real provider's): live --simulate."""
    out: list[Target] = []
    with contextlib.ExitStack() as stack:
        servers = _start_simulators(stack, [t.provider for t in targets], latency_ms)
        for target in targets:
            provider = target.provider
            sim_provider = replace(
                provider,
                name=f"sim-{provider.name}",
                base_url=servers[provider.name].url,
                api_key_env=None,
                description=f"reference simulator of {provider.name} ({provider.dialect} dialect)",
            )
            out.append(Target(provider=sim_provider, model=target.model))
        yield out


@contextlib.contextmanager
def simulator_routes(targets: Sequence[Target], latency_ms: float) -> Iterator[dict[str, str]]:
    """Start one reference simulator per provider; yield {real base URL: simulator URL}, for a
    RoutingTransport: the targets keep their real names and URLs (recording from the
    simulator: --simulate with --mode record / auto)."""
    with contextlib.ExitStack() as stack:
        servers = _start_simulators(stack, [t.provider for t in targets], latency_ms)
        routes = {t.provider.base_url: servers[t.provider.name].url for t in targets}
        yield routes


def default_mode(jobs: Sequence[Job]) -> tuple[str, list[str]]:
    """The mode of a run given no --mode: live when every key the jobs need is set, else
    replay (the whole run, so a head-to-head never mixes live and recorded figures); with the
    variables that are not set."""
    missing = sorted({
        f"{env} (for {job.target.provider.name})"
        for job in jobs
        if (env := job.target.provider.api_key_env)
        and not os.environ.get(env)
        and job.request.get("auth", "key") == "key"
    })
    return ("replay" if missing else "live"), missing


def resolve_keys(jobs: Sequence[Job], simulate: bool) -> dict[str, str | None]:
    """Provider name -> API key from its environment variable; missing and needed is an error."""
    keys: dict[str, str | None] = {}
    needed: dict[str, str] = {}
    for job in jobs:
        provider = job.target.provider
        if provider.name in keys:
            continue
        if simulate:
            keys[provider.name] = SIM_KEY
            continue
        env = provider.api_key_env
        keys[provider.name] = os.environ.get(env) if env else None
        if env and not keys[provider.name] and job.request.get("auth", "key") == "key":
            needed[provider.name] = env
    if needed:
        listing = ", ".join(f"{env} (for {name})" for name, env in sorted(needed.items()))
        raise MissingCredentialError(
            f"missing API key: set {listing} in the environment. Keys are read from environment "
            "variables only. To try the suites without a key, add --simulate."
        )
    return keys


def execute_run(
    *,
    suite_paths: Sequence[str],
    target_names: Sequence[str],
    provider_files: Sequence[str] = (),
    concurrency: int = 8,
    out: str = "reports",
    timeout_s: float = 60.0,
    retries: int = 3,
    shard: tuple[int, int] | None = None,
    simulate: bool = False,
    sim_latency_ms: float = 20.0,
    seed: int | None = None,
    mode: str | None = None,
    cassettes: str = "cassettes",
    pace: bool = False,
    progress: bool = False,
    argv: Sequence[str] = (),
) -> int:
    """Modes (harness.record): live | record | replay | auto; None = the default: live, or
    replay when a key the jobs need is not set (and no --simulate). A replay needs no key and
    touches no network. --simulate: live renames the targets sim-<provider> and aims them at
    simulators; record / auto keep the real names and URLs and route the traffic of the jobs
    that record to simulators (the cassettes say `source: reference simulator`); replay ignores
    it (nothing is sent)."""
    from harness.engine.results import ResultWriter, create_run_dir, write_meta
    from harness.engine.retry import RetryPolicy
    from harness.engine.runner import run_jobs
    from harness.providers.catalogue import load_catalogue
    from harness.record.cassette import SIM_SOURCE
    from harness.record.store import CassetteStore
    from harness.suite import expand, load_suites
    from harness.wire.dialects import prepare

    catalogue = load_catalogue(provider_files)
    targets = [catalogue.resolve(name) for name in dict.fromkeys(target_names)]
    suites = load_suites(suite_paths)
    if retries < 0:
        raise UsageError(f"--retries must be >= 0, got {retries}")
    if mode is not None and mode not in ("live", "record", "replay", "auto"):
        raise UsageError(f"--mode must be live, record, replay or auto, got {mode!r}")

    with contextlib.ExitStack() as stack:
        if simulate and mode in (None, "live"):
            mode = "live"
            targets = stack.enter_context(simulated(targets, sim_latency_ms))
        jobs = expand(suites, targets, shard=shard)
        if not jobs:
            raise UsageError(
                "nothing to run: the suites' target and dialect filters exclude every case for "
                f"the targets {', '.join(t.name for t in targets)}"
            )
        for job in jobs:  # refuse unsupported endpoints before the first request
            prepare(job, None)
        defaulted: list[str] = []
        if mode is None:
            mode, defaulted = default_mode(jobs)
        store = CassetteStore(cassettes)
        store.hint_args = "".join(
            [f" --cassettes {cassettes}" if Path(cassettes) != Path("cassettes") else ""]
            + [f" --providers {f}" for f in provider_files]
        )
        plans = store.plan(jobs, mode)
        network = [job for job, how in zip(jobs, plans, strict=True) if how != "replay"]
        if defaulted and not any(store.path(job).is_file() for job in jobs):
            listing = ", ".join(defaulted)
            raise MissingCredentialError(
                f"missing API key: set {listing} in the environment. Keys are read from "
                "environment variables only. Without a key a run replays recorded cassettes, "
                f"but {cassettes}/ holds none for these jobs; to try the suites without a key, "
                "add --simulate (or record cassettes: --mode record)."
            )
        if defaulted:
            print(f"mode replay: {', '.join(defaulted)} not set, so the run replays the "
                  f"cassettes under {cassettes}/ (no network); set the key(s) or pass --mode "
                  "live to call the providers", file=sys.stderr)
        if simulate and mode == "replay":
            print("note: --simulate has no effect with --mode replay (nothing is sent)",
                  file=sys.stderr)
        transport = None
        sim_record = simulate and mode in ("record", "auto")
        if sim_record and network:
            from harness.engine.transport import AiohttpTransport
            from harness.record.routing import RoutingTransport

            routes = stack.enter_context(
                simulator_routes([job.target for job in network], sim_latency_ms)
            )
            transport = RoutingTransport(
                routes, AiohttpTransport(limit=concurrency * len(targets))
            )
            store.source = SIM_SOURCE
        keys = resolve_keys(network, simulate)  # a replayed job needs no key
        run_dir = create_run_dir(Path(out))
        store.run_id = run_dir.name
        meta: dict[str, Any] = {
            "run_id": run_dir.name,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "suites": [str(s.path) for s in suites],
            "targets": [t.name for t in targets],
            "mode": mode,
            "simulated": simulate,
            "argv": list(argv),
            "jobs": len(jobs),
            "status": "running",
        }
        if mode != "live":
            meta["cassettes"] = str(cassettes)
            meta["paced"] = pace
        write_meta(run_dir, meta)
        writer = ResultWriter(run_dir / "results.jsonl")
        bar = _Progress(len(jobs)) if progress else None
        status = "failed"
        try:
            rows = run_loop(
                run_jobs(
                    jobs,
                    run_id=run_dir.name,
                    mode=mode,
                    writer=writer,
                    concurrency=concurrency,
                    timeout_s=timeout_s,
                    policy=RetryPolicy(max_attempts=retries + 1),
                    transport=transport,
                    api_keys=keys,
                    on_result=bar.advance if bar else None,
                    seed=seed,
                    store=store if mode != "live" else None,
                    pace=pace,
                )
            )
            status = "complete"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            if bar:
                bar.close()
            writer.close()
            meta["status"] = status
            meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            write_meta(run_dir, meta)

    failed = [r for r in rows if not r["passed"]]
    meta["passed"] = len(rows) - len(failed)
    meta["failed"] = len(failed)
    modes = {m: sum(1 for r in rows if r.get("mode") == m) for m in ("replay", "record", "live")}
    if mode != "live":
        meta["jobs_by_mode"] = {m: n for m, n in modes.items() if n}
        meta["cassette_sources"] = sorted(store.sources | ({store.source} if modes["record"]
                                                            and store.source else set()))
    saved = write_meta(run_dir, meta)
    print_summary(rows, run_dir, saved)
    for line in cassette_lines(rows, store if mode != "live" else None, pace):
        print(line)
    verdict = "PASS" if not failed else "FAIL"
    print(f"{verdict}: {len(rows) - len(failed)}/{len(rows)} jobs passed; run folder {run_dir}")
    return 0 if not failed else 1


REPLAY_MISSES = ("no_recording", "stale_cassette", "bad_cassette")


def cassette_lines(rows: Sequence[dict[str, Any]], store: Any, pace: bool,
                   limit: int = 10) -> list[str]:
    """What the terminal says about cassettes: replay misses (each cassette once, in full),
    recorded latency, the source of the recordings, cassettes written."""
    if store is None:
        return []
    from harness.record.cassette import SIM_SOURCE

    out: list[str] = []
    seen: set[str] = set()
    misses = [r for r in rows if r.get("error_class") in REPLAY_MISSES]
    for r in misses:
        if r["cassette"] in seen:
            continue
        seen.add(r["cassette"])
        if len(seen) > limit:
            out.append(f"... and more replay misses ({len(misses)} jobs in all; see summary.md)")
            break
        out.append(f"{r['error_class'].upper()} {r['job_id']}: {r['error_message']}")
    replayed = sum(
        1 for r in rows if r.get("mode") == "replay" and r.get("error_class") not in REPLAY_MISSES
    )
    if replayed:
        how = ("paced: timings measured as streams were re-played at their recorded offsets; "
               "recorded_latency_ms holds the recorded latency") if pace else (
               "latency, TTFB and TTFT as recorded (recorded_latency_ms)")
        out.append(f"replayed {replayed} job(s) from {store.root}/: {how}")
    recorded = sum(1 for r in rows if r.get("mode") == "record")
    if recorded:
        out.append(f"recorded {recorded} job(s): {len(store.written)} cassette(s) written under "
                   f"{store.root}/")
        lost = [r["job_id"] for r in rows if r.get("mode") == "record" and r["status_code"] is None]
        if lost:
            out.append(f"not recorded ({len(lost)} job(s) got no HTTP response: "
                       f"{', '.join(lost[:3])}{', ...' if len(lost) > 3 else ''})")
    if SIM_SOURCE in store.sources or (recorded and store.source == SIM_SOURCE):
        out.append(f"cassettes from the {SIM_SOURCE}")
    return out


def print_summary(rows: Sequence[dict[str, Any]], run_dir: Path, meta: dict[str, Any]) -> None:
    """Write the reports of the run folder and print the terminal summary from the same
    figures (harness.report: pandas, imported here only)."""
    from harness.report.outputs import write_reports
    from harness.report.summary import failure_lines, render_pairs_text, render_text

    written = write_reports(run_dir, rows=rows, meta=meta)
    for line in failure_lines(rows):
        print(line)
    print(render_text(written.report.targets))
    if written.report.pairs:
        print()
        print(render_pairs_text(written.report.pairs))
    print("reports: " + ", ".join(p.name for p in written.paths))


class _Progress:
    """A rich progress bar on stderr, advanced once per result row."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._progress = Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=Console(file=sys.stderr), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("running", total=total)
        self._failed = 0

    def advance(self, row: dict[str, Any]) -> None:
        if not row.get("passed"):
            self._failed += 1
            self._progress.update(self._task, description=f"running ({self._failed} failed)")
        self._progress.advance(self._task)

    def close(self) -> None:
        self._progress.stop()
