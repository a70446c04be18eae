"""Shadow workers: the shadow's CPU work in its own process(es), off the client's event loop.

    pool = WorkerPool(spec, n=1)        # the proxy's side (spawn context)
    pool.hand_off(handoff, tee)         # never blocks: a queue read by a writer thread
    await pool.drain(grace_s)           # the workers finish their shadows within the grace
    await pool.close(final_stats)       # the first worker writes the stats line, all exit

Messages (pickled tuples over one multiprocessing Pipe per worker):

    proxy -> worker   ("start", HandOff)  ("primary", pair_id, Capture)  ("drain", grace_s)
                      ("stats", final)  ("exit",)
    worker -> proxy   ("ready",)  ("done", pair_id, counts)  ("drained",)  ("closed",)

The proxy keeps the slot accounting: a slot is released when the worker reports the pair
done (its counters merged into the proxy's stats) or when the worker is lost (each pair it
held counted `shadow_errors`; the worker is restarted, at most MAX_RESTARTS times). Each
worker owns a session Run (loop, client, retries, timeouts), its arms' keys read from its
environment, a Shadower and the PairLog (lines appended whole: several workers share it).
A worker ignores SIGINT (a Ctrl-C reaches the whole process group): the proxy drains it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing as mp
import queue
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.session.settings import RunSettings
from harness.shadow.arms import ArmTarget
from harness.shadow.forward import Tee
from harness.shadow.shadowing import HandOff, Shadower

__all__ = ["MAX_RESTARTS", "WorkerPool", "WorkerSpec", "worker_main"]

MAX_RESTARTS = 5


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs to build its session: picklable, no keys (read from the env)."""

    arms: Mapping[str, ArmTarget]
    settings: RunSettings
    content: str
    shadow_timeout_s: float


# -- the worker process ---------------------------------------------------------------------

def worker_main(conn: Any, spec: WorkerSpec) -> None:
    """A shadow worker: its own Run and PairLog, hand-offs from `conn` until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from harness.session.plan import SIM_KEY, RunPlan
    from harness.session.run import Run
    from harness.shadow.arms import with_keys
    from harness.shadow.pairs import PairLog

    settings = spec.settings
    arms = with_keys(spec.arms, settings.simulate, ())
    secrets = [a.key for a in arms.values() if a.key and a.key != SIM_KEY]
    targets = list({a.target.name: a.target for a in arms.values()}.values())
    plan = RunPlan(settings=settings, targets=targets, jobs=[], modes={}, mode="live", keys={},
                   store=None)  # no simulators here: the arms are aimed already
    with Run(plan, run_dir=Path(settings.out), owner=False, executes=False) as run, \
            PairLog(settings.out, content=spec.content, secrets=secrets) as log:
        shadower = Shadower(arms, log, run.client, run.send_options, spec.shadow_timeout_s)
        run.run_async(_serve(conn, shadower))


def _reader(conn: Any, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[Any]) -> None:
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            msg = ("exit",)
        with contextlib.suppress(RuntimeError):  # the loop closed
            loop.call_soon_threadsafe(inbox.put_nowait, msg)
        if msg[0] in ("exit", "stats"):
            return


async def _one(conn: Any, shadower: Shadower, h: HandOff, capture: asyncio.Future[Any]) -> None:
    try:
        counts = await shadower.run(h, capture)
    except asyncio.CancelledError:
        counts = {"shadow_cancelled": 1}
    except Exception:  # noqa: BLE001 - a bug in one shadow is that pair's error, not the worker's
        counts = {"shadow_errors": 1}
    with contextlib.suppress(OSError):
        conn.send(("done", h.pair_id, counts))


async def _drain(tasks: set[asyncio.Task[None]], grace_s: float) -> None:
    if tasks:
        _, late = await asyncio.wait(set(tasks), timeout=grace_s)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)


def _forget(captures: dict[str, Any], pair_id: str, _task: object) -> None:
    captures.pop(pair_id, None)


async def _serve(conn: Any, shadower: Shadower) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    threading.Thread(target=_reader, args=(conn, loop, inbox), daemon=True).start()
    captures: dict[str, asyncio.Future[Any]] = {}
    tasks: set[asyncio.Task[None]] = set()
    conn.send(("ready",))
    while True:
        msg = await inbox.get()
        kind = msg[0]
        if kind == "start":
            h: HandOff = msg[1]
            captures[h.pair_id] = fut = loop.create_future()
            task = loop.create_task(_one(conn, shadower, h, fut))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            task.add_done_callback(functools.partial(_forget, captures, h.pair_id))
        elif kind == "primary":
            waiting = captures.get(msg[1])
            if waiting is not None and not waiting.done():
                waiting.set_result(msg[2])
        elif kind == "drain":
            await _drain(tasks, msg[1])
            conn.send(("drained",))
        elif kind == "stats":
            shadower.log.write_stats(msg[1])
            conn.send(("closed",))
            return
        else:  # "exit", or the proxy went away
            await _drain(tasks, 0.0)
            with contextlib.suppress(OSError):
                conn.send(("closed",))
            return


# -- the proxy's side -----------------------------------------------------------------------

class _Worker:
    """One worker process, its pipe, a writer thread (the loop never blocks on the pipe) and
    a reader thread (messages back to the loop)."""

    def __init__(self, spec: WorkerSpec, loop: asyncio.AbstractEventLoop,
                 on_message: Callable[[_Worker, tuple[Any, ...]], None]) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child, spec), name="shadow-worker")
        self.proc.start()
        child.close()
        self.loop, self.on_message = loop, on_message
        self.pending: set[str] = set()
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.lost = False
        threading.Thread(target=self._write, daemon=True, name="shadow-writer").start()
        threading.Thread(target=self._read, daemon=True, name="shadow-reader").start()

    def send(self, msg: tuple[Any, ...]) -> None:
        self.outbox.put(msg)

    def _write(self) -> None:
        while (msg := self.outbox.get()) is not None:
            try:
                self.conn.send(msg)
            except (OSError, ValueError):  # the worker is gone: the reader reports it
                return

    def _read(self) -> None:
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                msg = ("lost",)
            try:
                self.loop.call_soon_threadsafe(self.on_message, self, msg)
            except RuntimeError:  # the proxy's loop is closed
                return
            if msg[0] in ("lost", "closed"):
                return

    def expect(self, what: str) -> asyncio.Future[None]:
        fut = self.waiting[what] = self.loop.create_future()
        if self.lost:
            fut.set_result(None)
        return fut

    def settle(self, what: str | None = None) -> None:
        for name, fut in list(self.waiting.items()):
            if (what is None or name == what) and not fut.done():
                fut.set_result(None)

    def stop(self) -> None:
        self.outbox.put(None)
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


class WorkerPool:
    """The proxy's shadow workers (see the module doc). `on_done(counts)` is called on the
    proxy's loop once per handed-off pair (done, failed or lost)."""

    def __init__(self, spec: WorkerSpec, n: int = 1) -> None:
        self.spec, self.n = spec, n
        self.workers: list[_Worker] = []
        self.restarts = 0
        self.stopping = False
        self.on_done: Callable[[dict[str, int]], None] = lambda counts: None

    def start(self) -> None:
        """Spawn the workers (on the proxy's running loop; they get ready in the background)."""
        loop = asyncio.get_running_loop()
        self.workers = [_Worker(self.spec, loop, self._message) for _ in range(self.n)]

    def hand_off(self, h: HandOff, tee: Tee) -> None:
        """Give `h` to the least busy worker; its primary's capture follows once `tee` is
        done. Never blocks."""
        if not self.workers:
            self.on_done({"shadow_errors": 1})
            return
        worker = min(self.workers, key=lambda w: len(w.pending))
        worker.pending.add(h.pair_id)
        worker.send(("start", h))
        tee.done.add_done_callback(lambda _f: self._primary(worker, h.pair_id, tee))

    @staticmethod
    def _primary(worker: _Worker, pair_id: str, tee: Tee) -> None:
        if pair_id in worker.pending:
            worker.send(("primary", pair_id, tee.capture()))

    def _message(self, worker: _Worker, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "done":
            if msg[1] in worker.pending:
                worker.pending.discard(msg[1])
                self.on_done(msg[2])
        elif kind in ("drained", "closed"):
            worker.settle(kind)
        elif kind == "lost":
            self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        if worker.lost:
            return
        worker.lost = True
        worker.settle()
        for _ in worker.pending:
            self.on_done({"shadow_errors": 1})
        worker.pending.clear()
        if worker not in self.workers:
            return
        self.workers.remove(worker)
        worker.outbox.put(None)
        if not self.stopping and self.restarts < MAX_RESTARTS:
            self.restarts += 1
            self.workers.append(_Worker(self.spec, worker.loop, self._message))

    async def drain(self, grace_s: float) -> None:
        """Stop handing off; each worker finishes (or cancels) its shadows within `grace_s`."""
        self.stopping = True
        waits = []
        for w in list(self.workers):
            waits.append(w.expect("drained"))
            w.send(("drain", grace_s))
        if waits:
            _, late = await asyncio.wait(waits, timeout=grace_s + 30.0)
            for w in list(self.workers):
                if w.waiting["drained"] in late:
                    w.proc.kill()

    async def close(self, final: Mapping[str, Any]) -> None:
        """The stats line written by the first live worker (or here when none is left); every
        worker exits."""
        live = [w for w in self.workers if not w.lost]
        waits = [w.expect("closed") for w in live]
        for i, w in enumerate(live):
            w.send(("stats", dict(final)) if i == 0 else ("exit",))
        if waits:
            await asyncio.wait(waits, timeout=30.0)
        if not live:
            from harness.shadow.pairs import PairLog

            with PairLog(self.spec.settings.out, content=self.spec.content) as log:
                log.write_stats(final)
        for w in self.workers:
            w.stop()
