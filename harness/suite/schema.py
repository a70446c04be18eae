"""The suite JSON Schema (`schema.json`, shipped in the package) and its errors as one sentence.

jsonschema reports every violation, often several for one mistake (one per `anyOf` branch).
`pick` chooses the one to show (the earliest line, then jsonschema's relevance, then inside the
branch whose kind matches), `rephrase` turns it into a sentence in the suite's own vocabulary
("case 'a' request.temperature must be a number, got string 'hot'") and `error_path` says which
node's lines to show.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.suite.naming import Namer, describe, did_you_mean, dotted, unknown_key_message
from harness.suite.source import SuiteSource
from harness.suite.template import whole_name
from harness.suite.yamlmarks import Document, JsonPath

SUITE_SCHEMA_PATH = Path(__file__).with_name("schema.json")

_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}
_MISSING_HINTS = {
    "body": " (raw: true sends request.body untouched)",
    "json_schema": " (type json_schema needs {name, schema})",
}
_COMPARE = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


@lru_cache(maxsize=1)
def suite_schema() -> dict[str, Any]:
    """The suite JSON Schema (draft 2020-12), as shipped in the package."""
    with SUITE_SCHEMA_PATH.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def validator() -> Any:
    """A draft 2020-12 validator of the whole suite schema (built once: it is not cheap)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(suite_schema())


def request_fields() -> list[str]:
    """The request keys a suite may write (canonical fields and harness options)."""
    return list(suite_schema()["$defs"]["request"]["properties"])


def check_document(src: SuiteSource) -> None:
    """The whole document against the schema; the first problem (by line) is a SuiteError."""
    errors = [e for e in validator().iter_errors(src.doc.data)
              if not _placeholder_value(src.doc.data, e)]
    if errors:
        err = pick(errors, src.doc)
        raise src.fail(rephrase(err, src.names), error_path(err))


def _placeholder_value(data: Any, err: Any) -> bool:
    """Whether `err` is about a whole-string `{{name}}` in a case with data or a matrix: it
    stands for the value each variant fills in (a number, a list...), not for a string."""
    path = tuple(err.absolute_path)
    if len(path) < 3 or path[0] != "cases" or not isinstance(err.instance, str):
        return False
    case = data["cases"][path[1]]
    templated = isinstance(case, dict) and ("data" in case or "matrix" in case)
    return templated and whole_name(err.instance) is not None


def check_request_field(src: SuiteSource, field: str, value: Any, base: JsonPath) -> None:
    """One value against the schema of `request.<field>` (a matrix value, written at `base`)."""
    sub = validator().evolve(schema=suite_schema()["$defs"]["request"]["properties"][field])
    errors = list(sub.iter_errors(value))
    if errors:
        err = pick(errors, src.doc, base)
        raise src.fail(rephrase(err, src.names, base), error_path(err, base))


_RESPONSE_SCHEMA = ("response_format", "json_schema", "schema")
_JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


def check_embedded_schemas(src: SuiteSource) -> None:
    """Every `response_format.json_schema.schema` of the file (defaults, cases, matrix values)
    is itself a valid JSON Schema (jsonschema's `check_schema`, the draft its `$schema` names,
    2020-12 by default): a broken one is a load error at its line, not a provider's 400."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import Draft202012Validator, validator_for

    for path, schema in _embedded_schemas(src.doc.data):
        try:
            validator_for(schema, default=Draft202012Validator).check_schema(schema)
        except SchemaError as exc:
            inner = tuple(exc.absolute_path)
            raise src.fail(_schema_error_sentence(src, path, inner, exc), path + inner) from None


def _schema_error_sentence(src: SuiteSource, path: JsonPath, inner: JsonPath, exc: Any) -> str:
    subject = f"{src.names.subject(path)} is not a valid JSON Schema"
    value = exc.instance
    if inner[-1:] == ("type",) and isinstance(value, str) and value not in _JSON_TYPES:
        hint = did_you_mean(value, _JSON_TYPES)
        return (
            f"{subject}: {dotted(inner)} {value!r} is not a JSON Schema type "
            f"({', '.join(_JSON_TYPES)})" + (f"; did you mean {hint!r}?" if hint else "")
        )
    at = f" at {dotted(inner)}" if inner else ""
    return f"{subject}{at}: {exc.message}"


def _embedded_schemas(data: Any) -> list[tuple[JsonPath, dict[str, Any]]]:
    """(path, schema) of each response format schema written in a suite document."""
    # (where the value is written, the part of the response format path still to walk in it)
    found: list[tuple[JsonPath, tuple[str, ...], Any]] = []
    defaults = data.get("defaults")
    if isinstance(defaults, dict):
        found.append((("defaults", "request"), _RESPONSE_SCHEMA, defaults.get("request")))
    for i, case in enumerate(data.get("cases") or []):
        if not isinstance(case, dict):
            continue
        found.append((("cases", i, "request"), _RESPONSE_SCHEMA, case.get("request")))
        matrix = case.get("matrix")
        for key, values in (matrix.items() if isinstance(matrix, dict) else ()):
            parts = tuple(key.split("."))
            if _RESPONSE_SCHEMA[: len(parts)] != parts or not isinstance(values, list):
                continue
            rest = _RESPONSE_SCHEMA[len(parts):]
            found.extend((("cases", i, "matrix", key, j), rest, v) for j, v in enumerate(values))
    out = []
    for base, rest, value in found:
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, dict):
            out.append((base + rest, value))
    return out


def error_path(err: Any, base: JsonPath = ()) -> JsonPath:
    """The path of the node to point at for a jsonschema error."""
    path = base + tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extras = _unknown_keys(err)
        if extras:
            return path + (extras[0],)
    if "propertyNames" in err.absolute_schema_path and isinstance(err.instance, str):
        return path + (err.instance,)
    return path


def _unknown_keys(err: Any) -> list[str]:
    known = err.schema.get("properties", {})
    return [k for k in err.instance if k not in known]


def pick(errors: list[Any], doc: Document, base: JsonPath = ()) -> Any:
    """The error to show: earliest line first, then the most relevant, descending into anyOf."""
    from jsonschema.exceptions import relevance

    def key(err: Any) -> Any:
        span = doc.span(error_path(err, base)) or (0, 0)
        return (-span[0], relevance(err))

    best = max(errors, key=key)
    while best.context:
        candidates = best.context
        if "errorMessage" in best.schema:
            # Drop the branches whose type does not even match: what is left says what is wrong
            # inside the matching branch; nothing left -> the branch-level message.
            same = list(best.absolute_path)
            candidates = [
                c for c in best.context if not (list(c.absolute_path) == same and _wrong_branch(c))
            ]
            if not candidates:
                break
        best = max(candidates, key=key)
    return best


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


def _wrong_branch(err: Any) -> bool:
    """An anyOf branch error saying the value is not even of that branch's kind."""
    if err.validator == "type":
        return True
    if err.validator in ("enum", "const"):
        values = err.validator_value if err.validator == "enum" else [err.validator_value]
        return _json_type(err.instance) not in {_json_type(x) for x in values}
    return False


def rephrase(err: Any, names: Namer, base: JsonPath = ()) -> str:
    """One jsonschema error as a sentence naming the case and field."""
    path = base + tuple(err.absolute_path)
    subject = names.subject(path)
    v, value, inst = err.validator, err.validator_value, err.instance
    if "errorMessage" in err.schema and err.context:
        return f"{subject} {err.schema['errorMessage']}, got {describe(inst)}"
    if "propertyNames" in err.absolute_schema_path:
        hint = err.schema.get("patternErrorMessage", "is not allowed")
        return f"{subject} key {inst!r} {hint}"
    if v == "additionalProperties":
        return _unknown_key_sentence(err, names, path)
    if v == "required":
        missing = [k for k in value if k not in inst]
        key = missing[0] if missing else value[0]
        return f"missing key {key!r} {names.where(path)}{_MISSING_HINTS.get(key, '')}"
    if v == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return f"{subject} must be {expected}, got {describe(inst)}"
    if v in ("enum", "const"):
        return _choice_sentence(v, value, inst, subject)
    if v in _COMPARE:
        return f"{subject} must be {_COMPARE[v]} {value}, got {inst}"
    return _size_or_pattern_sentence(err, subject, path)


def _unknown_key_sentence(err: Any, names: Namer, path: JsonPath) -> str:
    allowed = list(err.schema.get("properties", {}))
    key = _unknown_keys(err)[0]
    span = names.doc.span(path + (key,))
    line = names.doc.lines[span[0] - 1] if span and span[0] <= len(names.doc.lines) else ""
    if err.instance[key] is None and f", {key}" in line and not did_you_mean(key, allowed):
        # `{content: Hello, world}`: the comma ended the text and started a key 'world'
        return (
            f"unknown key {key!r} {names.where(path)}; if it is the end of a text, "
            "quote the text: a ',' inside {...} starts a new key"
        )
    return unknown_key_message(key, names.where(path), allowed)


def _choice_sentence(validator_name: str, value: Any, inst: Any, subject: str) -> str:
    if validator_name == "const":
        return f"{subject} must be {value!r}, got {describe(inst)}"
    choices = ", ".join(repr(c) for c in value)
    msg = f"{subject} must be one of {choices}, got {describe(inst)}"
    hint = (
        did_you_mean(inst, [c for c in value if isinstance(c, str)])
        if isinstance(inst, str)
        else None
    )
    return f"{msg}; did you mean {hint!r}?" if hint else msg


def _size_or_pattern_sentence(err: Any, subject: str, path: JsonPath) -> str:
    v, value, inst = err.validator, err.validator_value, err.instance
    if v in ("minItems", "minLength", "minProperties") and value == 1:
        return f"{subject} must not be empty"
    if v == "minItems":
        return f"{subject} must have at least {value} items, got {len(inst)}"
    if v == "maxProperties" and path[-2:-1] == ("expect",):
        keys = ", ".join(repr(k) for k in inst)
        return (
            f"{subject} must be one 'check_name: args' mapping, got {len(inst)} keys "
            f"({keys}); start each check with its own '- '"
        )
    if v == "pattern":
        hint = err.schema.get("patternErrorMessage", f"must match {value}")
        return f"{subject} {inst!r} {hint}"
    return f"{subject}: {err.message}"
