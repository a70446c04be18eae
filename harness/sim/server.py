"""Running the simulator: in a background thread (tests), in the caller's loop, or blocking.

with SimServer(SimConfig(dialect="openai")) as srv:
    httpx.post(srv.url + "/chat/completions", ...)
    srv.stats.total

async with SimServer(cfg) as srv: ...      # runs in the current event loop

serve(cfg, "127.0.0.1", 8080)              # blocks; `harness simulate`
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from aiohttp import web

from harness.core.loop import new_event_loop
from harness.core.loop import run as run_loop
from harness.sim.app import SimState, build_app
from harness.sim.config import SimConfig
from harness.sim.stats import SimStats, StatsSnapshot

BACKLOG = 2048
SHUTDOWN_TIMEOUT_S = 1.0


class SimServer:
    """One simulator on 127.0.0.1 (a free port unless given)."""

    def __init__(
        self, config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SimConfig()
        self.host = host
        self.port = port
        self._stats = SimStats()
        self._state: SimState | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- info -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. "http://127.0.0.1:54321/v1"."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def stats(self) -> StatsSnapshot:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the counters and forget x-sim-fail-first history; the fault RNG restarts."""
        self._stats.reset()
        if self._state is not None:
            self._state.faults.reset()

    # -- lifecycle in the current loop -------------------------------------------------

    async def start_async(self) -> Self:
        app, self._state = build_app(self.config, self._stats)
        self._runner = self._make_runner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=BACKLOG)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    def _make_runner(self, app: web.Application) -> web.AppRunner:
        kwargs: dict[str, Any] = {
            "handler_cancellation": True,
            "shutdown_timeout": SHUTDOWN_TIMEOUT_S,
        }
        if not self.config.access_log:
            kwargs["access_log"] = None
        return web.AppRunner(app, **kwargs)

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start_async()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_async()

    # -- lifecycle in a background thread ---------------------------------------------

    def start(self) -> Self:
        """Start in a daemon thread with its own event loop; returns once it listens."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # reported to the starting thread, then re-raised
                failure.append(exc)
                ready.set()
                loop.close()
                raise
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop_async())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"sim-{self.config.dialect}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- blocking ----------------------------------------------------------------------

    def run_forever(self, host: str | None = None, port: int | None = None) -> None:
        """Listen until interrupted (Ctrl-C), printing one line with the base URL."""
        if host is not None:
            self.host = host
        if port is not None:
            self.port = port

        async def main() -> None:
            await self.start_async()
            print(f"simulator ({self.config.dialect}) listening on {self.url}", flush=True)
            try:
                await asyncio.Event().wait()
            finally:
                await self.stop_async()

        try:
            run_loop(main())
        except KeyboardInterrupt:
            pass


def serve(config: SimConfig, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run a simulator in the foreground (the `harness simulate` command)."""
    SimServer(config, host, port).run_forever()
