"""Generate a JSON value valid against a JSON Schema, using hints from the user's message.

Covers what tool ``parameters`` and ``response_format.json_schema`` use in practice: object
(properties, required, additionalProperties), array (items, prefixItems, min/maxItems,
uniqueItems), string (enum, const, format, min/maxLength), integer, number (bounds,
multipleOf), boolean, null, anyOf/oneOf (first non-null branch), allOf (merged), and ``$ref``
into ``$defs`` / ``definitions``. Values are deterministic: the same schema and message give
the same value. ``pattern`` is not honoured.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_DEPTH = 8

FORMATS = {
    "date": "2026-04-29",
    "date-time": "2026-04-29T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "hostname": "example.com",
}
PLACE_NAMES = {
    "city",
    "location",
    "place",
    "town",
    "country",
    "destination",
    "origin",
    "region",
    "address",
    "state",
    "where",
}
TEXT_NAMES = {"query", "q", "search", "prompt", "text", "message", "question", "input"}
_PLACE = re.compile(r"\b(?:in|at|for|to|from|of|near)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class ValueHints:
    """Picks plausible values for named properties out of a user message."""

    def __init__(self, text: str = "") -> None:
        self.text = text or ""

    def string(self, name: str) -> str | None:
        key = name.lower()
        if any(part in PLACE_NAMES for part in re.split(r"[_\-\s]", key)):
            match = _PLACE.search(self.text)
            if match:
                return match.group(1)
        if key in TEXT_NAMES and self.text.strip():
            return " ".join(self.text.split())[:200]
        if name:
            said = re.search(
                rf"\b{re.escape(name)}\b\s*(?:is|:|=)\s*\"?([^\",.;\n]+)", self.text, re.IGNORECASE
            )
            if said:
                return said.group(1).strip()
        return None

    def number(self, name: str) -> float | None:
        if not name:
            return None
        said = re.search(
            rf"\b{re.escape(name)}\b\D{{0,12}}?({_NUMBER.pattern})", self.text, re.IGNORECASE
        )
        return float(said.group(1)) if said else None


class SchemaGenerator:
    """``SchemaGenerator(root_schema, hints).generate()`` -> a valid instance."""

    def __init__(self, schema: Any, hints: ValueHints | None = None) -> None:
        self.root = schema
        self.hints = hints or ValueHints()

    def generate(self) -> Any:
        return self.value(self.root, "", 0, 0)

    # -- dispatch -------------------------------------------------------------------

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            target: Any = self.root
            if not isinstance(ref, str) or not ref.startswith("#"):
                return {}
            for part in [p for p in ref[1:].split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part, {}) if isinstance(target, dict) else {}
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if rest and isinstance(target, dict) else target
            seen += 1
        return schema

    def value(self, schema: Any, name: str, depth: int, variant: int) -> Any:
        schema = self.resolve(schema)
        if schema is True or not isinstance(schema, dict):
            return "example"
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            enum = schema["enum"]
            return enum[variant % len(enum)] if variant else enum[0]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                branches = [self.resolve(b) for b in schema[key]]
                chosen = next((b for b in branches if _type_of(b) != "null"), branches[0])
                base = {k: v for k, v in schema.items() if k != key}
                merged = {**base, **chosen} if isinstance(chosen, dict) else chosen
                return self.value(merged, name, depth, variant)
        if schema.get("allOf"):
            return self.value(self.merge_all(schema), name, depth, variant)
        kind = _type_of(schema)
        if depth >= MAX_DEPTH:
            return self.minimal(schema, kind)
        method = getattr(self, f"gen_{kind}", self.gen_string)
        return method(schema, name, depth, variant)

    def merge_all(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.resolve(part)
            if not isinstance(part, dict):
                continue
            for key, val in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **val}
                elif key == "required":
                    merged["required"] = list(dict.fromkeys([*merged.get("required", []), *val]))
                else:
                    merged.setdefault(key, val)
        return merged

    def minimal(self, schema: dict[str, Any], kind: str) -> Any:
        """A small valid value that does not recurse (the depth limit was reached)."""
        if kind == "object":
            props = schema.get("properties") or {}
            out = {}
            for key in schema.get("required") or []:
                sub = self.resolve(props.get(key, {}))
                out[key] = {} if _type_of(sub) == "object" else self.minimal(sub, _type_of(sub))
            return out
        scalars = {"array": [], "integer": 0, "number": 0, "boolean": False, "null": None}
        return scalars.get(kind, "")

    # -- types ----------------------------------------------------------------------

    def gen_object(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        props = schema.get("properties") or {}
        out = {}
        for key, sub in props.items():
            out[key] = self.value(sub, key, depth + 1, variant)
        for key in schema.get("required") or []:
            if key not in out:
                extra = schema.get("additionalProperties")
                out[key] = self.value(extra if isinstance(extra, dict) else {}, key, depth + 1, 0)
        return out

    def gen_array(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", {})
        lo = int(schema.get("minItems", 0))
        hi = schema.get("maxItems")
        count = max(lo, len(prefix), 2)
        if hi is not None:
            count = min(count, int(hi))
        count = min(count, max(lo, 3))
        out = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else (items if isinstance(items, dict) else {})
            out.append(self.value(sub, name, depth + 1, i))
        if schema.get("uniqueItems"):
            out = _unique(out)
        return out

    def gen_string(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        fmt = schema.get("format")
        if fmt in FORMATS:
            return FORMATS[fmt]
        text = self.hints.string(name) or "example"
        if variant:
            text = f"{text} {variant + 1}"
        lo, hi = int(schema.get("minLength", 0)), schema.get("maxLength")
        if len(text) < lo:
            text = text + "x" * (lo - len(text))
        if hi is not None:
            text = text[: int(hi)]
        return text

    def gen_integer(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        return int(self.number(schema, name, variant, integer=True))

    def gen_number(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        return self.number(schema, name, variant, integer=False)

    def gen_boolean(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        return variant % 2 == 0

    def gen_null(self, schema: dict[str, Any], name: str, depth: int, variant: int) -> Any:
        return None

    def number(self, schema: dict[str, Any], name: str, variant: int, integer: bool) -> float:
        lo = schema.get("minimum")
        hi = schema.get("maximum")
        xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        step = 1 if integer else 0.5
        if isinstance(xlo, (int, float)) and not isinstance(xlo, bool):
            lo = xlo + step if lo is None else max(lo, xlo + step)
        if isinstance(xhi, (int, float)) and not isinstance(xhi, bool):
            hi = xhi - step if hi is None else min(hi, xhi - step)
        hinted = self.hints.number(name)
        value = hinted if hinted is not None else (lo if lo is not None else 1) + variant
        if lo is not None:
            value = max(value, lo)
        if hi is not None:
            value = min(value, hi)
        mult = schema.get("multipleOf")
        if mult:
            value = math.ceil(value / mult) * mult
            if hi is not None and value > hi:
                value -= mult
        if integer:
            value = math.ceil(value) if lo is not None and value < lo else math.floor(value)
            return int(value)
        return float(value)


def _type_of(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "string"
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or ["null"]
        kind = kinds[0]
    if kind:
        return str(kind)
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return "string"


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def generate_instance(schema: Any, text: str = "") -> Any:
    """A value valid against ``schema``, preferring values found in ``text``."""
    return SchemaGenerator(schema, ValueHints(text)).generate()
