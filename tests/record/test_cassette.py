from __future__ import annotations

from pathlib import Path

from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from harness.record.cassette import (
    SIM_SOURCE,
    Cassette,
    Interaction,
    cassette_path,
    load_cassette,
    match_key,
)
from harness.record.scrub import scrub_headers, scrub_url

SECRET = "sk-test-abcdefghijklmnopqrstuvwxyz012345"


def _interaction(body: bytes = b'{"ok":true}', chunks=None) -> Interaction:  # type: ignore[no-untyped-def]
    return Interaction(
        method="POST",
        uri="https://api.mistral.ai/v1/chat/completions",
        request_body='{"model": "m", "messages": []}',
        request_headers=scrub_headers({"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}),
        status=200,
        reason="OK",
        response_headers=scrub_headers(
            {"Content-Type": "text/event-stream", "Set-Cookie": "__cf_bm=x", "Content-Encoding": "gzip"},
            response=True,
        ),
        body=body,
        latency_ms=412.34567,
        ttfb_ms=80.0,
        chunks=chunks,
    )


def test_round_trip_and_vcrpy_reads_it(tmp_path: Path) -> None:
    chunks = [(0.08, b'data: {"a":1}\n\n'), (0.12, b"data: [DONE]\n\n")]
    path = cassette_path(tmp_path, "basic", "haiku", "mistral/mistral-medium-3.5", "temperature=0.2")
    assert path == tmp_path / "basic" / "haiku" / "mistral" / "mistral-medium-3.5__temperature=0.2.yaml"
    cassette = Cassette(path, [_interaction(b"".join(c for _, c in chunks), chunks)],
                        {"source": SIM_SOURCE, "suite": "basic"})
    cassette.save()
    text = path.read_text()
    assert SECRET not in text and "__cf_bm" not in text and "gzip" not in text
    back = load_cassette(path)
    assert back.metadata["source"] == SIM_SOURCE
    (i,) = back.interactions
    assert i.chunks == chunks and i.latency_ms == 412.346 and i.status == 200
    assert i.request_headers["authorization"][0].startswith("Bearer <filtered:")
    # stock vcrpy loads the same file
    requests, responses, metadata = deserialize(text, yamlserializer)
    assert requests[0].method == "POST" and responses[0]["status"]["code"] == 200
    assert responses[0]["body"]["string"] == b'data: {"a":1}\n\ndata: [DONE]\n\n'
    assert metadata["harness"]["suite"] == "basic"


def test_match_key_normalises_json_and_ignores_fragment() -> None:
    a = match_key("post", "https://x/v1/chat/completions#stream", '{"b": 1, "a": [1, 2]}')
    b = match_key("POST", "https://x/v1/chat/completions", {"a": [1, 2], "b": 1})
    assert a == b
    assert match_key("POST", "https://x/", "not json") == ("POST", "https://x/", "not json")


def test_two_keys_hash_differently_and_query_secrets_are_scrubbed() -> None:
    a = scrub_headers({"x-api-key": "key-one"})["x-api-key"][0]
    b = scrub_headers({"x-api-key": "key-two"})["x-api-key"][0]
    assert a != b and "key-one" not in a
    url = scrub_url("https://g/v1/models?key=SECRETVALUE&alt=json")
    assert "SECRETVALUE" not in url and "alt=json" in url


def test_written_as_json_style_yaml_that_every_reader_agrees_on(tmp_path: Path) -> None:
    import json

    import yaml

    odd = 'a\x85b\u2028c\x7fd\ufeffe😀f"g\\h\tj\nk\x00'.encode()
    chunks = [(0.00001, odd[:3]), (0.5, odd[3:])]
    inter = _interaction(odd, chunks)
    inter.request_body = '{"q": "\u2028😀"}'
    path = tmp_path / "odd.yaml"
    Cassette(path, [inter], {"source": SIM_SOURCE}).save()
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == yaml.safe_load(text)  # the same document for both readers
    back = load_cassette(path).interactions[0]
    assert back.body == odd and back.chunks == chunks and back.request_body == inter.request_body
    _, responses, _ = deserialize(text, yamlserializer)
    assert responses[0]["body"]["string"] == odd
    # a body that is not UTF-8 keeps its exact bytes
    raw = b"\xff\xfe\x00binary"
    Cassette(path, [_interaction(raw)]).save()
    assert load_cassette(path).interactions[0].body == raw
