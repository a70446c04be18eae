"""audit.reader: stock vcrpy, pydantic-ai's parsed_body, gzip bodies, #stream URIs, extras."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from harness.audit import CassetteError, find_cassettes, read_cassette
from tests.realworld import CASSETTES, interactions, iter_interactions, requires_realworld


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _interaction(body: object, **resp: object) -> dict[str, object]:
    return {
        "request": {
            "method": "POST",
            "uri": "https://api.mistral.ai/v1/chat/completions",
            "body": json.dumps({"model": "m", "messages": []}),
            "headers": {"Authorization": ["Bearer sk-secret-value"], "Content-Type": ["application/json"]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"]},
            "body": body,
            **resp,
        },
    }


def test_stock_format_text_body(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", {"interactions": [_interaction({"string": '{"a": 1}'})],
                                         "version": 1})
    (rec,) = read_cassette(path)
    assert rec.json == {"a": 1}
    assert rec.body_format == "string"
    assert rec.request_body == {"model": "m", "messages": []}
    assert rec.request_headers["authorization"] == "Bearer ***"  # never a key in a report
    assert rec.response_headers == {"content-type": "application/json"}
    assert (rec.status, rec.method, rec.index, rec.label) == (200, "POST", 0, f"{path}#0")


def test_gzip_binary_body(tmp_path: Path) -> None:
    raw = gzip.compress(b'{"gz": true}')
    inter = _interaction({"string": raw})
    inter["response"]["headers"]["Content-Encoding"] = ["gzip"]  # type: ignore[index]
    path = tmp_path / "g.yaml"
    path.write_text(yaml.dump({"interactions": [inter]}), encoding="utf-8")  # !!binary
    (rec,) = read_cassette(path)
    assert (rec.json, rec.body_format) == ({"gz": True}, "gzip")


def test_parsed_body_and_stream_fragment(tmp_path: Path) -> None:
    inter = {
        "request": {
            "method": "POST",
            "uri": "https://api.mistral.ai/v1/chat/completions#stream",
            "parsed_body": {"model": "m", "stream": True},
            "headers": {},
        },
        "response": {"status": {"code": 200}, "parsed_body": {"b": [1, 2]}, "headers": {}},
    }
    (rec,) = read_cassette(_write(tmp_path / "p.yaml", {"interactions": [inter]}))
    assert rec.request_body == {"model": "m", "stream": True}
    assert rec.json == {"b": [1, 2]} and rec.body_format == "parsed_body"
    assert rec.uri.endswith("#stream")


def test_harness_extras(tmp_path: Path) -> None:
    inter = _interaction({"string": "data: [DONE]\n\n"})
    inter["harness"] = {"latency_ms": 412.5, "ttfb_ms": 80.0, "chunks": [[0.08, "data: [DONE]\n\n"]]}
    (rec,) = read_cassette(_write(tmp_path / "h.yaml", {"interactions": [inter]}))
    assert (rec.latency_ms, rec.ttfb_ms) == (412.5, 80.0)
    assert rec.chunks == [(0.08, b"data: [DONE]\n\n")]


def test_not_a_cassette(tmp_path: Path) -> None:
    bad = _write(tmp_path / "suite.yaml", {"suite": "x", "cases": []})
    with pytest.raises(CassetteError, match="not a vcrpy cassette"):
        read_cassette(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [\n", encoding="utf-8")
    with pytest.raises(CassetteError, match="not valid YAML"):
        read_cassette(broken)


def test_find_cassettes(tmp_path: Path) -> None:
    a = _write(tmp_path / "x" / "a.yaml", {"interactions": []})
    b = _write(tmp_path / "x" / "y" / "b.yml", {"interactions": []})
    (tmp_path / "x" / "notes.json").write_text("{}")
    assert find_cassettes([tmp_path / "x", a]) == [(a, tmp_path / "x"), (b, tmp_path / "x")]
    with pytest.raises(CassetteError, match="no such file or folder"):
        find_cassettes([tmp_path / "missing"])


@pytest.mark.realworld
@requires_realworld
def test_every_real_cassette_reads_like_the_independent_reader() -> None:
    """Same statuses, request bodies and (parsed) response bodies as tests/realworld.py."""
    files = sorted(CASSETTES.rglob("*.yaml"))
    total = 0
    formats = set()
    for path in files:
        rel = path.relative_to(CASSETTES).as_posix()
        recorded = read_cassette(path)
        expected = interactions(rel)
        assert len(recorded) == len(expected), rel
        for rec, inter in zip(recorded, expected, strict=True):
            total += 1
            formats.add(rec.body_format)
            assert rec.status == inter.status
            assert rec.request_body == (inter.request or None), rel
            if inter.stream or not isinstance(inter.response, (dict, list)):
                assert rec.body.decode("utf-8") == (inter.response or ""), rel
            else:
                assert rec.json == inter.response, rel
    assert total == sum(1 for i in iter_interactions() if not i.file.endswith(".json")) == 103
    assert formats == {"string", "parsed_body", "gzip"}


@pytest.mark.realworld
@requires_realworld
def test_real_gzip_body() -> None:
    (rec,) = read_cassette(CASSETTES / "openllmetry/test_chat/test_mistralai_chat_legacy.yaml")
    assert rec.body_format == "gzip"
    assert rec.json["object"] == "chat.completion"


def test_harness_chunk_boundaries_exact_bytes_and_recorded_error(tmp_path: Path) -> None:
    """This harness's recorder stores chunks as [offset, length] cuts of the body, a body that
    is not UTF-8 as base64, and the engine's error (a stream cut)."""
    body = "data: {\"a\": 1}\n\ndata: {\"b\": 2}\n\n"
    inter = _interaction({"string": body})
    inter["harness"] = {"chunks": [[0.01, 16], [0.02, 16]],
                        "error": {"class": "stream_cut", "message": "connection reset"}}
    (rec,) = read_cassette(_write(tmp_path / "h.yaml", {"interactions": [inter]}))
    assert rec.chunks == [(0.01, b'data: {"a": 1}\n\n'), (0.02, b'data: {"b": 2}\n\n')]
    assert (rec.error_class, rec.error_message) == ("stream_cut", "connection reset")
    raw = b"\xff\xfe not utf-8"
    inter = _interaction({"string": raw.decode("latin-1")})
    inter["harness"] = {"body_base64": __import__("base64").b64encode(raw).decode()}
    (rec,) = read_cassette(_write(tmp_path / "b.yaml", {"interactions": [inter]}))
    assert rec.body == raw
