"""The limit options flow from argparse and the pytest options into RunSettings and SendOptions."""

from __future__ import annotations

import pytest

from harness.cli.main import build_parser
from harness.core.errors import UsageError
from harness.session.settings import DEFAULT_MAX_RESPONSE_BYTES, RunSettings, parse_size


def test_harness_run_flags_reach_the_settings() -> None:
    from harness.cli.cmd_run import settings_from

    args = build_parser().parse_args([
        "run", "suites/", "-t", "mistral/mistral-medium-3.5", "--timeout", "5",
        "--first-byte-timeout", "2", "--idle-timeout", "1.5", "--max-response-bytes", "4MiB",
        "--max-retry-wait", "10", "--deadline", "300"])
    s = settings_from(args)
    assert (s.timeout_s, s.first_byte_timeout_s, s.idle_timeout_s) == (5.0, 2.0, 1.5)
    assert (s.max_response_bytes, s.max_retry_wait_s, s.deadline_s) == (4 << 20, 10.0, 300.0)


def test_defaults() -> None:
    s = RunSettings()
    assert (s.first_byte_timeout_s, s.idle_timeout_s, s.deadline_s) == (None, None, None)
    assert (s.max_response_bytes, s.max_retry_wait_s) == (DEFAULT_MAX_RESPONSE_BYTES, 60.0)


@pytest.mark.parametrize(("text", "size"), [
    ("33554432", 32 << 20), ("32MiB", 32 << 20), ("64 MB", 64_000_000), ("1g", 10**9),
    ("1.5KiB", 1536)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "0", "5 parsecs", ""])
def test_bad_sizes_are_usage_errors_naming_the_flag(text: str) -> None:
    with pytest.raises(UsageError, match="--max-response-bytes"):
        parse_size(text)


@pytest.mark.parametrize(("field", "flag"), [
    ("first_byte_timeout_s", "--first-byte-timeout"), ("idle_timeout_s", "--idle-timeout"),
    ("deadline_s", "--deadline"), ("max_retry_wait_s", "--max-retry-wait")])
def test_bad_limits_are_usage_errors(field: str, flag: str) -> None:
    with pytest.raises(UsageError, match=flag):
        RunSettings(**{field: -1.0})


def test_the_run_hands_the_limits_to_the_engine() -> None:
    from harness.session.run import Run

    run = Run.__new__(Run)
    run.settings = RunSettings(timeout_s=9, first_byte_timeout_s=3, idle_timeout_s=2,
                               max_response_bytes=1000, max_retry_wait_s=7)
    opts = run._options()
    assert (opts.timeout_s, opts.first_byte_timeout_s, opts.idle_timeout_s) == (9, 3, 2)
    assert (opts.max_response_bytes, opts.policy.max_retry_wait_s) == (1000, 7)
