"""Which provider, wire dialect and endpoint a recorded interaction belongs to.

Provider and dialect, first match wins:
1. the host: api.mistral.ai -> mistral; api.openai.com -> openai; api.anthropic.com, or an
   `/anthropic/` pass-through path (gateway.pydantic.dev/proxy/anthropic) -> anthropic;
   openrouter.ai -> the provider `openrouter`, OpenAI-compatible (dialect openai);
2. response headers: mistral-correlation-id / x-kong-request-id / ratelimitbysize-* -> mistral;
   anthropic-* / x-should-retry / request-id -> anthropic; openai-* -> openai;
3. the body's shape: an Anthropic message or event stream, a request with `anthropic-version`
   -> anthropic; anything else is taken as OpenAI-compatible (provider = the host name).

Endpoint: the path (each registered wire protocol's default path: `/chat/completions` chat,
`/responses`, `/messages`; and `/models`), else the body, else the SSE text, else the request,
as each protocol's `sniff` rule says (`object: chat.completion(.chunk)`, `object: response`,
`type: message`, SSE event names; `input` -> responses, `messages` -> chat); `other` when
nothing says. A host no rule knows speaks the protocol's home dialect (messages: anthropic),
else openai.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.wire.protocols import find_protocol, protocols

# host suffix -> (provider, dialect)
HOSTS = (
    ("mistral.ai", "mistral", "mistral"),
    ("openai.com", "openai", "openai"),
    ("anthropic.com", "anthropic", "anthropic"),
    ("openrouter.ai", "openrouter", "openai"),
)
# endpoints that are no wire protocol but are recognised by their path
OTHER_PATHS = (("/models", "models"),)


def endpoint_paths() -> list[tuple[str, str]]:
    """(path suffix, endpoint) of every registered protocol, then of the other endpoints."""
    paths = [(p.path, p.endpoint) for p in protocols()]
    return list(dict.fromkeys([*paths, *OTHER_PATHS]))


@dataclass(frozen=True)
class Detected:
    provider: str  # mistral | openai | anthropic | openrouter | <host>
    dialect: str  # the wire dialect: mistral | openai | anthropic
    endpoint: str  # chat | responses | messages | models | other
    base_url: str  # scheme://host/prefix, the endpoint path removed
    path: str  # the endpoint path (e.g. /chat/completions)
    how: str  # what decided the provider: host | headers | body (| catalogue, in the pipeline)


def _host_rule(host: str, path: str) -> tuple[str, str] | None:
    for suffix, provider, dialect in HOSTS:
        if host == suffix or host.endswith("." + suffix):
            return provider, dialect
    if "/anthropic/" in path or path.startswith("/anthropic"):
        return "anthropic", "anthropic"
    return None


def _header_rule(headers: dict[str, str]) -> str | None:
    names = set(headers)
    if "mistral-correlation-id" in names or "x-kong-request-id" in names:
        return "mistral"
    if any("ratelimitbysize" in n for n in names):
        return "mistral"
    if any(n.startswith("anthropic-") for n in names) or "x-should-retry" in names:
        return "anthropic"
    if str(headers.get("request-id", "")).startswith("req_"):
        return "anthropic"
    if any(n.startswith("openai-") for n in names):
        return "openai"
    return None


def _body_endpoint(response: Any, sse: str, request: Any) -> str | None:
    """The endpoint the recorded answer (JSON body or SSE text), else the request, looks like."""
    if isinstance(response, dict):
        for protocol in protocols():
            if protocol.sniff.body is not None and protocol.sniff.body(response):
                return protocol.endpoint
        if response.get("object") == "list" and isinstance(response.get("data"), list):
            return "models"
    if sse:
        compact = sse.replace(" ", "")
        for protocol in protocols():
            if any(m in sse or m in compact for m in protocol.sniff.sse):
                return protocol.endpoint
    if isinstance(request, dict):
        for protocol in protocols():
            if protocol.sniff.request is not None and protocol.sniff.request(request):
                return protocol.endpoint
    return None


def _home_dialect(endpoint: str) -> str | None:
    protocol = find_protocol(endpoint)
    return protocol.home_dialect if protocol is not None else None


def detect(
    uri: str,
    request_headers: dict[str, str],
    response_headers: dict[str, str],
    request: Any,
    response: Any,
    sse: str = "",
) -> Detected:
    """Provider, dialect and endpoint of one interaction (see the module docstring)."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    endpoint, endpoint_path = None, ""
    for suffix, name in endpoint_paths():
        if path.endswith(suffix):
            endpoint, endpoint_path = name, suffix
            break
    if endpoint is None:
        endpoint = _body_endpoint(response, sse, request) or "other"
    base_path = path[: len(path) - len(endpoint_path)] if endpoint_path else path
    base_url = f"{parts.scheme or 'https'}://{parts.netloc}{base_path}"

    rule = _host_rule(host, path)
    how = "host"
    if rule is None:
        by_header = _header_rule(response_headers)
        if by_header is not None:
            rule, how = (by_header, by_header), "headers"
        elif (
            _home_dialect(endpoint) == "anthropic"
            or "anthropic-version" in request_headers
            or (isinstance(response, dict) and response.get("type") == "message")
        ):
            rule, how = (host or "anthropic", "anthropic"), "body"
        else:
            rule, how = (host or "unknown", "openai"), "body"
    provider, dialect = rule
    if how == "headers":
        provider = host or dialect
    return Detected(provider, dialect, endpoint, base_url, endpoint_path, how)
