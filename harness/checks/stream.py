"""`stream` and `ttft_ms`: checks on a streamed (SSE) answer.

    - stream:                         # well-formed events, a terminator, exactly one finish reason
    - stream: {usage: true}           # ... and usage in the final chunk
    - stream: {terminator: true, usage: true, single_finish_reason: false}
    - ttft_ms: 800                    # a bare number is the max
    - ttft_ms: {max: 800, min: 50}

`stream` always fails on a broken stream: an HTML page, an error event or an error inside a
chunk (OpenRouter), data that is not JSON, lines that are not SSE, or a connection that broke
mid-stream. Its options: `terminator` (default true: the protocol's terminator must arrive:
`data: [DONE]`, `message_stop` or `response.completed`/`.incomplete`/`.failed`),
`single_finish_reason` (default true: each choice has exactly one finish / stop reason), `usage`
(default false: the last data event carries usage; where the protocol sends it only when asked
(OpenAI-compatible chat: `stream_options: {include_usage: true}`), the check says so when the
request did not ask; Mistral, Responses and Messages send usage unasked). A stream request whose answer is 2xx gets an implicit `stream` check with
`single_finish_reason: false` (checks.evaluate), so a broken stream never passes silently.

`ttft_ms` bounds the time to first token: request start to the first event carrying answer
text or a tool-call fragment. On a non-stream request it bounds the time to first byte (the
`ttft_ms` column has the same meaning).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import fmt_num, is_flag, parse_bounds, reject_unknown_keys
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange
from harness.wire.errors import classify_error
from harness.wire.protocols import find_protocol, get_protocol
from harness.wire.streams import (
    StreamResult,
    StreamStats,
    assemble,
    classify_stream,
    wants_stream,
)

STREAM_OPTIONS = ("terminator", "usage", "single_finish_reason")
DEFAULTS = {"terminator": True, "usage": False, "single_finish_reason": True}
# the implicit check evaluate adds to stream requests (a broken stream fails the case)
IMPLICIT_ARGS = {"terminator": True, "usage": False, "single_finish_reason": False}


def endpoint_of(ctx: CheckContext) -> str:
    return str(ctx.request.get("endpoint") or ctx.job.case.endpoint)


def stream_of(
    exchange: Exchange, endpoint: str, dialect: str | None = None
) -> StreamResult | None:
    """The exchange's stream (assembled by the engine, or now from its recorded chunks or
    body, then kept on the exchange); None unless a stream was asked for and the status is 2xx,
    and None for an endpoint no streaming protocol serves (an audited unknown path: there is
    no format to read it in, and reading it as chat would be a guess)."""
    if exchange.stream is not None:
        return exchange.stream  # type: ignore[no-any-return]
    status = exchange.status_code
    if status is None or not 200 <= status < 300 or not wants_stream(exchange.request_body):
        return None
    protocol = find_protocol(endpoint, dialect)
    if protocol is None or protocol.stream is None:
        return None
    result = assemble(endpoint, exchange.body, exchange.chunks or None, dialect)
    exchange.stream = result
    return result


def content_offsets(exchange: Exchange, result: StreamResult | None) -> list[float]:
    """Arrival of the content events, seconds since the request started."""
    if exchange.content_times:
        return exchange.content_times
    return result.stats.content_times if result is not None else []


def first_token_ms(exchange: Exchange, result: StreamResult | None) -> float | None:
    """Time to first token of a stream (first content event), else time to first byte."""
    if result is None:
        return exchange.ttfb_ms
    if exchange.t_first_token is not None:
        return exchange.ttft_ms
    offsets = content_offsets(exchange, result)
    return offsets[0] * 1000.0 if offsets else None


def summary(stats: StreamStats) -> dict[str, Any]:
    """The few stream facts worth a result row's `failures` entry."""
    out: dict[str, Any] = {"events": stats.events, "terminator": stats.terminator}
    for key in ("malformed", "junk_lines", "errors"):
        value = getattr(stats, key)
        if value:
            out[key] = value
    for key in ("first_malformed", "first_junk", "html"):
        value = getattr(stats, key)
        if value:
            out[key] = value
    return out


def _options(args: Any) -> dict[str, bool]:
    if is_flag(args):
        return dict(DEFAULTS)
    if not isinstance(args, Mapping):
        raise ValueError(  # noqa: TRY004
            "stream: give nothing, or a mapping of options (terminator, usage, "
            f"single_finish_reason) to true/false, got {args!r}"
        )
    reject_unknown_keys(args, STREAM_OPTIONS, "stream")
    out = dict(DEFAULTS)
    for key, value in args.items():
        if not isinstance(value, bool):
            raise ValueError(f"stream.{key} must be true or false, got {value!r}")  # noqa: TRY004
        out[str(key)] = value
    return out


def _validate(args: Any) -> None:
    _options(args)


def _no_stream(ctx: CheckContext, exchange: Exchange) -> CheckFailure:
    status = exchange.status_code
    if not (wants_stream(ctx.sent) or ctx.request.get("stream") is True):
        return CheckFailure(
            "the request did not ask for a stream (set stream: true)",
            expected="stream: true in the request",
            received=None,
        )
    if status is None:
        reason = exchange.error_class or "no response"
        return CheckFailure(
            f"no stream: {reason}", expected="an SSE stream", received=exchange.error_message
        )
    info = classify_error(status, exchange.body, exchange.response_headers)
    return CheckFailure(
        f"no stream: HTTP {status} {info.error_class} error",
        expected="an SSE stream (2xx)",
        received={"status": status, "message": info.message[:500]},
    )


@register_check("stream")
def stream(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    opts = _options(args)
    endpoint = endpoint_of(ctx)
    result = stream_of(exchange, endpoint, ctx.target.dialect)
    if result is None:
        raise _no_stream(ctx, exchange)
    stats = result.stats
    ctype = exchange.response_headers.get("content-type", "")
    if stats.events == 0 and exchange.json is not None:
        raise CheckFailure(
            f"asked for a stream, got a single JSON body (content-type {ctype or 'none'})",
            expected="text/event-stream events",
            received=exchange.text[:300],
        )
    problem = classify_stream(stats)
    if problem is not None and (problem[0] != "stream_cut" or opts["terminator"]):
        raise CheckFailure(
            f"{problem[0]}: {problem[1]}",
            expected="well-formed SSE events and their terminator",
            received=summary(stats),
        )
    if result.body is None:
        raise CheckFailure(
            f"no {endpoint} events in the stream ({stats.events} event(s) received)",
            expected=f"{endpoint} stream events",
            received=summary(stats),
        )
    if exchange.error_class:  # the connection broke or stalled mid-stream
        raise CheckFailure(
            f"{exchange.error_class}: {exchange.error_message or 'the stream broke'}",
            expected="the whole stream",
            received={"events": stats.events, "terminator": stats.terminator},
        )
    if opts["single_finish_reason"]:
        _single_finish_reason(result)
    if opts["usage"]:
        _usage_in_final(ctx, endpoint, result)


def _single_finish_reason(result: StreamResult) -> None:
    reasons = result.stats.finish_reasons
    if not reasons:
        raise CheckFailure(
            "no finish reason in the stream", expected="exactly one finish reason", received=None
        )
    for choice, values in sorted(reasons.items()):
        if len(values) != 1:
            where = f" for choice {choice}" if len(reasons) > 1 or choice else ""
            raise CheckFailure(
                f"{len(values)} finish reasons in the stream{where} ({', '.join(values)}), "
                "expected exactly one",
                expected="exactly one finish reason",
                received=values,
            )


def _usage_in_final(ctx: CheckContext, endpoint: str, result: StreamResult) -> None:
    stats = result.stats
    protocol = get_protocol(endpoint, ctx.target.dialect)
    fmt = protocol.stream
    assert fmt is not None  # a stream was read in this protocol's format
    sent = ctx.sent if isinstance(ctx.sent, Mapping) else ctx.request
    if not fmt.usage_sent(sent):
        raise CheckFailure(
            f"usage in the final chunk was asked for, but the request did not send "
            f"{fmt.usage_opt_in} ({protocol.label} streams carry usage only when asked; add it to the "
            "case's request)",
            expected=f"{fmt.usage_opt_in} in the request",
            received=sent.get("stream_options"),
        )
    if not stats.usage_in_final:
        seen = (
            f" ({stats.usage_events} earlier event(s) carried usage)" if stats.usage_events else ""
        )
        raise CheckFailure(
            f"no usage in the {fmt.usage_event} of the stream{seen}",
            expected="usage in the final chunk",
            received={"usage_events": stats.usage_events, "terminator": stats.terminator},
        )


stream.validate_args = _validate  # type: ignore[attr-defined]


def _validate_ttft(args: Any) -> None:
    parse_bounds(args, "ttft_ms")


@register_check("ttft_ms")
def ttft_ms(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    lo, hi = parse_bounds(args, "ttft_ms")
    want = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
    result = stream_of(exchange, endpoint_of(ctx), ctx.target.dialect)
    ms = first_token_ms(exchange, result)
    if ms is None:
        if result is not None:
            reason = f"no content event in the stream ({result.stats.events} event(s))"
        else:
            reason = exchange.error_class or "no response body"
        raise CheckFailure(f"time to first token unknown: {reason}", expected=want, received=None)
    what = "time to first token" if result is not None else "time to first byte"
    if hi is not None and ms > hi:
        raise CheckFailure(
            f"{what} {ms:.0f} ms above max {fmt_num(hi)} ms", expected=want, received=round(ms, 1)
        )
    if lo is not None and ms < lo:
        raise CheckFailure(
            f"{what} {ms:.0f} ms below min {fmt_num(lo)} ms", expected=want, received=round(ms, 1)
        )


ttft_ms.validate_args = _validate_ttft  # type: ignore[attr-defined]
