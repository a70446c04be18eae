"""Exchange -> result row: normalise the response, price it, run the case's checks.

This is the one place a result row is made, so the CLI, the pytest plugin and the benchmarks
produce identical rows for identical exchanges.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from harness.checks.base import CheckContext, run_check
from harness.checks.stream import IMPLICIT_ARGS, content_offsets, first_token_ms, stream_of
from harness.core.errors import CheckFailure
from harness.core.jsonsafe import MAX_DEPTH
from harness.core.models import CheckSpec, Exchange, FailureInfo, Job, Normalized, Usage
from harness.core.secrets import SECRET_QUERY
from harness.providers.pricing import compute_cost
from harness.wire.dialects import curl_command, request_notes
from harness.wire.errors import classify_error
from harness.wire.normalize import normalize
from harness.wire.protocols import DEFAULT_ENDPOINT, find_protocol
from harness.wire.streams import StreamResult, classify_stream, looks_html

EXCERPT_CHARS = 2000
MIN_RATE_SPAN_S = 0.005  # below this, tokens/s measures the network buffer, not the model
# A case that names none of these gets an implicit `status: 2xx`: a success is the contract.
_STATUS_AWARE = frozenset({"status", "error_envelope", "param_range"})
# answers over a limit (core/jsonsafe.py, --max-response-bytes): never read, so never passed;
# and a 2xx whose body is not the endpoint's success object (not JSON, or no known shape)
_UNREADABLE = frozenset({"too_deep", "too_large", "malformed_body"})


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
    if exchange.body and exchange.json is None and exchange.json_problem == "too_deep":
        return "too_deep", (f"HTTP {status} body nested deeper than {MAX_DEPTH} levels "
                            "(not parsed)")
    if 300 <= status < 400:
        where = masked_location(exchange.response_headers.get("location"))
        return "redirect", (f"HTTP {status} redirect to {where} (redirects are not followed: "
                            "a contract test sees the answer itself)")
    if status >= 400:
        info = classify_error(status, exchange.body, exchange.response_headers)
        return info.error_class, (info.message or "")[:500]
    if exchange.json is None:
        return "malformed_body", "response body is not valid JSON"
    return None, None


def judge(job: Job, exchange: Exchange) -> tuple[Normalized | None, StreamResult | None,
                                                  str | None, str | None]:
    """(normalized answer, stream, error_class, error_message) of an exchange."""
    endpoint = str(job.request.get("endpoint") or job.case.endpoint or DEFAULT_ENDPOINT)
    dialect = job.target.dialect
    stream = stream_of(exchange, endpoint, dialect)
    if stream is not None:
        normalized, error_class, error_message = judge_stream(job, exchange, stream)
        return normalized, stream, error_class, error_message
    normalized = None
    status = exchange.status_code
    if status is not None and 200 <= status < 300 and exchange.json is not None:
        normalized = normalize(job.case.endpoint, dialect, exchange.json)
    error_class, error_message = response_error_class(exchange)
    if error_class is None and normalized is None:
        error_class, error_message = "malformed_body", "not a recognisable success body"
    return normalized, None, error_class, error_message


def run_checks(specs: list[CheckSpec], ctx: CheckContext,
               exchange: Exchange) -> list[FailureInfo]:
    """Each check of `specs` on the exchange; a crashing check is a failure, never fatal."""
    failures: list[FailureInfo] = []
    for spec in specs:
        try:
            failure = run_check(spec.name, ctx, exchange, spec.args)
        except CheckFailure as exc:  # pragma: no cover - run_check catches these
            failure = exc
        except Exception as exc:  # noqa: BLE001 - a crashing check is reported, not fatal
            failure = CheckFailure(
                f"check crashed: {type(exc).__name__}: {exc}", check=spec.name
            )
        if failure is not None:
            failures.append(FailureInfo(
                check=failure.check or spec.name, title=failure.title,
                expected=_jsonable(failure.expected), received=_jsonable(failure.received),
            ))
    return failures


def evaluate(
    job: Job,
    exchange: Exchange,
    *,
    run_id: str,
    mode: str,
    started_at: str | None = None,
    prior_cost: float | None = 0.0,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Judge one exchange against its job's checks and return the flat result row.

    `state`: the run's scoped state, shared by every job of the run (checks that compare
    jobs, like same_across_repeats, keep their memory there); None = a fresh one per call.
    `prior_cost`: cost of the earlier turns of a tool loop (see `evaluate_turns`), added to
    this turn's, so `cost_usd` (row and check) is the loop's; None = an earlier cost unknown.
    """
    normalized, stream, error_class, error_message = judge(job, exchange)
    if exchange.retries_exhausted and exchange.retry_note:
        error_message = f"{error_message}; {exchange.retry_note}" if error_message else (
            exchange.retry_note)
    usage = normalized.usage if normalized else None
    cost, cost_note = compute_cost(job.target.model, usage, job.request)
    if prior_cost is None:
        cost, cost_note = None, "the cost of an earlier turn is unknown"
    elif cost is not None:
        cost += prior_cost
    ctx = CheckContext(
        job=job, normalized=normalized, sent=exchange.request_body, cost_usd=cost,
        cost_note=cost_note, extra={"run_id": run_id},
        state=state if state is not None else {},
    )
    specs = with_stream_check(implicit_checks(job), stream)
    failures = run_checks(specs, ctx, exchange)
    if error_class in _UNREADABLE and not failures and _is_chat_call(job):  # no check can
        # pass an unread answer, nor a success body that is not one (a chat call's contract)
        failures.append(FailureInfo(check="body", title=f"{error_class}: {error_message}",
                                    expected="an answer within the limits",
                                    received=error_class))
    row = _identity(job, run_id, mode)
    row.update(_outcome(exchange, failures, error_class, error_message))
    row.update(timing_columns(exchange, stream, usage))
    row.update(_usage_columns(usage, cost, normalized))
    row.update(_detail(job, exchange, [s.name for s in specs], started_at, ctx))
    return row


def _is_chat_call(job: Job) -> bool:
    """A call of a wire protocol (chat, responses, messages), not e.g. a recorded model list."""
    endpoint = str(job.request.get("endpoint") or job.case.endpoint or DEFAULT_ENDPOINT)
    return find_protocol(endpoint) is not None


def failed_row(job: Job, *, run_id: str, mode: str, error_class: str, message: str,
               started_at: str | None = None, turns: int = 1) -> dict[str, Any]:
    """The row of a job with no exchange to judge: not run (the run's deadline passed), or an
    exception while reading, parsing, normalising or checking its answer. Every column is
    there (core/columns.py), passed is False and the one failure names `error_class`."""
    failure = FailureInfo(check=error_class, title=message, expected="a judged exchange",
                          received=error_class)
    row = _identity(job, run_id, mode)
    row.update({
        "status_code": None, "passed": False, "failures": [failure.to_dict()],
        "error_class": error_class, "error_message": message, "latency_ms": None,
        "ttft_ms": None, "ttfb_ms": None, "itl_ms": None, "tokens_per_s": None,
        "stream_events": None,
    })
    row.update(_usage_columns(None, None, None))
    row.update({
        "attempts": 0 if turns == 0 else 1, "finish_reason": None,
        "recorded_latency_ms": None, "checks": [], "job_id": job.id,
        "tags": list(job.case.tags),
        "started_at": started_at or datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_sent": None, "response_excerpt": "", "reproduce": "", "turns": turns,
        "turn_latencies_ms": [], "request_notes": [], "cassette": None,
        "error_variant": None, "retries_exhausted": False,
    })
    return row


def _identity(job: Job, run_id: str, mode: str) -> dict[str, Any]:
    target = job.target
    return {
        "run_id": run_id, "suite": job.case.suite, "case": job.case.id, "target": target.name,
        "provider": target.provider.name, "model": target.model.id,
        "dialect": target.dialect, "endpoint": job.case.endpoint,
        "stream": bool(job.request.get("stream", False)), "variant": job.variant,
        "repeat": job.repeat, "mode": mode,
    }


def _outcome(exchange: Exchange, failures: list[FailureInfo], error_class: str | None,
             error_message: str | None) -> dict[str, Any]:
    latency = exchange.latency_ms
    return {
        "status_code": exchange.status_code, "passed": not failures,
        "failures": [f.to_dict() for f in failures], "error_class": error_class,
        "error_message": error_message,
        "latency_ms": round(latency, 3) if latency is not None else None,
    }


def _usage_columns(usage: Usage | None, cost: float | None,
                   normalized: Normalized | None) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "total_tokens": usage.total_tokens if usage else None,
        "cached_prompt_tokens": usage.cached_prompt_tokens if usage else None,
        "cost_usd": cost,
    }


def _detail(job: Job, exchange: Exchange, names: list[str], started_at: str | None,
            ctx: CheckContext) -> dict[str, Any]:
    latency = exchange.latency_ms
    endpoint = str(job.request.get("endpoint") or DEFAULT_ENDPOINT)
    return {
        "attempts": exchange.attempts,
        "finish_reason": ctx.normalized.finish_reason if ctx.normalized else None,
        "recorded_latency_ms": exchange.recorded_latency_ms,
        "checks": names,
        "job_id": job.id,
        "tags": list(job.case.tags),
        "started_at": started_at or datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_sent": exchange.request_body,
        "response_excerpt": exchange.text[:EXCERPT_CHARS],
        "reproduce": curl_command(exchange.method, exchange.url, exchange.request_headers,
                                  exchange.request_body, job.target.provider.api_key_env),
        "turns": 1,
        "turn_latencies_ms": [round(latency, 3)] if latency is not None else [],
        "request_notes": (
            [] if job.case.raw else request_notes(job.request, endpoint, job.target.dialect)
        ),
        "error_variant": ctx.extra.get("error_variant"),
        "retries_exhausted": exchange.retries_exhausted,
    }


def masked_location(location: str | None) -> str:
    """A Location header fit for a row: userinfo and key-like query values masked, bounded."""
    if not location:
        return "(no Location header)"
    parts = urlsplit(location)
    netloc = parts.netloc.rpartition("@")[2] if "@" in parts.netloc else parts.netloc
    query = "&".join(
        f"{name}=***" if _secret_param(name) else f"{name}={value}" if value else name
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    text = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    return text if len(text) <= 200 else text[:197] + "..."


def _secret_param(name: str) -> bool:
    low = name.lower()
    return low in SECRET_QUERY or any(w in low for w in ("key", "token", "secret", "sig"))


# -- streams -----------------------------------------------------------------------------------


def with_stream_check(specs: list[CheckSpec], stream: StreamResult | None) -> list[CheckSpec]:
    """A 2xx answer to a stream request gets an implicit `stream` check (well-formed events
    and a terminator) unless the case names one, or expects an error (error_envelope judges
    an error reported inside the stream): a broken stream never passes silently."""
    if stream is None or any(s.name in ("stream", "error_envelope") for s in specs):
        return specs
    return [*specs, CheckSpec(name="stream", args=dict(IMPLICIT_ARGS))]


def judge_stream(
    job: Job, exchange: Exchange, stream: StreamResult
) -> tuple[Normalized | None, str | None, str | None]:
    """(normalized, error_class, error_message) of a 2xx answer to a stream request.

    Error classes, most specific first: html_error (an HTML page instead of / inside the
    events), stream_error (an error event, or an error inside a chunk), stream_malformed (data
    that is not JSON, lines that are not SSE, or a single JSON body where a stream was asked
    for), stream_cut (the connection broke or the body ended before the terminator), timeout
    (the stream stalled), malformed_body (events, but nothing of the endpoint's format).
    """
    endpoint = str(job.request.get("endpoint") or job.case.endpoint)
    dialect = job.target.dialect
    stats = stream.stats
    body = stream.body
    normalized = normalize(endpoint, dialect, body) if body is not None else None
    ctype = exchange.response_headers.get("content-type", "")
    if stats.events == 0:
        if "html" in ctype or looks_html(exchange.text[:2000]):
            excerpt = " ".join(exchange.text[:200].split())
            where = ctype or "no content-type"
            message = f"an HTML page ({where}) where an SSE stream was expected: {excerpt!r}"
            return None, "html_error", message
        if exchange.json is not None:  # the server ignored stream: true
            return (
                normalize(endpoint, dialect, exchange.json),
                "stream_malformed",
                f"asked for a stream, got a single JSON body (content-type {ctype or 'none'})",
            )
    problem = classify_stream(stats)
    if problem is not None and problem[0] != "stream_cut":
        return normalized, problem[0], problem[1]
    if exchange.error_class:  # set by the engine: stream_cut / timeout mid-stream
        return normalized, exchange.error_class, exchange.error_message
    if problem is not None:
        return normalized, problem[0], problem[1]
    if normalized is None:
        return None, "malformed_body", f"no recognisable {endpoint} events in the stream"
    return normalized, None, None


def timing_columns(
    exchange: Exchange, stream: StreamResult | None, usage: Usage | None
) -> dict[str, Any]:
    """ttft_ms (first token of a stream, else first byte), ttfb_ms, itl_ms, tokens_per_s,
    stream_events."""
    ttfb = exchange.ttfb_ms
    if stream is None:
        return {
            "ttft_ms": _ms(ttfb),
            "ttfb_ms": _ms(ttfb),
            "itl_ms": None,
            "tokens_per_s": None,
            "stream_events": None,
        }
    offsets = content_offsets(exchange, stream)
    itl = (offsets[-1] - offsets[0]) / (len(offsets) - 1) * 1000.0 if len(offsets) > 1 else None
    rate = None
    completion = usage.completion_tokens if usage else None
    latency = exchange.latency_ms
    # A rate needs the tokens spread over time: with one content event (or all of them in one
    # burst, under MIN_RATE_SPAN_S) there is no generation speed to measure, only a delivery.
    if completion and len(offsets) > 1 and latency is not None:
        span = latency / 1000.0 - offsets[0]
        rate = round(completion / span, 2) if span >= MIN_RATE_SPAN_S else None
    return {
        "ttft_ms": _ms(first_token_ms(exchange, stream)),
        "ttfb_ms": _ms(ttfb),
        "itl_ms": _ms(itl),
        "tokens_per_s": rate,
        "stream_events": stream.stats.events,
    }


def _ms(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def evaluate_turns(
    turns: list[tuple[Job, Exchange]],
    *,
    run_id: str,
    mode: str,
    started_at: str | None = None,
    loop_failure: FailureInfo | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The row of a multi-turn case (a tool loop): one Exchange per turn, in order.

    `expect` runs on the final turn; `expect_each_turn` on every turn, its failures titled
    "turn N: ..." and carrying `turn: N`. latency_ms, tokens and cost are sums over the turns
    (unknown when a turn's is unknown); `cost_usd` checks in `expect` see the loop's total.
    attempts is the most any turn needed. `loop_failure` (the loop did not finish, or called
    an unscripted tool) is the first failure listed.
    """
    import dataclasses

    case = turns[0][0].case
    each = case.expect_each_turn
    implicit_status = not any(s.name in _STATUS_AWARE for s in each)
    turn_rows = []
    failures: list[dict[str, Any]] = []
    for n, (job, exchange) in enumerate(turns, start=1):
        each_job = dataclasses.replace(job, case=dataclasses.replace(case, expect=list(each)))
        turn = evaluate(each_job, exchange, run_id=run_id, mode=mode, started_at=started_at,
                        state=state)
        turn_rows.append(turn)
        for failure in turn["failures"]:
            if implicit_status and failure["check"] == "status":
                continue  # a failed final status is reported once, by `expect`
            failures.append({**failure, "title": f"turn {n}: {failure['title']}", "turn": n})
    prior = [r["cost_usd"] for r in turn_rows[:-1]]
    prior_cost = None if any(c is None for c in prior) else sum(prior)
    final_job, final_exchange = turns[-1]
    row = evaluate(
        final_job, final_exchange, run_id=run_id, mode=mode, started_at=started_at,
        prior_cost=prior_cost, state=state,
    )
    if loop_failure is not None:
        failures.insert(0, loop_failure.to_dict())
    row["failures"] = failures + row["failures"]
    row["passed"] = not row["failures"]
    row["checks"] = row["checks"] + [f"{s.name} (each turn)" for s in each]
    if case.tool_loop:
        row["checks"].append("tool_loop")
    latencies = [r["latency_ms"] for r in turn_rows]
    row["turns"] = len(turns)
    row["turn_latencies_ms"] = latencies
    row["latency_ms"] = None if None in latencies else round(sum(latencies), 3)
    for key in ("prompt_tokens", "completion_tokens", "total_tokens", "cached_prompt_tokens"):
        values = [r[key] for r in turn_rows]
        row[key] = None if None in values else sum(values)
    row["attempts"] = max(r["attempts"] for r in turn_rows)
    row["retries_exhausted"] = any(r["retries_exhausted"] for r in turn_rows)
    return row
