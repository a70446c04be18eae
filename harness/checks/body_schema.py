"""`body_schema`: the response body validates against a JSON Schema.

    - body_schema:                          # the packaged schema for the endpoint + dialect
    - body_schema: {schema: {type: object, required: [id]}}   # an inline schema
    - body_schema: {file: schemas/my_reply.json}              # a file (relative to the cwd)

Packaged schemas (harness/checks/schemas/, written from real traffic, extra keys allowed):
chat -> chat_completion.openai.json / chat_completion.mistral.json (by the target's dialect;
any dialect but mistral uses the OpenAI one), responses -> response.openai.json,
messages -> message.anthropic.json. The packaged schemas describe success bodies, so on an
error status the check fails with "no success body"; a user schema validates whatever JSON
came back (an error envelope too). The failure lists the first validation errors with their
JSON paths.
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
from harness.core.models import Exchange


def packaged_schema_name(endpoint: str, dialect: str) -> str:
    """The file name of the packaged schema for an endpoint and dialect."""
    if endpoint == "responses":
        return "response.openai.json"
    if endpoint == "messages":
        return "message.anthropic.json"
    return f"chat_completion.{'mistral' if dialect == 'mistral' else 'openai'}.json"


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
    reject_unknown_keys(args, ("schema", "file"), "body_schema")
    schema_from_args(args, "body_schema")


@register_check("body_schema")
def body_schema(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    if is_flag(args):
        endpoint = str(ctx.request.get("endpoint") or ctx.job.case.endpoint)
        name = packaged_schema_name(endpoint, ctx.target.dialect)
        status = exchange.status_code
        if status is None or status >= 400:
            require_success(ctx, exchange)  # raises "no success body: ..."
        validator = _packaged_validator(name)
        label = name.removesuffix(".json")
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
