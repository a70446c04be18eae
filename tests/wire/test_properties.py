"""Property-based tests (hypothesis): arbitrary bytes and arbitrary JSON never raise out of the
SSE parser, the stream reader and its assemblers (every protocol), the error classifier or
normalisation; they only ever give classified results."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.wire.errors import classify_error
from harness.wire.normalize import normalize
from harness.wire.protocols import protocols
from harness.wire.sse import SSEParser, parse_sse
from harness.wire.streams import StreamReader

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
ENDPOINT_DIALECTS = sorted({(p.endpoint, (p.dialects or ("openai",))[0]) for p in protocols()})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=30,
)
# JSON objects that look a little like the protocols' own (so the assemblers go deep)
KEYS = ["id", "object", "type", "choices", "delta", "content", "message", "index",
        "finish_reason", "tool_calls", "function", "arguments", "name", "usage", "error",
        "output", "item", "response", "content_block", "text", "input_json_delta", "stop_reason",
        "partial_json", "output_index", "content_index", "model", "status", "code", "detail"]
lookalike = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(KEYS + ["", "[DONE]"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                 max_size=6),
    max_leaves=40,
)


def _sse(events: list[tuple[str | None, Any]]) -> bytes:
    out = []
    for name, data in events:
        if name:
            out.append(f"event: {name}")
        out.append("data: " + (data if isinstance(data, str) else json.dumps(data)))
        out.append("")
    return ("\n".join(out) + "\n").encode()


@SETTINGS
@given(st.binary(max_size=2000), st.lists(st.integers(1, 64), max_size=20))
def test_sse_parser_takes_any_bytes_in_any_chunks(data: bytes, cuts: list[int]) -> None:
    parser, events, at = SSEParser(), [], 0
    for n in cuts:
        events += parser.feed(data[at:at + n])
        at += n
    events += parser.feed(data[at:])
    events += parser.close()
    assert [e.data for e in events] == [e.data for e in parse_sse(data)]


@SETTINGS
@given(st.sampled_from(ENDPOINT_DIALECTS), st.binary(max_size=1500))
def test_stream_reader_takes_any_bytes(where: tuple[str, str], data: bytes) -> None:
    reader = StreamReader(*where)
    reader.feed(data)
    result = reader.close()
    assert result.problem is None or all(isinstance(x, str) for x in result.problem)


@SETTINGS
@given(st.sampled_from(ENDPOINT_DIALECTS),
       st.lists(st.tuples(st.sampled_from([None, "message_start", "content_block_delta",
                                           "response.output_text.delta", "error",
                                           "message_delta", "response.completed"]),
                          lookalike | json_values | st.text(max_size=30)), max_size=12))
def test_stream_assemblers_take_any_events(where: tuple[str, str],
                                           events: list[tuple[str | None, Any]]) -> None:
    reader = StreamReader(*where)
    body = _sse(events) + b"data: [DONE]\n\n"
    for i in range(0, len(body), 7):
        reader.feed(body[i:i + 7])
    result = reader.close()
    assert result.problem is None or isinstance(result.problem[0], str)


@SETTINGS
@given(st.one_of(st.none(), st.integers(100, 599)),
       st.one_of(st.binary(max_size=500), json_values.map(json.dumps), lookalike),
       st.dictionaries(st.sampled_from(["content-type", "x-request-id", "retry-after",
                                        "anthropic-version", "x-kong-request-id"]),
                       st.text(max_size=20), max_size=3))
def test_error_classifier_takes_anything(status: int | None, body: Any,
                                         headers: dict[str, str]) -> None:
    info = classify_error(status, body, headers)
    assert info.error_class is None or isinstance(info.error_class, str)


@SETTINGS
@given(st.sampled_from(ENDPOINT_DIALECTS), lookalike | json_values)
def test_normalize_takes_any_json(where: tuple[str, str], body: Any) -> None:
    result = normalize(where[0], where[1], body)
    assert result is None or result.content is None or isinstance(result.content, str)
