"""An Exchange (what the engine saw on the wire) -> a cassette Interaction, secrets removed.

What is kept: method, URL (secret query parameters hashed), the request body exactly as sent,
request and response headers (secret ones hashed, cookies dropped: `record.scrub`), status,
the response body (decoded), the stream chunks with their offsets (seconds since the request
started), the measured latency / TTFB / TTFT, the engine's error class for a broken stream,
and the job's repeat index and turn (so replay maps repeat r, turn t back to what it was).

Secrets: the headers are scrubbed with the provider's own `secret_headers` on top of the
built-in list, on the request AND the response side; then, as a last line of defence, every
secret value the request carried (the key, the bare key of "Bearer <key>", their
percent-encoded forms) is replaced wherever it still appears (URL, headers, body, chunks: a
provider may echo a key in an error message).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.core.models import Exchange, Provider
from harness.core.secrets import Scrubber, secret_forms
from harness.record.cassette import Interaction, secret_hash
from harness.record.scrub import SECRET_HEADERS, scrub_headers, scrub_url

__all__ = ["interaction_from", "recordable", "secret_values"]


def _secret_names(provider: Provider) -> tuple[str, ...]:
    """The provider's own secret headers and every registered protocol's key header (a
    protocol may carry its key in a header of its own, e.g. `x-toy-key`)."""
    from harness.wire.protocols import protocols

    return (*(s.lower() for s in provider.secret_headers),
            *(p.auth.header.lower() for p in protocols() if p.auth is not None))


def secret_values(headers: dict[str, str], provider: Provider, api_key: str | None) -> list[str]:
    """Every secret value a request carries: the key, and the values of secret headers (and
    the bare token of `Bearer <token>`), longest first."""
    names = SECRET_HEADERS | set(_secret_names(provider))
    found: set[str] = set()
    if api_key:
        found.add(api_key)
    for name, value in headers.items():
        if name.lower() in names and value:
            found.add(value)
            _scheme, sep, rest = value.partition(" ")
            if sep and rest:
                found.add(rest)
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def _forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as it may be spelled on the wire (core.secrets.secret_forms: as is,
    percent-encoded, JSON-escaped, base64 at any alignment, hex)."""
    return secret_forms(secrets)


def _redact_text(text: str, forms: Sequence[str]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, secret_hash(form))
    return text


def _redact_bytes(data: bytes, forms: Sequence[str]) -> bytes:
    for form in forms:
        raw = form.encode()
        if raw in data:
            data = data.replace(raw, secret_hash(form).encode())
    return data


def interaction_from(
    exchange: Exchange,
    *,
    request_headers: dict[str, str],
    request_body: bytes,
    provider: Provider,
    api_key: str | None,
    repeat: int | None = None,
    turn: int | None = None,
) -> Interaction:
    """The cassette interaction of one exchange. `request_headers` are the REAL headers sent
    (scrubbed here to short hashes, so two keys stay distinguishable); `request_body` the
    bytes sent."""
    secret_names = _secret_names(provider)
    secrets = secret_values(request_headers, provider, api_key)
    forms = _forms(secrets)
    echoes = Scrubber(secrets)  # the masked echoes (sk-abc***wxyz) and the env's secrets
    chunks: list[tuple[float, bytes]] | None = None
    if exchange.chunks:
        chunks = [(offset, echoes.scrub_bytes(_redact_bytes(c, forms)))
                  for offset, c in exchange.chunks]
    req_headers = scrub_headers(request_headers, secret_names)
    resp_headers = scrub_headers(exchange.response_headers, secret_names, response=True)
    if forms:
        req_headers = {k: [_redact_text(v, forms) for v in vs] for k, vs in req_headers.items()}
        resp_headers = {k: [_redact_text(v, forms) for v in vs] for k, vs in resp_headers.items()}
    reason = _reason(exchange)
    return Interaction(
        method=exchange.method,
        uri=_redact_text(scrub_url(exchange.url, secret_names), forms),
        request_body=_redact_text(request_body.decode("utf-8", errors="replace"), forms),
        request_headers=req_headers,
        status=int(exchange.status_code or 0),
        reason=reason,
        response_headers=resp_headers,
        body=echoes.scrub_bytes(_redact_bytes(exchange.body, forms)),
        latency_ms=exchange.latency_ms,
        ttfb_ms=exchange.ttfb_ms,
        ttft_ms=exchange.ttft_ms,
        chunks=chunks,
        repeat=repeat,
        turn=turn,
        error_class=exchange.error_class,
        error_message=(
            echoes.scrub(_redact_text(exchange.error_message, forms))
            if exchange.error_message else None
        ),
    )


def _reason(exchange: Exchange) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(int(exchange.status_code or 0)).phrase
    except ValueError:
        return ""


def recordable(exchange: Exchange) -> bool:
    """Only an exchange that got an HTTP response can be a vcrpy interaction (a timeout or a
    refused connection has no response to replay)."""
    return exchange.status_code is not None

