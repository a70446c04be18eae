"""audit.pipeline on made-up cassettes: what each kind of interaction is checked for, and that
broken answers fail (a contract check that never fails proves nothing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.audit import AuditOptions, Prices, audit_paths
from harness.core.models import ModelInfo, Price, Provider
from harness.providers.catalogue import Catalogue
from tests.audit.support import OPENAI, REQ, TOOL, cassette, chat_body


def audit_one(path: Path, options: AuditOptions | None = None) -> dict[str, Any]:
    (row,) = audit_paths([path], options or AuditOptions()).rows
    return row


def failed(row: dict[str, Any]) -> dict[str, str]:
    return {f["check"]: f["title"] for f in row["failures"]}


def test_a_good_answer_passes_and_the_row_says_how_it_was_judged(tmp_path: Path) -> None:
    row = audit_one(cassette(tmp_path, REQ, chat_body(), extras={"latency_ms": 412.5}))
    assert row["passed"], row["failures"]
    assert row["checks"] == ["status", "body_schema", "usage", "finish_reason"]
    assert (row["suite"], row["case"], row["mode"]) == ("suite", "c#0", "audit")
    assert (row["target"], row["dialect"], row["endpoint"]) == (
        "mistral/mistral-medium-3.5", "mistral", "chat"
    )
    assert row["request_sent"] == REQ
    assert row["latency_ms"] == row["recorded_latency_ms"] == 412.5
    assert row["cost_usd"] is None  # no price given (the packaged catalogue is not consulted)
    assert row["reproduce"].startswith("curl")


def test_cost_from_the_catalogue(tmp_path: Path) -> None:
    provider = Provider(
        name="mistral",
        base_url="https://api.mistral.ai/v1",
        dialect="mistral",
        models={"mistral-medium-3.5": ModelInfo("mistral-medium-3.5", Price(1.5, 7.5))},
    )
    options = AuditOptions(prices=Prices(catalogue=Catalogue({"mistral": provider})))
    row = audit_one(cassette(tmp_path, REQ, chat_body()), options)
    assert row["cost_usd"] == pytest.approx(10 * 1.5e-6 + 5 * 7.5e-6)


@pytest.mark.parametrize(
    ("body", "check", "title"),
    [
        (chat_body(usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 99}),
         "usage", "usage total_tokens 99 != prompt 10 + completion 5"),
        (chat_body(finish="weird"), "finish_reason", "finish_reason 'weird'"),
        ({**chat_body(), "choices": []}, "body_schema", "body does not match"),
    ],
)
def test_broken_success_bodies_fail(tmp_path: Path, body: Any, check: str, title: str) -> None:
    row = audit_one(cassette(tmp_path, REQ, body))
    assert not row["passed"]
    assert failed(row)[check].startswith(title)


def test_tool_calls_are_judged_against_the_recorded_tools(tmp_path: Path) -> None:
    req = {**REQ, "tools": [TOOL]}
    good = [{"id": "abcdefghi", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
             "index": 0}]
    row = audit_one(cassette(tmp_path, req, chat_body("", "tool_calls", good)))
    assert row["passed"] and "tool_call" in row["checks"]
    bad_args = [{**good[0], "function": {"name": "get_weather", "arguments": '{"town": 1}'}}]
    row = audit_one(cassette(tmp_path, req, chat_body("", "tool_calls", bad_args)))
    assert "arguments break the tool schema" in failed(row)["tool_call"]
    undeclared = [{**good[0], "function": {"name": "rm_rf", "arguments": "{}"}}]
    row = audit_one(cassette(tmp_path, req, chat_body("", "tool_calls", undeclared)))
    assert "undeclared tool 'rm_rf'" in failed(row)["tool_call"]


def test_json_output_is_judged_against_the_recorded_response_format(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    req = {**REQ, "response_format": {"type": "json_schema",
                                      "json_schema": {"name": "x", "schema": schema}}}
    assert audit_one(cassette(tmp_path, req, chat_body('{"n": 3}')))["passed"]
    row = audit_one(cassette(tmp_path, req, chat_body('{"n": "three"}')))
    assert "does not match" in failed(row)["json_output"]
    row = audit_one(cassette(tmp_path, req, chat_body("```json\n{}\n```")))
    assert "Markdown fence" in failed(row)["json_output"]


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: Any = None) -> str:
    chunk: dict[str, Any] = {
        "id": "0123456789abcdef0123456789abcdef",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "mistral-medium-3.5",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage:
        chunk["usage"] = usage
    return "data: " + json.dumps(chunk) + "\n\n"


SSE = {"content-type": "text/event-stream"}
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def test_streams(tmp_path: Path) -> None:
    req = {**REQ, "stream": True}
    good = (_chunk({"role": "assistant", "content": ""}) + _chunk({"content": "Hi"})
            + _chunk({"content": "!"}, "stop", USAGE) + "data: [DONE]\n\n")
    row = audit_one(cassette(tmp_path, req, good, headers=SSE))
    assert row["passed"], row["failures"]
    assert row["checks"] == ["status", "stream", "usage", "finish_reason"]
    assert row["stream"] is True and row["stream_events"] == 4
    cut = good.replace("data: [DONE]\n\n", "")
    row = audit_one(cassette(tmp_path, req, cut, headers=SSE))
    assert row["error_class"] == "stream_cut" and "stream" in failed(row)
    no_usage = good.replace(', "usage": ' + json.dumps(USAGE), "")
    row = audit_one(cassette(tmp_path, req, no_usage, headers=SSE))
    assert failed(row)["stream"].startswith("no usage in the last chunk")  # Mistral sends it
    twice = _chunk({"content": "a"}, "stop") + _chunk({}, "stop", USAGE) + "data: [DONE]\n\n"
    row = audit_one(cassette(tmp_path, req, twice, headers=SSE))
    assert "2 finish reasons" in failed(row)["stream"]


def test_openai_chat_stream_needs_usage_only_when_asked(tmp_path: Path) -> None:
    req = {"model": "gpt-x", "messages": [], "stream": True}
    body = _chunk({"content": "Hi"}, "stop") + "data: [DONE]\n\n"
    row = audit_one(cassette(tmp_path, req, body, uri=OPENAI, headers=SSE))
    assert row["passed"], row["failures"]
    assert "usage" not in row["checks"]


def test_errors(tmp_path: Path) -> None:
    row = audit_one(cassette(tmp_path, REQ, '{"detail":"Unauthorized"}', status=401))
    assert row["passed"] and row["checks"] == ["error_envelope"]
    assert (row["error_class"], row["error_variant"]) == ("auth", "mistral.detail_string")
    html = "<html><head><title>502 Bad Gateway</title></head></html>"
    row = audit_one(cassette(tmp_path, REQ, html, status=502, uri=OPENAI,
                             headers={"content-type": "text/html"}))
    assert not row["passed"]
    assert "HTML page" in failed(row)["error_envelope"]
    assert (row["error_class"], row["error_variant"]) == ("server", "html")


def test_model_list_is_validated_against_the_spec(tmp_path: Path) -> None:
    good = {"object": "list", "data": [{"id": "mistral-small-latest", "object": "model",
                                        "created": 1, "owned_by": "mistralai",
                                        "capabilities": {}, "type": "base"}]}
    uri = "https://api.mistral.ai/v1/models"
    row = audit_one(cassette(tmp_path, None, good, uri=uri))
    assert row["passed"], row["failures"]
    assert row["error_class"] is None and row["endpoint"] == "models"
    row = audit_one(cassette(tmp_path, None, {"object": "list", "data": "nope"}, uri=uri))
    assert "mistral#ModelList" in failed(row)["body_schema"]


def test_openapi_option_adds_the_official_spec(tmp_path: Path) -> None:
    row = audit_one(cassette(tmp_path, REQ, chat_body()), AuditOptions(openapi=True))
    assert row["passed"], row["failures"]
    assert row["checks"] == ["status", "body_schema", "body_schema", "usage", "finish_reason"]
    # Anthropic's spec is not shipped: without it the check is left out, not failed
    options = AuditOptions(openapi=True, specs_available=frozenset({"mistral", "openai"}))
    msg = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
           "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
           "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
    row = audit_one(cassette(tmp_path, {"model": "claude-x", "max_tokens": 9, "messages": []}, msg,
                             uri="https://api.anthropic.com/v1/messages"), options)
    assert row["passed"] and row["checks"].count("body_schema") == 1


def test_folder_walk_skips_files_that_are_not_cassettes(tmp_path: Path) -> None:
    path = cassette(tmp_path, REQ, chat_body())
    (path.parent / "suite_file.yaml").write_text("suite: x\ncases: []\n", encoding="utf-8")
    result = audit_paths([tmp_path], AuditOptions())
    assert len(result.rows) == 1
    assert len(result.skipped) == 1 and "not a vcrpy cassette" in result.skipped[0]


def test_a_stream_cut_while_recording_fails(tmp_path: Path) -> None:
    req = {**REQ, "stream": True}
    body = _chunk({"content": "Hi"})
    path = cassette(tmp_path, req, body, headers=SSE,
                    extras={"latency_ms": 80.0, "chunks": [[0.05, len(body)]],
                            "error": {"class": "stream_cut", "message": "connection reset"}})
    row = audit_one(path)
    assert not row["passed"] and row["error_class"] == "stream_cut"
    assert row["ttft_ms"] == 50.0  # the recorded chunk offset


def test_a_host_the_catalogue_knows_keeps_its_provider_name(tmp_path: Path) -> None:
    gateway = Provider(
        name="gateway",
        base_url="https://llm.internal.example/v1",
        dialect="openai",
        endpoints={"chat": "/chat/completions", "messages": "/messages"},
        models={"m-1": ModelInfo("m-1", Price(1.0, 2.0))},
    )
    options = AuditOptions(prices=Prices(catalogue=Catalogue({"gateway": gateway})))
    body = {**chat_body(), "model": "m-1"}
    row = audit_one(cassette(tmp_path, {"model": "m-1", "messages": []}, body,
                             uri="https://llm.internal.example/v1/chat/completions"), options)
    assert (row["target"], row["dialect"]) == ("gateway/m-1", "openai")
    assert row["cost_usd"] == pytest.approx(10 * 1e-6 + 5 * 2e-6)
    row = audit_one(cassette(tmp_path, {"model": "m-1", "messages": []}, body,
                             uri="https://other.example/v1/chat/completions"), options)
    assert row["target"] == "other.example/m-1" and row["cost_usd"] is None
