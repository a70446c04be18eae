"""specs.openapi: OpenAPI schema objects -> JSON Schema 2020-12, closure over $refs."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from harness.specs.openapi import allow_null, as_schema, closure, convert, extract

DOC = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Reply": {
                "type": "object",
                "description": "doc text",
                "x-oaiMeta": {"name": "x"},
                "properties": {
                    "id": {"type": "string", "example": "abc"},
                    "fingerprint": {"type": "string", "nullable": True},
                    "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
                    "usage": {"$ref": "#/components/schemas/Usage"},
                    "description": {"type": "string"},  # a property named like a keyword
                },
                "required": ["id"],
                "discriminator": {"propertyName": "kind"},
            },
            "Usage": {
                "type": "object",
                "properties": {"n": {"$ref": "#/components/schemas/Count", "nullable": True}},
                "additionalProperties": False,
            },
            "Count": {"type": "integer", "minimum": 0, "default": 0, "title": "Count"},
            "Broken": {"type": None, "anyOf": [{"type": "string"}]},  # Anthropic mirror's Model
            "Unused": {"type": "boolean"},
        }
    },
}


def test_closure_follows_refs_only() -> None:
    assert closure(DOC["components"]["schemas"], ["Reply"]) == ["Count", "Reply", "Usage"]
    with pytest.raises(KeyError):
        closure(DOC["components"]["schemas"], ["Nope"])


def test_convert_rewrites_refs_and_drops_documentation() -> None:
    reply = convert(DOC["components"]["schemas"]["Reply"])
    assert "description" not in reply and "x-oaiMeta" not in reply
    assert "discriminator" not in reply
    assert reply["properties"]["description"] == {"type": "string"}  # data, kept
    assert reply["properties"]["usage"] == {"$ref": "#/$defs/Usage"}
    assert reply["properties"]["id"] == {"type": "string"}
    count = convert(DOC["components"]["schemas"]["Count"])
    assert count == {"type": "integer", "minimum": 0}


def test_nullable_means_or_null() -> None:
    reply = convert(DOC["components"]["schemas"]["Reply"])
    assert reply["properties"]["fingerprint"] == {"type": ["string", "null"]}
    assert reply["properties"]["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    usage = convert(DOC["components"]["schemas"]["Usage"])
    assert usage["properties"]["n"] == {"anyOf": [{"$ref": "#/$defs/Count"}, {"type": "null"}]}
    assert allow_null({"type": ["string", "null"]}) == {"type": ["string", "null"]}
    assert allow_null(True) is True


def test_yaml_null_type_carries_no_constraint() -> None:
    assert convert(DOC["components"]["schemas"]["Broken"]) == {"anyOf": [{"type": "string"}]}


def test_as_schema_validates() -> None:
    schema = as_schema(extract(DOC, ["Reply"]), "Reply")
    assert set(schema["$defs"]) == {"Reply", "Usage", "Count"}
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema)
    assert v.is_valid({"id": "x", "fingerprint": None, "usage": {"n": None}})
    assert not v.is_valid({"id": "x", "usage": {"n": -1}})
    assert not v.is_valid({"id": "x", "usage": {"extra": 1}})
    assert not v.is_valid({"fingerprint": "f"})
    with pytest.raises(KeyError):
        as_schema({}, "Reply")
