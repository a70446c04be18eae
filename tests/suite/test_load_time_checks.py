"""Load-time checks of values the schema only shapes: a response format's JSON Schema is itself
valid (jsonschema's check_schema), and bounds of the built-in checks are not negative. Both are
suite errors with file, line and excerpt, never a failed run."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.core.errors import SuiteError
from harness.suite import load_suite

HEAD = "cases:\n  - id: a\n    request:\n      messages: [{role: user, content: hi}]\n"
FORMAT = HEAD + (
    "      response_format:\n        type: json_schema\n        json_schema:\n"
    "          name: out\n          schema: {schema}\n"
)
SUBJECT = "case 'a' request.response_format.json_schema.schema is not a valid JSON Schema"


def _first_line(write: Callable[..., Path], text: str) -> str:
    with pytest.raises(SuiteError) as info:
        load_suite(write(text, "s.yaml"), validate_checks=True)
    return str(info.value).splitlines()[0]


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("{type: strng}",
         (f"s.yaml: line 9: {SUBJECT}: type 'strng' is not a JSON Schema type (string, number, "
         "integer, boolean, object, array, null); did you mean 'string'?")),
        ("{type: object, required: yes}",
         f"s.yaml: line 9: {SUBJECT} at required: True is not of type 'array'"),
        ("{type: object, properties: {n: {minimum: ten}}}",
         f"s.yaml: line 9: {SUBJECT} at properties.n.minimum: 'ten' is not of type 'number'"),
        ("{type: object, properties: {n: {pattern: '('}}}",
         f"s.yaml: line 9: {SUBJECT} at properties.n.pattern: '(' is not a 'regex'"),
    ],
)
def test_invalid_response_format_schema(write: Callable[..., Path], schema: str,
                                        message: str) -> None:
    assert _first_line(write, FORMAT.replace("{schema}", schema)) == message


def test_the_line_is_the_broken_node(write: Callable[..., Path]) -> None:
    text = FORMAT.replace("{schema}", "") + (
        "            type: object\n            properties:\n"
        "              n: {type: integer, minLength: -1}\n"
    )
    assert _first_line(write, text) == (
        f"s.yaml: line 12: {SUBJECT} at properties.n.minLength: -1 is less than the minimum of 0"
    )


def test_defaults_and_matrix_schemas_are_checked(write: Callable[..., Path]) -> None:
    defaults = (
        "defaults:\n  request:\n    response_format:\n      type: json_schema\n"
        "      json_schema: {name: out, schema: {type: [strng]}}\n"
    )
    line = _first_line(write, defaults + HEAD)
    assert line.startswith("s.yaml: line 5: defaults.request.response_format.json_schema.schema "
                           "is not a valid JSON Schema at type")
    matrix = HEAD + "    matrix:\n      response_format.json_schema.schema: [{}, {required: 5}]\n"
    assert _first_line(write, matrix) == (
        "s.yaml: line 6: case 'a' matrix.response_format.json_schema.schema[1] is not a valid "
        "JSON Schema at required: 5 is not of type 'array'"
    )
    whole = HEAD + (
        "    matrix:\n      response_format:\n        - {type: json_object}\n"
        "        - {type: json_schema, json_schema: {name: o, schema: {type: 1}}}\n"
    )
    assert _first_line(write, whole).startswith(
        "s.yaml: line 8: case 'a' matrix.response_format[1].json_schema.schema is not a valid "
        "JSON Schema at type: 1 is not valid"
    )


def test_valid_schemas_load(write: Callable[..., Path]) -> None:
    schema = ("{type: object, properties: {n: {type: integer, minimum: 0}}, required: [n], "
              "additionalProperties: false}")
    suite = load_suite(write(FORMAT.replace("{schema}", schema), "s.yaml"))
    assert suite.cases[0].request["response_format"]["json_schema"]["schema"]["required"] == ["n"]
    draft7 = "{$schema: 'http://json-schema.org/draft-07/schema#', type: object}"
    assert load_suite(write(FORMAT.replace("{schema}", draft7), "s.yaml")).cases


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ("cost_usd: {max: -1}", "check 'cost_usd': cost_usd: max must be >= 0, got -1"),
        ("cost_usd: {min: -0.5, max: 1}", "check 'cost_usd': cost_usd: min must be >= 0, got -0.5"),
        ("cost_usd: -1", "check 'cost_usd': cost_usd: max must be >= 0, got -1"),
        ("latency_ms: {max: -10}", "check 'latency_ms': latency_ms: max must be >= 0, got -10"),
        ("ttft_ms: {min: -1}", "check 'ttft_ms': ttft_ms: min must be >= 0, got -1"),
    ],
)
def test_negative_bounds_are_rejected_at_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              check: str, message: str) -> None:
    # the built-in checks (the suite tests' conftest registers throwaway ones besides them)
    monkeypatch.chdir(tmp_path)
    Path("s.yaml").write_text(textwrap.dedent(HEAD) + f"    expect:\n      - {check}\n",
                              encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_suite("s.yaml")
    assert str(info.value).splitlines()[0] == f"s.yaml: line 6: case 'a' expect[0]: {message}"


def test_validate_exits_2_without_a_traceback(write: Callable[..., Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = write(HEAD + "    expect:\n      - cost_usd: {max: -1}\n", "s.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: s.yaml: line 6: case 'a' expect[0]: check 'cost_usd'")
    assert "Traceback" not in err
