"""Exchange -> result row: normalise the response, price it, run the case's checks.

This is the one place a result row is made, so the CLI, the pytest plugin and the benchmarks
produce identical rows for identical exchanges.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from harness.checks.base import CheckContext, run_check
from harness.core.errors import CheckFailure
from harness.core.models import CheckSpec, Exchange, FailureInfo, Job
from harness.providers.pricing import compute_cost
from harness.wire.dialects import curl_command
from harness.wire.errors import classify_error
from harness.wire.normalize import normalize

EXCERPT_CHARS = 2000
# A case that names none of these gets an implicit `status: 2xx`: a success is the contract.
_STATUS_AWARE = frozenset({"status", "error_envelope", "param_range"})


def implicit_checks(job: Job) -> list[CheckSpec]:
    """The case's checks, with `status: 2xx` first when the case says nothing of status."""
    specs = list(job.case.expect)
    if not any(s.name in _STATUS_AWARE for s in specs):
        specs.insert(0, CheckSpec(name="status", args="2xx"))
    return specs


def response_error_class(exchange: Exchange) -> tuple[str | None, str | None]:
    """(error_class, message) for an exchange; (None, None) for a usable success."""
    if exchange.error_class:
        return exchange.error_class, exchange.error_message
    status = exchange.status_code
    if status is None:
        return "transport", exchange.error_message
    if status >= 400:
        info = classify_error(status, exchange.body, exchange.response_headers)
        return info.error_class, (info.message or "")[:500]
    if exchange.json is None:
        return "malformed_body", "response body is not valid JSON"
    return None, None


def evaluate(
    job: Job,
    exchange: Exchange,
    *,
    run_id: str,
    mode: str,
    started_at: str | None = None,
) -> dict[str, Any]:
    """Judge one exchange against its job's checks and return the flat result row."""
    target = job.target
    endpoint = job.case.endpoint
    status = exchange.status_code
    normalized = None
    if status is not None and 200 <= status < 300 and exchange.json is not None:
        normalized = normalize(endpoint, target.dialect, exchange.json)
    error_class, error_message = response_error_class(exchange)
    if error_class is None and normalized is None:
        error_class, error_message = "malformed_body", "not a recognisable success body"
    usage = normalized.usage if normalized else None
    cost, cost_note = compute_cost(target.model, usage, job.request)
    ctx = CheckContext(
        job=job,
        normalized=normalized,
        sent=exchange.request_body,
        cost_usd=cost,
        cost_note=cost_note,
        extra={"run_id": run_id},
    )
    failures: list[FailureInfo] = []
    names: list[str] = []
    for spec in implicit_checks(job):
        names.append(spec.name)
        try:
            failure = run_check(spec.name, ctx, exchange, spec.args)
        except CheckFailure as exc:  # pragma: no cover - run_check catches these
            failure = exc
        except Exception as exc:  # noqa: BLE001 - a crashing check is reported, not fatal
            failure = CheckFailure(
                f"check crashed: {type(exc).__name__}: {exc}", check=spec.name
            )
        if failure is not None:
            failures.append(
                FailureInfo(
                    check=failure.check or spec.name,
                    title=failure.title,
                    expected=_jsonable(failure.expected),
                    received=_jsonable(failure.received),
                )
            )
    latency = exchange.latency_ms
    return {
        "run_id": run_id,
        "suite": job.case.suite,
        "case": job.case.id,
        "target": target.name,
        "provider": target.provider.name,
        "model": target.model.id,
        "dialect": target.dialect,
        "endpoint": endpoint,
        "stream": bool(job.request.get("stream", False)),
        "variant": job.variant,
        "repeat": job.repeat,
        "mode": mode,
        "status_code": status,
        "passed": not failures,
        "failures": [f.to_dict() for f in failures],
        "error_class": error_class,
        "error_message": error_message,
        "latency_ms": round(latency, 3) if latency is not None else None,
        "ttft_ms": round(exchange.ttfb_ms, 3) if exchange.ttfb_ms is not None else None,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "total_tokens": usage.total_tokens if usage else None,
        "cached_prompt_tokens": usage.cached_prompt_tokens if usage else None,
        "cost_usd": cost,
        "attempts": exchange.attempts,
        "finish_reason": normalized.finish_reason if normalized else None,
        "recorded_latency_ms": exchange.recorded_latency_ms,
        "checks": names,
        "job_id": job.id,
        "tags": list(job.case.tags),
        "started_at": started_at or datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_sent": exchange.request_body,
        "response_excerpt": exchange.text[:EXCERPT_CHARS],
        "reproduce": curl_command(
            exchange.method,
            exchange.url,
            exchange.request_headers,
            exchange.request_body,
            target.provider.api_key_env,
        ),
    }


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)
