"""Stream assemblers: every real recorded SSE body, and the broken streams we must classify."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.wire.normalize import normalize
from harness.wire.streams import (
    ASSEMBLED_MARKER,
    StreamReader,
    assemble,
    classify_stream,
    looks_html,
    wants_stream,
)
from tests.realworld import (
    REALWORLD,
    Interaction,
    interaction,
    iter_interactions,
    requires_realworld,
)


def _streams() -> list[Interaction]:
    if not REALWORLD.exists():
        return []
    return [i for i in iter_interactions() if i.stream]


STREAMS = _streams()


def sse(*events: Any, done: bool = True) -> bytes:
    """data lines (dicts are JSON-encoded; (name, dict) tuples get an event: line)."""
    out = []
    for ev in events:
        if isinstance(ev, tuple):
            name, data = ev
            out.append(f"event: {name}\ndata: {json.dumps(data)}\n\n")
        else:
            out.append(f"data: {ev if isinstance(ev, str) else json.dumps(ev)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


# -- every real recorded stream ----------------------------------------------------------------


@requires_realworld
def test_the_realworld_folder_has_all_three_stream_formats() -> None:
    kinds = {(i.endpoint, i.dialect) for i in STREAMS}
    assert {("chat", "mistral"), ("chat", "openai"), ("chat", "openrouter")} <= kinds
    assert {("responses", "openai"), ("messages", "anthropic")} <= kinds
    assert len(STREAMS) >= 40


@requires_realworld
@pytest.mark.parametrize("inter", STREAMS, ids=lambda i: f"{i.file}#{i.index}")
def test_every_real_stream_assembles_to_a_normalisable_body(inter: Interaction) -> None:
    assert inter.endpoint is not None
    result = assemble(inter.endpoint, inter.response)
    body = result.body
    assert body is not None and body[ASSEMBLED_MARKER] is True
    norm = normalize(inter.endpoint, inter.dialect or "openai", body)
    assert norm is not None
    stats = result.stats
    assert stats.terminator in ("[DONE]", "message_stop", "response.completed")
    assert stats.malformed == 0 and stats.junk_lines == 0 and stats.html is None
    assert norm.finish_reason in ("stop", "tool_calls", "length")
    assert norm.usage is not None
    assert isinstance(norm.usage.prompt_tokens, int) and isinstance(
        norm.usage.completion_tokens, int
    )
    assert stats.usage_in_final
    for call in norm.tool_calls:
        assert call.name and call.id
        json.loads(call.arguments)  # every streamed argument string is complete JSON
    if inter.dialect == "openrouter":
        assert classify_stream(stats) is not None  # the in-stream error
        return
    assert classify_stream(stats) is None
    assert stats.content_events >= 1
    assert norm.content or norm.tool_calls
    if norm.tool_calls:
        assert norm.finish_reason == "tool_calls"
    # the same events whatever the network chunking
    reader = StreamReader(inter.endpoint)
    raw = inter.body_bytes
    for i in range(0, len(raw), 5):
        reader.feed(raw[i : i + 5])
    again = reader.close()
    assert again.body == body
    assert again.stats.content_events == stats.content_events


@requires_realworld
def test_mistral_thinking_parts_are_not_content() -> None:
    inter = interaction("pydantic-ai/test_mistral/test_mistral_model_thinking_part_iter.yaml")
    result = assemble("chat", inter.response)
    assert result.body is not None
    message = result.body["choices"][0]["message"]
    assert message["content"].startswith("To cross the street safely")
    assert "Okay, the" in message["reasoning"]
    assert "thinking" not in message["content"]
    norm = normalize("chat", "mistral", result.body)
    assert norm is not None and norm.usage is not None
    assert (norm.usage.prompt_tokens, norm.usage.completion_tokens) == (10, 232)
    # thinking deltas are not tokens: the first content event comes after them
    assert result.stats.first_content_index is not None
    assert result.stats.first_content_index > 40


@requires_realworld
def test_openai_parallel_tool_calls_accumulate_by_index() -> None:
    inter = interaction(
        "chatlas/test_provider_openai_completions/test_openai_tool_variations.yaml", 6
    )
    result = assemble("chat", inter.response)
    assert result.body is not None
    calls = result.body["choices"][0]["message"]["tool_calls"]
    assert [c["index"] for c in calls] == [0, 1]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"_person": "Joe"},
        {"_person": "Hadley"},
    ]
    assert [c["id"] for c in calls] == [
        "call_98GjiRZzhD3LdrZzwPytyxXn",
        "call_5WZKivD57kk8ma5asggAK8vS",
    ]
    stats = result.stats
    assert stats.finish_reasons == {0: ["tool_calls"]}
    assert stats.usage_in_final and stats.usage_events == 1  # the extra `choices: []` chunk
    assert result.body["usage"]["total_tokens"] == 213


@requires_realworld
def test_mistral_whole_tool_call_in_one_delta_without_index() -> None:
    inter = interaction(
        "openinference/test_instrumentor/test_synchronous_streaming_chat_completions_with_tool_"
        "call_response_emits_expected_spans[False].yaml"
    )
    result = assemble("chat", inter.response)
    norm = normalize("chat", "mistral", result.body)
    assert norm is not None and norm.usage is not None
    assert [(c.name, json.loads(c.arguments), c.id) for c in norm.tool_calls] == [
        ("get_weather", {"city": "San Francisco"}, "EscTeQY62")
    ]
    assert norm.finish_reason == "tool_calls"
    assert norm.usage.total_tokens == 119


@requires_realworld
def test_responses_function_call_arguments() -> None:
    inter = interaction("chatlas/test_provider_openai/test_openai_tool_variations_async.yaml", 0)
    result = assemble("responses", inter.response)
    norm = normalize("responses", "openai", result.body)
    assert norm is not None and norm.usage is not None
    assert [(c.name, c.arguments, c.id) for c in norm.tool_calls] == [
        ("get_current_date", "{}", "call_9mDDuKdiQUBDGF75P2cnGpZT")
    ]
    assert norm.finish_reason == "tool_calls"
    assert (norm.usage.prompt_tokens, norm.usage.completion_tokens, norm.usage.total_tokens) == (
        58,
        15,
        73,
    )
    assert result.stats.terminator == "response.completed"
    assert result.stats.finish_reasons == {0: ["completed"]}


@requires_realworld
def test_anthropic_input_json_delta_and_cumulative_usage() -> None:
    inter = interaction("chatlas/test_provider_anthropic/test_anthropic_tool_variations.yaml", 6)
    result = assemble("messages", inter.response)
    assert result.body is not None
    blocks = result.body["content"]
    assert [b["type"] for b in blocks] == ["text", "tool_use"]
    assert blocks[1]["input"] == {"weather": "rainy"}
    norm = normalize("messages", "anthropic", result.body)
    assert norm is not None and norm.usage is not None
    assert norm.content == "Now let me get the equipment recommendations for rainy weather:"
    assert [(c.name, json.loads(c.arguments)) for c in norm.tool_calls] == [
        ("equipment", {"weather": "rainy"})
    ]
    assert norm.finish_reason == "tool_calls"
    assert (norm.usage.prompt_tokens, norm.usage.completion_tokens) == (751, 65)  # message_delta's
    assert result.stats.terminator == "message_stop"


@requires_realworld
def test_openrouter_error_inside_a_200_stream() -> None:
    inter = interaction("pydantic-ai/test_openrouter/test_openrouter_stream_error.yaml")
    result = assemble("chat", inter.response)
    stats = result.stats
    assert stats.comments == 17  # `: OPENROUTER PROCESSING`
    assert stats.terminator == "[DONE]"
    assert stats.errors == [
        {"message": "Token limit reached", "code": 400, "type": None, "event": None}
    ]
    problem = classify_stream(stats)
    assert problem is not None
    assert problem[0] == "stream_error"
    assert "Token limit reached" in problem[1] and "400" in problem[1]
    assert stats.finish_reasons == {0: ["length", "length"]}  # two chunks said "length"
    assert stats.content_events == 0  # only reasoning arrived


# -- synthetic: broken streams -----------------------------------------------------------------


def test_chat_stream_without_done_is_cut() -> None:
    body = sse(chunk({"role": "assistant", "content": "Hel"}), chunk({"content": "lo"}), done=False)
    result = assemble("chat", body)
    assert result.body is not None
    assert result.body["choices"][0]["message"]["content"] == "Hello"
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_cut"
    assert "2 event(s)" in problem[1] and "data: [DONE]" in problem[1]


def test_truncated_last_event_is_a_cut_not_malformed() -> None:
    body = sse(chunk({"content": "Hi"}), done=False) + b'data: {"id":"c1","choi'
    result = assemble("chat", body)
    assert result.stats.malformed == 0 and result.stats.truncated_tail
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_cut" and "inside an event" in problem[1]


def test_empty_stream_is_cut_before_any_event() -> None:
    result = assemble("chat", b"")
    assert result.body is None
    problem = classify_stream(result.stats)
    assert problem == (
        "stream_cut",
        "the stream ended before any event (expected events, then data: [DONE])",
    )


def test_non_json_event_is_malformed() -> None:
    body = sse(chunk({"content": "a"}), "this is not json", chunk({"content": "b"}, "stop"))
    result = assemble("chat", body)
    assert result.stats.malformed == 1 and result.stats.first_malformed == "this is not json"
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_malformed"
    assert "'this is not json'" in problem[1]
    assert result.body is not None and result.body["choices"][0]["message"]["content"] == "ab"


def test_json_that_is_not_an_object_is_malformed() -> None:
    result = assemble("chat", sse(chunk({"content": "a"}, "stop"), '"just a string"'))
    assert result.stats.malformed == 1


def test_html_page_mid_stream() -> None:
    page = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>\r\n"
    result = assemble("chat", sse(chunk({"content": "a"}), done=False) + page)
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "html_error"
    assert "<html>" in problem[1]


def test_html_inside_a_data_line() -> None:
    result = assemble("chat", sse(chunk({"content": "a"}), "<!DOCTYPE html><html>oops</html>"))
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "html_error"


def test_non_sse_text_lines_are_malformed() -> None:
    result = assemble("chat", sse(chunk({"content": "a"}, "stop")) + b"garbage line\n")
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_malformed"
    assert "not SSE" in problem[1] and "garbage line" in problem[1]


def test_anthropic_error_event() -> None:
    body = sse(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "usage": {"input_tokens": 5},
                },
            },
        ),
        (
            "error",
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        ),
        done=False,
    )
    result = assemble("messages", body)
    problem = classify_stream(result.stats)
    assert problem is not None
    assert problem[0] == "stream_error"
    assert "overloaded_error" in problem[1] and "Overloaded" in problem[1]


def test_responses_failed_and_error_events() -> None:
    failed = {
        "type": "response.failed",
        "response": {
            "id": "resp_1",
            "object": "response",
            "status": "failed",
            "error": {"code": "server_error", "message": "The model failed"},
            "output": [],
            "usage": None,
        },
    }
    result = assemble("responses", sse(("response.failed", failed), done=False))
    assert result.stats.terminator == "response.failed"
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_error" and "The model failed" in problem[1]
    norm = normalize("responses", "openai", result.body)
    assert norm is not None and norm.finish_reason == "error"

    err = {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down", "param": None}
    result = assemble("responses", sse(("error", err), done=False))
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_error"
    assert "rate_limit_exceeded" in problem[1] and "Slow down" in problem[1]


def test_responses_cut_before_completed_keeps_the_partial_output() -> None:
    created = {
        "type": "response.created",
        "response": {"id": "resp_1", "object": "response", "status": "in_progress", "output": []},
    }
    delta = {
        "type": "response.output_text.delta",
        "output_index": 0,
        "content_index": 0,
        "item_id": "msg_1",
        "delta": "Hel",
    }
    result = assemble(
        "responses",
        sse(("response.created", created), ("response.output_text.delta", delta), done=False),
    )
    norm = normalize("responses", "openai", result.body)
    assert norm is not None and norm.content == "Hel"
    problem = classify_stream(result.stats)
    assert problem is not None and problem[0] == "stream_cut"
    assert "response.completed" in problem[1]


# -- synthetic: assembly details ----------------------------------------------------------------


def test_tool_calls_without_index_each_new_id_is_a_new_call() -> None:
    body = sse(
        chunk({"tool_calls": [{"id": "a1", "function": {"name": "f", "arguments": '{"x": 1}'}}]}),
        chunk({"tool_calls": [{"id": "b2", "function": {"name": "g", "arguments": "{}"}}]}),
        chunk({"content": ""}, "tool_calls"),
    )
    norm = normalize("chat", "mistral", assemble("chat", body).body)
    assert norm is not None
    assert [(c.id, c.name, c.arguments) for c in norm.tool_calls] == [
        ("a1", "f", '{"x": 1}'),
        ("b2", "g", "{}"),
    ]


def test_usage_only_in_the_final_chunk_when_asked() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    with_usage = sse(
        chunk({"content": "a"}, usage=None),
        chunk({}, "stop", usage=None),
        {**chunk({}), "choices": [], "usage": usage},
    )
    result = assemble("chat", with_usage)
    assert result.stats.usage_in_final and result.stats.usage_events == 1
    assert result.body is not None and result.body["usage"] == usage
    without = assemble("chat", sse(chunk({"content": "a"}), chunk({}, "stop")))
    assert not without.stats.usage_in_final and without.body is not None
    assert without.body["usage"] is None


def test_content_times_and_first_content_index() -> None:
    reader = StreamReader("chat")
    assert reader.feed(sse(chunk({"role": "assistant", "content": ""}), done=False), 0.1) == 0
    assert reader.feed(sse(chunk({"content": "a"}), chunk({"content": "b"}), done=False), 0.3) == 2
    assert reader.feed(sse(chunk({}, "stop")), 0.4) == 0
    result = reader.close()
    assert result.stats.content_times == [0.3, 0.3]
    assert result.stats.first_content_index == 1
    assert result.stats.events == 5  # [DONE] included
    assert reader.close() is result  # idempotent


def test_events_after_the_terminator_are_counted() -> None:
    result = assemble("chat", sse(chunk({"content": "a"}, "stop")) + sse(chunk({}), done=False))
    assert result.stats.terminator == "[DONE]" and result.stats.events_after_terminator == 1


def test_anthropic_invalid_partial_json_stays_visible() -> None:
    body = sse(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {"id": "m", "type": "message", "role": "assistant", "content": []},
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": '{"a": '},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 3},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
        done=False,
    )
    result = assemble("messages", body)
    norm = normalize("messages", "anthropic", result.body)
    assert norm is not None
    assert norm.tool_calls[0].arguments == '{"a": '
    assert classify_stream(result.stats) is None


def test_openai_tool_call_name_only_once_and_arguments_as_object() -> None:
    body = sse(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c",
                        "type": "function",
                        "function": {"name": "f", "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": {"k": "v"}}}]}),
        chunk({}, "tool_calls"),
    )
    norm = normalize("chat", "openai", assemble("chat", body).body)
    assert norm is not None
    assert [(c.name, json.loads(c.arguments)) for c in norm.tool_calls] == [("f", {"k": "v"})]


@pytest.mark.parametrize(
    ("sent", "want"),
    [
        ({"stream": True}, True),
        ({"stream": False}, False),
        ({}, False),
        ('{"model": "m", "stream": true}', True),
        (b'{"stream": true}', True),
        ("not json but stream", False),
        (None, False),
    ],
)
def test_wants_stream(sent: Any, want: bool) -> None:
    assert wants_stream(sent) is want


def test_looks_html() -> None:
    assert looks_html("<!DOCTYPE html><html>")
    assert looks_html("<center>nginx</center>")
    assert not looks_html('{"a": "<b>"}')


# -- robustness: odd shapes never crash ----------------------------------------------------------

_ODD = [None, "", "x", 0, 1.5, True, [], {}, [None], {"type": None}]


def _mutate(value: Any, rng: Any) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(sorted(value))
        return {**value, key: _mutate(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.7:
        i = rng.randrange(len(value))
        return [*value[:i], _mutate(value[i], rng), *value[i + 1 :]]
    return rng.choice(_ODD)


@requires_realworld
def test_mutated_real_events_never_crash_the_assemblers() -> None:
    import random

    from harness.wire.sse import parse_sse

    rng = random.Random(0)
    samples = [STREAMS[i] for i in range(0, len(STREAMS), 3)]
    for inter in samples:
        events = parse_sse(inter.body_bytes)
        for _ in range(30):
            out = []
            for ev in events:
                data = ev.data
                if data != "[DONE]" and rng.random() < 0.3:
                    data = json.dumps(_mutate(json.loads(data), rng))
                prefix = f"event: {ev.event}\n" if ev.event else ""
                out.append(f"{prefix}data: {data}\n\n")
            result = assemble(inter.endpoint or "chat", "".join(out))
            normalize(inter.endpoint or "chat", "openai", result.body)
            classify_stream(result.stats)
