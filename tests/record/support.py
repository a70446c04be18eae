"""Helpers for the record / replay tests: targets on a simulator, suites from text, runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.core.loop import run as run_loop
from harness.core.models import Job, Provider, Target
from harness.engine.results import ResultWriter
from harness.engine.retry import RetryPolicy
from harness.providers.catalogue import load_catalogue
from harness.suite import expand
from harness.suite.loader import load_suite_text
from tests.engine.runs import run_jobs

KEY = "sim-key"
# the columns that differ between a recorded run and its replay (timings, mode, identity)
TIMING = frozenset({
    "run_id", "started_at", "mode", "recorded_latency_ms", "latency_ms", "ttft_ms", "ttfb_ms",
    "itl_ms", "tokens_per_s", "turn_latencies_ms",
})


def sim_target(url: str, dialect: str = "openai", **over: Any) -> Target:
    """The seed target of `dialect` ("openai": the gateway, "mistral") aimed at `url`."""
    name = "empiriolabs/mistral-medium-3-1" if dialect == "openai" else "mistral/mistral-medium-3.5"
    real = load_catalogue([]).resolve(name)
    provider = Provider(**{**real.provider.__dict__, "base_url": url, **over})
    return Target(provider=provider, model=real.model)


def jobs_from(text: str, targets: list[Target], path: str = "suite.yaml") -> list[Job]:
    return expand([load_suite_text(text, path)], targets)


def run(jobs: list[Job], mode: str, cassettes: Path, *, out: Path | None = None,
        run_id: str = "r", key: str | None = KEY, concurrency: int = 8,
        **kw: Any) -> list[dict[str, Any]]:
    keys = {job.target.provider.name: key for job in jobs}
    writer = ResultWriter(out) if out is not None else None
    try:
        return run_loop(run_jobs(jobs, run_id=run_id, mode=mode, writer=writer, concurrency=concurrency,
                                 api_keys=keys, cassette_dir=cassettes,
                                 policy=RetryPolicy(max_attempts=1), **kw))
    finally:
        if writer is not None:
            writer.close()


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    """Equal apart from the timing / mode / identity columns (job order kept)."""
    assert [r["job_id"] for r in a] == [r["job_id"] for r in b]
    for x, y in zip(a, b, strict=True):
        for col in x:
            if col not in TIMING:
                assert x[col] == y[col], (x["job_id"], col, x[col], y[col])
