"""What one captured request is: its endpoint, dialect and recorded answer (for `traffic`).

Endpoint, first rule that says wins:

    the URL path        each registered protocol's path (/chat/completions, /responses,
                        /messages), as the audit reads it (`audit.detect.endpoint_paths`);
                        any other path (/models, /embeddings, /messages/count_tokens, ...) is
                        not an LLM chat request
    the source's name   an `endpoint` field (a registered endpoint name)
    the request body    Anthropic-only shapes (a top-level `system`, `stop_sequences`,
                        `thinking`, tools with `input_schema`, tool_choice {type: any|tool},
                        tool_use / tool_result / `source` content blocks) and no chat-only
                        shape (a system/tool/developer message, `tool_calls`) -> messages
    the recorded answer a body a protocol recognises (`object: chat.completion`,
                        `type: message`, `object: response`)
    the body, again     `messages` -> chat; `input` without `messages` -> responses
                        (an `input` with an embedding model is an embeddings request)

Dialect (None unless the source says): an explicit `dialect`; the host or response headers
(`audit.detect`: api.mistral.ai -> mistral, api.openai.com / openai-* headers -> openai,
api.anthropic.com / anthropic-* -> anthropic, openrouter.ai -> openai); an `anthropic-version`
request header, or the messages endpoint -> anthropic; Mistral-only body fields
(`random_seed`, `safe_prompt`, `prompt_mode`, tool_choice "any") -> mistral.

A recorded answer (`Recorded`): status, headers (lower-cased names, first value), the raw body
(JSON re-serialised when the source stores it parsed; SSE text as is) and the latency. A JSON
body that a protocol recognises as a success object and comes with no status is taken as 200.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.audit.detect import detect, endpoint_paths
from harness.core.errors import UsageError
from harness.wire.protocols import dialects, endpoints, protocol_for_body, unknown_endpoint_message

__all__ = ["Recorded", "Skip", "body_endpoint", "dialect_of", "endpoint_of", "header_map",
           "http_status", "json_bytes", "recorded_of", "url_parts"]

# endpoints a captured log may name that are not LLM chat requests (skipped, not an error)
NOT_CHAT = frozenset({"models", "embeddings", "completions", "moderations", "images", "audio",
                      "files", "batches", "fim", "ocr", "rerank", "other"})
# URL path suffixes of endpoints that are no chat protocol (checked after the protocols' own)
NOT_CHAT_PATHS = (("/embeddings", "embeddings"), ("/moderations", "moderations"),
                  ("/fim/completions", "fim"), ("/completions", "completions"),
                  ("/images/generations", "images"), ("/audio/speech", "audio"),
                  ("/audio/transcriptions", "audio"), ("/files", "files"), ("/batches", "batches"),
                  ("/ocr", "ocr"), ("/rerank", "rerank"))
MISTRAL_FIELDS = ("random_seed", "safe_prompt", "prompt_mode")
ANTHROPIC_BLOCKS = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking",
                              "document", "server_tool_use", "web_search_tool_result"})
CHAT_ROLES = frozenset({"system", "tool", "developer", "function"})


@dataclass(frozen=True)
class Recorded:
    """A recorded answer that stands for the primary's."""

    status: int | None
    headers: dict[str, str]
    body: bytes  # raw body (SSE text for a stream)
    latency_ms: float | None


class Skip(Exception):
    """Not an LLM chat request: the reader counts it under `reason` and goes on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def url_parts(url: Any) -> tuple[str, str | None]:
    """(the URL as given, its path or None) of a `url` / `path` field."""
    if not isinstance(url, str) or not url:
        return "", None
    parts = urlsplit(url)
    return url, (parts.path or None)


def _messages(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = body.get("messages")
    return [m for m in items if isinstance(m, Mapping)] if isinstance(items, list) else []


def _blocks(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, Mapping)] if isinstance(content, list) else []


def _anthropic_tools(body: Mapping[str, Any]) -> bool:
    tools = body.get("tools")
    return isinstance(tools, list) and any(
        isinstance(t, Mapping) and "input_schema" in t for t in tools)


def _anthropic_tool_choice(body: Mapping[str, Any]) -> bool:
    choice = body.get("tool_choice")
    return (isinstance(choice, Mapping) and "function" not in choice
            and choice.get("type") in ("auto", "any", "tool", "none"))


def _anthropic_blocks(body: Mapping[str, Any]) -> bool:
    for message in _messages(body):
        for block in _blocks(message):
            if block.get("type") in ANTHROPIC_BLOCKS or "source" in block:
                return True
    return False


# (what it shows, test): the shapes only an Anthropic Messages request has
ANTHROPIC_SHAPES: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    ("top-level system", lambda b: "system" in b),
    ("stop_sequences", lambda b: "stop_sequences" in b),
    ("thinking", lambda b: isinstance(b.get("thinking"), Mapping)),
    ("anthropic_version", lambda b: "anthropic_version" in b),
    ("input_schema tools", _anthropic_tools),
    ("tool_choice type", _anthropic_tool_choice),
    ("content blocks", _anthropic_blocks),
)


def _chat_only(body: Mapping[str, Any]) -> bool:
    return any(m.get("role") in CHAT_ROLES or "tool_calls" in m for m in _messages(body))


def body_endpoint(body: Mapping[str, Any], response: Any = None) -> str | None:
    """The endpoint a request body (and its recorded answer) looks like; None when it is no
    chat request (see the module docstring)."""
    if "messages" in body:
        if not _chat_only(body) and any(test(body) for _, test in ANTHROPIC_SHAPES):
            return "messages"
        if isinstance(response, Mapping):
            found = protocol_for_body(dict(response))
            if found is not None and found.endpoint in ("chat", "messages"):
                return found.endpoint
        return "chat"
    if "input" in body:
        return "embeddings" if "embed" in str(body.get("model") or "").lower() else "responses"
    return None


def _path_endpoint(path: str | None) -> str | None:
    if not path:
        return None
    clean = path.rstrip("/")
    for suffix, name in (*endpoint_paths(), *NOT_CHAT_PATHS):
        if clean.endswith(suffix):
            return name
    return None


def endpoint_of(body: Mapping[str, Any], path: str | None, named: Any,
                response: Any = None) -> str:
    """The item's endpoint (chat | responses | messages), or Skip when it is none."""
    endpoint = _path_endpoint(path)
    if endpoint is None and path:
        raise Skip(f"path {path}")
    if endpoint is None and named is not None:
        if isinstance(named, str) and named in NOT_CHAT:
            endpoint = named
        else:
            problem = unknown_endpoint_message(named)
            if problem is not None:
                raise UsageError(problem)
            endpoint = str(named)
    if endpoint is None:
        endpoint = body_endpoint(body, response)
    if endpoint is None:
        raise Skip("not an LLM chat request (no messages or input)")
    if endpoint not in endpoints():
        raise Skip(f"endpoint {endpoint}")
    return endpoint


def dialect_of(uri: str, request_headers: Mapping[str, str], response_headers: Mapping[str, str],
               body: Mapping[str, Any], endpoint: str, named: Any = None) -> str | None:
    """The item's provider dialect when the source says (module docstring), else None."""
    if named is not None:
        if named not in dialects():
            raise UsageError(f"unknown dialect {named!r} (known: {', '.join(dialects())})")
        return str(named)
    found = detect(uri, dict(request_headers), dict(response_headers), body, None)
    if found.how in ("host", "headers"):
        return found.dialect
    if "anthropic-version" in request_headers or endpoint == "messages":
        return "anthropic"
    if any(key in body for key in MISTRAL_FIELDS) or body.get("tool_choice") == "any":
        return "mistral"
    return None


def header_map(raw: Any) -> dict[str, str]:
    """Headers as lower-cased name -> first value (`name: [values]` or `name: value`)."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            value = value[0] if value else ""
        out[str(key).lower()] = "" if value is None else str(value)
    return out


def http_status(value: Any) -> int | None:
    """An HTTP status code from a number or a numeric string; UsageError otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return value
    raise UsageError(f"status {value!r} is not an HTTP status code")


def json_bytes(value: Any) -> bytes:
    """A body as bytes: text as is, JSON structures serialised, nothing as b""."""
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogateescape")
    return json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")


def _latency(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _is_envelope(resp: Any) -> bool:
    """{status_code, body} (a Batch API output line's response) or {status|headers, body}."""
    return isinstance(resp, Mapping) and (
        "status_code" in resp or ("body" in resp and ("status" in resp or "headers" in resp)))


def recorded_of(wrapper: Mapping[str, Any]) -> Recorded | None:
    """The recorded answer of a wrapped line ({"request": ..., "response": ..., "status": ...}),
    or None when it has none."""
    resp = wrapper.get("response")
    status = http_status(wrapper.get("status", wrapper.get("status_code")))
    headers = header_map(wrapper.get("response_headers"))
    latency = _latency(wrapper.get("latency_ms"))
    if resp is None and status is None:
        return None
    if _is_envelope(resp):
        assert isinstance(resp, Mapping)
        if status is None:
            status = http_status(resp.get("status_code", resp.get("status")))
        headers = header_map(resp.get("headers")) or headers
        latency = _latency(resp.get("latency_ms")) if latency is None else latency
        resp = resp.get("body")
    if status is None and isinstance(resp, Mapping) and protocol_for_body(dict(resp)) is not None:
        status = 200  # a success object with no status: what the API answers it with
    return Recorded(status=status, headers=headers, body=json_bytes(resp), latency_ms=latency)
