"""Data-driven cases (`harness/suite/data.py`, `template.py`): records become variants whose
values fill `{{name}}` placeholders in request and expect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import harness
from harness.core.errors import SuiteError
from harness.core.models import Case
from harness.suite.expand import case_variants
from harness.suite.limits import jobs_per_target
from harness.suite.loader import load_suite, load_suite_text
from harness.suite.template import names_in, render

CASE = """\
suite: dd
cases:
  - id: weather
    data: {data}
    request:
      messages: [{{role: user, content: "Weather in {{{{ city }}}}?"}}]
      max_tokens: "{{{{n}}}}"
    expect:
      - contains: "{{{{city}}}}"
"""


def _suite(tmp_path: Path, data: str, files: dict[str, Any] | None = None) -> Path:
    for name, content in (files or {}).items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    suite = tmp_path / "dd.yaml"
    suite.write_text(CASE.format(data=data), encoding="utf-8")
    return suite


def _variants(case: Case) -> list[tuple[str, dict[str, Any], list[Any]]]:
    return [(v, req, [s.args for s in c.expect]) for v, c, req in case_variants(case)]


def test_template_keeps_types_and_formats_inside_text() -> None:
    values = {"n": 3, "city": "Paris", "tags": ["a"]}
    assert render({"a": "{{ n }}", "b": "n={{n}}", "c": ["{{tags}}", "{{tags}}!"]}, values) == {
        "a": 3, "b": "n=3", "c": [["a"], '["a"]!']}
    assert render("{{other}}", values) == "{{other}}"
    assert names_in({"x": ["{{a}} {{ b }}", {"y": "{{c}}"}]}) == {"a", "b", "c"}


def test_csv_values_are_strings_and_key_names_variant(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "cities.csv", {"cities.csv": "key,city,n\nparis,Paris,3\n,Rome,4\n"})
    [case] = load_suite(suite).cases
    got = _variants(case)
    assert [v for v, _, _ in got] == ["paris", "row=2"]
    assert got[0][1]["messages"][0]["content"] == "Weather in Paris?"
    assert got[0][1]["max_tokens"] == "3"  # csv: strings
    assert got[1][2] == ["Rome"]


def test_jsonl_keeps_json_types_and_id_column(tmp_path: Path) -> None:
    lines = [{"id": "p", "city": "Paris", "n": 3}, {"id": "r", "city": "Rome", "n": 4}]
    text = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    [case] = load_suite(_suite(tmp_path, "c.jsonl", {"c.jsonl": text})).cases
    got = _variants(case)
    assert [v for v, _, _ in got] == ["p", "r"]
    assert got[1][1]["max_tokens"] == 4


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"city": ["Oslo", "Lima"], "n": [5, 6]}), tmp_path / "c.parquet")
    [case] = load_suite(_suite(tmp_path, "c.parquet")).cases
    got = _variants(case)
    assert [v for v, _, _ in got] == ["row=1", "row=2"]
    assert got[1][1]["max_tokens"] == 6 and got[1][2] == ["Lima"]


def test_inline_data_with_matrix_and_repeat() -> None:
    text = CASE.format(data='[{city: Paris, n: 1}, {city: Rome, n: 2}]') + (
        "    matrix: {temperature: [0, 1], greeting: [hi, yo]}\n    repeat: 3\n")
    text = text.replace('"{{city}}"', '"{{greeting}} {{city}}"')
    [case] = load_suite_text(text, "dd.yaml").cases
    got = _variants(case)
    assert len(got) == 8 and jobs_per_target(case) == 24
    variant, request, expect = got[-1]
    assert variant == "row=2,temperature=1,greeting=yo"
    assert request["temperature"] == 1 and "greeting" not in request
    assert request["max_tokens"] == 2 and expect == ["yo Rome"]


def test_a_matrix_variable_alone_fills_placeholders() -> None:
    text = """\
cases:
  - id: c
    request: {messages: [{role: user, content: "Hello {{who}}"}]}
    matrix: {who: [Ann, Bob]}
"""
    [case] = load_suite_text(text, "m.yaml").cases
    assert [(v, r["messages"][0]["content"]) for v, r, _ in _variants(case)] == [
        ("who=Ann", "Hello Ann"), ("who=Bob", "Hello Bob")]


def test_missing_variable_names_file_line_and_record(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "c.csv", {"c.csv": "city,n\nParis,1\nRome\n"})
    with pytest.raises(SuiteError, match=r"record 2 does not have as many fields"):
        load_suite(suite)
    (tmp_path / "c.csv").write_text("city,n\nParis,1\n", encoding="utf-8")
    load_suite(suite)
    (tmp_path / "c.csv").write_text("n\n1\n", encoding="utf-8")
    with pytest.raises(SuiteError) as exc:
        load_suite(suite)
    msg = str(exc.value)
    assert "dd.yaml: line 4" in msg and "record 1" in msg and "{{city}}" in msg
    assert "'c.csv'" in msg


def test_unused_column_is_an_error(tmp_path: Path) -> None:
    text = CASE.format(data="[{city: A, n: 1}, {city: B, n: 2, extra: x}]")
    with pytest.raises(SuiteError, match=r"line 4.*record 2: column 'extra' is not used"):
        load_suite_text(text, "dd.yaml")


def test_missing_data_file_and_bad_suffix(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"line 4.*'nope.csv' not found"):
        load_suite(_suite(tmp_path, "nope.csv"))
    with pytest.raises(SuiteError, match=r"line 4.*csv, .jsonl or .parquet"):
        load_suite(_suite(tmp_path, "nope.txt"))


def test_expressions_and_duplicate_keys_are_refused() -> None:
    text = CASE.format(data="[{city: A, n: 1}]").replace("{{ city }}", "{{ city.upper() }}")
    with pytest.raises(SuiteError, match=r"not a plain variable name"):
        load_suite_text(text, "dd.yaml")
    dup = CASE.format(data="[{key: a, city: A, n: 1}, {key: a, city: B, n: 2}]")
    with pytest.raises(SuiteError, match=r"record 2: key 'a' is already used by record 1"):
        load_suite_text(dup, "dd.yaml")


def test_typed_placeholder_in_check_arguments_is_validated_per_record() -> None:
    text = CASE.format(data="[{city: A, n: 1, lim: 500}, {city: B, n: 2, lim: fast}]") + (
        '      - latency_ms: {max: "{{lim}}"}\n')
    with pytest.raises(SuiteError, match=r"record 2: latency_ms"):
        load_suite_text(text, "dd.yaml")


def test_data_counts_against_the_job_limit() -> None:
    rows = ", ".join(f"{{city: c{i}, n: {i}}}" for i in range(30))
    text = CASE.format(data=f"[{rows}]") + "    repeat: 4\n"
    with pytest.raises(SuiteError, match=r"line 4.*120 jobs per target \(data 30, matrix 1 = 1 variants, "
                                         r"repeat 4\), over the limit of 100"):
        load_suite_text(text, "dd.yaml", max_jobs=100)


def test_validate_counts_data_jobs(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "c.csv", {"c.csv": "city,n\nA,1\nB,2\nC,3\n"})
    out = subprocess.run([sys.executable, "-m", "harness", "validate", str(suite)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert "1 cases, 3 requests per target" in out.stdout


def test_a_data_driven_run_against_the_simulator(tmp_path: Path) -> None:
    text = """\
suite: dd
cases:
  - id: greet
    data: [{key: ann, who: Ann, n: 64}, {key: bob, who: Bob, n: 32}]
    request:
      messages: [{role: user, content: "Say hello to {{who}}"}]
      max_tokens: "{{n}}"
    expect:
      - status: 200
"""
    suite = tmp_path / "dd.yaml"
    suite.write_text(text, encoding="utf-8")
    result = harness.run(suite, targets="mistral/mistral-medium-3.5", simulate=True,
                         sim_latency_ms=0, out=tmp_path / "out")
    rows = {r["variant"]: r for r in result.records}
    assert set(rows) == {"ann", "bob"} and result.passed
    sent = rows["bob"]["request_sent"]
    assert sent["max_tokens"] == 32 and "Bob" in json.dumps(sent)
