"""A wire protocol defined here alone, registered, and run end to end through the CLI.

The toy protocol is nothing the harness knows: endpoint `toy`, a `{"model", "prompt"}` body,
the key in `x-toy-key`, answers `{"output": {"text"}, "tokens": {"in", "out"}}`, and a tiny
SSE stream (`data: {"delta": ...}` ... `data: {"done": true, "tokens": ...}`). Nothing in
harness/ is edited or patched: the test only calls the public `register_protocol`. That the
suite loads, the providers file accepts `endpoints: {toy: ...}`, the request is translated and
authenticated, the answer normalised, the stream assembled and the checks pass shows that no
module of the harness branches on the endpoint any more.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import pytest

from harness.cli.main import main
from harness.core.errors import RegistryError, SuiteError, UnknownEndpointError, UsageError
from harness.core.models import Normalized, Usage
from harness.providers.catalogue import load_catalogue
from harness.suite import load_suite
from harness.wire.dialects import translate_request
from harness.wire.normalize import normalize
from harness.wire.protocol import Auth, StreamFormat, WireProtocol
from harness.wire.protocols import (
    OPENAI_CHAT,
    endpoints,
    get_protocol,
    register_protocol,
    unregister_protocol,
)
from harness.wire.stream_stats import StreamStats
from harness.wire.streams import StreamReader, assemble

KEY = "toy-secret-5f4e3d2c1b"
ANSWER = "hello from the toy server"

# -- the toy protocol: every piece of it lives in this module -------------------------------------


def toy_translate(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """canonical chat request -> {"model", "prompt"[, "limit", "stream"]}"""
    prompt = "\n".join(str(m.get("content") or "") for m in request.get("messages") or [])
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    if "max_tokens" in request:
        body["limit"] = request["max_tokens"]
    if request.get("stream"):
        body["stream"] = True
    return body


def toy_normalize(body: dict[str, Any]) -> Normalized | None:
    output, tokens = body.get("output"), body.get("tokens")
    if not isinstance(output, dict) or not isinstance(tokens, dict):
        return None
    return Normalized(
        content=output.get("text"),
        tool_calls=[],
        finish_reason="stop" if body.get("end") == "natural" else "length",
        usage=Usage(
            prompt_tokens=tokens["in"],
            completion_tokens=tokens["out"],
            total_tokens=tokens["in"] + tokens["out"],
            raw=tokens,
        ),
        model=body.get("model"),
    )


class ToyAssembler:
    """`{"delta": text}` events, then `{"done": true, "end", "tokens"}` (the terminator)."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.final: dict[str, Any] | None = None

    def on_event(self, obj: dict[str, Any], name: str | None, stats: StreamStats) -> bool:
        if obj.get("done") is True:
            self.final = obj
            stats.terminator = stats.terminator or "done"
            stats.finish_reasons.setdefault(0, []).append(str(obj.get("end")))
            stats.usage_in_final = isinstance(obj.get("tokens"), dict)
            stats.usage_events += stats.usage_in_final
            return False
        delta = obj.get("delta")
        if isinstance(delta, str) and delta:
            self.text.append(delta)
            return True
        return False

    def body(self) -> dict[str, Any] | None:
        if self.final is None and not self.text:
            return None
        final = self.final or {}
        return {
            "output": {"text": "".join(self.text)},
            "tokens": final.get("tokens"),
            "end": final.get("end"),
        }


TOY = WireProtocol(
    name="toy-protocol",
    endpoint="toy",
    title="Toy",
    path="/v1/toy",
    translate=toy_translate,
    normalize=toy_normalize,
    auth=Auth(header="x-toy-key", scheme=""),
    headers={"x-toy-version": "1"},
    dropped={"temperature": "toy has no temperature"},
    stream=StreamFormat(
        assembler=ToyAssembler, terminator='data: {"done": true}', usage_event="done event"
    ),
    packaged_schema={
        "type": "object",
        "required": ["output", "tokens"],
        "properties": {"output": {"type": "object", "required": ["text"]}},
    },
)


@pytest.fixture
def toy() -> Iterator[WireProtocol]:
    register_protocol(TOY)
    try:
        yield TOY
    finally:
        unregister_protocol(TOY.name)


# -- a small local server speaking the toy protocol ------------------------------------------------


class ToyServer:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                body = json.loads(raw)
                server.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                if self.path != "/v1/toy":
                    self._json(404, {"error": {"message": "no such path", "type": "not_found"}})
                elif self.headers.get("x-toy-key") != KEY:
                    self._json(401, {"error": {"message": "bad toy key", "type": "auth"}})
                elif body.get("stream"):
                    self._stream()
                else:
                    tokens = {"in": len(body["prompt"].split()), "out": len(ANSWER.split())}
                    answer = {"output": {"text": ANSWER}, "tokens": tokens, "end": "natural"}
                    self._json(200, answer)

            def _json(self, status: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()  # HTTP/1.0: the body ends when the connection closes
                for word in ANSWER.split(" "):
                    self.wfile.write(f"data: {json.dumps({'delta': word + ' '})}\n\n".encode())
                    self.wfile.flush()
                done = {"done": True, "end": "natural", "tokens": {"in": 3, "out": 5}}
                self.wfile.write(f"data: {json.dumps(done)}\n\n".encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


SUITE = """\
suite: toy
cases:
  - id: hello
    request:
      endpoint: toy
      messages: [{role: user, content: Say hello please}]
      max_tokens: 20
      temperature: 0.5
    expect:
      - status: 200
      - body_schema:
      - contains: hello from the toy
      - finish_reason: stop
      - usage: {prompt_tokens: {min: 3, max: 3}, completion_tokens: {min: 5, max: 5}}
  - id: streamed
    request:
      endpoint: toy
      stream: true
      messages: [{role: user, content: Stream it}]
    expect:
      - status: 200
      - stream: {usage: true}
      - contains: toy server
      - usage: {total_tokens: {max: 8}}
  - id: bad_key
    request:
      endpoint: toy
      auth: invalid
      messages: [{role: user, content: Hi}]
    expect:
      - status: 401
      - error_envelope: {class: auth}
"""

PROVIDERS = """\
providers:
  toyco:
    base_url: {url}
    dialect: openai
    api_key_env: TOY_KEY
    endpoints: {{toy: /v1/toy}}
    models:
      toy-1: {{price: {{input: 1.0, output: 2.0}}}}
"""


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    (results,) = out.glob("*/results.jsonl")
    rows = [json.loads(line) for line in results.read_text("utf-8").splitlines() if line]
    return {row["case"]: row for row in rows}


def test_a_suite_runs_over_a_protocol_defined_in_the_test_alone(
    toy: WireProtocol, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOY_KEY", KEY)
    suite = tmp_path / "toy.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    with ToyServer() as server:
        providers = tmp_path / "providers.yaml"
        providers.write_text(PROVIDERS.format(url=server.url), encoding="utf-8")
        rc = main(
            ["run", str(suite), "--providers", str(providers), "--target", "toyco/toy-1",
             "--mode", "live", "--retries", "0", "-q", "--out", str(tmp_path / "out")]
        )
    rows = _rows(tmp_path / "out")
    assert rc == 0, {case: row["failures"] for case, row in rows.items()}
    assert set(rows) == {"hello", "streamed", "bad_key"}

    hello = rows["hello"]
    assert (hello["status_code"], hello["passed"], hello["endpoint"]) == (200, True, "toy")
    assert json.loads(hello["response_excerpt"])["output"] == {"text": ANSWER}
    assert hello["request_sent"] == {"model": "toy-1", "prompt": "Say hello please", "limit": 20}
    assert (hello["prompt_tokens"], hello["completion_tokens"], hello["total_tokens"]) == (3, 5, 8)
    assert hello["finish_reason"] == "stop"
    assert hello["cost_usd"] == pytest.approx((3 * 1.0 + 5 * 2.0) / 1e6)
    assert hello["request_notes"] == ["temperature: not sent (toy has no temperature)"]
    assert "x-toy-key: $TOY_KEY" in hello["reproduce"]  # the key as its variable, never its value

    streamed = rows["streamed"]
    assert (streamed["status_code"], streamed["passed"], streamed["stream"]) == (200, True, True)
    assert '{"delta": "hello "}' in streamed["response_excerpt"]
    assert (streamed["prompt_tokens"], streamed["completion_tokens"]) == (3, 5)
    assert streamed["stream_events"] == len(ANSWER.split(" ")) + 1

    bad = rows["bad_key"]
    assert (bad["status_code"], bad["passed"], bad["error_class"]) == (401, True, "auth")

    sent = {r["body"]["prompt"]: r for r in server.received}
    first = sent["Say hello please"]
    assert first["path"] == "/v1/toy"
    assert first["body"] == {"model": "toy-1", "prompt": "Say hello please", "limit": 20}
    headers = {k.lower(): v for k, v in first["headers"].items()}
    assert headers["x-toy-key"] == KEY and headers["x-toy-version"] == "1"
    assert "authorization" not in headers
    assert sent["Stream it"]["body"]["stream"] is True
    (results,) = (tmp_path / "out").glob("*/results.jsonl")
    assert KEY not in results.read_text("utf-8")


def test_the_record_alone_drives_translation_normalisation_and_streams(toy: WireProtocol) -> None:
    body, notes = translate_request(
        {"messages": [{"role": "user", "content": "hi"}], "temperature": 1}, "toy", "openai", "m"
    )
    assert body == {"model": "m", "prompt": "hi"}
    assert notes == ["temperature: not sent (toy has no temperature)"]
    norm = normalize("toy", "openai", {"output": {"text": "yo"}, "tokens": {"in": 1, "out": 2}})
    assert norm is not None and norm.content == "yo" and norm.usage is not None
    assert norm.usage.total_tokens == 3
    cut = assemble("toy", b'data: {"delta": "a"}\n\n')
    assert cut.body == {"output": {"text": "a"}, "tokens": None, "end": None, "_assembled_from_stream": True}
    assert cut.problem is not None and 'data: {"done": true}' in cut.problem[1]
    assert "toy" in endpoints() and get_protocol("toy", "mistral") is TOY


def test_an_unknown_endpoint_in_a_suite_is_a_load_error_with_file_and_line(
    toy: WireProtocol, tmp_path: Path
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        "cases:\n"
        "  - id: a\n"
        "    request:\n"
        "      messages: [{role: user, content: hi}]\n"
        "      endpoint: tyo\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"{path}: line 5: case 'a' request.endpoint must be one of ")
    assert "'toy'" in first and first.endswith("got string 'tyo'; did you mean 'toy'?")


def test_an_unknown_endpoint_in_a_matrix_or_the_defaults_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n"
        "  request: {endpoint: toy}\n"
        "cases:\n"
        "  - id: a\n"
        "    request:\n"
        "      messages: [{role: user, content: hi}]\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match=r"line 2: case 'a' request.endpoint must be one of "):
        load_suite(path)  # toy is not registered in this test
    path.write_text(
        "cases:\n"
        "  - id: a\n"
        "    matrix: {endpoint: [chat, nope]}\n"
        "    request:\n"
        "      messages: [{role: user, content: hi}]\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match=r"line 3: .*got string 'nope'"):
        load_suite(path)


def test_a_providers_file_may_only_name_registered_endpoints(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROVIDERS.format(url="http://127.0.0.1:9"), encoding="utf-8")
    with pytest.raises(UsageError, match=r"unknown endpoint 'toy' \(known: chat, responses"):
        load_catalogue([path])
    register_protocol(TOY)
    try:
        provider = load_catalogue([path]).providers["toyco"]
    finally:
        unregister_protocol(TOY.name)
    assert provider.endpoints == {"toy": "/v1/toy"}


def test_an_unknown_endpoint_is_an_error_never_chat() -> None:
    with pytest.raises(UnknownEndpointError, match=r"unknown endpoint 'nope' \(known: chat"):
        StreamReader("nope")
    with pytest.raises(UnknownEndpointError):
        get_protocol("nope", "openai")
    with pytest.raises(ValueError, match="unknown endpoint"):  # also a ValueError, as before
        translate_request({"messages": []}, "nope", "openai", "m")
    assert issubclass(UnknownEndpointError, UsageError)


def test_registering_twice_is_an_error(toy: WireProtocol) -> None:
    with pytest.raises(RegistryError, match="already registered"):
        register_protocol(TOY)
    from dataclasses import replace

    with pytest.raises(RegistryError, match="already has a protocol for every dialect"):
        register_protocol(replace(OPENAI_CHAT, name="second-chat"))
    with pytest.raises(RegistryError, match="no wire protocol 'never' is registered"):
        unregister_protocol("never")
    assert get_protocol("chat", "openai") is OPENAI_CHAT
