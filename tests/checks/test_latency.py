"""`latency_ms`: exchange.latency_ms against bounds."""

from __future__ import annotations

import pytest

from harness.checks import validate_check_args
from harness.core.errors import UsageError
from tests.realworld import requires_realworld

pytestmark = [pytest.mark.realworld, requires_realworld]

FILE = "pydantic-ai/test_mistral/test_mistral_forwards_penalties.yaml"


def test_bounds(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(FILE, latency_ms=1234.0)
    assert ex.latency_ms == pytest.approx(1234.0)
    assert run("latency_ms", ctx, ex, 2000) is None
    assert run("latency_ms", ctx, ex, {"max": 2000, "min": 100}) is None
    failure = run("latency_ms", ctx, ex, {"max": 1000})
    assert failure.title == "latency 1234 ms above max 1000 ms"
    assert failure.received == pytest.approx(1234.0)
    assert run("latency_ms", ctx, ex, {"min": 1500}).title == "latency 1234 ms below min 1500 ms"


def test_recorded_latency_is_not_used(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(FILE, latency_ms=10.0)
    ex.recorded_latency_ms = 99999.0
    assert run("latency_ms", ctx, ex, 100) is None


def test_unknown_latency(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx(None, status=None, latency_ms=None)
    ex.error_class = "connect_error"
    assert run("latency_ms", ctx, ex, 100).title == "latency unknown: connect_error"


@pytest.mark.parametrize("bad", [None, "fast", -5, {"max": None, "x": 1}, [100]])
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="latency_ms"):
        validate_check_args("latency_ms", bad)
