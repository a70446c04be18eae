"""Request building: a canonical request (OpenAI chat spelling) -> the body, URL and headers.

Suites are written once. The wire format depends on the ENDPOINT, then on the dialect:

    chat       the provider's dialect (wire/chat.py): mistral rewrites tool_choice "required"
               -> "any", seed -> random_seed, image_url as a plain string; openai rewrites
               tool_choice "any" -> "required"
    responses  the OpenAI Responses format, whatever the provider's dialect (wire/responses.py)
    messages   the Anthropic Messages format, whatever the provider's dialect (wire/messages.py)

A canonical field the endpoint cannot carry (seed on messages, stop on responses, ...) is left
out and named in `Prepared.notes` (and the row's `request_notes`): the case still runs, and the
result says what was sent and what was not (wire/canonical.py DROPPED).

Headers: chat and responses send `authorization: Bearer <key>`; messages sends `x-api-key` and
`anthropic-version: 2023-06-01` and no Authorization (whatever the provider's dialect).

`raw: true` cases bypass all of this and send `request.body` untouched (negative tests).
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
from harness.wire.canonical import HARNESS_KEYS, dropped_notes
from harness.wire.chat import translate_chat
from harness.wire.images import resolve_images
from harness.wire.messages import ANTHROPIC_VERSION, translate_messages
from harness.wire.responses import translate_responses

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
    return translate_chat(request, dialect, model)


def translate_request(
    request: dict[str, Any], endpoint: str, dialect: str, model: str
) -> tuple[dict[str, Any], list[str]]:
    """(wire body, notes on fields not sent) for a canonical request on `endpoint` (pure).

    `images` entries are sent as they are (URLs or data URIs): `prepare` reads local files
    first.
    """
    if endpoint == "responses":
        body = translate_responses(request, model)
    elif endpoint == "messages":
        body = translate_messages(request, model)
    elif endpoint == "chat":
        body = translate_chat(request, dialect, model)
    else:
        raise ValueError(f"unknown endpoint {endpoint!r}")
    return body, dropped_notes(request, endpoint)


def request_notes(request: dict[str, Any], endpoint: str) -> list[str]:
    """The canonical fields of `request` that `endpoint` does not carry, one note each (pure)."""
    return dropped_notes(request, endpoint)


def _substitute_model(value: Any, model: str) -> Any:
    """Replace the placeholder "{{model}}" in a raw body's strings with the target's model."""
    if isinstance(value, str):
        return value.replace("{{model}}", model)
    if isinstance(value, list):
        return [_substitute_model(v, model) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_model(v, model) for k, v in value.items()}
    return value


def prepare(job: Job, api_key: str | None) -> Prepared:
    """Build the HTTP request for a job: URL, headers (with the key), translated body."""
    target = job.target
    provider = target.provider
    request = job.request
    endpoint = str(request.get("endpoint", "chat"))
    path = provider.endpoints.get(endpoint)
    if path is None:
        raise UsageError(
            f"case {job.case.id!r}: provider {provider.name!r} does not serve endpoint "
            f"{endpoint!r} (it serves {', '.join(sorted(provider.endpoints))})"
        )
    notes: list[str] = []
    if job.case.raw:
        raw_body = _substitute_model(request.get("body"), target.model.id)
        payload = raw_body.encode() if isinstance(raw_body, str) else json.dumps(raw_body).encode()
        sent: Any = raw_body
    else:
        request = resolve_images(request, job.case)
        sent, notes = translate_request(request, endpoint, provider.dialect, target.model.id)
        payload = json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream" if request.get("stream") else "application/json",
        "user-agent": USER_AGENT,
    }
    if endpoint == "messages":
        headers["anthropic-version"] = ANTHROPIC_VERSION
    headers.update(provider.headers)
    auth = request.get("auth", "key")
    key = INVALID_KEY if auth == "invalid" else api_key
    if auth != "none" and key:
        if endpoint == "messages":
            headers["x-api-key"] = key
        else:
            headers["authorization"] = f"Bearer {key}"
    return Prepared(
        method="POST",
        url=provider.base_url + path,
        headers=headers,
        masked_headers=mask_headers(headers, set(provider.secret_headers)),
        body=payload,
        sent=sent,
        notes=notes,
    )


def curl_command(
    method: str, url: str, masked_headers: dict[str, str], body: Any, key_env: str | None
) -> str:
    """A curl line reproducing a request; the key appears as its environment variable."""
    parts = [f"curl -sS -X {method} '{url}'"]
    for name, value in masked_headers.items():
        low = name.lower()
        if low == "user-agent":
            continue
        if value.endswith("***") and key_env and low in ("authorization", "x-api-key"):
            value = f"Bearer ${key_env}" if low == "authorization" else f"${key_env}"
            parts.append(f'-H "{name}: {value}"')
            continue
        parts.append(f"-H '{name}: {value}'")
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    if len(text) > 4000:
        text = text[:4000] + "...(truncated)"
    parts.append("-d '" + text.replace("'", "'\\''") + "'")
    return " ".join(parts)
