"""Dialect translation: a canonical request (OpenAI spelling) -> the body a provider expects.

Suites are written once. Each dialect rewrites what differs on its wire:

    mistral:   tool_choice "required" -> "any"; seed -> random_seed
    openai:    tool_choice "any" -> "required" (the OpenAI spelling of "force a tool call")

`raw: true` cases bypass all of this and send `request.body` untouched (negative tests).
Harness-only request keys never reach the wire: endpoint, auth, extra (merged in untranslated),
body, system (becomes a leading system message).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from harness.core.errors import UsageError
from harness.core.models import Job

# Keys of the canonical request that are harness options, not wire parameters.
HARNESS_KEYS = frozenset({"endpoint", "auth", "extra", "body", "system", "images"})
# Header names whose values are secret whatever the provider says.
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cookie", "proxy-authorization"})
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


def translate(request: dict[str, Any], dialect: str, model: str) -> dict[str, Any]:
    """The wire body for a canonical chat request in `dialect` (pure, no I/O)."""
    body: dict[str, Any] = {"model": model}
    messages = copy.deepcopy(request.get("messages") or [])
    if request.get("system"):
        messages.insert(0, {"role": "system", "content": request["system"]})
    body["messages"] = messages
    for key, value in request.items():
        if key in HARNESS_KEYS or key == "messages":
            continue
        body[key] = copy.deepcopy(value)
    if dialect == "mistral":
        _to_mistral(body)
    elif dialect == "openai":
        _to_openai(body)
    for key, value in (request.get("extra") or {}).items():
        body[key] = copy.deepcopy(value)
    return body


def _to_mistral(body: dict[str, Any]) -> None:
    if body.get("tool_choice") == "required":
        body["tool_choice"] = "any"
    if "seed" in body:
        body["random_seed"] = body.pop("seed")


def _to_openai(body: dict[str, Any]) -> None:
    if body.get("tool_choice") == "any":
        body["tool_choice"] = "required"


def _substitute_model(value: Any, model: str) -> Any:
    """Replace the placeholder "{{model}}" in a raw body's strings with the target's model."""
    if isinstance(value, str):
        return value.replace("{{model}}", model)
    if isinstance(value, list):
        return [_substitute_model(v, model) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_model(v, model) for k, v in value.items()}
    return value


def mask_headers(headers: dict[str, str], secret: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """A copy with every secret header's value replaced (scheme kept for Authorization)."""
    masked: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in SECRET_HEADERS or low in secret:
            if low in ("authorization", "proxy-authorization") and " " in value:
                masked[name] = value.split(" ", 1)[0] + " ***"
            else:
                masked[name] = "***"
        else:
            masked[name] = value
    return masked


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
    if job.case.raw:
        raw_body = _substitute_model(request.get("body"), target.model.id)
        payload = raw_body.encode() if isinstance(raw_body, str) else json.dumps(raw_body).encode()
        sent: Any = raw_body
    else:
        if endpoint != "chat":
            raise UsageError(
                f"case {job.case.id!r}: endpoint {endpoint!r} is not supported yet (chat only)"
            )
        sent = translate(request, provider.dialect, target.model.id)
        payload = json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream" if request.get("stream") else "application/json",
        "user-agent": USER_AGENT,
    }
    headers.update(provider.headers)
    auth = request.get("auth", "key")
    key = INVALID_KEY if auth == "invalid" else api_key
    if auth != "none" and key:
        if provider.dialect == "anthropic":
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
