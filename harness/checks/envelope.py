"""`error_envelope`: the error body is a known envelope of the dialect, with the right class.

    - error_envelope:                      # any known envelope of the target's dialect
    - error_envelope: mistral              # any known envelope of this dialect
    - error_envelope:
        dialect: mistral                   # default: the endpoint's (messages: anthropic,
                                           # responses: openai), else the target's dialect
        class: validation                  # auth payment permission not_found validation
                                           # context_length rate_limit quota overloaded server
        code: "3051"                       # compared as text: 3051 matches "3051"
        type: invalid_request_error
        param: max_completion_tokens       # Mistral detail lists: the first loc without "body"
        message_contains: too large        # case-insensitive
        variant: mistral.flat              # strict: only this shape variant

The shape variant seen is recorded in ctx.extra["error_variant"] (and the class in
ctx.extra["error_class"]), so reports can count which envelope forms a provider answers with.
An OpenAI-dialect target also accepts OpenRouter's envelope (an OpenAI-compatible gateway).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import reject_unknown_keys
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange
from harness.wire.errors import (
    ERROR_CLASSES,
    ERROR_DIALECTS,
    all_shapes,
    classify_error,
    envelope_variants,
)

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
    variant = opts.get("variant")
    if variant is not None:
        known = envelope_variants(dialect) if dialect else all_shapes()
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


def _endpoint_dialect(ctx: CheckContext) -> str:
    """The envelope dialect to expect by default: the endpoint's format decides (messages
    answers Anthropic's envelope, responses OpenAI's), else the target's dialect."""
    endpoint = ctx.request.get("endpoint", "chat")
    if endpoint == "messages":
        return "anthropic"
    if endpoint == "responses":
        return "openai"
    return ctx.target.dialect


@register_check("error_envelope")
def error_envelope(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    opts = _options(args)
    dialect = opts.get("dialect") or _endpoint_dialect(ctx)
    info = classify_error(exchange.status_code, exchange.body, exchange.response_headers)
    ctx.extra["error_variant"] = info.shape
    ctx.extra["error_class"] = info.error_class
    status = exchange.status_code
    accepted = COMPATIBLE.get(dialect, (dialect,))
    variants = [v for d in accepted for v in envelope_variants(d)]
    received = {
        "status": status,
        "variant": info.shape,
        "class": info.error_class,
        "type": info.type,
        "code": info.code,
        "param": info.param,
        "message": info.message[:500],
    }

    if info.dialect not in accepted or info.shape not in variants:
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
    variant = opts.get("variant")
    if variant is not None and info.shape != variant:
        raise CheckFailure(
            f"error envelope variant {info.shape}, expected {variant}",
            expected=variant,
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


error_envelope.validate_args = _validate  # type: ignore[attr-defined]
