"""Stopping a run early and honestly: stop dispatching, give in-flight jobs a grace period.

    stop = Stop(grace_s=10)
    rows = await run_jobs(jobs, executor, ..., stop=stop)   # the rows of the jobs that finished
    stop.request("SIGTERM")     # from a signal handler, on the loop (call_soon_threadsafe)

After the first `request`, no worker takes another job; the jobs in flight have `grace_s`
seconds to finish (their rows are written as usual), then they are cancelled and leave no row.
A second `request` (Ctrl-C twice) cancels them at once. `signal_handlers(stop, loop)` installs
the handlers for SIGINT and SIGTERM around a run (main thread only) and restores the old ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["STOP_SIGNALS", "Stop", "signal_handlers"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """A request to stop a run (see the module doc); made outside the loop, used inside it."""

    def __init__(self, grace_s: float = 10.0) -> None:
        self.grace_s = grace_s
        self.signal: str | None = None  # "SIGINT" | "SIGTERM" once requested
        self.signum: int | None = None
        self.cancelled = 0  # jobs in flight when the grace period ran out
        self._requested: asyncio.Event | None = None
        self._hard: asyncio.Event | None = None

    def _events(self) -> tuple[asyncio.Event, asyncio.Event]:
        if self._requested is None or self._hard is None:
            self._requested, self._hard = asyncio.Event(), asyncio.Event()
        return self._requested, self._hard

    @property
    def requested(self) -> bool:
        return self.signal is not None

    def request(self, signum: int = signal.SIGINT) -> None:
        """Stop dispatching (first call) or cancel the jobs in flight now (second call)."""
        requested, hard = self._events()
        if requested.is_set():
            hard.set()
            return
        self.signum = signum
        self.signal = signal.Signals(signum).name
        requested.set()

    async def watch(self, tasks: Sequence[asyncio.Task[Any]]) -> None:
        """Once a stop is requested: wait the grace period (or a second request), then
        cancel the workers still running."""
        requested, hard = self._events()
        await requested.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hard.wait(), self.grace_s)
        for task in tasks:
            if not task.done():
                self.cancelled += 1
                task.cancel()


@contextlib.contextmanager
def signal_handlers(stop: Stop | None, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """SIGINT and SIGTERM -> `stop.request` on `loop` while inside; nothing when `stop` is
    None or this is not the main thread (signals are delivered to the main thread only)."""
    if stop is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        loop.call_soon_threadsafe(stop.request, signum)

    old = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)
