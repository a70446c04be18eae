"""RunSettings: everything a run is asked to do, as one value.

argparse (`harness run`), the pytest options (`--harness-*`), the public `harness.run(...)`
and the benchmarks all fill in this one value; `plan_run` turns it into a RunPlan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.core.errors import UsageError
from harness.core.modes import MODES
from harness.session.select import Selection
from harness.suite.limits import MAX_CASE_JOBS

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "RUNNERS", "RunSettings", "parse_shard", "parse_size"]

RUNNERS = ("cli", "pytest", "api", "audit", "bench")
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # the engine's default (engine/send.py)
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 1000**2, "mb": 1000**2,
          "mib": 1 << 20, "g": 1000**3, "gb": 1000**3, "gib": 1 << 30}


@dataclass(frozen=True)
class RunSettings:
    """What to run, against what, how. Defaults are those of `harness run`."""

    suites: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    mode: str | None = None  # None: live, or replay when a key the jobs need is not set
    simulate: bool = False
    sim_latency_ms: float = 20.0
    concurrency: int = 8
    timeout_s: float = 60.0  # one attempt's whole deadline: connect to last byte
    first_byte_timeout_s: float | None = None  # None: timeout_s
    idle_timeout_s: float | None = None  # between body chunks; None: timeout_s
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # decoded body bytes
    max_retry_wait_s: float = 60.0  # a longer Retry-After: not retried (engine/retry.py)
    deadline_s: float | None = None  # the whole run; jobs not started get `deadline` rows
    retries: int = 3
    seed: int | None = None
    cassettes: str = "cassettes"
    pace: bool = False
    out: str = "reports"
    shard: tuple[int, int] | None = None
    run_id: str | None = None  # a fresh generated id unless given
    history: str | None = None  # history store to append to (else $HARNESS_HISTORY; else none)
    grace_s: float = 10.0  # after SIGINT / SIGTERM: how long jobs in flight may still finish
    max_jobs: int = MAX_CASE_JOBS  # jobs per case and target; x100 per run (suite/limits.py)
    cases: tuple[str, ...] = ()  # --case GLOB: suite::case or case globs (session/select.py)
    tags: tuple[str, ...] = ()  # --tag TAG: every positive tag, none of the not:TAG
    repeat: int | None = None  # --repeat N: overrides every case's repeat
    plugins: tuple[str, ...] = ()  # --plugin MODULE: imported before the suites load
    argv: tuple[str, ...] = ()
    runner: str = "cli"  # who runs it: cli | pytest | api | audit | bench (run.json `runner`)
    flag_prefix: str = "--"  # how messages name flags: "--" (CLI) or "--harness-" (pytest)
    extra_meta: dict[str, Any] = field(default_factory=dict)  # more run.json keys

    def __post_init__(self) -> None:
        for name in ("suites", "targets", "providers", "argv", "cases", "tags", "plugins"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        self.validate()

    @property
    def selection(self) -> Selection:
        """The case globs, tags and repeat override (a bad one: UsageError naming the flag)."""
        return Selection(self.cases, self.tags, self.repeat, self.flag_prefix)

    def validate(self) -> None:
        """Bad values are usage errors naming the flag."""
        flag = self.flag
        if self.mode is not None and self.mode not in MODES:
            raise UsageError(f"{flag('mode')} must be live, record, replay or auto, got "
                             f"{self.mode!r}")
        if self.retries < 0:
            raise UsageError(f"{flag('retries')} must be >= 0, got {self.retries}")
        if self.concurrency < 1:
            raise UsageError(f"{flag('concurrency')} must be >= 1, got {self.concurrency}")
        for name, value in (("timeout", self.timeout_s),
                            ("first-byte-timeout", self.first_byte_timeout_s),
                            ("idle-timeout", self.idle_timeout_s), ("deadline", self.deadline_s)):
            if value is not None and not value > 0:
                raise UsageError(f"{flag(name)} must be > 0, got {value}")
        if self.max_response_bytes < 1:
            raise UsageError(f"{flag('max-response-bytes')} must be >= 1, got "
                             f"{self.max_response_bytes}")
        if self.max_retry_wait_s < 0:
            raise UsageError(f"{flag('max-retry-wait')} must be >= 0, got "
                             f"{self.max_retry_wait_s}")
        if not self.grace_s >= 0:
            raise UsageError(f"{flag('grace')} must be >= 0, got {self.grace_s}")
        if self.max_jobs < 1:
            raise UsageError(f"{flag('max-jobs')} must be >= 1, got {self.max_jobs}")
        if self.sim_latency_ms < 0:
            raise UsageError(f"{flag('sim-latency-ms')} must be >= 0, got {self.sim_latency_ms}")
        self.selection  # noqa: B018 (validates --repeat and --tag)
        if self.history is not None:
            from harness.history.spec import parse_spec

            parse_spec(self.history, flag("history"))  # a bad store fails before the run
        if self.runner not in RUNNERS:
            raise ValueError(f"runner must be one of {', '.join(RUNNERS)}, got {self.runner!r}")

    def flag(self, name: str) -> str:
        return f"{self.flag_prefix}{name}"

    def but(self, **changes: Any) -> RunSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def target_names(self) -> list[str]:
        """The targets, comma-separated specs split, duplicates dropped, order kept."""
        return list(dict.fromkeys(
            t.strip() for spec in self.targets for t in spec.split(",") if t.strip()
        ))


def parse_shard(text: str | None, flag: str = "--shard") -> tuple[int, int] | None:
    """`K/N` -> (K, N), 1 <= K <= N; None stays None."""
    if text is None:
        return None
    k, sep, n = text.partition("/")
    try:
        kk, nn = int(k), int(n)
    except ValueError:
        kk = nn = 0
    if not sep or nn < 1 or not 1 <= kk <= nn:
        raise UsageError(f"{flag} expects K/N with 1 <= K <= N, got {text!r}")
    return kk, nn


def as_tuple(values: Sequence[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    return (values,) if isinstance(values, str) else tuple(values)


def parse_size(text: str | int, flag: str = "--max-response-bytes") -> int:
    """`33554432`, `32MiB`, `64 MB`, `1g` -> bytes (KiB/MiB/GiB are powers of 1024, k/M/G of
    1000); anything else, or less than 1 byte, is a usage error naming the flag."""
    if isinstance(text, int):
        return text
    raw = text.strip().lower().replace(" ", "")
    digits = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(digits):]
    try:
        value = float(digits) * _UNITS[unit]
    except (KeyError, ValueError):
        raise UsageError(f"{flag} expects a size such as 33554432, 32MiB or 64MB, got "
                         f"{text!r}") from None
    if value < 1:
        raise UsageError(f"{flag} must be at least 1 byte, got {text!r}")
    return int(value)
