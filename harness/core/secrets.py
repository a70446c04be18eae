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
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "DROPPED_HEADERS",
    "SECRET_HEADERS",
    "SECRET_QUERY",
    "env_secrets",
    "is_secret_header",
    "mask_argv",
    "mask_headers",
    "scrub_key_echoes",
    "scrub_text",
    "secret_values",
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
