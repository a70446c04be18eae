"""The shadow's session: the proxy and replay run inside one `Run` like any other command.

    with shadow_run(roles, settings, need=("candidate",)) as (run, arms):
        run.run_async(...)               # the run's loop, client (retries, timeouts, limits)
                                         # and, with --simulate, its simulators

    roles      {"primary": "mistral/mistral-medium-3.5", "candidate": ..., "secondary": ...}
    settings   RunSettings (targets filled in here; out = the log folder); run.json lands in
               the log folder beside pairs.jsonl
    arms       {role: ArmTarget}: targets resolved through the providers catalogue (re-aimed
               at local reference simulators with --simulate, as `harness run --simulate`),
               keys from each provider's environment variable (sim-key when simulated)
    need       the roles whose key must be set (the proxy's primary uses the client's key)

    run_proxy(...)     the proxy in the current thread until SIGINT / SIGTERM (the CLI); the
                       shadow work in `options.shadow_workers` worker processes (each its
                       own Run over the same arms, keys from its environment), or with 0 on
                       the proxy's loop (the session's client, one PairLog here)
    ProxyServer(...)   the proxy in a background thread (tests, the bench): `.url`, `.stats`
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from harness.core.errors import UsageError
from harness.session.plan import SIM_KEY, base_plan
from harness.session.run import Run
from harness.session.settings import RunSettings
from harness.shadow.arms import ArmTarget, with_keys
from harness.shadow.pairs import PairLog
from harness.shadow.proxy import LocalShadows, ProxyOptions, ShadowProxy, Shadows
from harness.shadow.shadowing import Shadower
from harness.shadow.worker import WorkerPool, WorkerSpec

__all__ = ["ProxyServer", "run_proxy", "shadow_run"]


@contextlib.contextmanager
def shadow_run(roles: Mapping[str, str | None], settings: RunSettings,
               need: Sequence[str] = ("candidate",)) -> Iterator[tuple[Run, dict[str, ArmTarget]]]:
    """A Run over the shadow's targets, its folder the log folder (see the module doc)."""
    named = {role: name for role, name in roles.items() if name}
    if "primary" not in named or "candidate" not in named:
        raise UsageError("harness shadow needs --primary TARGET and --candidate TARGET "
                         "(provider/model; `harness targets` lists them)")
    order = list(dict.fromkeys(named.values()))
    settings = settings.but(targets=tuple(order))
    plan = base_plan(settings)
    log_dir = Path(settings.out)
    log_dir.mkdir(parents=True, exist_ok=True)
    with Run(plan, run_dir=log_dir) as run:
        by_name = dict(zip(order, run.targets, strict=True))  # re-aimed when simulated
        arms = {role: ArmTarget(role, by_name[name]) for role, name in named.items()}
        yield run, with_keys(arms, settings.simulate, need)


def _install_signals(stop: asyncio.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def _shadows(run: Run, arms: Mapping[str, ArmTarget], options: ProxyOptions, content: str,
             stack: contextlib.ExitStack) -> Shadows:
    """Worker processes (the default), or tasks on this loop with `shadow_workers=0`."""
    if options.shadow_workers > 0:
        keyless = {role: ArmTarget(role, a.target) for role, a in arms.items()}
        spec = WorkerSpec(keyless, run.settings, content, options.shadow_timeout_s)
        return WorkerPool(spec, options.shadow_workers)
    log = stack.enter_context(PairLog(run.settings.out, content=content, secrets=[
        a.key for a in arms.values() if a.key and a.key != SIM_KEY]))
    return LocalShadows(Shadower(arms, log, run.client, run.send_options,
                                 options.shadow_timeout_s))


def run_proxy(roles: Mapping[str, str | None], settings: RunSettings, options: ProxyOptions,
              content: str = "hash", ready: Callable[[str], None] | None = None,
              stop_holder: list[Any] | None = None) -> dict[str, Any]:
    """Serve the proxy until SIGINT / SIGTERM (or the event put in `stop_holder` is set,
    with its loop); the final stats."""
    PairLog(settings.out, content=content).close()  # a bad --log-content: a usage error now
    with shadow_run(roles, settings, need=("candidate",)) as (run, arms), \
            contextlib.ExitStack() as stack:
        shadows = _shadows(run, arms, options, content, stack)
        client = run.client if options.client == "httpx" else None
        proxy = ShadowProxy(arms, options, shadows, client)

        async def main() -> dict[str, Any]:
            stop = asyncio.Event()
            _install_signals(stop)
            if stop_holder is not None:
                stop_holder.extend([stop, asyncio.get_running_loop(), proxy])
            return await proxy.serve(stop, ready)

        return run.run_async(main())  # type: ignore[no-any-return]


class ProxyServer:
    """The proxy in a background thread: `with ProxyServer(roles, settings, options) as p:`
    then `p.url` (http://127.0.0.1:PORT); leaving stops it (drain, stats line) and `p.final`
    holds the last stats."""

    def __init__(self, roles: Mapping[str, str | None], settings: RunSettings,
                 options: ProxyOptions, content: str = "hash") -> None:
        self.roles, self.settings, self.options, self.content = roles, settings, options, content
        self.url = ""
        self.final: dict[str, Any] | None = None
        self._ready = threading.Event()
        self._holder: list[Any] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="shadow-proxy", daemon=True)

    def _main(self) -> None:
        def ready(url: str) -> None:
            self.url = url
            self._ready.set()

        try:
            self.final = run_proxy(self.roles, self.settings, self.options, self.content,
                                   ready, self._holder)
        except BaseException as exc:  # noqa: BLE001 - surfaced to the caller by __enter__
            self._error = exc
            self._ready.set()

    @property
    def proxy(self) -> ShadowProxy:
        return self._holder[2]  # type: ignore[no-any-return]

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._holder:
            stop, loop = self._holder[0], self._holder[1]
            loop.call_soon_threadsafe(stop.set)
        self._thread.join(60)

    def __exit__(self, *exc: object) -> None:
        self.stop()
