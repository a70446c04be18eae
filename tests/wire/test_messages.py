"""endpoint: messages - canonical request -> Anthropic /v1/messages body, vs real requests."""

from __future__ import annotations

import copy
import json

import pytest

from harness.core.models import Case, Job, ModelInfo, Provider, Target
from harness.wire.dialects import curl_command, prepare, translate_request
from tests.realworld import CASSETTES, interaction, requires_realworld

SECRET = "sk-ant-test-SECRET-messages-123"
PARIS = "What's the weather in Paris?"


def _body(request: dict, model: str = "m1", dialect: str = "openai") -> dict:
    body, _notes = translate_request(request, "messages", dialect, model)
    return body


def _real(file: str, index: int = 0) -> dict:
    if not (CASSETTES / file).exists():
        pytest.skip(f"recording absent: {file}")
    return interaction(file, index).request  # type: ignore[no-any-return]


def _tool(real_tool: dict) -> dict:
    """The canonical (OpenAI chat) spelling of a recorded Anthropic tool."""
    fn = {"name": real_tool["name"], "parameters": real_tool["input_schema"]}
    if "description" in real_tool:
        fn["description"] = real_tool["description"]
    return {"type": "function", "function": fn}


def _job(request: dict, dialect: str = "openai") -> Job:
    provider = Provider(
        name="gw",
        base_url="http://127.0.0.1:1/v1",
        dialect=dialect,
        api_key_env="GW_KEY",
        endpoints={"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"},
        models={"m1": ModelInfo(id="m1")},
    )
    request = {"endpoint": "messages", **request}
    case = Case(suite="s", id="c", request=request)
    return Job(case=case, target=Target(provider, provider.models["m1"]), request=request)


# -- compared with real recorded requests --------------------------------------------------------


@requires_realworld
def test_forced_tool_call_matches_the_recorded_request() -> None:
    real = _real("pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-anthropic].yaml")
    body = _body(
        {
            "messages": [{"role": "user", "content": [{"type": "text", "text": PARIS}]}],
            "tools": [_tool(t) for t in real["tools"]],
            "tool_choice": "required",
            "max_tokens": real["max_tokens"],
            "stream": False,
        },
        model=real["model"],
    )
    assert body == real  # every key, every value


@requires_realworld
def test_tool_loop_history_matches_the_recorded_tool_use_and_tool_result() -> None:
    real = _real("pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[auto-anthropic].yaml", 1)
    (use,) = real["messages"][1]["content"]
    (result,) = real["messages"][2]["content"]
    body = _body(
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": PARIS}]},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": use["id"],
                            "type": "function",
                            "function": {"name": use["name"], "arguments": json.dumps(use["input"])},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": use["id"], "content": result["content"]},
            ],
            "tools": [_tool(t) for t in real["tools"]],
            "tool_choice": "auto",
            "max_tokens": 4096,
            "stream": False,
        },
        model=real["model"],
    )
    expected = copy.deepcopy(real)
    del expected["messages"][2]["content"][0]["is_error"]  # optional, false by default
    assert body == expected


@requires_realworld
def test_json_schema_becomes_output_config_like_the_recorded_request() -> None:
    real = _real("chatlas/test_provider_anthropic/test_data_extraction.yaml")
    schema = real["output_config"]["format"]["schema"]
    body = _body(
        {
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "ArticleSummary", "schema": schema, "strict": True},
            },
        }
    )
    assert body["output_config"] == real["output_config"]
    assert "response_format" not in body


# -- each canonical feature ----------------------------------------------------------------------


def test_every_system_message_goes_top_level() -> None:
    body = _body(
        {
            "system": "Be brief.",
            "messages": [
                {"role": "system", "content": "No emoji."},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
                {"role": "developer", "content": [{"type": "text", "text": "Late rule."}]},
                {"role": "user", "content": "again"},
            ],
            "max_tokens": 10,
        }
    )
    assert body["system"] == "Be brief.\n\nNo emoji.\n\nLate rule."
    assert body["messages"] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "again"},
    ]


def test_max_tokens_is_required_so_a_default_is_sent_and_noted() -> None:
    body, notes = translate_request({"messages": []}, "messages", "openai", "m1")
    assert body["max_tokens"] == 1024
    assert notes == ["max_tokens: not in the case, sent 1024 (required by messages)"]
    assert _body({"messages": [], "max_completion_tokens": 7})["max_tokens"] == 7


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("any", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"type": "function", "function": {"name": "f"}}, {"type": "tool", "name": "f"}),
    ],
)
def test_tool_choice(choice: object, sent: object) -> None:
    assert _body({"messages": [], "tool_choice": choice})["tool_choice"] == sent


def test_parallel_tool_calls_false_disables_parallel_tool_use() -> None:
    body = _body({"messages": [], "tool_choice": "required", "parallel_tool_calls": False})
    assert body["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    body = _body({"messages": [], "parallel_tool_calls": False})
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    assert "parallel_tool_calls" not in _body({"messages": [], "parallel_tool_calls": True})


def test_tools_stop_user_and_sampling() -> None:
    body = _body(
        {
            "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "stop": "END",
            "user": "u-1",
            "temperature": 0.5,
            "top_p": 0.9,
            "stream": True,
            "max_tokens": 64,
        }
    )
    assert body == {
        "model": "m1",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "x"}],
        "temperature": 0.5,
        "top_p": 0.9,
        "stream": True,
        "tools": [{"name": "f", "input_schema": {"type": "object", "properties": {}}}],
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-1"},
    }
    assert _body({"messages": [], "stop": ["a", "b"]})["stop_sequences"] == ["a", "b"]


def test_parallel_tool_results_share_one_user_message_and_a_following_user_turn_joins_it() -> None:
    calls = [
        {"id": f"toolu_{i}", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        for i in (1, 2)
    ]
    body = _body(
        {
            "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": "calling", "tool_calls": calls},
                {"role": "tool", "tool_call_id": "toolu_1", "content": "a"},
                {"role": "tool", "tool_call_id": "toolu_2", "content": [{"type": "text", "text": "b"}]},
                {"role": "user", "content": "and now?"},
            ]
        }
    )
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "calling"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
            {"type": "tool_use", "id": "toolu_2", "name": "f", "input": {}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "b"},
            {"type": "text", "text": "and now?"},
        ],
    }
    assert len(body["messages"]) == 3


def test_fields_without_an_equivalent_are_dropped_and_noted() -> None:
    request = {
        "messages": [{"role": "user", "content": "x"}],
        "max_tokens": 5,
        "seed": 1,
        "n": 1,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "logprobs": False,
        "stream_options": {"include_usage": True},
        "reasoning_effort": "high",
        "metadata": {"k": "v"},
        "response_format": {"type": "json_object"},
    }
    body, notes = translate_request(request, "messages", "mistral", "m1")
    assert body == {"model": "m1", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    assert [n.split(":")[0] for n in notes] == [
        "seed", "n", "presence_penalty", "frequency_penalty", "logprobs", "stream_options",
        "reasoning_effort", "metadata", "response_format json_object",
    ]


def test_prepare_sends_x_api_key_and_anthropic_version_and_no_authorization() -> None:
    prepared = prepare(_job({"messages": [{"role": "user", "content": "x"}], "max_tokens": 8}), SECRET)
    assert prepared.url == "http://127.0.0.1:1/v1/messages"
    assert prepared.headers["x-api-key"] == SECRET
    assert prepared.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in prepared.headers
    assert prepared.masked_headers["x-api-key"] == "***"
    line = curl_command("POST", prepared.url, prepared.masked_headers, prepared.sent, "GW_KEY")
    assert SECRET not in line and "x-api-key: $GW_KEY" in line
    assert "anthropic-version: 2023-06-01" in line


@pytest.mark.parametrize(("auth", "key"), [("none", None), ("invalid", "invalid-harness-key-00000000")])
def test_auth_modes_keep_the_version_header(auth: str, key: str | None) -> None:
    prepared = prepare(_job({"messages": [{"role": "user", "content": "x"}], "auth": auth}), SECRET)
    assert prepared.headers.get("x-api-key") == key
    assert prepared.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in prepared.headers


def test_a_raw_messages_case_gets_the_anthropic_headers_too() -> None:
    job = _job({"body": {"model": "{{model}}", "max_tokens": 1, "messages": []}})
    job.case.raw = True
    prepared = prepare(job, SECRET)
    assert prepared.sent == {"model": "m1", "max_tokens": 1, "messages": []}
    assert prepared.headers["x-api-key"] == SECRET and "authorization" not in prepared.headers
