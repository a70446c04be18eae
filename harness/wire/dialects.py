"""Request building: a canonical request (OpenAI chat spelling) -> the body, URL and headers.

Suites are written once. The wire format is the PROTOCOL's (wire/protocols.py): the endpoint
names it, the provider's dialect picks among the endpoint's records:

    chat       mistral: Mistral chat (tool_choice "required" -> "any", seed -> random_seed,
               image_url as a plain string); any other dialect: OpenAI chat (tool_choice
               "any" -> "required") (wire/chat.py)
    responses  the OpenAI Responses format, whatever the provider's dialect (wire/responses.py)
    messages   the Anthropic Messages format, whatever the provider's dialect (wire/messages.py)
    <other>    any registered protocol; an endpoint nobody registered is an UnknownEndpointError

A canonical field the protocol cannot carry (seed on messages, stop on responses, ...) is left
out and named in `Prepared.notes` (and the row's `request_notes`): the case still runs, and the
result says what was sent and what was not (each protocol's `dropped` table and `notes`).

Headers: the protocol's auth rule puts the key in its header (chat and responses:
`authorization: Bearer <key>`; messages: `x-api-key: <key>`, no Authorization) and adds its
fixed headers (messages: `anthropic-version: 2023-06-01`), whatever the provider's dialect.
The auth header is always masked in `masked_headers`, even when core.secrets does not know it.

`raw: true` cases bypass translation and send `request.body` untouched (negative tests).
Harness-only request keys never reach the wire: endpoint, auth, extra (merged in untranslated),
body, system (the endpoint's system prompt), images (image parts of the last user message;
local files are read here and sent as base64 data URIs, wire/images.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import UsageError
from harness.core.models import Job
from harness.core.secrets import SECRET_HEADERS, mask_headers
from harness.wire.canonical import HARNESS_KEYS
from harness.wire.images import resolve_images
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import DEFAULT_ENDPOINT, auth_schemes, get_protocol

__all__ = [
    "HARNESS_KEYS",
    "INVALID_KEY",
    "SECRET_HEADERS",
    "Prepared",
    "curl_command",
    "mask_headers",
    "prepare",
    "request_notes",
    "translate",
    "translate_request",
]

INVALID_KEY = "invalid-harness-key-00000000"
USER_AGENT = "llm-contract-harness/0.1"


@dataclass
class Prepared:
    """A request ready for the wire. `headers` holds the real key; log `masked_headers` only."""

    method: str
    url: str
    headers: dict[str, str]
    masked_headers: dict[str, str]
    body: bytes
    sent: Any  # the JSON object sent (or the raw text of a raw case)
    notes: list[str] = field(default_factory=list)  # canonical fields not sent, and why


def translate(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """The wire body for a canonical chat request in `dialect` (pure, no I/O)."""
    return get_protocol(DEFAULT_ENDPOINT, dialect).translate(request, dialect, model)


def translate_request(
    request: dict[str, Any], endpoint: str, dialect: str, model: str
) -> tuple[dict[str, Any], list[str]]:
    """(wire body, notes on fields not sent) for a canonical request on `endpoint` (pure).

    `images` entries are sent as they are (URLs or data URIs): `prepare` reads local files
    first. An unregistered endpoint raises UnknownEndpointError (also a ValueError).
    """
    protocol = get_protocol(endpoint, dialect)
    return protocol.translate(request, dialect, model), protocol.request_notes(request)


def request_notes(request: dict[str, Any], endpoint: str, dialect: str | None = None) -> list[str]:
    """The canonical fields of `request` that `endpoint` does not carry, one note each (pure)."""
    return get_protocol(endpoint, dialect).request_notes(request)


def _substitute_model(value: Any, model: str) -> Any:
    """Replace the placeholder "{{model}}" in a raw body's strings with the target's model."""
    if isinstance(value, str):
        return value.replace("{{model}}", model)
    if isinstance(value, list):
        return [_substitute_model(v, model) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_model(v, model) for k, v in value.items()}
    return value


def _body(job: Job, endpoint: str) -> tuple[bytes, Any, list[str]]:
    """(payload, the JSON object or raw text sent, notes) of a job's request."""
    target = job.target
    request = job.request
    if job.case.raw:
        raw_body = _substitute_model(request.get("body"), target.model.id)
        payload = raw_body.encode() if isinstance(raw_body, str) else json.dumps(raw_body).encode()
        return payload, raw_body, []
    request = resolve_images(request, job.case)
    sent, notes = translate_request(request, endpoint, target.dialect, target.model.id)
    return json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode(), sent, notes


def _headers(
    protocol: WireProtocol, job: Job, api_key: str | None
) -> dict[str, str]:
    """Content negotiation, the protocol's fixed headers, the provider's, then the key."""
    request = job.request
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream" if request.get("stream") else "application/json",
        "user-agent": USER_AGENT,
    }
    headers.update(protocol.headers)
    headers.update(job.target.provider.headers)
    auth = request.get("auth", "key")
    key = INVALID_KEY if auth == "invalid" else api_key
    if auth != "none" and key:
        headers[protocol.auth.header] = protocol.auth.value(key)
    return headers


def join_url(base_url: str, path: str) -> str:
    """base_url + path, a query in the base_url kept after the path (`https://gw/v1?key=K` +
    `/chat/completions` -> `https://gw/v1/chat/completions?key=K`)."""
    base, sep, query = base_url.partition("?")
    return base + path + (sep + query if sep else "")


def prepare(job: Job, api_key: str | None) -> Prepared:
    """Build the HTTP request for a job: URL, headers (with the key), translated body."""
    provider = job.target.provider
    endpoint = str(job.request.get("endpoint", DEFAULT_ENDPOINT))
    protocol = get_protocol(endpoint, provider.dialect)
    path = provider.endpoints.get(endpoint)
    if path is None:
        raise UsageError(
            f"case {job.case.id!r}: provider {provider.name!r} does not serve endpoint "
            f"{endpoint!r} (it serves {', '.join(sorted(provider.endpoints))})"
        )
    payload, sent, notes = _body(job, endpoint)
    headers = _headers(protocol, job, api_key)
    secret = {*provider.secret_headers, protocol.auth.header}
    return Prepared(
        method="POST",
        url=join_url(provider.base_url, path),
        headers=headers,
        masked_headers=mask_headers(headers, secret),
        body=payload,
        sent=sent,
        notes=notes,
    )


def curl_command(
    method: str, url: str, masked_headers: dict[str, str], body: Any, key_env: str | None
) -> str:
    """A curl line reproducing a request; the key appears as its environment variable."""
    parts = [f"curl -sS -X {method} '{url}'"]
    schemes = auth_schemes()  # every registered protocol's key header
    for name, value in masked_headers.items():
        low = name.lower()
        if low == "user-agent":
            continue
        if value.endswith("***") and key_env and low in schemes:
            scheme = schemes[low]
            value = f"{scheme} ${key_env}" if scheme else f"${key_env}"
            parts.append(f'-H "{name}: {value}"')
            continue
        parts.append(f"-H '{name}: {value}'")
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    if len(text) > 4000:
        text = text[:4000] + "...(truncated)"
    parts.append("-d '" + text.replace("'", "'\\''") + "'")
    return " ".join(parts)
