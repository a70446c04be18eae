"""diff_answers: one FieldDiff per field, Diffy's kinds, the applicability rule, hashed text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.shadow.diff import FIELDS, KINDS, DiffConfig, diff_answers
from harness.shadow.pairs import Answer, Arm, PairLog, PairRecord, read_pairs, request_hash

TEXT = "The weather in Paris is sunny with a high of 21 degrees and a light breeze."


def _answer(**over: object) -> Answer:
    base = Answer(status=200, content=TEXT, finish_reason="stop",
                  tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}],
                  json_output={"city": "Paris", "temps": [21, 15], "meta": {"ok": True}},
                  usage={"prompt_tokens": 20, "completion_tokens": 40}, latency_ms=500.0,
                  cost_usd=0.001)
    return replace(base, **over)  # type: ignore[arg-type]


def test_identical_answers_differ_nowhere_and_every_field_is_a_fielddiff() -> None:
    out = diff_answers(_answer(), _answer())
    assert list(out) == list(FIELDS)
    for fd in out.values():
        assert set(fd) == {"differs", "kind", "detail", "score", "paths"}
        assert fd["differs"] is False and fd["kind"] is None
    json.dumps(out)  # JSON-able


def test_fields_that_apply_to_neither_answer_are_absent() -> None:
    bare = Answer(status=500, error_class="server_error")
    out = diff_answers(bare, bare)
    assert set(out) == {"status", "error_class"}


def test_status_and_error_class() -> None:
    out = diff_answers(_answer(), Answer(status=429, error_class="rate_limit"))
    assert out["status"]["differs"] and out["status"]["kind"] == "value"
    assert out["error_class"]["kind"] == "extra"
    out = diff_answers(_answer(), Answer(status=None, error_class="timeout"))
    assert out["status"]["kind"] == "missing"
    assert "usage" not in out and "latency" not in out  # figures: both sides only


def test_finish_reason() -> None:
    out = diff_answers(_answer(), _answer(finish_reason="length"))
    assert out["finish_reason"] == {"differs": True, "kind": "value",
                                    "detail": "'stop' -> 'length'", "score": None, "paths": []}


def test_tool_names_are_an_order_insensitive_multiset() -> None:
    a = _answer(tool_calls=[{"name": "a", "arguments": {}}, {"name": "b", "arguments": {}}])
    b = _answer(tool_calls=[{"name": "b", "arguments": {}}, {"name": "a", "arguments": {}}])
    out = diff_answers(a, b)
    assert not out["tool_names"]["differs"] and "other order" in out["tool_names"]["detail"]
    dropped = diff_answers(a, _answer(tool_calls=[{"name": "a", "arguments": {}}]))["tool_names"]
    assert dropped["differs"] and dropped["kind"] == "missing" and dropped["score"] == 0.5
    assert dropped["paths"] == [{"path": "b", "kind": "missing", "primary": 1, "other": 0}]
    twice = _answer(tool_calls=[{"name": "a", "arguments": {}}] * 2 + [{"name": "b"}])
    assert diff_answers(a, twice)["tool_names"]["kind"] == "size"
    assert diff_answers(a, _answer(tool_calls=[]))["tool_names"]["kind"] == "missing"


def test_tool_args_by_path_with_calls_matched_by_name() -> None:
    out = diff_answers(_answer(), _answer(tool_calls=[
        {"name": "get_weather", "arguments": '{"city": "London", "unit": "c"}'}]))
    args = out["tool_args"]
    assert args["differs"] and args["kind"] == "value"
    assert args["paths"] == [{"path": "get_weather#0.city", "kind": "value",
                              "primary": "Paris", "other": "London"}]
    # same calls in another order: identical arguments are matched first
    two = [{"name": "w", "arguments": {"city": "Paris"}}, {"name": "w", "arguments": {"city": "Rome"}}]
    out = diff_answers(_answer(tool_calls=two), _answer(tool_calls=two[::-1]))
    assert not out["tool_args"]["differs"] and not out["tool_names"]["differs"]
    # no name in common: tool_args does not apply (tool_names says it)
    out = diff_answers(_answer(), _answer(tool_calls=[{"name": "other", "arguments": {}}]))
    assert "tool_args" not in out and out["tool_names"]["differs"]


@pytest.mark.parametrize(("other", "kind", "path"), [
    ({"city": "Paris", "temps": [21, 15]}, "missing", "$.meta"),
    ({"city": "Paris", "temps": [21, 15], "meta": {"ok": True}, "x": 1}, "extra", "$.x"),
    ({"city": "Paris", "temps": [15, 21], "meta": {"ok": True}}, "ordering", "$.temps"),
    ({"city": "Paris", "temps": [21], "meta": {"ok": True}}, "size", "$.temps"),
    ({"city": "Paris", "temps": [21, 15], "meta": {"ok": 1}}, "type", "$.meta.ok"),
    ({"city": "Lyon", "temps": [21, 15], "meta": {"ok": True}}, "value", "$.city"),
    ({"city": "Paris", "temps": [21, 16], "meta": {"ok": True}}, "value", "$.temps[1]"),
])
def test_json_paths_with_diffys_kinds(other: object, kind: str, path: str) -> None:
    fd = diff_answers(_answer(), _answer(json_output=other))["json"]
    assert fd["differs"] and fd["kind"] == kind
    assert [p["path"] for p in fd["paths"]] == [path] and fd["paths"][0]["kind"] in KINDS


def test_json_missing_on_one_side_and_path_limit() -> None:
    assert diff_answers(_answer(), _answer(json_output=None))["json"]["kind"] == "missing"
    assert diff_answers(_answer(json_output=None), _answer())["json"]["kind"] == "extra"
    wide_a = {f"k{i}": i for i in range(50)}
    wide_b = {f"k{i}": -i - 1 for i in range(50)}
    fd = diff_answers(_answer(json_output=wide_a), _answer(json_output=wide_b),
                      DiffConfig(max_paths=5))["json"]
    assert len(fd["paths"]) == 6 and fd["paths"][-1]["path"] == "..."


def test_deep_json_is_bounded() -> None:
    deep: object = 1
    for _ in range(500):
        deep = [deep]
    fd = diff_answers(_answer(json_output=deep), _answer(json_output=[[2]]))["json"]
    assert fd["differs"]
    deep2: object = 2
    for _ in range(500):
        deep2 = [deep2]
    assert diff_answers(_answer(json_output=deep), _answer(json_output=deep2))["json"]["differs"]


def test_text_similarity_threshold_and_length() -> None:
    close = diff_answers(_answer(), _answer(
        content="In Paris the weather is sunny with a high of 21 degrees, light breeze."))
    assert not close["text"]["differs"] and close["text"]["score"] > 0.6
    assert "token_set_ratio" in close["text"]["detail"]
    far = diff_answers(_answer(), _answer(content="I cannot help with that request."))
    assert far["text"]["differs"] and far["text"]["kind"] == "value"
    assert far["text"]["score"] < 0.6 and TEXT not in json.dumps(far)  # no free text in a diff
    assert far["length"]["differs"] and far["length"]["score"] < 0.5
    strict = diff_answers(_answer(), _answer(content=TEXT.upper() + " Extra words here."),
                          DiffConfig(text_threshold=0.99))
    assert strict["text"]["differs"] is False  # token set: a superset of the tokens scores 1
    assert diff_answers(_answer(), _answer(content=None))["text"]["kind"] == "missing"
    assert diff_answers(_answer(content=""), _answer())["text"]["kind"] == "extra"


def test_hashed_text_compares_by_digest() -> None:
    same = {"sha256": "ab" * 32, "len": 10}
    other = {"sha256": "cd" * 32, "len": 10}
    out = diff_answers(_answer(content=same), _answer(content=dict(same)))
    assert not out["text"]["differs"] and out["text"]["score"] == 1.0
    out = diff_answers(_answer(content=same), _answer(content=other))
    assert out["text"]["differs"] and out["text"]["score"] is None
    assert not out["length"]["differs"]


def test_figures_are_ratios_beyond_configured_limits() -> None:
    out = diff_answers(_answer(), _answer(usage={"completion_tokens": 100}, latency_ms=900.0,
                                          cost_usd=0.004))
    assert out["usage"]["differs"] and out["usage"]["score"] == 2.5
    assert not out["latency"]["differs"] and out["latency"]["score"] == pytest.approx(1.8)
    assert out["cost"]["differs"] and out["cost"]["score"] == pytest.approx(4.0)
    faster = diff_answers(_answer(), _answer(latency_ms=100.0, cost_usd=0.0001))
    assert not faster["latency"]["differs"] and faster["latency"]["score"] == pytest.approx(0.2)
    assert "faster" in faster["latency"]["detail"] and "cheaper" in faster["cost"]["detail"]
    assert not faster["cost"]["differs"]  # cost and latency differ upwards only
    shorter = diff_answers(_answer(), _answer(usage={"completion_tokens": 10}))["usage"]
    assert shorter["differs"] and shorter["score"] == 0.25  # usage: either way
    loose = DiffConfig(usage_tolerance=2.0, max_cost_ratio=5.0)
    out = diff_answers(_answer(), _answer(usage={"completion_tokens": 100}, cost_usd=0.004), loose)
    assert not out["usage"]["differs"] and not out["cost"]["differs"]
    assert "cost" not in diff_answers(_answer(), _answer(cost_usd=None))  # unpriced: not judged
    zero = diff_answers(_answer(), _answer(usage={"completion_tokens": 0}))["usage"]
    assert zero["differs"] and zero["kind"] == "missing"


def test_answers_are_not_changed() -> None:
    a, b = _answer(), _answer(json_output={"x": [1]}, tool_calls=[{"name": "get_weather",
                                                                   "arguments": '{"a": 1}'}])
    before = (json.dumps(a.to_dict()), json.dumps(b.to_dict()))
    diff_answers(a, b)
    assert (json.dumps(a.to_dict()), json.dumps(b.to_dict())) == before


def test_a_none_log_keeps_kinds_and_paths_not_values(tmp_path: Path) -> None:
    p, c = _answer(), _answer(tool_calls=[{"name": "get_weather",
                                           "arguments": {"city": "Secretville", "unit": "c"}}])
    diffs = {"candidate": diff_answers(p, c), "secondary": None}
    arm = Arm("p/m", "openai-chat", "chat", "openai", p)
    rec = PairRecord("p1", "t", "proxy", "chat", False, {"messages": []}, request_hash({}),
                     {"primary": arm, "candidate": replace(arm, answer=c), "secondary": None},
                     diffs=diffs)
    with PairLog(tmp_path, content="none") as log:
        log.write(rec)
    assert "Secretville" not in (tmp_path / "pairs.jsonl").read_text()
    (back,) = read_pairs(tmp_path)
    path = back["diffs"]["candidate"]["tool_args"]["paths"][0]
    assert path == {"path": "get_weather#0.city", "kind": "value", "primary": "str",
                    "other": "str"}
