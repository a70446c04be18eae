"""The hooks: options, activation, collection of suite files, the run folder across xdist workers.

Per pytest process one `HarnessRun` (registered as the plugin "harness-run", kept in
`config.stash[STATE]`) holds the targets, keys, simulators and the result writer.

The run folder is decided once, by the process that owns the session: without xdist it is
created at the first item; with xdist the controller creates it in `pytest_configure_node`
and hands its path to every worker in `workerinput["harness_run_dir"]`. Workers append their
rows, as each is known, to `results-<workerid>.jsonl` in it (one writer per file, so no two
processes ever write the same file); at `pytest_sessionfinish` the controller merges them into
`results.jsonl` (ordered by `started_at`), removes the parts, completes `run.json` and writes the
reports (harness.report.outputs.write_reports), as `harness run` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.pytest_plugin.items import STATE, SuiteFile, looks_like_suite
from harness.pytest_plugin.options import Settings, add_options, read_settings

if TYPE_CHECKING:
    from harness.core.models import Job, Target

PLUGIN_NAME = "harness-run"
WORKER_INPUT_KEY = "harness_run_dir"
PART_PREFIX = "results-"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    settings = read_settings(config)
    if settings is None:
        return  # inert: no target asked for
    from harness.core.errors import UsageError
    from harness.pytest_plugin.resolve import default_mode, resolve_targets

    try:
        targets = resolve_targets(settings.targets, settings.providers)
        if settings.retries < 0:
            raise UsageError(f"--harness-retries must be >= 0, got {settings.retries}")
    except UsageError as exc:
        raise pytest.UsageError(f"harness: {exc}") from None
    missing: list[str] = []
    if settings.mode is None:
        mode, missing = default_mode(targets, settings.simulate)
    else:
        mode = settings.mode
    state = HarnessRun(config, settings, targets, mode, missing)
    config.stash[STATE] = state
    config.pluginmanager.register(state, PLUGIN_NAME)


class HarnessRun:
    """The plugin's state in one pytest process (controller, worker, or both without xdist)."""

    def __init__(
        self,
        config: pytest.Config,
        settings: Settings,
        targets: list[Target],
        mode: str,
        missing_keys: list[str],
    ) -> None:
        self.config = config
        self.settings = settings
        self.mode = mode
        # no --harness-mode and these key variables unset: the run replays (as harness run)
        self.missing_keys = missing_keys
        # --harness-simulate: live re-aims and renames the targets; record / auto keep them
        # and route the recording jobs' traffic to simulators; replay sends nothing
        self.sim_live = settings.simulate and mode == "live"
        self.sim_record = settings.simulate and mode in ("record", "auto")
        self._routes: dict[str, str] | None = None
        self._store: Any = None
        self._base_targets = targets
        self._targets: list[Target] | None = None
        self._stack = contextlib.ExitStack()
        self._suite_files: dict[str, str] = {}  # suite name -> file
        self._keys: dict[str, str | None] = {}
        self._markers: set[str] | None = None
        self._writer: Any = None
        workerinput = getattr(config, "workerinput", None)
        self.worker_id: str | None = workerinput["workerid"] if workerinput else None
        self.run_dir: Path | None = None
        if workerinput and workerinput.get(WORKER_INPUT_KEY):
            self.run_dir = Path(workerinput[WORKER_INPUT_KEY])
        self.distributed = False  # True on an xdist controller once a worker is configured
        self.collected: list[str] | None = None  # node ids of the items, for run.json
        self._meta: dict[str, Any] = {}
        self.summary: list[str] = []

    # -- targets, collection ----------------------------------------------------------------

    def target_names(self) -> list[str]:
        from harness.pytest_plugin.resolve import simulated_name

        if self.sim_live:
            return [simulated_name(t) for t in self._base_targets]
        return [t.name for t in self._base_targets]

    def targets(self) -> list[Target]:
        """The targets, re-aimed at this process's simulators with --harness-simulate."""
        if self._targets is None:
            if self.sim_live:
                from harness.pytest_plugin.resolve import start_simulators

                self._targets = start_simulators(
                    self._stack, self._base_targets, self.settings.sim_latency_ms
                )
            else:
                self._targets = list(self._base_targets)
        return self._targets

    def routes(self) -> dict[str, str] | None:
        """Record / auto with --harness-simulate: real base URL -> this process's simulator."""
        if self.sim_record and self._routes is None:
            from harness.pytest_plugin.resolve import start_routes

            self._routes = start_routes(
                self._stack, self._base_targets, self.settings.sim_latency_ms
            )
        return self._routes

    def jobs_of(self, path: Path, display: str) -> list[tuple[Job, str]]:
        """The jobs of one suite file, each with how it runs (live, record or replay).

        Usage errors (a SuiteError naming file and line, a missing key, an endpoint a provider
        does not serve) raise UsageError."""
        from harness.core.errors import SuiteError, UsageError
        from harness.pytest_plugin import resolve
        from harness.suite import expand, load_suite
        from harness.wire.dialects import prepare

        suite = load_suite(display if Path(display).resolve() == path.resolve() else path)
        other = self._suite_files.setdefault(suite.name, display)
        if other != display:
            raise SuiteError(
                f"{display}: suite name {suite.name!r} is already used by {other}; give one "
                "of them another 'suite:' name",
                path=display,
            )
        jobs = expand(suite, self.targets())
        for job in jobs:  # refuse unsupported endpoints before the first request
            try:
                prepare(job, None)
            except UsageError as exc:
                raise UsageError(f"{job.case.loc or display}: {exc}") from None
        cassettes = self.settings.cassettes
        if self.missing_keys and jobs and not resolve.any_cassette(jobs, cassettes):
            raise UsageError(f"{display}: {resolve.no_cassette_error(self.missing_keys, cassettes)}")
        plans = resolve.plan(jobs, self.mode, cassettes)
        network = [job for job, how in zip(jobs, plans, strict=True) if how != "replay"]
        try:
            keys = resolve.keys_for(network, simulate=self.sim_live or self.sim_record)
        except UsageError as exc:
            raise UsageError(f"{display}: {exc}") from None
        self._keys.update(keys)
        self._register_markers(tag for case in suite.cases for tag in case.tags)
        return list(zip(jobs, plans, strict=True))

    def _register_markers(self, tags: Any) -> None:
        """Suite tags become markers (`pytest -m tools`), registered so --strict-markers
        accepts them."""
        if self._markers is None:
            self._markers = {
                line.split(":", 1)[0].split("(", 1)[0].strip()
                for line in self.config.getini("markers")
            }
        for tag in tags:
            if tag not in self._markers:
                self._markers.add(tag)
                self.config.addinivalue_line("markers", f"{tag}: harness suite tag")

    @pytest.hookimpl
    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> Any:
        if looks_like_suite(file_path):
            return SuiteFile.from_parent(parent, path=file_path)
        return None

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from harness.pytest_plugin.items import CaseItem

        if self.worker_id is None:
            self.collected = [i.nodeid for i in session.items if isinstance(i, CaseItem)]

    # -- running ----------------------------------------------------------------------------

    def run(self, job: Job, how: str) -> dict[str, Any]:
        from harness.pytest_plugin.resolve import run_one

        if self._writer is None:
            self._writer = self._open_writer()
        assert self.run_dir is not None
        return run_one(
            job,
            run_id=self.run_dir.name,
            how=how,
            writer=self._writer,
            keys=self._keys,
            store=self.store() if how != "live" else None,
            pace=self.settings.pace,
            routes=self.routes() if how == "record" else None,
            timeout_s=self.settings.timeout_s,
            retries=self.settings.retries,
            seed=self.settings.seed,
        )

    def store(self) -> Any:
        """This process's CassetteStore: cassettes are read once per process; a cassette
        recorded by several processes of the run (repeats on different xdist workers) is merged
        under a folder lock (harness.record.store)."""
        if self._store is None:
            from harness.record.cassette import SIM_SOURCE
            from harness.record.store import CassetteStore

            assert self.run_dir is not None
            self._store = CassetteStore(
                self.settings.cassettes,
                run_id=self.run_dir.name,
                source=SIM_SOURCE if self.sim_record else None,
            )
        return self._store

    def _open_writer(self) -> Any:
        from harness.engine.results import RESULTS_FILE, ResultWriter

        if self.worker_id is not None:
            if self.run_dir is None:  # pragma: no cover - a controller without this plugin
                raise pytest.UsageError("harness: the xdist controller gave no run folder")
            return ResultWriter(self.run_dir / f"{PART_PREFIX}{self.worker_id}.jsonl")
        return ResultWriter(self.ensure_run_dir() / RESULTS_FILE)

    def ensure_run_dir(self) -> Path:
        """Create the run folder (once, in the controller) and write run.json "running"."""
        if self.run_dir is None:
            from harness.engine.results import create_run_dir, utc_now_iso, write_meta

            self.run_dir = create_run_dir(Path(self.settings.out))
            self._meta = {
                "run_id": self.run_dir.name,
                "started_at": utc_now_iso(),
                "runner": "pytest",
                "suites": [],
                "targets": self.target_names(),
                "mode": self.mode,
                "simulated": self.settings.simulate,
                "argv": ["pytest", *self.config.invocation_params.args],
                "status": "running",
            }
            if self.mode != "live":
                self._meta["cassettes"] = self.settings.cassettes
                self._meta["paced"] = self.settings.pace
            write_meta(self.run_dir, self._meta)
        return self.run_dir

    # -- xdist (controller side) ------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[WORKER_INPUT_KEY] = str(self.ensure_run_dir())
        self.distributed = True

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """`-n` (dist "load"): load scheduling, but the repeats of one case, target and
        variant go to one worker (same_across_repeats compares the repeats one process saw).
        Other --dist modes are xdist's own."""
        if config.getvalue("dist") != "load":
            return None
        from harness.pytest_plugin.xdist_sched import RepeatGroupScheduling

        return RepeatGroupScheduling(config, log)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self.collected is None:
            self.collected = [i for i in ids if _suite_of(i) is not None]

    # -- the end ----------------------------------------------------------------------------

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._writer is not None:
            self._writer.close()
        self._stack.close()
        if self.worker_id is not None or self.run_dir is None:
            return
        self.finish(exitstatus)

    def finish(self, exitstatus: int) -> None:
        from harness.engine.results import RESULTS_FILE, read_results, write_meta

        run_dir = self.run_dir
        assert run_dir is not None
        parts = sorted(run_dir.glob(f"{PART_PREFIX}*.jsonl"))
        results = run_dir / RESULTS_FILE
        if parts:
            rows = merge_parts(run_dir, parts)
        else:
            rows = read_results(results) if results.exists() else []
        if not rows:  # nothing ran (deselected, collection errors): leave no empty run folder
            shutil.rmtree(run_dir, ignore_errors=True)
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            status = "interrupted"
        elif exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            status = "complete"
        else:
            status = "failed"
        failed = sum(1 for r in rows if not r.get("passed"))
        ids = self.collected or []
        self._meta.update(
            status=status,
            suites=list(dict.fromkeys(s for s in map(_suite_of, ids) if s)),
            jobs=len(ids) or len(rows),
            passed=len(rows) - failed,
            failed=failed,
            workers=len(parts) if self.distributed else 0,
        )
        meta = write_meta(run_dir, self._meta)
        self.summary = report(run_dir, rows, meta)

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary:
            terminalreporter.write_sep("-", "harness")
            for line in self.summary:
                terminalreporter.write_line(line)

    @pytest.hookimpl
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self._writer is not None:
            self._writer.close()
        self._stack.close()


def _suite_of(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    return path if path.endswith((".yaml", ".yml")) and "::" in nodeid else None


def merge_parts(run_dir: Path, parts: list[Path]) -> list[dict[str, Any]]:
    """Workers' `results-<id>.jsonl` -> one `results.jsonl` (rows ordered by started_at, as
    written: one row per line), written atomically; the parts are removed once it is in place."""
    import json

    from harness.engine.results import RESULTS_FILE, read_results

    results = run_dir / RESULTS_FILE
    rows = read_results(results) if results.exists() else []
    for part in parts:
        rows.extend(read_results(part))
    rows.sort(key=lambda r: str(r.get("started_at") or ""))
    tmp = run_dir / f".{RESULTS_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, default=str, ensure_ascii=False) + "\n" for row in rows)
    os.replace(tmp, results)
    for part in parts:
        part.unlink()
    return rows


def report(run_dir: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> list[str]:
    """Write the run folder's reports; the lines of the terminal summary."""
    from harness.report.outputs import write_reports
    from harness.report.summary import render_pairs_text, render_text

    written = write_reports(run_dir, rows=rows, meta=meta)
    lines = render_text(written.report.targets).splitlines()
    if written.report.pairs:
        lines += ["", *render_pairs_text(written.report.pairs).splitlines()]
    failed = sum(1 for r in rows if not r.get("passed"))
    verdict = "PASS" if not failed else "FAIL"
    lines.append(f"{verdict}: {len(rows) - failed}/{len(rows)} jobs passed; run folder {run_dir}")
    lines.append("reports: " + ", ".join(p.name for p in written.paths))
    return lines


__all__ = ["HarnessRun", "pytest_addoption", "pytest_configure"]
