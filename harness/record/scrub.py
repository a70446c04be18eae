"""Secrets never reach a cassette: scrub request and response headers and query parameters.

vcrpy's `filter_headers` only touches request headers; providers also echo identifiers in
response headers and set cookies. Here: every header a provider or this module calls secret is
replaced by a short hash on both sides (so matching by key still distinguishes two keys), and
cookies are dropped. Bodies are not rewritten; the secret-search test proves no key reaches one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.core.secrets import DROPPED_HEADERS as _DROPPED
from harness.core.secrets import SECRET_HEADERS, SECRET_QUERY
from harness.record.cassette import secret_hash

__all__ = ["DROPPED_HEADERS", "SECRET_HEADERS", "SECRET_QUERY", "scrub_headers", "scrub_url"]

DROPPED_HEADERS = _DROPPED
# The body is stored decoded, so the framing headers of the original no longer describe it.
DECODED_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def scrub_headers(
    headers: Iterable[tuple[str, str]] | Mapping[str, str],
    secret: Iterable[str] = (),
    *,
    response: bool = False,
) -> dict[str, list[str]]:
    """Headers as vcrpy stores them (name -> [values]), secrets hashed, cookies dropped."""
    secret_names = SECRET_HEADERS | {s.lower() for s in secret}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, list[str]] = {}
    for name, value in items:
        low = name.lower()
        if low in DROPPED_HEADERS or (response and low in DECODED_BODY_HEADERS):
            continue
        if low in secret_names:
            scheme, sep, rest = value.partition(" ")
            value = f"{scheme} {secret_hash(rest)}" if sep and low.endswith("authorization") else secret_hash(value)
        out.setdefault(low, []).append(value)
    return out


def scrub_url(url: str, secret: Iterable[str] = ()) -> str:
    """The URL with secret query parameters replaced by a hash."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    names = SECRET_QUERY | {s.lower() for s in secret}
    query = [(k, secret_hash(v) if k.lower() in names else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))
