"""Captured traffic for shadow replay: each input form, refs, skips, limits, broken input."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.errors import UsageError
from harness.shadow.pairs import Answer, Arm, PairLog, PairRecord, request_hash
from harness.shadow.traffic import (
    MAX_SKIPS_KEPT,
    Recorded,
    Traffic,
    TrafficItem,
    read_traffic,
    traffic_format,
)
from tests.realworld import CASSETTES as REALWORLD_CASSETTES
from tests.realworld import requires_realworld

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "cassettes"

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
CHAT_OK = {"id": "c1", "object": "chat.completion",
           "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"},
                        "finish_reason": "stop"}]}


def _jsonl(path: Path, *lines: Any) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
                    encoding="utf-8")
    return path


def _all(path: Path, **kw: Any) -> tuple[list[TrafficItem], Traffic]:
    traffic = read_traffic(path, **kw)
    return list(traffic), traffic


# --- JSONL of requests ------------------------------------------------------------------------


def test_bare_bodies_with_endpoint_inferred(tmp_path: Path) -> None:
    anthropic = {"model": "claude", "max_tokens": 50, "system": "be brief",
                 "messages": [{"role": "user", "content": "hi"}]}
    responses = {"model": "gpt", "input": "hi"}
    stream = {**CHAT, "stream": True}
    path = _jsonl(tmp_path / "traffic.jsonl", CHAT, "", anthropic, responses, stream)
    assert traffic_format(path) == "jsonl"
    items, traffic = _all(path)
    assert [i.endpoint for i in items] == ["chat", "messages", "responses", "chat"]
    assert [i.ref for i in items] == [f"{path}:1", f"{path}:3", f"{path}:4", f"{path}:5"]
    assert items[0].body == CHAT and items[0].recorded is None and items[0].path is None
    assert items[1].dialect == "anthropic" and items[0].dialect is None
    assert items[3].body["stream"] is True
    assert traffic.read == 4 and traffic.skipped == 0 and traffic.format == "jsonl"


@pytest.mark.parametrize("body, endpoint", [
    ({"model": "c", "max_tokens": 9, "messages": [{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t", "content": "4"}]}]}, "messages"),
    ({"model": "c", "max_tokens": 9, "tools": [{"name": "f", "input_schema": {}}],
      "messages": [{"role": "user", "content": "x"}]}, "messages"),
    ({"model": "c", "max_tokens": 9, "stop_sequences": ["\n"],
      "messages": [{"role": "user", "content": "x"}]}, "messages"),
    ({"model": "c", "max_tokens": 9, "messages": [{"role": "system", "content": "s"},
                                                  {"role": "user", "content": "x"}]}, "chat"),
    ({"model": "c", "max_tokens": 9, "tools": [{"type": "function", "function": {"name": "f"}}],
      "messages": [{"role": "user", "content": "x"}]}, "chat"),
])
def test_anthropic_shapes_decide_messages(tmp_path: Path, body: dict, endpoint: str) -> None:
    (item,) = read_traffic(_jsonl(tmp_path / "t.jsonl", body))
    assert item.endpoint == endpoint


def test_ambiguous_body_takes_the_recorded_answer(tmp_path: Path) -> None:
    body = {"model": "c", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}]}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    path = _jsonl(tmp_path / "t.jsonl", {"request": body, "response": message},
                  {"request": body, "response": CHAT_OK})
    assert [i.endpoint for i in read_traffic(path)] == ["messages", "chat"]


def test_wrapped_lines_and_their_answers(tmp_path: Path) -> None:
    sse = 'data: {"object":"chat.completion.chunk"}\n\ndata: [DONE]\n\n'
    path = _jsonl(
        tmp_path / "t.jsonl",
        {"request": CHAT, "response": CHAT_OK, "latency_ms": 120},
        {"request": CHAT, "response": {"error": {"message": "slow down"}}, "status": 429},
        {"request": CHAT, "status": "503"},
        {"body": CHAT, "endpoint": "chat"},
        {"request": {**CHAT, "stream": True}, "response": sse, "status": 200},
        {"request": CHAT, "response": {"status_code": 200, "headers": {"X-Id": ["a"]},
                                       "body": CHAT_OK}},
        {"request": {"method": "POST", "url": "https://api.mistral.ai/v1/chat/completions",
                     "headers": {"content-type": "application/json"}, "body": CHAT},
         "response": {"status": 400, "headers": {}, "body": "bad"}},
        {"request": json.dumps(CHAT)},
    )
    items = list(read_traffic(path))
    rec = [i.recorded for i in items]
    assert rec[0] == Recorded(200, {}, json.dumps(CHAT_OK).encode(), 120.0)  # inferred 200
    assert rec[1] is not None and rec[1].status == 429 and b"slow down" in rec[1].body
    assert rec[2] == Recorded(503, {}, b"", None)
    assert rec[3] is None and items[3].body == CHAT
    assert rec[4] is not None and rec[4].body == sse.encode() and items[4].body["stream"]
    assert rec[5] is not None and rec[5].headers == {"x-id": "a"} and rec[5].status == 200
    assert items[6].path == "/v1/chat/completions" and items[6].dialect == "mistral"
    assert rec[6] == Recorded(400, {}, b"bad", None)
    assert items[7].body == CHAT and rec[7] is None


def test_named_endpoint_path_and_dialect(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "t.jsonl",
        {"request": CHAT, "url": "/v1/messages"},
        {"request": CHAT, "endpoint": "messages"},
        {"request": CHAT, "dialect": "mistral"},
        {"request": CHAT, "url": "https://api.anthropic.com/v1/messages"},
        {"request": CHAT, "headers": {"anthropic-version": "2023-06-01"}},
        {**CHAT, "random_seed": 3},
        {**CHAT, "tool_choice": "any"},
        {"request": CHAT, "url": "https://api.openai.com/v1/chat/completions"},
    )
    got = [(i.endpoint, i.dialect, i.path) for i in read_traffic(path)]
    assert got == [("messages", "anthropic", "/v1/messages"), ("messages", "anthropic", None),
                   ("chat", "mistral", None), ("messages", "anthropic", "/v1/messages"),
                   ("chat", "anthropic", None), ("chat", "mistral", None),
                   ("chat", "mistral", None), ("chat", "openai", "/v1/chat/completions")]


def test_non_chat_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "t.jsonl",
        CHAT,
        {"model": "text-embedding-3-small", "input": "x"},
        {"request": CHAT, "url": "/v1/embeddings"},
        {"request": {"model": "m"}, "endpoint": "models"},
        {"model": "m", "prompt": "legacy completion"},
        {"request": CHAT, "method": "GET", "url": "/v1/models"},
        {"request": "not json at all"},
        {"request": [1, 2]},
        {"request": CHAT, "url": "/v1/messages/count_tokens"},
        CHAT,
    )
    items, traffic = _all(path)
    assert [i.ref for i in items] == [f"{path}:1", f"{path}:10"]
    assert traffic.skipped == 8
    assert traffic.skip_reasons == Counter({
        "endpoint embeddings": 2, "endpoint models": 1,
        "not an LLM chat request (no messages or input)": 1, "GET /v1/models": 1,
        "request body is not JSON": 1, "request body is not a JSON object": 1,
        "path /v1/messages/count_tokens": 1})
    assert traffic.skips[0] == (f"{path}:2", "endpoint embeddings")


def test_skips_kept_are_bounded(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "t.jsonl", *([{"model": "m"}] * (MAX_SKIPS_KEPT + 5)))
    items, traffic = _all(path)
    assert items == [] and traffic.skipped == MAX_SKIPS_KEPT + 5
    assert len(traffic.skips) == MAX_SKIPS_KEPT


@pytest.mark.parametrize("line, message", [
    ("not json", r"t.jsonl:2: not a JSON line"),
    ("[1, 2]", r"t.jsonl:2: not a JSON object \(a list\)"),
    ("1" * 5000, r"t.jsonl:2: not a JSON line \(Exceeds the limit"),  # int digit limit
    ("[" * 100_000 + "]" * 100_000, r"t.jsonl:2: not a JSON line \(nested too deeply\)"),
    ('{"request": {"model": "m", "messages": []}, "status": "abc"}',
     r"t.jsonl:2: status 'abc' is not an HTTP status code"),
    ('{"request": {"model": "m", "messages": []}, "endpoint": "chta"}',
     r"t.jsonl:2: unknown endpoint 'chta'.*did you mean 'chat'"),
    ('{"request": {"model": "m", "messages": []}, "dialect": "klingon"}',
     r"t.jsonl:2: unknown dialect 'klingon'"),
])
def test_broken_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = _jsonl(tmp_path / "t.jsonl", CHAT, line, CHAT)
    traffic = read_traffic(path)
    assert next(traffic).ref.endswith("t.jsonl:1")
    with pytest.raises(UsageError, match=message):
        next(traffic)


def test_broken_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(json.dumps(CHAT).encode() + b"\n\xff\xfe{}\n")
    with pytest.raises(UsageError, match=r"t.jsonl:2: not UTF-8"):
        list(read_traffic(path))


def test_limit(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "t.jsonl", CHAT, {"model": "m"}, CHAT, CHAT, "not json")
    items, traffic = _all(path, limit=2)
    assert [i.ref for i in items] == [f"{path}:1", f"{path}:3"] and traffic.skipped == 1
    assert list(read_traffic(path, limit=0)) == []
    assert len(list(read_traffic(path, limit=3))) == 3  # the broken line 5 is never read
    with pytest.raises(UsageError, match="--limit"):
        read_traffic(path, limit=-1)


def test_unrecognised_forms(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        read_traffic(tmp_path / "nope.jsonl")
    with pytest.raises(UsageError, match="empty"):
        read_traffic(_jsonl(tmp_path / "empty.jsonl", ""))
    with pytest.raises(UsageError, match=r"csv.txt:1: not a JSON line.*JSONL of request"):
        (tmp_path / "csv.txt").write_text("a,b\n1,2\n")
        read_traffic(tmp_path / "csv.txt")
    with pytest.raises(UsageError, match=r"rows.jsonl:1: not a request.*keys: case, status"):
        read_traffic(_jsonl(tmp_path / "rows.jsonl", {"case": "x", "status": 200}))
    empty = tmp_path / "folder"
    empty.mkdir()
    with pytest.raises(UsageError, match="no pairs.jsonl and no cassette"):
        read_traffic(empty)


# --- batch files ------------------------------------------------------------------------------


def test_openai_batch_input(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "batch.jsonl",
        {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": CHAT},
        {"custom_id": "r2", "method": "POST", "url": "/v1/responses",
         "body": {"model": "g", "input": "hi"}},
        {"custom_id": "r3", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "e", "input": "hi"}},
        {"custom_id": "r4", "body": {**CHAT, "random_seed": 1}},  # Mistral's batch lines
        {"custom_id": "r5", "params": {"model": "c", "max_tokens": 5, "messages": CHAT["messages"]}},
    )
    assert traffic_format(path) == "batch"
    items, traffic = _all(path)
    assert [(i.endpoint, i.path, i.dialect) for i in items] == [
        ("chat", "/v1/chat/completions", None), ("responses", "/v1/responses", None),
        ("chat", None, "mistral"), ("messages", None, "anthropic")]
    assert all(i.recorded is None for i in items)
    assert traffic.skip_reasons == Counter({"endpoint embeddings": 1})


def test_batch_output_file_is_refused(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "out.jsonl", {"id": "b1", "custom_id": "r1", "response": {
        "status_code": 200, "request_id": "x", "body": CHAT_OK}, "error": None})
    with pytest.raises(UsageError, match="out.jsonl:1: a Batch API output file"):
        traffic_format(path)


# --- the pair log -----------------------------------------------------------------------------


def _pair(pair_id: str, request: Any, *, endpoint: str = "chat", dialect: str = "mistral",
          body: str | None = '{"object": "chat.completion"}') -> PairRecord:
    answer = Answer(status=200, content="hello", latency_ms=42.0, body=body)
    primary = Arm("mistral/m", "mistral-chat", endpoint, dialect, answer, request_sent=request)
    return PairRecord(pair_id, "2026-12-02T00:00:00Z", "proxy", endpoint, False, request,
                      request_hash(request), {"primary": primary, "candidate": None,
                                              "secondary": None})


def test_full_pair_log(tmp_path: Path) -> None:
    messages = {"model": "c", "max_tokens": 5, "messages": CHAT["messages"]}
    with PairLog(tmp_path, content="full") as log:
        log.write(_pair("p1", CHAT))
        log.write(_pair("p2", messages, endpoint="messages", dialect="anthropic", body=None))
        log.write(_pair("p3", None))
        log.write_stats({"mirrored": 3})
    assert traffic_format(tmp_path) == "pairs"
    assert traffic_format(tmp_path / "pairs.jsonl") == "pairs"
    items, traffic = _all(tmp_path)
    log_file = tmp_path / "pairs.jsonl"
    assert [i.ref for i in items] == [f"{log_file}:1", f"{log_file}:2"]
    assert items[0].body == CHAT and (items[0].endpoint, items[0].dialect) == ("chat", "mistral")
    assert items[0].recorded == Recorded(200, {}, b'{"object": "chat.completion"}', 42.0)
    assert items[1].endpoint == "messages" and items[1].recorded is None  # no body kept
    assert traffic.skip_reasons == Counter({"pair without a request": 1})


@pytest.mark.parametrize("mode", ["hash", "none"])
def test_hash_log_is_refused(tmp_path: Path, mode: str) -> None:
    with PairLog(tmp_path, content=mode) as log:
        log.write(_pair("p1", CHAT))
    traffic = read_traffic(tmp_path)
    with pytest.raises(UsageError, match=f"pairs.jsonl:1: cannot replay a log written with "
                                         f"--log-content {mode}"):
        list(traffic)


def test_pair_log_broken_line(tmp_path: Path) -> None:
    with PairLog(tmp_path, content="full") as log:
        log.write(_pair("p1", CHAT))
    with (tmp_path / "pairs.jsonl").open("a") as fh:
        fh.write('{"format": "harness-shadow/1", "pair_id": "p2", "request": \n')
    with pytest.raises(UsageError, match=r"pairs.jsonl:2: not a JSON line"):
        list(read_traffic(tmp_path))


# --- cassettes --------------------------------------------------------------------------------


def test_bundled_cassettes(tmp_path: Path) -> None:
    assert traffic_format(BUNDLED) == "cassettes"
    items, traffic = _all(BUNDLED)
    assert len(items) > 100 and traffic.format == "cassettes"
    assert {i.endpoint for i in items} == {"chat", "responses", "messages"}
    for item in items:
        assert item.recorded is not None and item.path is not None
        assert item.path.endswith(("/chat/completions", "/responses", "/messages"))
        assert "#" in item.ref and item.ref.startswith(str(BUNDLED))
    mistral = [i for i in items if "api.mistral.ai" in _uri_of(i)]
    assert mistral and all(i.dialect == "mistral" for i in mistral)
    assert all(i.dialect == "anthropic" for i in items if i.endpoint == "messages")
    streams = [i for i in items if i.body.get("stream")]
    assert streams and all(i.recorded and i.recorded.body.lstrip().startswith((b"data:", b"event:"))
                           for i in streams if i.recorded.status == 200)  # type: ignore[union-attr]
    # the suite's deliberately broken request bodies are not JSON: skipped, counted
    assert traffic.skip_reasons == Counter({"request body is not JSON": 2})


def _uri_of(item: TrafficItem) -> str:
    file, index = item.ref.rsplit("#", 1)
    data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
    return str(data["interactions"][int(index)]["request"]["uri"])


def test_one_cassette_file_and_a_json_cassette(tmp_path: Path) -> None:
    source = next(BUNDLED.glob("basic/**/*.yaml"))
    (item, *_), _ = _all(source)
    assert item.ref == f"{source}#0" and item.recorded is not None
    copy = tmp_path / "cassette.json"
    shutil.copy(source, copy)
    assert traffic_format(copy) == "cassettes"
    assert next(read_traffic(copy)).body == item.body


def _cassette(path: Path, interactions: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}),
                    encoding="utf-8")
    return path


def _interaction(method: str, uri: str, body: Any, status: int = 200, response: Any = "",
                 headers: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"request": {"method": method, "uri": uri, "headers": {}, "body": body},
            "response": {"status": {"code": status, "message": "OK"},
                         "headers": headers or {}, "body": {"string": response}}}


def test_cassette_non_llm_interactions_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "cassettes"
    folder.mkdir()
    _cassette(folder / "mixed.yaml", [
        _interaction("GET", "https://api.openai.com/v1/models", None,
                     response='{"object": "list", "data": []}'),
        _interaction("POST", "https://api.openai.com/v1/images/generations",
                     json.dumps({"model": "dall-e", "prompt": "a cat"})),
        _interaction("POST", "https://api.openai.com/v1/chat/completions", json.dumps(CHAT),
                     response=json.dumps(CHAT_OK), headers={"openai-version": ["2020-10-01"]}),
        _interaction("POST", "https://api.mistral.ai/v1/embeddings",
                     json.dumps({"model": "mistral-embed", "input": ["x"]})),
        _interaction("POST", "https://api.mistral.ai/v1/chat/completions#stream",
                     json.dumps({**CHAT, "stream": True}), response="data: [DONE]\n\n"),
    ])
    items, traffic = _all(folder)
    assert [(i.ref.rsplit("#", 1)[1], i.endpoint, i.dialect, i.path) for i in items] == [
        ("2", "chat", "openai", "/v1/chat/completions"),
        ("4", "chat", "mistral", "/v1/chat/completions")]
    assert items[0].recorded == Recorded(200, {"openai-version": "2020-10-01"},
                                         json.dumps(CHAT_OK).encode(), None)
    assert items[1].recorded is not None and items[1].recorded.body == b"data: [DONE]\n\n"
    assert traffic.skip_reasons == Counter({"GET /v1/models": 1, "endpoint images": 1,
                                            "endpoint embeddings": 1})


def test_gzip_cassette_body_is_decompressed(tmp_path: Path) -> None:
    raw = gzip.compress(json.dumps(CHAT_OK).encode())
    data = {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": "https://api.mistral.ai/v1/chat/completions",
                    "body": json.dumps(CHAT)},
        "response": {"status": {"code": 200}, "headers": {"Content-Encoding": ["gzip"]},
                     "body": {"string": raw}}}]}
    path = tmp_path / "gz.yaml"
    path.write_text(yaml.dump(data), encoding="utf-8")
    (item,) = read_traffic(path)
    assert item.recorded is not None and json.loads(item.recorded.body) == CHAT_OK


def test_broken_cassette_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "bad.yaml").write_text("interactions: [unclosed\n")
    with pytest.raises(UsageError, match=r"bad.yaml: not valid YAML"):
        list(read_traffic(folder))
    (folder / "bad.yaml").write_text("just: a mapping\n")
    with pytest.raises(UsageError, match=r"bad.yaml: not a vcrpy cassette"):
        list(read_traffic(folder))


@requires_realworld
@pytest.mark.realworld
def test_realworld_cassettes() -> None:
    items, traffic = _all(REALWORLD_CASSETTES)
    assert len(items) > 50 and traffic.skipped >= 1  # the GET /models of chatlas
    assert "GET /v1/models" in traffic.skip_reasons
    by_host = Counter((i.endpoint, i.dialect) for i in items)
    assert by_host[("chat", "mistral")] > 0 and by_host[("messages", "anthropic")] > 0
    assert by_host[("chat", "openai")] > 0 and by_host[("responses", "openai")] > 0
    # pydantic-ai stores JSON bodies parsed: re-serialised, still the request as a dict
    pydantic = [i for i in items if "pydantic-ai" in i.ref]
    assert pydantic and all(isinstance(i.body, dict) and i.recorded for i in pydantic)
    # the mistralai SDK's `#stream` marker is client-side: the path has none
    assert all(i.path and "#" not in i.path for i in items)


# --- arbitrary input --------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["model", "messages", "input", "request", "response",
                                       "body", "status", "status_code", "url", "path",
                                       "endpoint", "dialect", "headers", "method", "custom_id",
                                       "params", "format", "pair_id", "content", "arms",
                                       "system", "tools", "role", "type", "latency_ms",
                                       "stream", "interactions", "x"]),
                      inner, max_size=5),
    max_leaves=12,
)
LINES = st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=40),
                  st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINES, min_size=1, max_size=6), binary=st.booleans())
def test_arbitrary_lines_raise_only_usage_errors(tmp_path: Path, lines: list[str],
                                                 binary: bool) -> None:
    path = tmp_path / "t.jsonl"
    text = "\n".join(line.replace("\n", " ") for line in lines) + "\n"
    path.write_bytes(text.encode("latin-1", errors="replace") if binary else text.encode())
    try:
        for item in read_traffic(path):
            assert item.endpoint in ("chat", "responses", "messages")
            assert isinstance(item.body, dict)
    except UsageError:
        pass
