"""Targets, mode, simulators, keys and the engine call for the plugin, with the meanings of
`harness run`.

This repeats a few decisions of `harness.cli.running.execute_run` (resolve the targets, pick
the default mode, re-aim or route traffic to simulators, read the keys of the jobs that reach
the network) by calling the same functions (`load_catalogue`, `simulated`, `simulator_routes`,
`resolve_keys`, `CassetteStore.plan`), because the CLI decides them for one batch of jobs and
the plugin per suite file and per item. Keep the two in step.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.errors import MissingCredentialError
from harness.core.models import Job, Target


def resolve_targets(names: Sequence[str], provider_files: Sequence[str]) -> list[Target]:
    """`provider/model` names -> Targets (UnknownTargetError / ProviderConfigError: usage)."""
    from harness.providers.catalogue import load_catalogue

    catalogue = load_catalogue(provider_files)
    return [catalogue.resolve(name) for name in dict.fromkeys(names)]


def default_mode(targets: Sequence[Target], simulate: bool) -> tuple[str, list[str]]:
    """The mode when none is given, as `harness run`: live when every target's key is set
    (or with --harness-simulate), else replay for the whole run; with the variables not set.
    (The CLI looks at the keys its jobs need; a pytest process decides before collecting.)"""
    if simulate:
        return "live", []
    missing = sorted({
        env for t in targets if (env := t.provider.api_key_env) and not os.environ.get(env)
    })
    return ("replay" if missing else "live"), missing


def simulated_name(target: Target) -> str:
    """The name live `harness run --simulate` gives a target (see cli.running.simulated)."""
    return f"sim-{target.provider.name}/{target.model.id}"


def start_simulators(
    stack: contextlib.ExitStack, targets: Sequence[Target], latency_ms: float
) -> list[Target]:
    """Live --simulate: one simulator per provider in this process; the targets re-aimed at
    them and renamed sim-<provider>/..."""
    from harness.cli.running import simulated

    return list(stack.enter_context(simulated(targets, latency_ms)))


def start_routes(
    stack: contextlib.ExitStack, targets: Sequence[Target], latency_ms: float
) -> dict[str, str]:
    """Record/auto --simulate: one simulator per provider in this process; {real base URL:
    simulator URL}, the targets keep their names (cassettes say they come from the simulator)."""
    from harness.cli.running import simulator_routes

    return dict(stack.enter_context(simulator_routes(targets, latency_ms)))


def plan(jobs: Sequence[Job], mode: str, cassettes: str) -> list[str]:
    """How each job runs: live, record or replay. `auto` is decided here, at collection, for
    every job at once (replay when its cassette exists), so that each item then runs in a
    fixed mode: an item never replays a cassette that another item of the same run recorded
    moments before (the repeats of a case share one cassette)."""
    from harness.record.store import CassetteStore

    return CassetteStore(cassettes).plan(jobs, mode)


def any_cassette(jobs: Sequence[Job], cassettes: str) -> bool:
    from harness.record.store import CassetteStore

    store = CassetteStore(cassettes)
    return any(store.path(job).is_file() for job in jobs)


def keys_for(network: Sequence[Job], *, simulate: bool) -> dict[str, str | None]:
    """Provider name -> key for the jobs that reach the network (a replay needs none);
    missing and needed is a usage error naming the variable, as in `harness run`."""
    from harness.cli.running import resolve_keys

    try:
        return resolve_keys(network, simulate)
    except MissingCredentialError as exc:
        text = str(exc).replace("add --simulate", "add --harness-simulate")
        raise MissingCredentialError(text) from None


def no_cassette_error(missing: Sequence[str], cassettes: str) -> MissingCredentialError:
    listing = ", ".join(missing)
    return MissingCredentialError(
        f"missing API key: set {listing} in the environment. Keys are read from environment "
        "variables only. Without a key a run replays recorded cassettes, but "
        f"{cassettes}/ holds none for this file's jobs; to try the suites without a key, add "
        "--harness-simulate (or record cassettes: --harness-mode record)."
    )


def run_one(
    job: Job,
    *,
    run_id: str,
    how: str,
    writer: Any,
    keys: Mapping[str, str | None],
    store: Any,
    pace: bool,
    routes: Mapping[str, str] | None,
    timeout_s: float,
    retries: int,
    seed: int | None,
) -> dict[str, Any]:
    """Run one job through the engine (as `harness run` does for many) and return its row."""
    from harness.core.loop import run as run_loop
    from harness.engine.retry import RetryPolicy
    from harness.engine.runner import run_jobs

    transport = None
    if routes and how == "record":  # recording from simulators under the real names
        from harness.engine.transport import AiohttpTransport
        from harness.record.routing import RoutingTransport

        transport = RoutingTransport(routes, AiohttpTransport(limit=4))
    rows = run_loop(
        run_jobs(
            [job],
            run_id=run_id,
            mode=how,
            writer=writer,
            concurrency=1,
            timeout_s=timeout_s,
            policy=RetryPolicy(max_attempts=retries + 1),
            transport=transport,
            api_keys=keys,
            seed=seed,
            store=store if how != "live" else None,
            pace=pace,
        )
    )
    return rows[0]
