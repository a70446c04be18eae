"""`error_envelope`: the error body is a known envelope of the dialect, with the right class.

    - error_envelope:                      # any known envelope of the target's dialect
    - error_envelope: mistral              # any known envelope of this dialect
    - error_envelope:
        dialect: mistral                   # default: the protocol's home dialect (messages:
                                           # anthropic, responses: openai), else the target's
        class: validation                  # auth payment permission not_found validation
                                           # context_length rate_limit quota overloaded server
        code: "3051"                       # compared as text: 3051 matches "3051"
        type: invalid_request_error
        param: max_completion_tokens       # Mistral detail lists: the first loc without "body"
        message_contains: too large        # case-insensitive
        variant: mistral.flat              # strict: only this shape variant (or a list of
                                           # variants: [mistral.flat, mistral.detail_in_message])

Without `variant`, every shape the dialect has been seen to send is accepted (Mistral alone has
sent two 401 envelopes and four 422 forms: harness.wire.errors lists them). A body that is no
envelope at all (Mistral has also answered 401 with no body) fails: there is nothing to check;
the row's error_class still says auth. The shape variant seen is recorded in
ctx.extra["error_variant"] (and the class in ctx.extra["error_class"]); the result row carries
it in the `error_variant` column, so a report shows which envelope forms a provider answers
with, and `variant:` turns a silent change of error bodies into a failure.
An OpenAI-dialect target also accepts OpenRouter's envelope (an OpenAI-compatible gateway).

A 2xx event stream that reports an error in-band (OpenRouter's `error` inside a chunk, an
Anthropic `event: error`) is judged by its error event: the check passes when that event is a
known envelope (ctx.extra["error_in_stream"] is then True), and fails on a stream without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import reject_unknown_keys
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.jsonsafe import loads_bounded
from harness.core.models import Exchange
from harness.wire.errors import (
    ERROR_CLASSES,
    ERROR_DIALECTS,
    ErrorInfo,
    all_shapes,
    classify_error,
    envelope_variants,
)
from harness.wire.protocols import DEFAULT_ENDPOINT, find_protocol
from harness.wire.sse import parse_sse

_KEYS = ("dialect", "class", "code", "type", "param", "message_contains", "variant")

# target dialect -> envelope dialects it may answer with
COMPATIBLE = {
    "openai": ("openai", "openrouter"),
    "mistral": ("mistral",),
    "anthropic": ("anthropic",),
    "openrouter": ("openrouter",),
}


def _options(args: Any) -> dict[str, Any]:
    if args is None or args is True:
        return {}
    if isinstance(args, str):
        return {"dialect": args}
    if isinstance(args, Mapping):
        return dict(args)
    raise ValueError(
        "error_envelope: give nothing, a dialect name, or a mapping "
        "{dialect, class, code, type, param, message_contains, variant}"
    )


def _validate(args: Any) -> None:
    opts = _options(args)
    reject_unknown_keys(opts, _KEYS, "error_envelope")
    dialect = opts.get("dialect")
    if dialect is not None and dialect not in ERROR_DIALECTS:
        raise ValueError(
            f"error_envelope: unknown dialect {dialect!r} (known: {', '.join(ERROR_DIALECTS)})"
        )
    cls = opts.get("class")
    if cls is not None and cls not in ERROR_CLASSES:
        raise ValueError(
            f"error_envelope: unknown class {cls!r} (known: {', '.join(ERROR_CLASSES)})"
        )
    if "variant" in opts:
        known = envelope_variants(dialect) if dialect else all_shapes()
        for variant in _variants(opts["variant"]):
            if variant not in known:
                raise ValueError(
                    f"error_envelope: unknown variant {variant!r}"
                    f"{' for ' + dialect if dialect else ''} (known: {', '.join(known)})"
                )
    for key in ("type", "param", "message_contains"):
        if key in opts and not isinstance(opts[key], str):
            raise ValueError(f"error_envelope: {key} must be a string, got {opts[key]!r}")
    if "code" in opts:
        code = opts["code"]
        if isinstance(code, bool) or not isinstance(code, (str, int)):
            raise ValueError(f"error_envelope: code must be a string or an integer, got {code!r}")


def _variants(value: Any) -> list[str]:
    """`variant:` as a list: one name, or a non-empty list of names."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise ValueError(
        f"error_envelope: variant must be a shape name or a list of them, got {value!r}"
    )


def stream_error_event(body: bytes) -> tuple[int, str | None, Any] | None:
    """(event index, event name, the event's JSON) of the first error reported inside an SSE
    body: an `event: error`, a `{"type": "error"}` event, or a chunk carrying a non-empty
    `error` (OpenRouter); None when the body has none (or is not a stream)."""
    head = body[:200].lstrip()
    if not head.startswith((b"data:", b"event:", b":")):
        return None
    for event in parse_sse(body):
        try:
            obj = loads_bounded(event.data)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if event.event == "error" or obj.get("type") == "error" or obj.get("error"):
            return event.index, event.event, obj
    return None


def _endpoint_dialect(ctx: CheckContext) -> str:
    """The envelope dialect to expect by default: the protocol's home dialect decides
    (messages answers Anthropic's envelope, responses OpenAI's), else the target's dialect
    (also for an endpoint that is no wire protocol, e.g. an audited /models)."""
    endpoint = str(ctx.request.get("endpoint", DEFAULT_ENDPOINT))
    protocol = find_protocol(endpoint, ctx.target.dialect)
    if protocol is not None and protocol.home_dialect is not None:
        return protocol.home_dialect
    return ctx.target.dialect


def _received(status: int | None, info: ErrorInfo, in_stream: Any) -> dict[str, Any]:
    """What the row's failure shows of the error seen."""
    received: dict[str, Any] = {
        "status": status,
        "variant": info.shape,
        "class": info.error_class,
        "type": info.type,
        "code": info.code,
        "param": info.param,
        "message": info.message[:500],
    }
    if in_stream is not None:
        received["in_stream"] = {"event_index": in_stream[0], "event": in_stream[1]}
    return received


def _require_dialect(
    ctx: CheckContext, exchange: Exchange, info: ErrorInfo, dialect: str, received: dict[str, Any]
) -> None:
    """The body is one of the envelopes `dialect` (or a compatible one) has been seen to send."""
    status = exchange.status_code
    accepted = COMPATIBLE.get(dialect, (dialect,))
    variants = [v for d in accepted for v in envelope_variants(d)]
    if info.dialect in accepted and info.shape in variants:
        return
    if info.is_envelope:
        what = f"an {info.shape} envelope"
    elif status is not None and 200 <= status < 300 and ctx.normalized is not None:
        what = "a success body"
    else:
        what = {"empty": "an empty body", "html": "an HTML page"}.get(
            info.shape, "not a known error envelope"
        )
    raise CheckFailure(
        f"HTTP {status} body is {what}, expected a {dialect} error envelope",
        expected=variants,
        received=received,
    )


def _require_fields(opts: dict[str, Any], info: ErrorInfo, received: dict[str, Any]) -> None:
    """variant, class, code, type, param and message_contains, as the check's options ask."""
    if "variant" in opts:
        wanted = _variants(opts["variant"])
        if info.shape not in wanted:
            expected = wanted[0] if len(wanted) == 1 else "one of " + ", ".join(wanted)
            raise CheckFailure(
                f"error envelope variant {info.shape}, expected {expected}",
                expected=opts["variant"],
                received=received,
            )
    cls = opts.get("class")
    if cls is not None and info.error_class != cls:
        raise CheckFailure(
            f"error class {info.error_class}, expected {cls}", expected=cls, received=received
        )
    for key in ("code", "type", "param"):
        if key not in opts:
            continue
        want, got = opts[key], getattr(info, key)
        if got is None or str(got) != str(want):
            raise CheckFailure(
                f"error {key} {got!r}, expected {want!r}", expected=want, received=received
            )
    needle = opts.get("message_contains")
    if needle is not None and needle.lower() not in info.message.lower():
        raise CheckFailure(
            f"error message does not contain {needle!r}", expected=needle, received=received
        )


@register_check("error_envelope")
def error_envelope(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    opts = _options(args)
    dialect = opts.get("dialect") or _endpoint_dialect(ctx)
    status = exchange.status_code
    body: Any = exchange.body
    in_stream = None
    if status is not None and 200 <= status < 300:
        in_stream = stream_error_event(exchange.body)
        if in_stream is not None:
            body = in_stream[2]
    info = classify_error(status, body, exchange.response_headers)
    ctx.extra["error_variant"] = info.shape
    ctx.extra["error_class"] = info.error_class
    ctx.extra["error_in_stream"] = in_stream is not None
    received = _received(status, info, in_stream)
    _require_dialect(ctx, exchange, info, dialect, received)
    _require_fields(opts, info, received)


error_envelope.validate_args = _validate  # type: ignore[attr-defined]
