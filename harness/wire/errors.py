"""Any error body -> `ErrorInfo`: which dialect's envelope, which shape variant, which class.

Shape variants seen in real traffic (see the realworld MANIFEST):

    openai.error                       {"error": {"message", "type", "param", "code"}}
    openrouter.error                   {"error": {"code": 429, "message", "metadata"?}, "user_id"?}
                                       (OpenAI-like but `code` is the integer HTTP status)
    anthropic.error                    {"type": "error", "error": {"type", "message"}, request_id?}
    mistral.flat                       {"object": "error", "message": str, "type", "param", "code"}
    mistral.detail_in_message          {"object": "error", "message": {"detail": [...]}, ...}
    mistral.detail_string_in_message   {"object": "error", "message": "{\"detail\": [...]}", ...}
                                       (January 2024: the detail list JSON-encoded in a string)
    mistral.bare_detail                {"detail": [{"type", "loc", "msg", ...}]} (the spec's 422)
    mistral.detail_string              {"detail": "Unauthorized"}
    mistral.message_only               {"message": "...", "request_id"?} (gateway 401 / 429)
    html                               an HTML page (a proxy or gateway answered)
    text                               other non-JSON text
    empty                              no body at all
    unknown                            JSON that matches none of the above

Error classes: auth, payment, permission, not_found, validation, context_length, rate_limit,
quota, overloaded, server, unknown. The body decides when it says something specific
(context_length_exceeded, code "3051", "prompt is too long", insufficient_quota,
rate_limit_exceeded / rate_limited / rate_limit_error / type "tokens", invalid_api_key,
authentication_error, "Unauthorized", not_found_error / model_not_found, overloaded_error...);
otherwise the HTTP status decides (401 auth, 402 payment, 403 permission, 404 not_found,
400/413/422 validation, 429 rate_limit, 503/529 overloaded, other 5xx server); without a
useful status, generic body types (invalid_request_error -> validation, api_error -> server).

Bodies may be bytes, text or already-parsed JSON. Text that is not JSON but is a Python literal
(an SDK's repr of the body, as pasted in issue threads) is read too.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.errors import TooDeepError
from harness.core.jsonsafe import MAX_DEPTH, json_depth, loads_bounded

ERROR_CLASSES = (
    "auth",
    "payment",
    "permission",
    "not_found",
    "validation",
    "context_length",
    "rate_limit",
    "quota",
    "overloaded",
    "server",
    "unknown",
)

ERROR_DIALECTS = ("openai", "mistral", "anthropic", "openrouter")

_VARIANTS: dict[str, tuple[str, ...]] = {
    "openai": ("openai.error",),
    "mistral": (
        "mistral.flat",
        "mistral.detail_in_message",
        "mistral.detail_string_in_message",
        "mistral.bare_detail",
        "mistral.detail_string",
        "mistral.message_only",
    ),
    "anthropic": ("anthropic.error",),
    "openrouter": ("openrouter.error",),
}

GENERIC_SHAPES = ("html", "text", "empty", "unknown")
_LITERAL_MAX_CHARS = 1 << 20


@dataclass
class ErrorInfo:
    """What an error response is: envelope dialect + shape variant, and its error class."""

    dialect: str | None  # openai | mistral | anthropic | openrouter | None
    shape: str  # a variant name from envelope_variants(), or html / text / empty / unknown
    error_class: str  # one of ERROR_CLASSES
    message: str = ""
    type: str | None = None
    code: str | int | None = None
    param: str | None = None
    request_id: str | None = None

    @property
    def is_envelope(self) -> bool:
        """True when the body is a known JSON error envelope of some dialect."""
        return self.dialect is not None and self.shape not in GENERIC_SHAPES


def envelope_variants(dialect: str | None = None) -> list[str]:
    """The known envelope shape names of one dialect (all of them when dialect is None)."""
    if dialect is None:
        return [shape for shapes in _VARIANTS.values() for shape in shapes]
    return list(_VARIANTS.get(dialect, ()))


def all_shapes() -> list[str]:
    """Every shape name classify_error can return."""
    return envelope_variants() + list(GENERIC_SHAPES)


# -- parsing -----------------------------------------------------------------------------------


def _parse(body: Any) -> tuple[Any, str | None]:
    """-> (parsed JSON or None, text when the body was not JSON)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        body = bytes(body).decode("utf-8", errors="replace")
    if body is None:
        return None, ""
    if not isinstance(body, str):
        return body, None
    text = body.strip().lstrip("\ufeff")
    if not text:
        return None, ""
    try:
        return loads_bounded(text), None
    except TooDeepError:
        return None, text  # nested too deep to read: judged as text (evaluate says too_deep)
    except ValueError:
        pass
    # an SDK's repr of a body: small and shallow only (ast builds a tree many times the text)
    if text[:1] in "{[" and len(text) <= _LITERAL_MAX_CHARS and json_depth(text) <= MAX_DEPTH:
        try:
            return ast.literal_eval(text), None
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
    return None, text


def _header_dialect(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    names = {str(k).lower() for k in headers}
    if "mistral-correlation-id" in names or any("ratelimitbysize" in n for n in names):
        return "mistral"
    if any(n.startswith("anthropic-") for n in names) or "x-should-retry" in names:
        return "anthropic"
    if any(n.startswith("openai-") for n in names):
        return "openai"
    if "x-kong-request-id" in names:
        return "mistral"
    return None


def _header_request_id(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    lowered = {str(k).lower(): v for k, v in headers.items()}
    for name in ("request-id", "x-request-id", "mistral-correlation-id", "x-kong-request-id"):
        if lowered.get(name):
            return str(lowered[name])
    return None


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _detail_text(detail: Any) -> str:
    """A pydantic detail list -> 'body.max_completion_tokens: Extra inputs are not permitted'."""
    if isinstance(detail, str):
        return detail
    if not isinstance(detail, list):
        return json.dumps(detail, ensure_ascii=False)
    parts = []
    for item in detail:
        if isinstance(item, dict):
            loc = ".".join(str(p) for p in item.get("loc") or [])
            msg = str(item.get("msg") or item.get("type") or "")
            parts.append(f"{loc}: {msg}" if loc else msg)
        else:
            parts.append(str(item))
    return "; ".join(parts)


def _detail_param(detail: Any) -> str | None:
    """The first detail item's location without the leading 'body' (e.g. 'messages.0.name')."""
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        loc = [str(p) for p in detail[0].get("loc") or []]
        if loc and loc[0] == "body":
            loc = loc[1:]
        return ".".join(loc) or None
    return None


def _detail_type(detail: Any) -> str | None:
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return _as_str(detail[0].get("type"))
    return None


@dataclass
class _Shape:
    dialect: str | None
    shape: str
    message: str = ""
    type: str | None = None
    code: str | int | None = None
    param: str | None = None
    request_id: str | None = None
    detail: Any = None  # a pydantic detail list, when there is one


def _anthropic(data: dict[str, Any]) -> _Shape | None:
    """{"type": "error", "error": {"type", "message"}, "request_id"}"""
    err = data.get("error")
    if data.get("type") != "error" or not isinstance(err, dict):
        return None
    return _Shape(
        "anthropic",
        "anthropic.error",
        message=str(err.get("message") or ""),
        type=_as_str(err.get("type")),
        request_id=_as_str(data.get("request_id")),
    )


def _openai_like(data: dict[str, Any]) -> _Shape | None:
    """OpenAI {"error": {...}}, or OpenRouter's twin (an integer code, metadata, user_id)."""
    err = data.get("error")
    if not isinstance(err, dict):
        return None
    code = err.get("code")
    openrouter = (
        (isinstance(code, int) and not isinstance(code, bool)) or "metadata" in err or "user_id" in data
    )
    message = str(err.get("message") or "")
    meta = err.get("metadata")
    if openrouter and isinstance(meta, dict) and isinstance(meta.get("raw"), str):
        message = f"{message} ({meta['raw']})" if message else meta["raw"]
    return _Shape(
        "openrouter" if openrouter else "openai",
        "openrouter.error" if openrouter else "openai.error",
        message=message,
        type=_as_str(err.get("type")),
        code=code,
        param=_as_str(err.get("param")),
    )


def _inner_detail(raw_message: Any) -> tuple[str, Any] | None:
    """(variant, detail) when a Mistral `message` holds a pydantic detail list: as an object,
    or JSON-encoded in a string (January 2024)."""
    if isinstance(raw_message, dict) and "detail" in raw_message:
        return "mistral.detail_in_message", raw_message["detail"]
    if isinstance(raw_message, str) and raw_message.lstrip().startswith("{"):
        try:
            inner = json.loads(raw_message)
        except ValueError:
            return None
        if isinstance(inner, dict) and "detail" in inner:
            return "mistral.detail_string_in_message", inner["detail"]
    return None


def _mistral_object(data: dict[str, Any]) -> _Shape | None:
    """{"object": "error", "message", "type", "param", "code"} and its detail variants."""
    if data.get("object") != "error":
        return None
    raw_message: Any = data.get("message")
    common: dict[str, Any] = {
        "type": _as_str(data.get("type")),
        "code": data.get("code"),
        "param": _as_str(data.get("param")),
        "request_id": _as_str(data.get("request_id")),
    }
    inner = _inner_detail(raw_message)
    if inner is not None:
        variant, detail = inner
        return _Shape("mistral", variant, message=_detail_text(detail), detail=detail, **common)
    text = raw_message if isinstance(raw_message, str) else json.dumps(raw_message, ensure_ascii=False)
    return _Shape("mistral", "mistral.flat", message=text or "", **common)


def _bare_detail(data: dict[str, Any]) -> _Shape | None:
    """Bare FastAPI / pydantic detail (the Mistral spec's 422, and its 401 {"detail": "..."})."""
    if "detail" not in data or len(data) > 2:
        return None
    detail = data["detail"]
    if isinstance(detail, list):
        return _Shape(
            "mistral",
            "mistral.bare_detail",
            message=_detail_text(detail),
            type=_detail_type(detail),
            detail=detail,
        )
    if isinstance(detail, str):
        return _Shape("mistral", "mistral.detail_string", message=detail)
    return None


def _message_only(data: dict[str, Any]) -> _Shape | None:
    """Gateway shape {"message": "...", "request_id"?} (Mistral's 401 and older 429)."""
    if not isinstance(data.get("message"), str) or not set(data) <= {"message", "request_id"}:
        return None
    return _Shape(
        "mistral",
        "mistral.message_only",
        message=data["message"],
        request_id=_as_str(data.get("request_id")),
    )


# the envelope recognisers, most specific first: the first that matches decides
_RECOGNISERS = (_anthropic, _openai_like, _mistral_object, _bare_detail, _message_only)


def _shape(data: Any) -> _Shape:
    if isinstance(data, dict):
        for recognise in _RECOGNISERS:
            found = recognise(data)
            if found is not None:
                return found
    return _Shape(None, "unknown", message=_short(data))


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- classification ----------------------------------------------------------------------------

# exact type / code values -> class (checked on both `type` and `code`)
_TOKEN_CLASS = {
    "context_length_exceeded": "context_length",
    "3051": "context_length",
    "string_above_max_length": "context_length",
    "insufficient_quota": "quota",
    "billing_hard_limit_reached": "quota",
    "rate_limit_exceeded": "rate_limit",
    "rate_limited": "rate_limit",
    "rate_limit_error": "rate_limit",
    "tokens": "rate_limit",
    "requests": "rate_limit",
    "tokens_usage_based": "rate_limit",
    "1300": "rate_limit",
    "authentication_error": "auth",
    "invalid_api_key": "auth",
    "invalid_authentication": "auth",
    "unauthorized": "auth",
    "billing_error": "payment",
    "payment_required": "payment",
    "permission_error": "permission",
    "permission_denied": "permission",
    "unsupported_country_region_territory": "permission",
    "not_found_error": "not_found",
    "model_not_found": "not_found",
    "overloaded_error": "overloaded",
    "request_too_large": "validation",
}

# message patterns -> class, tried in order
_MESSAGE_CLASS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"prompt is too long|maximum context length|context window|context length"
            r"|too large for model with",
            re.IGNORECASE,
        ),
        "context_length",
    ),
    (re.compile(r"exceeded your current quota|insufficient[_ ]quota", re.IGNORECASE), "quota"),
    (re.compile(r"\brate[- ]?limit(ed)?\b|too many requests", re.IGNORECASE), "rate_limit"),
    (
        re.compile(
            r"^\s*unauthori[sz]ed\s*$|incorrect api key|invalid (x-)?api[- ]key", re.IGNORECASE
        ),
        "auth",
    ),
    (re.compile(r"^\s*overloaded\s*$", re.IGNORECASE), "overloaded"),
)

# generic body types: used only when the HTTP status does not decide
_GENERIC_TYPE_CLASS = {
    "invalid_request_error": "validation",
    "invalid_request_invalid_args": "validation",
    "invalid_request_message_order": "validation",
    "extra_forbidden": "validation",
    "api_error": "server",
    "server_error": "server",
    "internal_error": "server",
    "timeout_error": "server",
}


def _status_class(status: int | None) -> str | None:
    if status is None:
        return None
    if status == 401:
        return "auth"
    if status == 402:
        return "payment"
    if status == 403:
        return "permission"
    if status == 404:
        return "not_found"
    if status in (400, 413, 422):
        return "validation"
    if status == 429:
        return "rate_limit"
    if status in (503, 529):
        return "overloaded"
    if 500 <= status < 600:
        return "server"
    return None


def _body_class(s: _Shape) -> str | None:
    for token in (s.code, s.type):
        if token is None or isinstance(token, bool):
            continue
        cls = _TOKEN_CLASS.get(str(token).lower())
        if cls:
            return cls
    if s.message:
        for pattern, cls in _MESSAGE_CLASS:
            if pattern.search(s.message):
                return cls
    if s.detail is not None:
        return "validation"  # a pydantic detail list is request validation
    return None


def classify_error(
    status: int | None,
    body: bytes | str | Any,
    headers: Mapping[str, str] | None = None,
) -> ErrorInfo:
    """Recognise an error response: envelope dialect and shape variant, and its error class."""
    data, text = _parse(body)
    if text is not None:
        if not text:
            shape = _Shape(None, "empty")
        elif re.match(r"\s*(<!doctype html|<html|<\?xml|<head|<body)", text, re.IGNORECASE):
            title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            shape = _Shape(
                None, "html", message=(title.group(1).strip() if title else _short(text))
            )
        else:
            shape = _Shape(None, "text", message=_short(text))
        shape.dialect = _header_dialect(headers)
    else:
        shape = _shape(data)
        if shape.dialect is None:
            shape.dialect = _header_dialect(headers)
    effective = status
    if (
        (status is None or status < 400)
        and shape.shape == "openrouter.error"
        and isinstance(shape.code, int)
        and not isinstance(shape.code, bool)
    ):
        effective = (
            shape.code
        )  # OpenRouter's integer code is the HTTP status (even in a 200 stream)
    cls = _body_class(shape) or _status_class(effective)
    if cls is None:
        cls = _GENERIC_TYPE_CLASS.get(str(shape.type or "").lower(), "unknown")
    return ErrorInfo(
        dialect=shape.dialect,
        shape=shape.shape,
        error_class=cls,
        message=shape.message,
        type=shape.type,
        code=shape.code,
        param=shape.param if shape.param is not None else _detail_param(shape.detail),
        request_id=shape.request_id or _header_request_id(headers),
    )
