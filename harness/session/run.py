"""Run: a context manager that owns one run from its folder to its reports.

    with Run(plan_run(settings)) as run:        # run folder, run.json "running", writer,
        rows = run.run_all()                    # one event loop, one HTTP client, simulators
        outcome = run.finish()                  # run.json final, reports written
    # leaving closes the client, the loop, the simulators; an exception or Ctrl-C marks
    # run.json "interrupted" / "failed" (the rows already written stay on disk)

`run_all(stop=Stop(grace_s))` (the CLI, `harness.run`): SIGINT / SIGTERM stop dispatching, the
jobs in flight get the grace period, and the run ends "interrupted" with the rows it got
(engine/stop.py); `finish` then writes the reports, which say INCOMPLETE (done/planned), and
`Outcome.exit_code` is 128 + the signal (130, 143). run.json names the process running it
(pid, host, process_start) and plan.jsonl lists the planned jobs (engine/completeness.py), so
a run killed outright is recognised afterwards. `Run(plan, run_dir=..., prior_rows=...)`
resumes a run folder (`harness run --resume`): the plan holds only the jobs not yet run.

The pytest plugin keeps one Run per process and submits jobs one item at a time
(`plan_more` for each suite file, then `submit(job)`); xdist workers write their own part
file into the controller's folder (`owner=False`) and the controller finishes the run.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from harness.core.loop import new_event_loop
from harness.core.models import Job
from harness.core.secrets import Scrubber
from harness.engine.completeness import Completeness, assess, process_identity, write_plan
from harness.engine.executor import Executor, LiveExecutor, ModeRouter
from harness.engine.results import (
    RESULTS_FILE,
    ResultWriter,
    create_run_dir,
    read_meta,
    read_results,
)
from harness.engine.retry import RetryPolicy
from harness.engine.runner import RunDeadline, run_jobs
from harness.engine.send import SendOptions
from harness.engine.stop import Stop, signal_handlers
from harness.session.meta import meta_of, save_meta
from harness.session.plan import RunPlan, plan_jobs
from harness.session.simulators import aim, start_simulators

__all__ = ["Outcome", "Run"]

_SIGNALS = {"SIGINT": 2, "SIGTERM": 15}  # the signals a run stops on: 128 + N is the exit

#: Error classes of a job that got no HTTP answer: the provider could not be reached.
INFRA_ERRORS = ("connect", "timeout", "transport", "resource")


@dataclass
class Outcome:
    """What a finished run left: its folder, rows, run.json and the reports written."""

    run_dir: Path
    rows: list[dict[str, Any]]
    meta: dict[str, Any]
    written: Any  # harness.report.outputs.Written (report + paths)
    history: str | None = None  # the line saying the run was appended to the history
    completeness: Completeness | None = None

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.get("passed"))

    @property
    def incomplete(self) -> bool:
        return self.completeness is not None and not self.completeness.complete

    @property
    def infrastructure_only(self) -> bool:
        """Some job failed and every failed job got no HTTP answer at all (connect, timeout,
        transport): the provider could not be reached, which says nothing of its contract."""
        failed = [r for r in self.rows if not r.get("passed")]
        return bool(failed) and all(
            r.get("status_code") is None and r.get("error_class") in INFRA_ERRORS for r in failed
        )

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a check failed (or the run is incomplete), 3 every failed job got
        no HTTP answer (`infrastructure_only`), 128 + N when a signal N stopped it (130
        SIGINT, 143 SIGTERM)."""
        by = self.meta.get("interrupted_by")
        if by in _SIGNALS:
            return 128 + _SIGNALS[by]
        if self.incomplete:
            return 1
        if self.infrastructure_only:
            return 3
        return 1 if self.failed else 0


class Run:
    """One run (see the module doc). `run_dir`: a folder made by another process (xdist)."""

    def __init__(self, plan: RunPlan, *, run_dir: Path | None = None, owner: bool = True,
                 results_file: str = RESULTS_FILE, executes: bool = True,
                 transport: Any = None,
                 prior_rows: Sequence[dict[str, Any]] | None = None) -> None:
        self.plan = plan
        self.transport = transport  # the one transport seam (tests, benches); default aiohttp
        self.executes = executes  # False: only the folder and run.json (an xdist controller)
        self._finished = False
        self.settings = plan.settings
        self.owner = owner
        self.results_file = results_file
        self.run_dir: Path | None = run_dir
        self.rows: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}  # checks' run-scoped state (same_across_repeats, ...)
        self.extra_cases: dict[tuple[str, str], Any] = {}  # cases planned by plan_more
        self.writer: ResultWriter | None = None
        self.scrubber: Scrubber = Scrubber()  # the run's: plan.scrubber() once started
        self.meta: dict[str, Any] = {}
        self._stack = contextlib.ExitStack()
        self._runner: Any = None
        self._client: Any = None
        self._routes: dict[str, str] | None = None
        self._executor: ModeRouter | None = None
        self._deadline: RunDeadline | None = None
        self.status = "running"
        self.stop: Stop | None = None
        # a resumed run (harness run --resume): the rows already in its folder, and its plan
        self.prior_rows: list[dict[str, Any]] | None = (
            list(prior_rows) if prior_rows is not None else None)
        self.jobs_planned = len(plan.jobs) + len(self.prior_rows or ())

    # -- start ------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        import asyncio

        try:
            self._runner = self._stack.enter_context(
                asyncio.Runner(loop_factory=new_event_loop))
            if self.executes:
                self._start_simulators()
            self._executor = self._executors()
            if self.owner and self.run_dir is None:
                self.run_dir = create_run_dir(Path(self.settings.out), self.settings.run_id)
            assert self.run_dir is not None
            if self.plan.store is not None:
                self.plan.store.run_id = self.run_dir.name
                self.plan.store.begin(self.plan.jobs, [self.plan.modes[j.id] for j in self.plan.jobs])
            self.scrubber = self.plan.scrubber()
            if self.owner:
                if self.prior_rows is not None:
                    self.meta = read_meta(self.run_dir)
                self.meta = self._meta("running", finished_at=None)
                save_meta(self.run_dir, self.meta, self.scrubber)
            self.writer = ResultWriter(self.run_dir / self.results_file, self.scrubber)
        except BaseException:
            self._stack.close()
            raise
        return self

    def _start_simulators(self) -> None:
        plan = self.plan
        if plan.sim is None:
            return
        if plan.sim == "live":
            servers = start_simulators(self._stack, [t.provider for t in plan.targets],
                                       self.settings.sim_latency_ms)
            urls = {name: server.url for name, server in servers.items()}
            plan.jobs, plan.targets = aim(plan.jobs, plan.targets, urls)
        # "route": started with the HTTP client, i.e. only when a job records (a run whose
        # cassettes all exist starts no simulator)

    def _start_routes(self) -> dict[str, str]:
        targets = self.plan.targets
        servers = start_simulators(self._stack, [t.provider for t in targets],
                                   self.settings.sim_latency_ms)
        return {t.provider.base_url: servers[t.provider.name].url for t in targets}

    def _options(self) -> SendOptions:
        s = self.settings
        policy = RetryPolicy(max_attempts=s.retries + 1, max_retry_wait_s=s.max_retry_wait_s)
        return SendOptions(policy=policy, timeout_s=s.timeout_s, rng=random.Random(s.seed),
                           first_byte_timeout_s=s.first_byte_timeout_s,
                           idle_timeout_s=s.idle_timeout_s,
                           max_response_bytes=s.max_response_bytes)

    def _make_client(self) -> Any:
        """The run's one HTTP client, made on first use inside the loop (a run whose jobs
        all replay makes none)."""
        if self._client is not None:
            return self._client
        from harness.engine.transport import AiohttpTransport, make_client

        limit = self.settings.concurrency * max(1, len(self.plan.targets))
        transport: Any = self.transport
        if self.plan.sim == "route" and self.executes:
            self._routes = self._start_routes()
            from harness.record.routing import RoutingTransport

            transport = RoutingTransport(self._routes, transport or AiohttpTransport(limit=limit))
        self._client = make_client(transport, timeout=self.settings.timeout_s,
                                   max_connections=limit)
        return self._client

    def _executors(self) -> ModeRouter:
        options = self._options()
        live = LiveExecutor(self._make_client, options, self.plan.keys)
        table: dict[str, Executor] = {"live": live}
        store = self.plan.store
        if store is not None:
            from harness.record.executors import RecordExecutor, ReplayExecutor

            table["record"] = RecordExecutor(live, store)
            table["replay"] = ReplayExecutor(store, options, pace=self.settings.pace,
                                             keys=self.plan.keys)
        return ModeRouter(self.plan.modes, table)

    # -- jobs -------------------------------------------------------------------------------

    @property
    def targets(self) -> list[Any]:
        return self.plan.targets

    def add_cases(self, cases: Iterable[Any]) -> None:
        """Cases of suites loaded outside plan_run (the pytest plugin's files), for the
        run's suites fingerprint."""
        self.extra_cases.update({(c.suite, c.id): c for c in cases})

    def plan_more(self, jobs: list[Job], what: str = "these jobs") -> list[str]:
        """Plan more jobs into this run (the pytest plugin, one suite file at a time): their
        modes (the one rule, applied to these jobs) and keys; returns the mode of each."""
        more = plan_jobs(self.settings, jobs, self.plan.targets, what=what,
                         store=self.plan.store)
        if more.store is not None and self.plan.store is None:
            self.plan.store = more.store
            if self.run_dir is not None:
                more.store.run_id = self.run_dir.name
            self._executor = None
        if not self.plan.mode:
            self.plan.mode = more.mode  # run.json's mode: the first file's (jobs_by_mode: all)
        self.plan.modes.update(more.modes)
        self.plan.keys.update(more.keys)
        self.plan.defaulted = sorted(set(self.plan.defaulted) | set(more.defaulted))
        if self._executor is None:
            self._executor = self._executors()
        if more.store is not None:
            more.store.begin(jobs, [more.modes[j.id] for j in jobs])
        return [more.modes[j.id] for j in jobs]

    def _run(self, jobs: Sequence[Job], on_result: Callable[[dict[str, Any]], None] | None,
             concurrency: int, stop: Stop | None = None) -> list[dict[str, Any]]:
        assert self._executor is not None and self._runner is not None, "use `with Run(...)`"

        def keep(row: dict[str, Any]) -> None:
            self.rows.append(row)
            if on_result is not None:
                on_result(row)

        if self._deadline is None and self.settings.deadline_s:  # from the first job on
            self._deadline = RunDeadline.after(self.settings.deadline_s,
                                               self.settings.flag("deadline"))
        with signal_handlers(stop, self._runner.get_loop()):
            return self._runner.run(run_jobs(  # type: ignore[no-any-return]
                jobs, self._executor, run_id=self.run_id, concurrency=concurrency,
                writer=self.writer, on_result=keep, state=self.state, stop=stop,
                deadline=self._deadline,
            ))

    def run_all(self, on_result: Callable[[dict[str, Any]], None] | None = None, *,
                stop: Stop | None = None) -> list[dict[str, Any]]:
        """Run every planned job (rows in job order; each written as it is known). With
        `stop`, SIGINT / SIGTERM end the run early (see the module doc): the rows returned
        are those of the jobs that finished, and the run is "interrupted"."""
        if self.owner and self.prior_rows is None and self.run_dir is not None:
            write_plan(self.run_dir, self.plan.jobs)
        self.stop = stop
        try:
            rows = self._run(self.plan.jobs, on_result, self.settings.concurrency, stop)
        except KeyboardInterrupt:
            self.status = "interrupted"
            raise
        except BaseException:
            self.status = "failed"
            raise
        self.status = "interrupted" if stop is not None and stop.requested else "complete"
        return rows

    def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows made elsewhere (an audit of recorded traffic), written as they are given."""
        assert self.writer is not None, "use `with Run(...)`"
        for row in rows:
            self.writer.write(row)
            self.rows.append(row)

    def submit(self, job: Job) -> dict[str, Any]:
        """Run one planned job on the run's loop and client; its row."""
        return self._run([job], None, 1)[0]

    @property
    def client(self) -> Any:
        """The run's one HTTP client (made on first use; the shadow proxy's and replay's arms
        send through it, with the run's retries and limits)."""
        return self._make_client()

    @property
    def send_options(self) -> SendOptions:
        """Retries and timeouts as every job of the run has them."""
        return self._options()

    def run_async(self, coro: Any) -> Any:
        """Run a coroutine to completion on the run's one event loop (the shadow proxy and
        replay run there, beside the run's client and simulators)."""
        assert self._runner is not None, "use `with Run(...)`"
        return self._runner.run(coro)

    @property
    def run_id(self) -> str:
        assert self.run_dir is not None
        return self.run_dir.name

    # -- the end ----------------------------------------------------------------------------

    def _meta(self, status: str, rows: list[dict[str, Any]] | None = None,
              **extra: Any) -> dict[str, Any]:
        plan, s = self.plan, self.settings
        stop = self.stop
        extra = {**process_identity(), "interrupted_by": stop.signal if stop else None,
                 **extra}
        store = plan.store
        sources = set(store.sources) if store is not None else set()
        if store is not None and store.source and any(r.get("mode") == "record"
                                                      for r in rows or ()):
            sources.add(store.source)
        return meta_of(
            run_id=self.run_id, runner=s.runner, status=status,
            started_at=self.meta.get("started_at"),
            suites=[str(x.path) for x in plan.suites] or list(self.meta.get("suites") or []),
            targets=[t.name for t in plan.targets], mode=plan.mode,
            jobs=self.jobs_planned, simulated=s.simulate, argv=s.argv, cassettes=s.cassettes,
            paced=s.pace, rows=rows, cassette_sources=sources, shard=s.shard,
            fingerprints=self.fingerprints(), extra={**s.extra_meta, **extra},
        )

    def fingerprints(self) -> dict[str, str]:
        """{suites, prices, plan} of this run (session/fingerprint.py); the cases are the
        plan's (the pytest plugin's: every file planned so far)."""
        from harness.session.fingerprint import plan_fingerprints

        return plan_fingerprints(self.plan, self.extra_cases.values())

    def finish(self, rows: list[dict[str, Any]] | None = None, *, status: str | None = None,
               **extra: Any) -> Outcome:
        """Complete run.json and write the reports (rows: this run's, or read back from
        results.jsonl when another process wrote them)."""
        from harness.report.outputs import write_reports

        assert self.run_dir is not None
        if self.writer is not None:
            self.writer.close()
        if rows is None:
            path = self.run_dir / RESULTS_FILE
            rows = self.rows if self.rows else (read_results(path) if path.exists() else [])
            if self.prior_rows is not None:
                rows = [*self.prior_rows, *self.rows]
        self.status = status or (self.status if self.status != "running" else "complete")
        self.meta = save_meta(self.run_dir, self._meta(self.status, rows, **extra),
                              self.scrubber)
        done = assess(self.run_dir, self.meta, [str(r.get("job_id")) for r in rows])
        written = write_reports(self.run_dir, rows=rows, meta=self.meta, completeness=done)
        self._finished = True
        return Outcome(self.run_dir, rows, self.meta, written, self._append_history(rows), done)

    def _append_history(self, rows: list[dict[str, Any]]) -> str | None:
        """Append the finished run to the history store asked for (harness/history)."""
        from harness.history.append import append_finished

        s = self.settings
        assert self.run_dir is not None
        return append_finished(s.history, s.runner, self.run_dir, self.meta, rows,
                               s.flag("history"))

    def discard(self, remove: bool = False) -> None:
        """Leave no run.json update at exit; `remove`: delete the (empty) run folder too."""
        self._finished = True
        if remove and self.run_dir is not None:
            import shutil

            if self.writer is not None:
                self.writer.close()
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._client is not None and self._runner is not None:
                self._runner.run(self._client.aclose())
        finally:
            if self.writer is not None:
                self.writer.close()
            self._stack.close()
            if self.owner and self.run_dir is not None and not self._finished:
                status = ("interrupted" if exc_type is not None and issubclass(
                    exc_type, KeyboardInterrupt) else "failed" if exc_type else self.status)
                if status == "running":
                    status = "complete"
                save_meta(self.run_dir, self._meta(status, self.rows), self.scrubber)
