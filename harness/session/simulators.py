"""The reference simulators a run starts for --simulate: one per provider, for the run.

    live    the plan's sim-<provider> targets are re-aimed at them (`aim`)
    route   the targets keep their real names and URLs; a RoutingTransport sends the traffic
            of the jobs that record to them (the cassettes say they come from the simulator)
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from harness.core.models import Job, Target

__all__ = ["SIM_CHUNK_DELAY_MS", "aim", "start_simulators"]

SIM_CHUNK_DELAY_MS = 5.0


def start_simulators(stack: contextlib.ExitStack, providers: Sequence[Any],
                     latency_ms: float) -> dict[str, Any]:
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


def aim(jobs: Sequence[Job], targets: Sequence[Target],
        urls: dict[str, str]) -> tuple[list[Job], list[Target]]:
    """Jobs and targets with each provider's base URL replaced by `urls[provider name]`."""
    new: dict[str, Target] = {}
    for target in targets:
        url = urls.get(target.provider.name)
        new[target.name] = target if url is None else Target(
            provider=replace(target.provider, base_url=url), model=target.model)
    out = [job if new.get(job.target.name, job.target) is job.target
           else replace(job, target=new[job.target.name]) for job in jobs]
    return out, [new[t.name] for t in targets]
