"""`json_output`: the reply's content is pure JSON, valid for the requested schema.

    - json_output:                        # content parses as JSON; when the request asks for
                                          # a JSON Schema, the content validates against it
    - json_output: {schema: {type: object, required: [name]}}   # validate against this one
    - json_output: {file: schemas/person.json}

The contract is pure JSON: surrounding whitespace is allowed, Markdown fences are not.
The requested schema is read from `response_format: {type: json_schema, json_schema:
{schema}}` (chat, OpenAI and Mistral), `text.format: {type: json_schema, schema}` (Responses)
or `output_config.format: {type: json_schema, schema}` (Anthropic). With
`response_format: {type: json_object}` the content must be a JSON object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.checks._common import (
    is_flag,
    reject_unknown_keys,
    require_schema,
    require_success,
    schema_from_args,
)
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.jsonsafe import loads_bounded
from harness.core.models import Exchange


def requested_format(request: Mapping[str, Any]) -> tuple[str | None, Any]:
    """(format type, JSON Schema or None) the request asked for: json_schema / json_object."""
    if not isinstance(request, Mapping):
        return None, None
    rf = request.get("response_format")
    if isinstance(rf, Mapping):
        kind = rf.get("type")
        if kind == "json_schema":
            js = rf.get("json_schema")
            schema = js.get("schema") if isinstance(js, Mapping) else None
            return "json_schema", schema
        if kind == "json_object":
            return "json_object", None
    for outer in ("text", "output_config"):
        block = request.get(outer)
        fmt = block.get("format") if isinstance(block, Mapping) else None
        if isinstance(fmt, Mapping) and fmt.get("type") in ("json_schema", "json_object"):
            return fmt["type"], fmt.get("schema")
    return None, None


def _validate(args: Any) -> None:
    if is_flag(args):
        return
    if not isinstance(args, Mapping):
        raise ValueError("json_output: give nothing, {schema: {...}} or {file: path}")  # noqa: TRY004
    reject_unknown_keys(args, ("schema", "file"), "json_output")
    schema_from_args(args, "json_output")


@register_check("json_output")
def json_output(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    normalized = require_success(ctx, exchange)
    kind, schema = requested_format(ctx.request)
    label = "the request's response_format schema"
    if not is_flag(args):
        try:
            schema = schema_from_args(args, "json_output")
        except ValueError as exc:
            raise CheckFailure(str(exc), expected="a readable schema", received=None) from None
        kind = "json_schema"
        label = f"file {args['file']}" if "file" in args else "the given schema"
    content = normalized.content
    if content is None or not content.strip():
        raise CheckFailure(
            "no text content to parse as JSON",
            expected="JSON content",
            received=content if content is None else repr(content),
        )
    try:
        data = loads_bounded(content)
    except ValueError as exc:
        hint = " (wrapped in a Markdown fence)" if content.lstrip().startswith("```") else ""
        raise CheckFailure(
            f"content is not JSON{hint}: {exc}", expected="pure JSON", received=content[:500]
        ) from None
    if kind == "json_object" and not isinstance(data, dict):
        raise CheckFailure(
            f"content is JSON {type(data).__name__}, expected an object (json_object mode)",
            expected="a JSON object",
            received=content[:500],
        )
    if isinstance(schema, (Mapping, bool)):
        require_schema(
            schema, data, bad_schema=f"{label} is not a valid JSON Schema", mismatch=f"JSON content does not match {label}",
            key="content",
        )

json_output.validate_args = _validate  # type: ignore[attr-defined]
