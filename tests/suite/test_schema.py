"""The shipped suite JSON Schema: valid draft 2020-12, in step with the models, documented."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

import harness.suite
from harness.suite import SUITE_SCHEMA_PATH, suite_schema
from harness.wire.protocols import BUILTIN_DIALECTS

from .test_loader import GOOD

REQUEST_FIELDS = {
    "endpoint",
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "n",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "stream",
    "stream_options",
    "images",
    "system",
    "auth",
    "extra",
    "body",
    "reasoning_effort",
    "user",
    "logprobs",
    "metadata",
}


def test_schema_ships_in_the_package_and_is_valid():
    assert SUITE_SCHEMA_PATH.name == "schema.json"
    assert SUITE_SCHEMA_PATH.parent == Path(harness.suite.__file__).parent
    schema = json.loads(SUITE_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema == suite_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_top_level_structure():
    schema = suite_schema()
    assert schema["type"] == "object"
    assert schema["required"] == ["cases"]
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == ["suite", "description", "defaults", "plugins", "cases"]
    defs = schema["$defs"]
    assert set(defs["defaults"]["properties"]) == {
        "request",
        "expect",
        "tags",
        "targets",
        "dialects",
        "timeout_s",
        "repeat",
        "tool_loop",
        "expect_each_turn",
    }
    assert set(defs["case"]["properties"]) == {
        "id",
        "description",
        "tags",
        "targets",
        "dialects",
        "timeout_s",
        "request",
        "raw",
        "matrix",
        "data",
        "repeat",
        "expect",
        "tool_loop",
        "expect_each_turn",
    }
    assert defs["case"]["required"] == ["id"]


def test_request_fields_are_the_canonical_ones():
    request = suite_schema()["$defs"]["request"]
    assert set(request["properties"]) == REQUEST_FIELDS
    assert "model" not in request["properties"]
    assert request["additionalProperties"] is False


def test_enums_match_the_models():
    defs = suite_schema()["$defs"]
    assert tuple(defs["dialects"]["items"]["enum"]) == BUILTIN_DIALECTS
    # endpoints are the registered wire protocols': the loader checks them, not an enum
    endpoint = defs["request"]["properties"]["endpoint"]
    assert "enum" not in endpoint and endpoint["type"] == "string"


def test_fields_are_documented_for_editors():
    schema = suite_schema()
    defs = schema["$defs"]
    objects = {
        "suite": schema,
        "defaults": defs["defaults"],
        "case": defs["case"],
        "request": defs["request"],
    }
    missing = []
    for where, obj in objects.items():
        for name, prop in obj["properties"].items():
            target = prop
            if "$ref" in prop and "description" not in prop:
                target = defs[prop["$ref"].rsplit("/", 1)[1]]
            if not target.get("description"):
                missing.append(f"{where}.{name}")
    assert missing == []


def test_plain_jsonschema_accepts_good_suites_and_rejects_typos():
    validator = Draft202012Validator(suite_schema())
    assert list(validator.iter_errors(yaml.safe_load(GOOD))) == []
    bad = yaml.safe_load(
        textwrap.dedent(
            """\
        cases:
          - id: a
            request: {messages: [{role: user, content: hi}], temprature: 1}
        """
        )
    )
    (error,) = validator.iter_errors(bad)
    assert error.validator == "additionalProperties"
    assert list(error.absolute_path) == ["cases", 0, "request"]


def test_raw_case_needs_body_in_the_schema_too():
    validator = Draft202012Validator(suite_schema())
    raw = {"cases": [{"id": "a", "raw": True, "request": {"endpoint": "chat"}}]}
    (error,) = validator.iter_errors(raw)
    assert error.validator == "required" and error.validator_value == ["body"]
