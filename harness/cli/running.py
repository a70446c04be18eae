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


@contextlib.contextmanager
def simulated(targets: Sequence[Target], latency_ms: float) -> Iterator[list[Target]]:
    """Start one reference simulator per provider; yield the targets re-aimed at them."""
    from harness.sim import SimConfig, SimServer

    servers: dict[str, Any] = {}
    out: list[Target] = []
    with contextlib.ExitStack() as stack:
        for target in targets:
            provider = target.provider
            if provider.name not in servers:
                cfg = SimConfig(
                    dialect=provider.dialect,
                    models=tuple(provider.models),
                    latency_ms=latency_ms,
                    jitter_ms=latency_ms / 4,
                )
                servers[provider.name] = stack.enter_context(SimServer(cfg))
            sim_provider = replace(
                provider,
                name=f"sim-{provider.name}",
                base_url=servers[provider.name].url,
                api_key_env=None,
                description=f"reference simulator of {provider.name} ({provider.dialect} dialect)",
            )
            out.append(Target(provider=sim_provider, model=target.model))
        yield out


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
    progress: bool = False,
    argv: Sequence[str] = (),
) -> int:
    from harness.engine.results import ResultWriter, create_run_dir, write_meta
    from harness.engine.retry import RetryPolicy
    from harness.engine.runner import run_jobs
    from harness.providers.catalogue import load_catalogue
    from harness.suite import expand, load_suites
    from harness.wire.dialects import prepare

    catalogue = load_catalogue(provider_files)
    targets = [catalogue.resolve(name) for name in dict.fromkeys(target_names)]
    suites = load_suites(suite_paths)
    if retries < 0:
        raise UsageError(f"--retries must be >= 0, got {retries}")

    with contextlib.ExitStack() as stack:
        if simulate:
            targets = stack.enter_context(simulated(targets, sim_latency_ms))
        jobs = expand(suites, targets, shard=shard)
        if not jobs:
            raise UsageError(
                "nothing to run: the suites' target and dialect filters exclude every case for "
                f"the targets {', '.join(t.name for t in targets)}"
            )
        for job in jobs:  # refuse unsupported endpoints before the first request
            prepare(job, None)
        keys = resolve_keys(jobs, simulate)
        run_dir = create_run_dir(Path(out))
        meta: dict[str, Any] = {
            "run_id": run_dir.name,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "suites": [str(s.path) for s in suites],
            "targets": [t.name for t in targets],
            "mode": "live",
            "simulated": simulate,
            "argv": list(argv),
            "jobs": len(jobs),
            "status": "running",
        }
        write_meta(run_dir, meta)
        writer = ResultWriter(run_dir / "results.jsonl")
        bar = _Progress(len(jobs)) if progress else None
        status = "failed"
        try:
            rows = run_loop(
                run_jobs(
                    jobs,
                    run_id=run_dir.name,
                    mode="live",
                    writer=writer,
                    concurrency=concurrency,
                    timeout_s=timeout_s,
                    policy=RetryPolicy(max_attempts=retries + 1),
                    api_keys=keys,
                    on_result=bar.advance if bar else None,
                    seed=seed,
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
    saved = write_meta(run_dir, meta)
    print_summary(rows, run_dir, saved)
    verdict = "PASS" if not failed else "FAIL"
    print(f"{verdict}: {len(rows) - len(failed)}/{len(rows)} jobs passed; run folder {run_dir}")
    return 0 if not failed else 1


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
