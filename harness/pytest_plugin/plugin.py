"""The hooks: options, activation, collection of suite files, the run folder across xdist workers.

A thin adapter over harness.session: per pytest process one `HarnessRun` (registered as the
plugin "harness-run", kept in `config.stash[STATE]`) holds one session `Run` (one event loop,
one HTTP client, the simulators, the cassette store, the result writer). Each suite file's
jobs are planned into it as the file is collected (`Run.plan_more`: the same rule for the
mode and keys as `harness run`, applied to that file's jobs), and each item submits its job.

The run folder is decided once, by the process that owns the session: without xdist it is
created at the first suite file; with xdist the controller creates it in `pytest_configure_node`
and hands its path to every worker in `workerinput["harness_run_dir"]`. Workers append their
rows, as each is known, to `results-<workerid>.jsonl` in it (one writer per file, so no two
processes ever write the same file); at `pytest_sessionfinish` the controller merges them into
`results.jsonl` (ordered by `started_at`), removes the parts, completes `run.json` and writes the
reports, as `harness run` does.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.core.paths import contained, safe_component
from harness.pytest_plugin.items import STATE, SuiteFile, looks_like_suite
from harness.pytest_plugin.options import add_options, read_gate, read_settings

if TYPE_CHECKING:
    from harness.core.models import Job
    from harness.session import Run, RunSettings

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
    from harness.session.plan import base_plan
    from harness.suite.plugins import import_plugins

    try:
        import_plugins(settings.plugins, settings.flag("plugin"))
        plan = base_plan(settings)
    except UsageError as exc:
        raise pytest.UsageError(f"harness: {exc}") from None
    state = HarnessRun(config, plan)
    state.baseline, state.gate_spec = read_gate(config)
    config.stash[STATE] = state
    config.pluginmanager.register(state, PLUGIN_NAME)


class HarnessRun:
    """The plugin's state in one pytest process (controller, worker, or both without xdist)."""

    def __init__(self, config: pytest.Config, plan: Any) -> None:
        self.config = config
        self.plan = plan
        self.settings: RunSettings = plan.settings
        self._run: Run | None = None
        self._suite_files: dict[str, str] = {}  # suite name -> file
        self._markers: set[str] | None = None
        workerinput = getattr(config, "workerinput", None)
        self.worker_id: str | None = workerinput["workerid"] if workerinput else None
        self.given_dir: Path | None = None
        if workerinput and workerinput.get(WORKER_INPUT_KEY):
            self.given_dir = Path(workerinput[WORKER_INPUT_KEY])
        self.distributed = False  # True on an xdist controller once a worker is configured
        self.collected: list[str] | None = None  # node ids of the items, for run.json
        self.summary: list[str] = []
        self.baseline: str | None = None  # --harness-baseline: gate the run at the end
        self.gate_spec: Any = None
        self.gate_failed = False

    # -- the session ------------------------------------------------------------------------

    def run(self, executes: bool = True) -> Run:
        """This process's session Run, entered on first use (a worker writes its own part
        file into the controller's folder; an xdist controller only owns the folder)."""
        if self._run is None:
            from harness.session import Run

            if self.worker_id is not None:
                if self.given_dir is None:  # pragma: no cover - a controller without the plugin
                    raise pytest.UsageError("harness: the xdist controller gave no run folder")
                run = Run(self.plan, run_dir=self.given_dir, owner=False,
                          results_file=f"{PART_PREFIX}{self.worker_id}.jsonl")
            else:
                run = Run(self.plan, executes=executes)
            self._run = run.__enter__()
        return self._run

    @property
    def run_dir(self) -> Path | None:
        return self._run.run_dir if self._run is not None else self.given_dir

    def jobs_of(self, path: Path, display: str) -> list[tuple[Job, str]]:
        """The jobs of one suite file, each with how it runs (live, record or replay).

        Usage errors (a SuiteError naming file and line, a missing key, an endpoint a provider
        does not serve) raise UsageError naming the file."""
        from harness.core.errors import SuiteError, UsageError
        from harness.suite import expand, load_suite

        max_jobs, flag = self.settings.max_jobs, self.settings.flag("max-jobs")
        suite = load_suite(display if Path(display).resolve() == path.resolve() else path,
                           max_jobs=max_jobs, jobs_flag=flag)
        kept = self.settings.selection.apply([suite], require=False)  # as plan_run does
        suite = kept[0] if kept else replace(suite, cases=[])
        other = self._suite_files.setdefault(suite.name, display)
        if other != display:
            raise SuiteError(
                f"{display}: suite name {suite.name!r} is already used by {other}; give one "
                "of them another 'suite:' name",
                path=display,
            )
        run = self.run()
        run.add_cases(suite.cases)
        jobs = expand(suite, run.targets, max_jobs=max_jobs, jobs_flag=flag)
        try:
            modes = run.plan_more(jobs, what="this file's jobs") if jobs else []
        except UsageError as exc:
            text = str(exc)
            raise UsageError(text if text.startswith(display) else f"{display}: {text}") from None
        self._register_markers(tag for case in suite.cases for tag in case.tags)
        return list(zip(jobs, modes, strict=True))

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

    def submit(self, job: Job) -> dict[str, Any]:
        """Run one item's job on this process's loop and client; its row."""
        return self.run().submit(job)

    # -- xdist (controller side) ------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        run = self.run(executes=False)
        node.workerinput[WORKER_INPUT_KEY] = str(run.run_dir)
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
        run = self._run
        if run is None:
            return
        if self.worker_id is not None:
            self._close()
            return
        try:
            self.finish(run, exitstatus)
        finally:
            self._close()
        if self.gate_failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def finish(self, run: Run, exitstatus: int) -> None:
        from harness.engine.results import RESULTS_FILE, read_results
        from harness.session.terminal import summary_lines, verdict_line

        run_dir = run.run_dir
        assert run_dir is not None
        if run.writer is not None:
            run.writer.close()
        parts = sorted(run_dir.glob(f"{PART_PREFIX}*.jsonl"))
        results = run_dir / RESULTS_FILE
        rows = merge_parts(run_dir, parts) if parts else (
            read_results(results) if results.exists() else [])
        if not rows:  # nothing ran (deselected, collection errors): leave no empty run folder
            run.discard()
            shutil.rmtree(run_dir, ignore_errors=True)
            return
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            status = "interrupted"
        elif exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            status = "complete"
        else:
            status = "failed"
        ids = self.collected or []
        if self.distributed:  # the workers loaded the suites: load them here for run.json
            self._load_cases(run, ids)
        outcome = run.finish(
            rows, status=status, jobs=len(ids) or len(rows),
            suites=list(dict.fromkeys(s for s in map(_suite_of, ids) if s)),
            workers=len(parts) if self.distributed else 0,
        )
        lines = summary_lines(outcome, failures=False)
        self.summary = [*lines[:-1], verdict_line(outcome), lines[-1]]
        if self.baseline:
            self._gate(run_dir, rows)

    def _gate(self, run_dir: Path, rows: list[dict[str, Any]]) -> None:
        """--harness-baseline: the gate's verdict per target, into the summary and run folder."""
        from harness.gating import judge_rows
        from harness.gating.cases import pair_targets
        from harness.gating.render import render_text
        from harness.gating.run import read_run, write_gate_files

        _, base_rows, _ = read_run(self.baseline or "", "baseline")
        pairs = pair_targets(rows, base_rows)
        for target, base_target in pairs:
            verdict = judge_rows(rows, base_rows, self.gate_spec, target=target,
                                 baseline_target=base_target)
            folder = "gate-" + safe_component(target.replace("/", "_"))
            write_gate_files(verdict, run_dir if len(pairs) == 1 else contained(run_dir, folder))
            self.summary += render_text(verdict).splitlines()
            self.gate_failed |= not verdict.passed

    def _load_cases(self, run: Run, ids: list[str]) -> None:
        from harness.core.errors import UsageError
        from harness.suite import load_suite

        root = Path(self.config.invocation_params.dir)
        for path in dict.fromkeys(s for s in map(_suite_of, ids) if s):
            try:
                run.add_cases(load_suite(root / path).cases)
            except (UsageError, OSError):
                continue  # a file that failed to load was a collection error already

    def _close(self) -> None:
        run, self._run = self._run, None
        if run is not None:
            run.__exit__(None, None, None)

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary:
            terminalreporter.write_sep("-", "harness")
            for line in self.summary:
                terminalreporter.write_line(line)

    @pytest.hookimpl
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self._close()


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


__all__ = ["HarnessRun", "pytest_addoption", "pytest_configure"]
