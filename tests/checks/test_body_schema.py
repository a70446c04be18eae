"""`body_schema`: the packaged schemas accept every real success body and reject broken ones."""

from __future__ import annotations

import copy
import json

import pytest

from harness.checks import validate_check_args
from harness.checks.body_schema import packaged_schema, packaged_schema_name
from harness.core.errors import UsageError
from tests.realworld import interaction, iter_interactions, requires_realworld, success_chat_bodies

pytestmark = [pytest.mark.realworld, requires_realworld]

CHAT = (
    success_chat_bodies("mistral")
    + success_chat_bodies("openai")
    + success_chat_bodies("openrouter")
)
OTHER = [
    i
    for i in iter_interactions(include_stream=False)
    if i.status == 200 and i.endpoint in ("responses", "messages")
]
MISTRAL_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-mistral].yaml"
MISTRAL_THINK = "pydantic-ai/test_thinking_wire_contract/test_reasoning_wire_contract[mistral-small-thinking-high].yaml"
OPENAI_TOOL = "pydantic-ai/test_tool_choice_matrix/test_tool_choice_matrix[required-openai].yaml"


def _id(inter) -> str:  # type: ignore[no-untyped-def]
    return f"{inter.file}#{inter.index}"


def test_coverage() -> None:
    # 20 Mistral (incl. 2 raw llm-mistral bodies), 8 OpenAI, 2 OpenRouter chat bodies
    assert (
        len(success_chat_bodies("mistral")),
        len(success_chat_bodies("openai")),
        len(success_chat_bodies("openrouter")),
    ) == (20, 8, 2)
    assert len(OTHER) == 10  # 4 Responses + 6 Anthropic Messages


@pytest.mark.parametrize("inter", CHAT + OTHER, ids=_id)
def test_every_real_success_body_passes_its_packaged_schema(inter, ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(inter.file, inter.index)
    assert run("body_schema", ctx, ex, None) is None


def test_schema_names() -> None:
    assert packaged_schema_name("chat", "mistral") == "chat_completion.mistral.json"
    assert packaged_schema_name("chat", "openai") == "chat_completion.openai.json"
    assert packaged_schema_name("chat", "anthropic") == "chat_completion.openai.json"
    assert packaged_schema_name("responses", "openai") == "response.openai.json"
    assert packaged_schema_name("messages", "anthropic") == "message.anthropic.json"
    assert packaged_schema("chat_completion.mistral.json")["$schema"].endswith("2020-12/schema")


def _mutated(file: str, index: int, mutate, dialect=None):  # type: ignore[no-untyped-def]
    inter = interaction(file, index)
    body = copy.deepcopy(inter.response)
    mutate(body)
    return body, (dialect or {"openrouter": "openai"}.get(inter.dialect, inter.dialect))


BREAKAGES = [
    (
        "missing choices",
        MISTRAL_TOOL,
        lambda b: b.pop("choices"),
        "$: 'choices' is a required property",
    ),
    (
        "content is a number",
        MISTRAL_TOOL,
        lambda b: b["choices"][0]["message"].__setitem__("content", 5),
        "$.choices[0].message.content",
    ),
    (
        "unknown finish_reason",
        MISTRAL_TOOL,
        lambda b: b["choices"][0].__setitem__("finish_reason", "done"),
        "$.choices[0].finish_reason",
    ),
    (
        "string token count",
        MISTRAL_TOOL,
        lambda b: b["usage"].__setitem__("prompt_tokens", "70"),
        "$.usage.prompt_tokens",
    ),
    (
        "usage missing (required by Mistral)",
        MISTRAL_TOOL,
        lambda b: b.pop("usage"),
        "'usage' is a required",
    ),
    (
        "tool call without id",
        MISTRAL_TOOL,
        lambda b: b["choices"][0]["message"]["tool_calls"][0].pop("id"),
        "'id' is a required property",
    ),
    (
        "thinking part without thinking",
        MISTRAL_THINK,
        lambda b: b["choices"][0]["message"]["content"][0].pop("thinking"),
        "'thinking' is a required",
    ),
    (
        "text part without text",
        MISTRAL_THINK,
        lambda b: b["choices"][0]["message"]["content"][1].pop("text"),
        "'text' is a required",
    ),
    (
        "wrong object",
        OPENAI_TOOL,
        lambda b: b.__setitem__("object", "chat.completion.chunk"),
        "$.object",
    ),
    (
        "openai arguments as object",
        OPENAI_TOOL,
        lambda b: b["choices"][0]["message"]["tool_calls"][0]["function"].__setitem__(
            "arguments", {"a": 1}
        ),
        "arguments",
    ),
    (
        "negative count",
        OPENAI_TOOL,
        lambda b: b["usage"].__setitem__("total_tokens", -1),
        "$.usage.total_tokens",
    ),
]


@pytest.mark.parametrize(
    ("label", "file", "mutate", "needle"), BREAKAGES, ids=[b[0] for b in BREAKAGES]
)
def test_broken_bodies_fail(label, file, mutate, needle, make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    body, dialect = _mutated(file, 0, mutate)
    ctx, ex = make_ctx(body, dialect=dialect)
    failure = run("body_schema", ctx, ex, None)
    assert failure is not None, label
    assert failure.title.startswith(f"body does not match chat_completion.{dialect}: ")
    assert any(needle in line for line in failure.received), failure.received


def test_dialects_differ(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    # a Mistral tool call has no "type" and reasoning content is a list: not OpenAI's shape
    for file in (MISTRAL_TOOL, MISTRAL_THINK):
        ctx, ex = ctx_from(file, dialect="openai")
        failure = run("body_schema", ctx, ex, None)
        assert failure is not None and "chat_completion.openai" in failure.title
    # OpenAI's tool call carries type + id, so it also fits the Mistral schema
    ctx, ex = ctx_from(OPENAI_TOOL, dialect="mistral")
    assert run("body_schema", ctx, ex, None) is None


def test_many_errors_are_counted(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx({"object": 1, "choices": "x"}, dialect="mistral")
    failure = run("body_schema", ctx, ex, None)
    assert "more)" in failure.title
    assert len(failure.received) == 5


def test_inline_and_file_schemas(ctx_from, run, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from(MISTRAL_TOOL)
    schema = {
        "type": "object",
        "required": ["id", "choices"],
        "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"}},
    }
    assert run("body_schema", ctx, ex, {"schema": schema}) is None
    failure = run("body_schema", ctx, ex, {"schema": {"required": ["data"]}})
    assert failure.title == "body does not match the given schema: $: 'data' is a required property"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.json").write_text(json.dumps({"properties": {"id": {"pattern": "^chatcmpl-"}}}))
    failure = run("body_schema", ctx, ex, {"file": "s.json"})
    assert failure.title.startswith("body does not match file s.json: $.id: ")
    (tmp_path / "s.yaml").write_text("required: [id]\n")
    assert run("body_schema", ctx, ex, {"file": "s.yaml"}) is None


def test_error_status_with_packaged_schema(ctx_from, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = ctx_from("mirascope/test_authentication_error/openai_gpt_4o_completions.yaml")
    failure = run("body_schema", ctx, ex, None)
    assert failure.title == "no success body: HTTP 401 auth error"
    # a user schema may describe the error envelope itself
    envelope = {
        "required": ["error"],
        "properties": {"error": {"required": ["message", "type", "code"]}},
    }
    assert run("body_schema", ctx, ex, {"schema": envelope}) is None


def test_non_json_body(make_ctx, run) -> None:  # type: ignore[no-untyped-def]
    ctx, ex = make_ctx(status=200, body="data: {}\n\n")
    assert run("body_schema", ctx, ex, None).title == "body is not JSON (HTTP 200)"


@pytest.mark.parametrize(
    "bad",
    [
        "x",
        3,
        {"schema": {"type": "nope"}},
        {"schema": 5},
        {"schema": {}, "file": "a.json"},
        {},
        {"file": "definitely-missing.json"},
        {"scheme": {}},
    ],
)
def test_bad_args(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="body_schema"):
        validate_check_args("body_schema", bad)


def test_good_args() -> None:
    validate_check_args("body_schema", None)
    validate_check_args("body_schema", {"schema": {"type": "object"}})
