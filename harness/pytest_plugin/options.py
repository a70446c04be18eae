"""The plugin's options (one group, "harness") and the settings read from them.

The plugin is inert unless a target is given: `--harness-target` (repeatable or
comma-separated), else the `HARNESS_TARGETS` environment variable (comma-separated, as for
`harness run`), else the `harness_targets` ini option (whitespace- or comma-separated).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from harness.core.errors import UsageError
from harness.core.modes import MODES
from harness.suite.limits import MAX_CASE_JOBS, RUN_JOBS_FACTOR

if TYPE_CHECKING:
    from harness.session.settings import RunSettings

TARGETS_ENV = "HARNESS_TARGETS"
TARGETS_INI = "harness_targets"


def _add_plugin_option(group: Any) -> None:
    group.addoption(
        "--harness-plugin", action="append", default=[], dest="harness_plugin",
        metavar="MODULE", help="import this module (dotted name or .py file) before the suites "
        "load, so the checks it registers can be named in them (repeatable)",
    )


def add_options(parser: Any) -> None:
    group = parser.getgroup(
        "harness", "llm-contract-harness: run suite YAML files as tests (active with a target)"
    )
    group.addoption(
        "--harness-target", action="append", default=[], dest="harness_target",
        metavar="PROVIDER/MODEL",
        help="run the suite files given to pytest against this target (repeatable or "
        "comma-separated); without a target (here, $HARNESS_TARGETS or the harness_targets "
        "ini option) the plugin does nothing",
    )
    group.addoption(
        "--harness-providers", action="append", default=[], dest="harness_providers",
        metavar="FILE", help="extra providers file, ${ENV} interpolated (repeatable)",
    )
    group.addoption(
        "--harness-mode", choices=MODES, default=None, dest="harness_mode",
        help="live: call the providers; record: call them and (re)write the cassettes; "
        "replay: answer from the cassettes, no network, no key; auto: replay what is recorded, "
        "record what is not. Default: live, or replay when a target's API key is not set "
        "(as `harness run --mode`)",
    )
    group.addoption(
        "--harness-cassettes", default="cassettes", dest="harness_cassettes", metavar="DIR",
        help="folder of the cassettes (default cassettes/)",
    )
    group.addoption(
        "--harness-pace", action="store_true", default=False, dest="harness_pace",
        help="replay: hand streams over chunk by chunk at their recorded offsets",
    )
    group.addoption(
        "--harness-out", default="reports", dest="harness_out", metavar="DIR",
        help="folder for run folders (default reports/)",
    )
    group.addoption(
        "--harness-simulate", action="store_true", default=False, dest="harness_simulate",
        help="send each target's traffic to a local reference simulator of its provider "
        "(one per pytest process); live: targets renamed sim-<provider>/...; record/auto: "
        "cassettes recorded from the simulator under the real target names",
    )
    group.addoption(
        "--harness-sim-latency-ms", type=float, default=20.0, dest="harness_sim_latency_ms",
        metavar="MS", help="simulator latency with --harness-simulate (default 20)",
    )
    _add_limits(group)
    _add_selection(group)
    group.addoption(
        "--harness-retries", type=int, default=3, dest="harness_retries", metavar="N",
        help="retries on 429, 5xx and transport errors (default 3)",
    )
    group.addoption(
        "--harness-seed", type=int, default=None, dest="harness_seed",
        help="seed for retry jitter",
    )
    group.addoption(
        "--harness-history", default=None, dest="harness_history", metavar="STORE",
        help="append the finished run to this run history: a SQLite file or a postgresql:// "
        "URL (default: $HARNESS_HISTORY when set, else none)",
    )
    group.addoption(
        "--harness-max-jobs", type=int, default=MAX_CASE_JOBS, dest="harness_max_jobs",
        metavar="N", help=f"most jobs one case may expand to per target (matrix x repeat; "
        f"default {MAX_CASE_JOBS:,}); a run may hold {RUN_JOBS_FACTOR} x N",
    )
    _add_plugin_option(group)
    group.addoption(
        "--harness-baseline", default=None, dest="harness_baseline", metavar="RUN",
        help="gate this run against a baseline run folder at the end (`harness gate`); a "
        "failed gate makes pytest exit non-zero",
    )
    group.addoption(
        "--harness-gate", default=None, dest="harness_gate", metavar="FILE",
        help="gate file with the thresholds for --harness-baseline (default: the default gate)",
    )
    parser.addini(
        TARGETS_INI, type="args", default=[],
        help="targets (provider/model) that activate the harness plugin",
    )


def _add_limits(group: Any) -> None:
    """The time and size limits (as `harness run`'s --timeout ... --deadline)."""
    group.addoption(
        "--harness-timeout", type=float, default=60.0, dest="harness_timeout",
        metavar="SECONDS", help="deadline of each request, connect to last byte, streams "
        "included (default 60; a case's timeout_s overrides)",
    )
    group.addoption(
        "--harness-first-byte-timeout", type=float, default=None,
        dest="harness_first_byte_timeout", metavar="SECONDS",
        help="request start to the first body byte (default: --harness-timeout)",
    )
    group.addoption(
        "--harness-idle-timeout", type=float, default=None, dest="harness_idle_timeout",
        metavar="SECONDS", help="longest silence between two body chunks (default: "
        "--harness-timeout)",
    )
    group.addoption(
        "--harness-max-response-bytes", default="32MiB", dest="harness_max_response_bytes",
        metavar="SIZE", help="largest body read, after decompression (default 32MiB)",
    )
    group.addoption(
        "--harness-max-retry-wait", type=float, default=60.0, dest="harness_max_retry_wait",
        metavar="SECONDS", help="longest Retry-After honoured; longer: not retried (default 60)",
    )
    group.addoption(
        "--harness-deadline", type=float, default=None, dest="harness_deadline",
        metavar="SECONDS", help="bound on the whole session's jobs: later ones get a "
        "`deadline` row (default: none)",
    )


def _add_selection(group: Any) -> None:
    """Which cases run and how often (as `harness run`'s --case, --tag, --repeat)."""
    group.addoption(
        "--harness-case", action="append", default=[], dest="harness_case", metavar="GLOB",
        help="only the cases whose suite::case or case id matches this glob (repeatable: any "
        "matches)",
    )
    group.addoption(
        "--harness-tag", action="append", default=[], dest="harness_tag", metavar="TAG",
        help="only the cases tagged TAG; not:TAG drops the cases tagged TAG (repeatable: a "
        "case needs every TAG and none of the not:TAG)",
    )
    group.addoption(
        "--harness-repeat", type=int, default=None, dest="harness_repeat", metavar="N",
        help="run every case N times (overrides the suites' repeat:)",
    )


def _split(values: Any) -> list[str]:
    return [t.strip() for v in values or () for t in str(v).split(",") if t.strip()]


def target_names(config: Any) -> list[str]:
    """The targets asked for; empty means the plugin stays inert."""
    names = _split(config.getoption("harness_target"))
    if not names:
        names = _split([os.environ.get(TARGETS_ENV, "")])
    if not names:
        names = _split(config.getini(TARGETS_INI))
    return list(dict.fromkeys(names))


def read_settings(config: Any) -> RunSettings | None:
    """The session's RunSettings from the --harness-* options; None when no target is given."""
    from harness.session.settings import RunSettings, parse_size

    names = target_names(config)
    if not names:
        return None
    try:
        return RunSettings(
            targets=tuple(names),
            providers=tuple(config.getoption("harness_providers") or ()),
            mode=config.getoption("harness_mode"),
            cassettes=config.getoption("harness_cassettes"),
            pace=bool(config.getoption("harness_pace")),
            out=config.getoption("harness_out"),
            simulate=bool(config.getoption("harness_simulate")),
            sim_latency_ms=config.getoption("harness_sim_latency_ms"),
            timeout_s=config.getoption("harness_timeout"),
            first_byte_timeout_s=config.getoption("harness_first_byte_timeout"),
            idle_timeout_s=config.getoption("harness_idle_timeout"),
            max_response_bytes=parse_size(config.getoption("harness_max_response_bytes"),
                                          "--harness-max-response-bytes"),
            max_retry_wait_s=config.getoption("harness_max_retry_wait"),
            deadline_s=config.getoption("harness_deadline"),
            retries=config.getoption("harness_retries"),
            seed=config.getoption("harness_seed"),
            history=config.getoption("harness_history"),
            max_jobs=config.getoption("harness_max_jobs"),
            cases=tuple(config.getoption("harness_case") or ()),
            tags=tuple(config.getoption("harness_tag") or ()),
            repeat=config.getoption("harness_repeat"),
            plugins=tuple(config.getoption("harness_plugin") or ()),
            concurrency=1,
            argv=("pytest", *config.invocation_params.args),
            runner="pytest",
            flag_prefix="--harness-",
        )
    except UsageError as exc:
        raise _pytest_usage(exc) from None


def _pytest_usage(exc: Exception) -> Exception:
    import pytest

    return pytest.UsageError(f"harness: {exc}")


def read_gate(config: Any) -> tuple[str | None, Any]:
    """(baseline run, GateSpec) from --harness-baseline / --harness-gate; the gate file is read
    now, so a bad one is a usage error before anything runs."""
    baseline, path = config.getoption("harness_baseline"), config.getoption("harness_gate")
    if path and not baseline:
        raise _pytest_usage(UsageError("--harness-gate needs --harness-baseline RUN"))
    if not baseline:
        return None, None
    from harness.gating import load_spec
    from harness.gating.run import read_run

    try:
        read_run(baseline, "baseline")  # a missing baseline is a usage error now, not at the end
        return baseline, load_spec(path)
    except UsageError as exc:
        raise _pytest_usage(exc) from None
