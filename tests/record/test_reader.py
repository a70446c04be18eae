"""record.reader: the one reader of the cassette format, shared by replay and the audit."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from harness.audit import read_cassette
from harness.record.cassette import Cassette, Interaction, load_cassette
from harness.record.reader import (
    CassetteError,
    decode_chunks,
    parse_cassette_text,
    read_cassette_file,
)


def _inter() -> Interaction:
    return Interaction(
        method="POST", uri="https://api.mistral.ai/v1/chat/completions#stream",
        request_body='{"model": "m", "stream": true}',
        request_headers={"Content-Type": ["application/json"]},
        status=200, reason="OK", response_headers={"Content-Type": ["text/event-stream"]},
        body=b"data: {}\n\ndata: [DONE]\n\n", latency_ms=12.5, ttfb_ms=3.0,
        chunks=[(0.003, b"data: {}\n\n"), (0.012, b"data: [DONE]\n\n")], repeat=1, turn=2,
        error_class="stream_cut", error_message="reset",
    )


def test_json_fast_path_and_block_yaml_give_the_same_entries(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    Cassette(path, [_inter()], {"suite": "s"}).save()
    fast = read_cassette_file(path)
    data = json.loads(path.read_text())
    block = parse_cassette_text(yaml.safe_dump(data, sort_keys=False), path)  # libyaml path
    assert fast == block
    (e,) = fast.interactions
    assert fast.metadata == {"suite": "s"}
    assert (e.index, e.method, e.status, e.reason, e.body_format) == (0, "POST", 200, "OK", "string")
    assert e.uri.endswith("#stream") and e.request_parsed is None
    assert e.chunks == [(0.003, b"data: {}\n\n"), (0.012, b"data: [DONE]\n\n")]
    assert (e.repeat, e.turn, e.error_class, e.error_message) == (1, 2, "stream_cut", "reset")


def test_replay_and_audit_read_one_file_alike(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    Cassette(path, [_inter()]).save()
    (inter,) = load_cassette(path).interactions
    (rec,) = read_cassette(path)
    assert (rec.method, rec.uri, rec.status, rec.body, rec.chunks) == (
        inter.method, inter.uri, inter.status, inter.body, inter.chunks)
    assert rec.request_body == json.loads(inter.request_body)
    assert rec.response_headers == {"content-type": "text/event-stream"}
    assert inter.response_headers == {"Content-Type": ["text/event-stream"]}  # as written


def test_foreign_variants_resolved_once(tmp_path: Path) -> None:
    doc = {"interactions": [
        {"request": {"method": "post", "uri": "https://x/v1", "parsed_body": {"a": 1},
                     "headers": {"Accept": "application/json"}},
         "response": {"status": {"code": 200}, "parsed_body": {"b": 2}, "headers": {}}},
        {"request": {"method": "POST", "uri": "https://x/v1", "body": None},
         "response": {"status": {"code": 200, "message": "OK"},
                      "headers": {"Content-Encoding": ["gzip"]},
                      "body": {"string": gzip.compress(b'{"gz": 1}')}}},
    ]}
    path = tmp_path / "f.yaml"
    path.write_text(yaml.dump(doc), encoding="utf-8")  # bytes as !!binary
    first, second = read_cassette_file(path).interactions
    assert (first.request_parsed, json.loads(first.request_body)) == ({"a": 1}, {"a": 1})
    assert (first.body, first.body_format) == (b'{"b": 2}', "parsed_body")
    assert first.request_headers == {"Accept": ["application/json"]}  # a bare value as a list
    assert (second.body, second.body_format, second.request_body) == (b'{"gz": 1}', "gzip", "")
    # replay matches on these: the parsed body re-serialised matches the same JSON sent
    assert Interaction.from_entry(first).key == ("POST", "https://x/v1", '{"a":1}')


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):  # replay: a miss; the audit: a CassetteError
        read_cassette_file(tmp_path / "missing.yaml")
    bad = tmp_path / "suite.yaml"
    bad.write_text("suite: x\ncases: []\n")
    with pytest.raises(CassetteError, match="not a vcrpy cassette"):
        read_cassette_file(bad)
    with pytest.raises(CassetteError, match=r"not valid YAML \(line 2\)"):
        parse_cassette_text("interactions: [\n", tmp_path / "b.yaml")
    assert read_cassette_file(_write(tmp_path / "e.yaml", "interactions:\n")).interactions == []
    no_status = {"interactions": [{"request": {"uri": "https://x"}, "response": {}}]}
    (entry,) = parse_cassette_text(json.dumps(no_status), tmp_path / "n.yaml").interactions
    assert entry.status is None  # the audit reports it; replay cannot use it:
    with pytest.raises(CassetteError, match="no status code"):
        load_cassette(_write(tmp_path / "n.yaml", json.dumps(no_status)))


def test_decode_chunks() -> None:
    assert decode_chunks([[0.1, 3], [0.2, "de"]], b"abcxx") == [(0.1, b"abc"), (0.2, b"de")]
    assert decode_chunks([[0.1]], b"") is None and decode_chunks("x", b"") is None


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
