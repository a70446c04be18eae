"""OpenAPI documents -> JSON Schema (draft 2020-12) for one component, closed over its $refs.

    doc = read_document(path)                       # a full spec (YAML or JSON)
    defs = extract(doc, ["ChatCompletionResponse"])   # the components and everything they use
    schema = as_schema(defs, "ChatCompletionResponse")  # {"$ref": "#/$defs/...", "$defs": ...}

The conversion is the reading of the spec, not a correction of it:
- `$ref: '#/components/schemas/X'` -> `#/$defs/X` (any other `$ref` is left alone).
- OpenAPI 3.0's `nullable: true` (still used 111 times in OpenAI's 3.1 document) means "null is
  allowed too": it becomes `"null"` in `type` (or an `anyOf` with `{"type": "null"}`).
  Under 3.1 rules the keyword is meaningless; the authors plainly meant 3.0's sense, so it is
  honoured even in strict mode.
- `type: null` written as a YAML null (not the string "null") carries no constraint and is
  dropped: the Anthropic mirror's `Model` says `type: null` beside an `anyOf` of strings, and
  kept as is it would make the whole schema invalid.
- Documentation keywords are dropped to keep the copies small: description, title, example(s),
  `x-*` extensions, externalDocs, deprecated, discriminator (an OpenAPI hint; `oneOf` /
  `anyOf` carry the actual rule), readOnly/writeOnly, xml, default.

Pure: no I/O except `read_document`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

COMPONENT_PREFIX = "#/components/schemas/"
DEFS_PREFIX = "#/$defs/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_DROP = frozenset(
    {
        "description",
        "title",
        "example",
        "examples",
        "externalDocs",
        "deprecated",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "default",
        "$comment",
    }
)
# keywords whose value is a mapping of names to schemas (keys are data, not keywords)
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def read_document(path: Path | str) -> dict[str, Any]:
    """A whole OpenAPI document from a .yaml / .yml / .json file."""
    p = Path(path)
    text = p.read_bytes()
    if p.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
    if not isinstance(data, dict) or not isinstance(
        (data.get("components") or {}).get("schemas"), dict
    ):
        raise ValueError(f"{p}: not an OpenAPI document (no components.schemas)")  # noqa: TRY004
    return data


def components(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document's `components.schemas` mapping (or, for an extracted copy, its $defs)."""
    if isinstance(doc.get("$defs"), dict) and not isinstance(doc.get("components"), dict):
        return doc["$defs"]  # type: ignore[no-any-return]
    return doc["components"]["schemas"]  # type: ignore[no-any-return]


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref.startswith(COMPONENT_PREFIX):
                out.add(ref[len(COMPONENT_PREFIX) :])
            elif ref.startswith(DEFS_PREFIX):
                out.add(ref[len(DEFS_PREFIX) :])
        for value in node.values():
            _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def closure(schemas: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The given component names and every component they reference, transitively (sorted)."""
    todo = list(names)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in schemas:
            raise KeyError(name)
        seen.add(name)
        found: set[str] = set()
        _refs(schemas[name], found)
        todo.extend(sorted(found - seen))
    return sorted(seen)


def convert(node: Any) -> Any:
    """One OpenAPI schema object -> JSON Schema 2020-12 (see the module docstring)."""
    if isinstance(node, list):
        return [convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP or (isinstance(key, str) and key.startswith("x-")) or key == "nullable":
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith(COMPONENT_PREFIX):
            out[key] = DEFS_PREFIX + value[len(COMPONENT_PREFIX) :]
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: convert(v) for k, v in value.items()}
        elif key == "type" and value is None:
            continue  # YAML `type: null` (not the string "null"): no constraint, see docstring
        elif key in ("enum", "const", "required", "type"):
            out[key] = value  # data, not schemas
        else:
            out[key] = convert(value)
    if node.get("nullable") is True:
        out = allow_null(out)
    return out


def allow_null(schema: Any) -> Any:
    """`schema`, or null."""
    if not isinstance(schema, dict):
        return schema  # `true`: null is allowed already
    typ = schema.get("type")
    combined = any(k in schema for k in ("$ref", "allOf", "anyOf", "oneOf", "const", "not"))
    if not combined and isinstance(typ, (str, list)):
        types = [typ] if isinstance(typ, str) else list(typ)
        out = dict(schema)
        if "null" not in types:
            out["type"] = [*types, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [schema, {"type": "null"}]}


def extract(doc: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """name -> converted schema, for `names` and their closure over $refs."""
    schemas = components(doc)
    converted_already = not isinstance(doc.get("components"), dict)
    out = {}
    for name in closure(schemas, names):
        out[name] = schemas[name] if converted_already else convert(schemas[name])
    return out


def as_schema(defs: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A self-contained JSON Schema document validating component `name`."""
    if name not in defs:
        raise KeyError(name)
    return {"$schema": JSON_SCHEMA_DIALECT, "$ref": DEFS_PREFIX + name, "$defs": dict(defs)}
