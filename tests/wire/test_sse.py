"""The incremental SSE parser: framing edge cases, chunk boundaries anywhere."""

from __future__ import annotations

import json

import pytest

from harness.wire.sse import SSEEvent, SSEParser, parse_sse
from tests.realworld import iter_interactions, requires_realworld


def feed_all(parts: list[bytes]) -> tuple[list[SSEEvent], SSEParser]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for part in parts:
        events.extend(parser.feed(part))
    events.extend(parser.close())
    return events, parser


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_data_lines_and_done_terminator() -> None:
    events = parse_sse(b'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n')
    assert [e.data for e in events] == ['{"a":1}', '{"a":2}', "[DONE]"]
    assert [e.index for e in events] == [0, 1, 2]
    assert all(e.event is None and e.complete for e in events)


def test_event_names_and_their_reset_after_dispatch() -> None:
    body = b"event: message_start\ndata: {}\n\ndata: {}\n\nevent: ping\ndata: {}\n\n"
    assert [e.event for e in parse_sse(body)] == ["message_start", None, "ping"]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_endings(eol: bytes) -> None:
    body = eol.join([b"event: x", b"data: one", b"", b"data: two", b"", b""])
    events = parse_sse(body)
    assert [(e.event, e.data) for e in events] == [("x", "one"), (None, "two")]


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    events, _ = feed_all([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"])
    assert [e.data for e in events] == ["a", "b"]


def test_lone_cr_at_chunk_end_followed_by_data() -> None:
    events, _ = feed_all([b"data: a\r", b"\rdata: b\r\r"])
    assert [e.data for e in events] == ["a", "b"]


def test_split_mid_line_at_every_position() -> None:
    body = b'event: e\ndata: {"text": "hello"}\n\n: comment\n\ndata: [DONE]\n\n'
    want = [(e.event, e.data) for e in parse_sse(body)]
    assert want == [("e", '{"text": "hello"}'), (None, "[DONE]")]
    for size in range(1, len(body)):
        events, _ = feed_all(split_every(body, size))
        assert [(e.event, e.data) for e in events] == want, size


def test_split_inside_a_multibyte_utf8_character() -> None:
    text = "héllo — 世界 😊"
    body = ("data: " + json.dumps({"t": text}, ensure_ascii=False) + "\n\n").encode()
    for size in (1, 2, 3, 5, 7):
        events, _ = feed_all(split_every(body, size))
        assert json.loads(events[0].data)["t"] == text


def test_comments_are_counted_never_dispatched() -> None:
    body = b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\ndata: {}\n\n"
    events, parser = feed_all([body])
    assert [e.data for e in events] == ["{}"]
    assert parser.comments == 2
    assert parser.last_comment == "OPENROUTER PROCESSING"
    assert parser.junk_lines == 0


def test_multi_line_data_joined_with_newline() -> None:
    events = parse_sse(b'data: {"a":\ndata:  1}\n\n')
    assert events[0].data == '{"a":\n 1}'  # one space after the colon dropped, the rest kept
    assert json.loads(events[0].data) == {"a": 1}


def test_field_without_space_and_bare_field_name() -> None:
    events = parse_sse(b"data:x\n\ndata\n\n")
    assert [e.data for e in events] == ["x", ""]


def test_trailing_space_padding_of_anthropic_json_is_kept_and_parses() -> None:
    body = b'event: message_stop\ndata: {"type":"message_stop"         }\n\n'
    event = parse_sse(body)[0]
    assert event.event == "message_stop"
    assert json.loads(event.data) == {"type": "message_stop"}


def test_id_and_retry_fields() -> None:
    events, parser = feed_all([b"id: 7\nretry: 1500\ndata: a\n\ndata: b\n\n"])
    assert [e.id for e in events] == ["7", "7"]  # the last event id persists
    assert parser.retry_ms == 1500


def test_bom_dropped_even_when_split() -> None:
    body = b"\xef\xbb\xbfdata: a\n\n"
    for parts in ([body], [body[:1], body[1:2], body[2:]], [body[:2], body[2:]]):
        events, parser = feed_all(parts)
        assert [e.data for e in events] == ["a"]
        assert parser.junk_lines == 0


def test_non_sse_lines_are_counted_as_junk() -> None:
    body = b"data: {}\n\n<html>\n<head><title>502 Bad Gateway</title></head>\n\n"
    events, parser = feed_all([body])
    assert [e.data for e in events] == ["{}"]
    assert parser.junk_lines == 2
    assert parser.first_junk == "<html>"


def test_blank_event_lines_dispatch_nothing() -> None:
    events = parse_sse(b"\n\n\nevent: lonely\n\n")
    assert events == []


def test_unfinished_tail_is_flushed_as_incomplete() -> None:
    events, parser = feed_all([b'data: {"a":1}\n\ndata: {"b":'])
    assert [(e.data, e.complete) for e in events] == [('{"a":1}', True), ('{"b":', False)]
    assert parser.pending_bytes == 0


def test_done_without_final_newline_still_dispatched() -> None:
    events, _ = feed_all([b"data: x\n\ndata: [DONE]"])
    assert [e.data for e in events] == ["x", "[DONE]"]
    assert events[-1].complete is False


def test_close_is_safe_to_call_on_an_empty_parser() -> None:
    parser = SSEParser()
    assert parser.feed(b"") == []
    assert parser.close() == []
    assert parser.bytes_fed == 0


@requires_realworld
def test_every_recorded_stream_parses_identically_at_any_chunking() -> None:
    bodies = [i.body_bytes for i in iter_interactions() if i.stream]
    assert len(bodies) >= 40
    for body in bodies:
        whole = [(e.event, e.data) for e in parse_sse(body)]
        assert whole
        for size in (3, 64):
            events, parser = feed_all(split_every(body, size))
            assert [(e.event, e.data) for e in events] == whole
            assert parser.junk_lines == 0
