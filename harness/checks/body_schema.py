"""`body_schema`: the response body validates against a JSON Schema.

    - body_schema:                          # the packaged schema for the endpoint + dialect
    - body_schema: {schema: {type: object, required: [id]}}   # an inline schema
    - body_schema: {file: schemas/my_reply.json}              # a file (relative to the cwd)
    - body_schema: {openapi: "mistral#ChatCompletionResponse"} # a component of an official spec
    - body_schema: {openapi: openai}        # the spec's component for the endpoint (see below)
    - body_schema: {openapi: "anthropic#Message", spec_file: specs/anthropic.yaml, strict: true}

Packaged schemas (harness/checks/schemas/, written from real traffic, extra keys allowed): the
wire protocol's `packaged_schema` (wire/protocols.py): chat -> chat_completion.openai.json /
chat_completion.mistral.json (by the target's dialect; any dialect but mistral uses the OpenAI
one), responses -> response.openai.json, messages -> message.anthropic.json; a registered
protocol may give its own schema (a mapping) or none. The packaged schemas describe success bodies, so on an
error status the check fails with "no success body"; a user schema validates whatever JSON
came back (an error envelope too). The failure lists the first validation errors with their
JSON paths.

`openapi: "<spec>#<Component>"` validates against a provider's official OpenAPI spec
(harness.specs): `mistral`, `openai` (packaged copies of the needed components) or `anthropic`
(not shipped: give `spec_file:` or set HARNESS_SPECS_DIR), or any spec given by `spec_file`.
The documented known deviations of real traffic from the spec (harness/specs/deviations.py)
are patched in unless `strict: true`. Without a component the protocol decides (its
`spec_components`, harness.specs.default_component): chat ->
ChatCompletionResponse (mistral) / CreateChatCompletionResponse (openai), responses -> Response,
messages -> Message; error statuses -> ErrorResponse (openai, anthropic). On a streamed answer
every event's data is validated against the stream component (CompletionChunk,
CreateChatCompletionStreamResponse, ResponseStreamEvent, MessageStreamEvent) or the one named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from harness.checks._common import (
    cached_validator,
    is_flag,
    make_validator,
    reject_unknown_keys,
    require_success,
    schema_errors,
    schema_from_args,
)
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.jsonsafe import loads_bounded
from harness.core.models import Exchange
from harness.specs import (
    KNOWN_SPECS,
    PACKAGED,
    ComponentValidator,
    SpecError,
    component_validator,
    default_component,
    parse_ref,
    spec_for,
)
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import find_protocol, get_protocol
from harness.wire.sse import parse_sse


def packaged_schema_name(endpoint: str, dialect: str) -> str:
    """The file name of the packaged schema of the endpoint's protocol (for the dialect)."""
    schema = get_protocol(endpoint, dialect).packaged_schema
    if isinstance(schema, str):
        return schema
    raise LookupError(f"the {endpoint!r} protocol has no packaged schema file")


def _protocol_schema(protocol: WireProtocol | None, endpoint: str) -> tuple[Any, str]:
    """(validator, label) of the schema a protocol's success bodies follow."""
    schema = protocol.packaged_schema if protocol is not None else None
    if isinstance(schema, str):
        return _packaged_validator(schema), schema.removesuffix(".json")
    if isinstance(schema, Mapping):
        assert protocol is not None
        return cached_validator(dict(schema)), f"the {protocol.label} schema"
    raise CheckFailure(
        f"no packaged schema for {endpoint} answers: give body_schema a schema: or file:",
        expected="a schema",
        received=None,
    )


@cache
def packaged_schema(name: str) -> dict[str, Any]:
    """Load a packaged schema by file name (harness/checks/schemas/<name>)."""
    text = resources.files("harness.checks").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def _packaged_validator(name: str) -> Any:
    return make_validator(packaged_schema(name))


def _validate(args: Any) -> None:
    if is_flag(args):
        return
    if not isinstance(args, Mapping):
        raise ValueError(  # noqa: TRY004
            "body_schema: give nothing (the packaged schema), {schema: {...}} or {file: path}"
        )
    reject_unknown_keys(args, ("schema", "file", "openapi", "spec_file", "strict"), "body_schema")
    if "openapi" in args:
        _validate_openapi(args)
        return
    for key in ("spec_file", "strict"):
        if key in args:
            raise ValueError(f"body_schema: {key} goes with openapi: (a spec component)")
    schema_from_args(args, "body_schema")


def _validate_openapi(args: Mapping[str, Any]) -> None:
    if "schema" in args or "file" in args:
        raise ValueError("body_schema: give one of schema, file or openapi")
    if "strict" in args and not isinstance(args["strict"], bool):
        raise ValueError(f"body_schema: strict must be true or false, got {args['strict']!r}")
    spec_file = args.get("spec_file")
    if spec_file is not None and (not isinstance(spec_file, str) or not spec_file):
        raise ValueError("body_schema: spec_file must be a path")
    ref = args["openapi"]
    if ref is True:
        return  # the spec of the target's endpoint and dialect
    try:
        spec, component = parse_ref(ref)
    except SpecError as exc:
        raise ValueError(f"body_schema: {exc}") from None
    if spec_file is None and spec not in KNOWN_SPECS:
        raise ValueError(
            f"body_schema: unknown spec {spec!r} (known: {', '.join(KNOWN_SPECS)}; "
            "another spec needs spec_file:)"
        )
    if component and spec_file is None and spec in PACKAGED:
        # the packaged copies are small: a misspelt component is a load-time error
        from harness.specs.loader import spec_source

        try:
            source = spec_source(spec)
        except SpecError:
            return
        if source.meta.get("packaged") and component not in source.schemas:
            raise ValueError(f"body_schema: {source._unknown(component)}")


@register_check("body_schema")
def body_schema(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    if isinstance(args, Mapping) and "openapi" in args:
        _openapi(ctx, exchange, args)
        return
    if is_flag(args):
        endpoint = str(ctx.request.get("endpoint") or ctx.job.case.endpoint)
        status = exchange.status_code
        if status is None or status >= 400:
            require_success(ctx, exchange)  # raises "no success body: ..."
        validator, label = _protocol_schema(find_protocol(endpoint, ctx.target.dialect), endpoint)
    else:
        try:
            schema = schema_from_args(args, "body_schema")
        except ValueError as exc:
            raise CheckFailure(str(exc), expected="a readable schema", received=None) from None
        validator = cached_validator(schema)
        label = f"file {args['file']}" if "file" in args else "the given schema"
    body = exchange.json
    if body is None and exchange.stream is not None:
        raise CheckFailure(
            "body_schema validates a JSON body, and this answer was an event stream; "
            "check its grammar with `stream` and its content with the other checks",
            expected="a JSON body",
            received="text/event-stream",
        )
    if body is None:
        raise CheckFailure(
            f"body is not JSON (HTTP {exchange.status_code})",
            expected="a JSON body",
            received=exchange.text[:500],
        )
    errors, total = schema_errors(validator, body)
    if errors:
        first = errors[0]
        more = f" (+{total - 1} more)" if total > 1 else ""
        raise CheckFailure(
            f"body does not match {label}: {first}{more}", expected=label, received=errors
        )


body_schema.validate_args = _validate  # type: ignore[attr-defined]


# -- official specs ----------------------------------------------------------------------------


def _is_event_stream(exchange: Exchange) -> bool:
    if exchange.stream is not None:
        return True
    ctype = exchange.response_headers.get("content-type", "") or ""
    if "event-stream" in ctype:
        return True
    head = exchange.body[:200].lstrip()
    return exchange.json is None and head.startswith((b"data:", b"event:", b": "))


def _openapi(ctx: CheckContext, exchange: Exchange, args: Mapping[str, Any]) -> None:
    endpoint = str(ctx.request.get("endpoint") or ctx.job.case.endpoint)
    status = exchange.status_code
    if status is None:
        require_success(ctx, exchange)  # raises "no success body: ..."
    error = status is not None and status >= 400
    stream = not error and _is_event_stream(exchange)
    ref = args["openapi"]
    try:
        if ref is True:
            spec, component = spec_for(ctx.target.dialect, endpoint), None
        else:
            spec, component = parse_ref(ref)
        if component is None:
            component = default_component(spec, endpoint, stream=stream, error=error)
        if component is None:
            what = f"HTTP {status} error bodies" if error else f"{endpoint} answers"
            raise SpecError(
                f"the {spec} spec names no component for {what}: give one, "
                f'e.g. openapi: "{spec}#<Component>"'
            )
        checker = component_validator(
            spec, component, spec_file=args.get("spec_file"), strict=bool(args.get("strict"))
        )
    except SpecError as exc:
        raise CheckFailure(str(exc), expected="a readable spec component", received=None) from None
    if stream:
        _validate_events(checker, exchange)
        return
    body = exchange.json
    if body is None:
        raise CheckFailure(
            f"body is not JSON (HTTP {status})",
            expected=f"a JSON body matching {checker.label}",
            received=exchange.text[:500],
        )
    errors, total = schema_errors(checker.validator, body)
    if errors:
        more = f" (+{total - 1} more)" if total > 1 else ""
        raise CheckFailure(
            f"body does not match {checker.label}: {errors[0]}{more}",
            expected=_expected(checker),
            received=errors,
        )


def _expected(checker: ComponentValidator) -> dict[str, Any]:
    return {
        "spec": checker.spec,
        "component": checker.component,
        "source": checker.origin,
        "strict": checker.strict,
        "deviations_patched": checker.applied,
    }


def _validate_events(checker: ComponentValidator, exchange: Exchange) -> None:
    """Every data event of the stream (the `[DONE]` terminator aside) matches the component."""
    failures: list[str] = []
    checked = 0
    for event in parse_sse(exchange.body):
        data = event.data.strip()
        if data == "[DONE]" or not data:
            continue
        try:
            obj = loads_bounded(data)
        except ValueError:
            continue  # not JSON: the `stream` check's business (stream_malformed)
        checked += 1
        errors, _ = schema_errors(checker.validator, obj, limit=1)
        if errors:
            name = f" ({event.event})" if event.event else ""
            failures.append(f"event {event.index}{name}: {errors[0]}")
    if failures:
        more = f" (+{len(failures) - 1} more event(s))" if len(failures) > 1 else ""
        raise CheckFailure(
            f"stream event does not match {checker.label}: {failures[0]}{more}",
            expected=_expected(checker),
            received=failures[:10],
        )
    if checked == 0:
        raise CheckFailure(
            f"no JSON event in the stream to validate against {checker.label}",
            expected="stream events",
            received=exchange.text[:300],
        )
