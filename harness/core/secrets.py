"""What is secret, in one place: header and query names, masking, and scrubbing of echoes.

Every module that writes or shows a request (the wire layer's masked headers and curl line,
the cassette scrubber, the audit reader, run.json's argv, an error body's key echo) takes its
names and its masking from here, so the lists can never disagree again.

    SECRET_HEADERS    header names whose values are secret whatever the provider says
                      (a provider adds its own with `secret_headers:`)
    SECRET_QUERY      query parameters that carry keys (`?key=...`, as Gemini-style gateways)
    mask_headers      a copy with secret values replaced ("Bearer ***" keeps the scheme)
    secret_values     the literal secrets of a prepared request (header values, bare keys)
    scrub_key_echoes  a body with the key and the masked echo providers print removed
    env_secrets       the values of secret-named environment variables (for scrub_text)
    mask_argv         argv with key-like flags, assignments and environment secrets masked
    secret_forms      each secret as it may be spelled where it lands: raw, percent-encoded
                      (quote, quote_plus), JSON-escaped, base64 (standard and URL-safe, at
                      each of the three alignments inside a longer base64 text), hex
    Scrubber          THE scrubber for everything written: rows, reports, cassettes and their
                      metadata, run.json, the shadow log, stdout/stderr and exception messages
                      all pass through one (`scrub`, `scrub_bytes`, `scrub_obj`); it knows
                      every secret of the run in every form above and the masked echoes
                      providers print (`sk-proj-*****5678`, `sk-abcdef...wxyz`)
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

__all__ = [
    "DROPPED_HEADERS",
    "SECRET_HEADERS",
    "SECRET_QUERY",
    "Scrubber",
    "env_secrets",
    "is_secret_header",
    "mask_argv",
    "mask_headers",
    "mask_url_secrets",
    "scrub_key_echoes",
    "scrub_text",
    "secret_forms",
    "secret_values",
    "url_secrets",
]

SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key",
    "openai-organization", "openai-project", "cookie", "set-cookie",
})
# Never stored at all (a cassette drops them rather than hashing them).
DROPPED_HEADERS = frozenset({"cookie", "set-cookie"})
SECRET_QUERY = frozenset({"key", "api_key", "apikey", "access_token", "token"})
_SCHEMED = ("authorization", "proxy-authorization")


def is_secret_header(name: str, extra: Iterable[str] = ()) -> bool:
    """True for a secret header name (case-insensitive), `extra` being a provider's own."""
    low = name.lower()
    return low in SECRET_HEADERS or low in {e.lower() for e in extra}


def mask_headers(headers: Mapping[str, str], secret: Iterable[str] = ()) -> dict[str, str]:
    """A copy with every secret header's value replaced (scheme kept for Authorization)."""
    extra = {s.lower() for s in secret}
    masked: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in SECRET_HEADERS or low in extra:
            if low in _SCHEMED and " " in value:
                masked[name] = value.split(" ", 1)[0] + " ***"
            else:
                masked[name] = "***"
        else:
            masked[name] = value
    return masked


def secret_values(
    headers: Mapping[str, str], masked: Mapping[str, str], api_key: str | None
) -> list[str]:
    """The literal secrets of a request: each header value its masked copy hides, the bare
    credential after a scheme ("Bearer sk-..." -> "sk-..."), and the key; longest first."""
    found = [v for k, v in headers.items() if masked.get(k) != v and v]
    for value in list(found):
        if " " in value:
            found.append(value.split(" ", 1)[1])
    if api_key:
        found.append(api_key)
    return sorted(set(found), key=len, reverse=True)


def scrub_text(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by ***."""
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, "***")
    return text


def scrub_key_echoes(body: bytes, secrets: Sequence[str]) -> bytes:
    """A body with every echo of a secret removed: the secret itself, and the masked echo
    providers print ("Incorrect API key provided: sk-proj-*****5678"), which still shows the
    key's first and last characters."""
    if not body:
        return body
    text = body.decode("utf-8", errors="surrogateescape")
    changed = False
    for secret in secrets:
        if len(secret) < 8:
            continue
        if secret in text:
            text = text.replace(secret, "***")
            changed = True
        pattern = re.compile(
            re.escape(secret[:3]) + r"[^\s\"']*\*[^\s\"']*" + re.escape(secret[-4:])
        )
        text, n = pattern.subn("***", text)
        changed = changed or n > 0
    return text.encode("utf-8", errors="surrogateescape") if changed else body


# -- argv -------------------------------------------------------------------------------------

_SECRET_SEGMENTS = frozenset({
    "key", "apikey", "secret", "password", "passwd", "token", "credential", "credentials",
    "authorization", "bearer", "cookie",
})
_SECRET_ASSIGN_RE = re.compile(r"^([A-Za-z0-9_.-]+)(\s*[=:]\s*)(.+)$")
_KEYLIKE_RE = re.compile(r"\b(?:sk|pk|rk)[-_][A-Za-z0-9_-]{6,}|\bBearer\s+\S+", re.IGNORECASE)
_ENV_SECRET_NAME_RE = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)


def _is_secret_name(name: str) -> bool:
    """`--api-key`, `OPENAI_API_KEY`, `x-api-key`, `Authorization` yes; `--max-tokens` no."""
    segments = re.split(r"[-_.\s]+", name.lstrip("-").lower())
    return any(seg in _SECRET_SEGMENTS for seg in segments)


def _secret_env_values(env: Mapping[str, str]) -> list[str]:
    vals = {v for k, v in env.items() if _ENV_SECRET_NAME_RE.search(k) and len(v) >= 8}
    return sorted(vals, key=len, reverse=True)


def env_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """The values of the environment variables named like a secret (KEY, TOKEN, SECRET,
    PASSWORD), longest first: what `scrub_text` removes from text kept long after the run
    (the run history), where a key a provider echoed must not survive."""
    return _secret_env_values(os.environ if env is None else env)


def _mask_keylike(match: re.Match[str]) -> str:
    return "Bearer ***" if match.group(0)[:6].lower() == "bearer" else "***"


def _mask_arg(arg: str, env_secrets: Sequence[str]) -> str:
    m = _SECRET_ASSIGN_RE.match(arg)
    if not arg.startswith("-") and m and _is_secret_name(m.group(1)):
        arg = m.group(1) + m.group(2) + "***"
    arg = _KEYLIKE_RE.sub(_mask_keylike, arg)
    return scrub_text(arg, env_secrets)


def mask_argv(argv: Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
    """argv with secrets replaced by ***: the value of a flag named like a key
    (`--api-key X`, `--api-key=X`), `NAME=value` / `Header: value` with such a name,
    key-looking tokens (sk-..., Bearer x), and any value of an environment variable whose
    name says KEY/TOKEN/SECRET/PASSWORD."""
    env_secrets = _secret_env_values(os.environ if env is None else env)
    out: list[str] = []
    mask_next = False
    for arg in map(str, argv):
        if mask_next:
            out.append("***")
            mask_next = False
            continue
        if arg.startswith("-"):
            flag, eq, _ = arg.partition("=")
            if _is_secret_name(flag):
                out.append(f"{flag}=***" if eq else arg)
                mask_next = not eq
                continue
        out.append(_mask_arg(arg, env_secrets))
    return out


# -- the one scrubber -------------------------------------------------------------------------

MIN_SECRET = 8  # shorter values are not scrubbed (they would mask ordinary words)
MASK = "***"


def _b64_forms(raw: bytes) -> set[str]:
    """base64 of `raw` as it appears inside a longer base64 text: at each of the 3 byte
    alignments, without the edge characters that depend on the neighbouring bytes."""
    out: set[str] = set()
    for pad in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(b"\0" * pad + raw).decode()
            lead = (pad * 4 + 2) // 3  # chars touched by the padding bytes
            body = text[lead:].rstrip("=")
            # the last char mixes the next byte unless the data ends on a 3-byte boundary
            core = body[:-1] if (pad + len(raw)) % 3 else body
            if len(core) >= MIN_SECRET:
                out.add(core)
    out.add(base64.b64encode(raw).decode().rstrip("="))
    return out


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every spelling of each secret (>= 8 characters) that the scrubber removes, longest
    first."""
    out: set[str] = set()
    for s in secrets:
        if not s or len(s) < MIN_SECRET:
            continue
        raw = s.encode("utf-8")
        out |= {s, quote(s, safe=""), quote_plus(s), json.dumps(s)[1:-1], raw.hex()}
        out |= _b64_forms(raw)
    return sorted((f for f in out if len(f) >= MIN_SECRET), key=len, reverse=True)


def _echo_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """The masked echoes providers print: the key's first characters, a run of * or dots
    (or an ellipsis), its last four."""
    alts = []
    for s in secrets:
        if len(s) >= 12:
            head, tail = re.escape(s[:3]), re.escape(s[-4:])
            alts.append(head + r"[^\s\"'*.…]{0,12}(?:\*+|\.{3,}|…)[^\s\"']{0,40}?" + tail)
    return re.compile("|".join(alts)) if alts else None


def mask_url_secrets(url: str) -> str:
    """A URL for display: its userinfo password and secret query values replaced by ***."""
    for secret in url_secrets(url):
        url = url.replace(quote(secret, safe=""), MASK).replace(secret, MASK)
    return url


def url_secrets(url: str) -> list[str]:
    """The secrets a URL carries: its userinfo password and the values of secret query
    parameters (`?key=...`), each as written and decoded (`+` and `%2F` spellings)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    for item in parts.query.split("&"):
        name, _, value = item.partition("=")
        if unquote_plus(name).lower() in SECRET_QUERY and value:
            found += [value, unquote(value), unquote_plus(value)]
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    return list(dict.fromkeys(found))


class Scrubber:
    """Removes every known secret, in every form, from text, bytes and JSON-like values.

    Built from the run's secrets (`secrets`: keys resolved from the environment, secret header
    values, URL secrets) plus, always, the values of secret-named environment variables.
    `names` maps a secret to its environment variable: `scrub(text, as_var=True)` then writes
    `$NAME` for the raw key (the `reproduce` line), `***` for every other form."""

    def __init__(self, secrets: Iterable[str] = (), *, names: Mapping[str, str] | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        values = {s for s in secrets if s} | set(env_secrets(env))
        self.secrets = sorted(values, key=len, reverse=True)
        self.names = dict(names or {})
        self.forms = secret_forms(self.secrets)
        self._echo = _echo_pattern(self.secrets)

    def __bool__(self) -> bool:
        return bool(self.forms)

    def with_secrets(self, more: Iterable[str], names: Mapping[str, str] | None = None
                     ) -> Scrubber:
        return Scrubber([*self.secrets, *more], names={**self.names, **(names or {})}, env={})

    def scrub(self, text: str, *, as_var: bool = False) -> str:
        if not self.forms or not text:
            return text
        if as_var:
            for secret, name in self.names.items():
                if secret in text:
                    text = text.replace(secret, f"${name}")
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        if self._echo is not None:
            text = self._echo.sub(MASK, text)
        return text

    def scrub_bytes(self, data: bytes) -> bytes:
        if not self.forms or not data:
            return data
        text = data.decode("utf-8", errors="surrogateescape")
        clean = self.scrub(text)
        return data if clean == text else clean.encode("utf-8", errors="surrogateescape")

    def scrub_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A result row scrubbed IN PLACE (every reader of the dict sees it clean): every
        string, deep; in `reproduce` the raw key becomes `$VAR`."""
        if not self.forms:
            return row
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = self.scrub(value, as_var=key == "reproduce")
            elif isinstance(value, (dict, list, tuple)):
                row[key] = self.scrub_obj(value)
        return row

    def scrub_obj(self, value: Any) -> Any:
        """A copy of a JSON-like value (dict / list / str / ...) with every string scrubbed;
        the value itself when nothing changed."""
        if not self.forms:
            return value
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {k: self.scrub_obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub_obj(v) for v in value]
        return value
