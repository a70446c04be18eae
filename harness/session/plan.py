"""plan_run(settings) -> RunPlan: targets, jobs, the mode of each job (one rule), keys,
the cassette store, how simulators are used, limits. Pure apart from reading files (suites,
providers, whether a cassette exists) and the environment (keys): nothing is started.

The one rule for the mode when none is given (`default_mode`): live when every key the jobs
need is set (a job needs its provider's key unless it sends `auth: invalid` or `auth: none`),
else replay, for all the jobs planned together, so a head-to-head never mixes live and
recorded figures. `--simulate` makes the default live. `auto` is decided per cassette here
(replay when it exists, record when not), once, so a job never replays a cassette another job
of the same run recorded moments before.

Simulators: live `--simulate` renames each target sim-<provider> (nobody mistakes the figures
for a real provider's) and the Run aims them at simulators it starts; record / auto
`--simulate` keep the real names and URLs and the Run routes the recording jobs' traffic to
simulators (the cassettes say `source: reference simulator`); replay ignores it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.core.errors import MissingCredentialError, UsageError
from harness.core.models import Job, Target
from harness.core.secrets import Scrubber, is_secret_header, url_secrets
from harness.session.settings import RunSettings

__all__ = [
    "SIM_KEY", "SIM_PLACEHOLDER", "RunPlan", "base_plan", "default_mode", "missing_keys", "plan_jobs",
    "plan_run", "resolve_keys", "resolve_targets", "rows_plan",
]

SIM_KEY = "sim-key"
SIM_PLACEHOLDER = "http://simulator.invalid"  # the base URL of a sim-<provider> until it starts


@dataclass
class RunPlan:
    """A run, decided: what each job is and how it runs. `Run(plan)` carries it out."""

    settings: RunSettings
    targets: list[Target]  # as run (sim-<provider> with live --simulate)
    jobs: list[Job]
    modes: dict[str, str]  # job id -> live | record | replay
    mode: str  # the run's mode: live | record | replay | auto
    keys: dict[str, str | None]  # provider name -> key, for the jobs that reach the network
    store: Any  # harness.record.store.CassetteStore, or None when live
    sim: str | None = None  # "live" (re-aim targets) | "route" (record from simulators) | None
    suites: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the terminal says before the run
    defaulted: list[str] = field(default_factory=list)  # key variables not set (mode defaulted)

    @property
    def network_jobs(self) -> list[Job]:
        return [job for job in self.jobs if self.modes[job.id] != "replay"]

    def jobs_in(self, mode: str) -> int:
        return sum(1 for m in self.modes.values() if m == mode)

    def scrubber(self) -> Scrubber:
        """The run's one scrubber: every key resolved (written as `$VAR` in `reproduce`),
        every secret header value of a provider, every secret a base_url carries (userinfo,
        `?key=`), and the environment's secret-named variables."""
        return run_scrubber(self.targets, self.keys)


def run_scrubber(targets: Sequence[Target], keys: Mapping[str, str | None]) -> Scrubber:
    secrets: list[str] = []
    names: dict[str, str] = {}
    for target in targets:
        provider = target.provider
        key = keys.get(provider.name)
        if key:
            secrets.append(key)
            if provider.api_key_env:
                names[key] = provider.api_key_env
        secrets += [v for k, v in provider.headers.items()
                    if is_secret_header(k, provider.secret_headers)]
        secrets += url_secrets(provider.base_url)
    # a secret that came from an environment variable (`?key=${MYKEY}`) is written `$MYKEY`
    by_value = {v: k for k, v in os.environ.items() if len(v) >= 8}
    names.update({s: by_value[s] for s in secrets if s not in names and s in by_value})
    return Scrubber(secrets, names=names)


def resolve_targets(names: Sequence[str], provider_files: Sequence[str]) -> list[Target]:
    """`provider/model` names -> Targets (UnknownTargetError / ProviderConfigError: usage)."""
    from harness.providers.catalogue import load_catalogue

    catalogue = load_catalogue(provider_files)
    return [catalogue.resolve(name) for name in dict.fromkeys(names)]


def sim_targets(targets: Sequence[Target]) -> list[Target]:
    """The targets live --simulate runs: sim-<provider>/<model>, no key, aimed nowhere yet."""
    out = []
    for target in targets:
        provider = target.provider
        out.append(Target(provider=replace(
            provider, name=f"sim-{provider.name}", base_url=SIM_PLACEHOLDER, api_key_env=None,
            description=f"reference simulator of {provider.name} ({provider.dialect} dialect)",
        ), model=target.model))
    return out


def _needs_key(job: Job) -> bool:
    return job.request.get("auth", "key") == "key"


def missing_keys(jobs: Sequence[Job]) -> list[str]:
    """`VAR (for provider)` for every key variable a job needs that is not set."""
    return sorted({
        f"{env} (for {job.target.provider.name})"
        for job in jobs
        if (env := job.target.provider.api_key_env) and not os.environ.get(env)
        and _needs_key(job)
    })


def default_mode(jobs: Sequence[Job], simulate: bool = False) -> tuple[str, list[str]]:
    """The mode given none (the one rule, see the module doc), with the variables not set."""
    if simulate:
        return "live", []
    missing = missing_keys(jobs)
    return ("replay" if missing else "live"), missing


def resolve_keys(jobs: Sequence[Job], simulate: bool, flag_prefix: str = "--") -> dict[str, str | None]:
    """Provider name -> API key from its environment variable; missing and needed is an error."""
    keys: dict[str, str | None] = {}
    needed: dict[str, str] = {}
    for job in jobs:
        provider = job.target.provider
        if provider.name in keys and provider.name not in needed:
            continue
        env = provider.api_key_env
        keys[provider.name] = SIM_KEY if simulate else (os.environ.get(env) if env else None)
        if env and not keys[provider.name] and _needs_key(job):
            needed[provider.name] = env
    if needed:
        listing = ", ".join(f"{env} (for {name})" for name, env in sorted(needed.items()))
        raise MissingCredentialError(
            f"missing API key: set {listing} in the environment. Keys are read from environment "
            f"variables only. To try the suites without a key, add {flag_prefix}simulate."
        )
    return keys


def _store(settings: RunSettings, mode: str) -> Any:
    from harness.record.cassette import SIM_SOURCE
    from harness.record.store import CassetteStore

    store = CassetteStore(settings.cassettes)
    if settings.runner == "cli":
        store.hint_args = "".join(
            [f" --cassettes {settings.cassettes}" if Path(settings.cassettes) != Path("cassettes")
             else ""] + [f" --providers {f}" for f in settings.providers]
        )
    if settings.simulate and mode in ("record", "auto"):
        store.source = SIM_SOURCE
    return store


def _no_cassette_error(settings: RunSettings, defaulted: Sequence[str], what: str) -> UsageError:
    p = settings.flag_prefix
    return MissingCredentialError(
        f"missing API key: set {', '.join(defaulted)} in the environment. Keys are read from "
        "environment variables only. Without a key a run replays recorded cassettes, but "
        f"{settings.cassettes}/ holds none for {what}; to try the suites without a key, add "
        f"{p}simulate (or record cassettes: {p}mode record)."
    )


def plan_jobs(settings: RunSettings, jobs: list[Job], targets: list[Target],
              what: str = "these jobs", store: Any = None) -> RunPlan:
    """The plan of given jobs (the pytest plugin plans each suite file's jobs with this);
    `store`: the run's CassetteStore when it has one already."""
    for job in jobs:  # refuse unsupported endpoints before the first request
        _check_endpoint(job)
    mode, defaulted = (settings.mode, []) if settings.mode else default_mode(jobs, settings.simulate)
    if mode != "live" and store is None:
        store = _store(settings, mode)
    per_job = store.plan(jobs, mode) if mode != "live" else ["live"] * len(jobs)
    modes = {job.id: how for job, how in zip(jobs, per_job, strict=True)}
    if defaulted and not any(store.path(job).is_file() for job in jobs):
        raise _no_cassette_error(settings, defaulted, what)
    sim = None
    if settings.simulate:
        sim = "live" if mode == "live" else ("route" if mode in ("record", "auto") else None)
    network = [job for job in jobs if modes[job.id] != "replay"]
    keys = resolve_keys(network, settings.simulate, settings.flag_prefix)
    plan = RunPlan(settings=settings, targets=targets, jobs=jobs, modes=modes, mode=mode,
                   keys=keys, store=store if mode != "live" else None, sim=sim,
                   defaulted=defaulted)
    plan.notes = _notes(plan)
    return plan


def _check_endpoint(job: Job) -> None:
    from harness.wire.dialects import prepare

    try:
        prepare(job, None)
    except UsageError as exc:
        where = job.case.loc
        raise type(exc)(f"{where}: {exc}" if where is not None else str(exc)) from None


def _notes(plan: RunPlan) -> list[str]:
    notes = []
    p = plan.settings.flag_prefix
    if plan.defaulted:
        notes.append(f"mode replay: {', '.join(plan.defaulted)} not set, so the run replays the "
                     f"cassettes under {plan.settings.cassettes}/ (no network); set the key(s) "
                     f"or pass {p}mode live to call the providers")
    if plan.settings.simulate and plan.mode == "replay":
        notes.append(f"note: {p}simulate has no effect with {p}mode replay (nothing is sent)")
    return notes


def base_plan(settings: RunSettings) -> RunPlan:
    """A plan with the targets and no jobs yet: the pytest plugin plans each suite file's jobs
    into it as pytest collects the file (`Run.plan_more`)."""
    base = resolve_targets(settings.target_names, settings.providers)
    live_sim = settings.simulate and settings.mode in (None, "live")
    mode = settings.mode or ("live" if settings.simulate else "")
    sim = None
    if settings.simulate:
        sim = "live" if live_sim else ("route" if mode in ("record", "auto") else None)
    return RunPlan(settings=settings, targets=sim_targets(base) if live_sim else base, jobs=[],
                   modes={}, mode=mode, keys={}, store=None, sim=sim)


def rows_plan(settings: RunSettings, mode: str) -> RunPlan:
    """A plan with no jobs to send, for a run whose rows come from elsewhere (`harness audit`
    judges recorded traffic; a shadow log later): the Run still owns its folder, run.json,
    writer and reports."""
    return RunPlan(settings=settings, targets=[], jobs=[], modes={}, mode=mode, keys={},
                   store=None)


def plan_run(settings: RunSettings) -> RunPlan:
    """Import the plugins, load the suites, keep the selected cases, resolve the targets,
    expand the jobs and decide how each runs."""
    from harness.suite import expand, load_suites
    from harness.suite.plugins import import_plugins

    base = resolve_targets(settings.target_names, settings.providers)
    if not base:
        raise UsageError(
            "no target given: pass --target provider/model (repeatable), e.g. "
            "--target mistral/mistral-medium-3.5; `harness targets` lists them"
        )
    import_plugins(settings.plugins, settings.flag("plugin"))
    suites = load_suites(list(settings.suites), max_jobs=settings.max_jobs,
                         jobs_flag=settings.flag("max-jobs"))
    suites = settings.selection.apply(suites)
    live_sim = settings.simulate and settings.mode in (None, "live")
    targets = sim_targets(base) if live_sim else base
    jobs = expand(suites, targets, shard=settings.shard, max_jobs=settings.max_jobs,
                  jobs_flag=settings.flag("max-jobs"))
    if not jobs:
        raise UsageError(
            "nothing to run: the suites' target and dialect filters exclude every case for "
            f"the targets {', '.join(t.name for t in targets)}"
        )
    plan = plan_jobs(settings, jobs, targets)
    plan.suites = list(suites)
    return plan
