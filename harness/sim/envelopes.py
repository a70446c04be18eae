"""Error bodies in each dialect's real envelope, and the exception that carries them.

Shapes are copied from real traffic (see /work/shared/realworld/MANIFEST.md, "Real error
envelopes"). Where no recording exists the body is an assumption, marked ASSUMPTION below.

Mistral's envelope is flat: ``{"object":"error","message":…,"type":…,"param":…,"code":…}``
with ``code`` a string or null; 401 is ``{"detail":"Unauthorized"}``. The OpenAI (and
OpenAI-compatible gateway) envelope is ``{"error":{"message","type","param","code"}}``,
pretty-printed with 4-space indentation and a trailing newline on chat completions.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON = "application/json"
OPENAI_JSON = "application/json; charset=utf-8"


class SimHTTPError(Exception):
    """An HTTP error answer, ready to send: status, body bytes, content type, headers.

    ``request_id`` is filled in by the app before `response` is called, for envelopes that
    repeat the request id in their body (Anthropic's).
    """

    def __init__(
        self,
        status: int,
        body: bytes,
        *,
        content_type: str = JSON,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.request_id = ""

    def render(self) -> bytes:
        return self.body

    def response(self, extra_headers: dict[str, str] | None = None) -> web.Response:
        headers = {**(extra_headers or {}), **self.headers, "Content-Type": self.content_type}
        return web.Response(status=self.status, body=self.render(), headers=headers)


def mask_key(key: str) -> str:
    """Mask an API key the way OpenAI echoes it (``invalid-*****2345``); never the full key."""
    if len(key) >= 16:
        return f"{key[:8]}*****{key[-4:]}"
    if len(key) >= 8:
        return f"{key[:2]}*****{key[-2:]}"
    return "*****"


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- Mistral


def mistral_error(
    status: int, message: Any, type_: str, code: str | None = None, param: Any = None
) -> SimHTTPError:
    """The flat Mistral envelope."""
    body = {"object": "error", "message": message, "type": type_, "param": param, "code": code}
    return SimHTTPError(status, _compact(body))


def mistral_validation(details: list[dict[str, Any]]) -> SimHTTPError:
    """422 with the pydantic detail list wrapped in ``message`` (the 2025-12 real form)."""
    return mistral_error(422, {"detail": details}, "invalid_request_error")


def mistral_unauthorized() -> SimHTTPError:
    """401 ``{"detail":"Unauthorized"}`` (seen 2025-06 on chat, 2026-01 on /v1/models)."""
    return SimHTTPError(401, _compact({"detail": "Unauthorized"}))


def mistral_not_found() -> SimHTTPError:
    """ASSUMPTION: unknown paths answer FastAPI's default 404 body."""
    return SimHTTPError(404, _compact({"detail": "Not Found"}))


def mistral_context_exceeded(prompt_tokens: int, context: int) -> SimHTTPError:
    """400 code "3051", byte-for-byte the recorded message format."""
    msg = (
        f"Prompt contains {prompt_tokens} tokens and 0 draft tokens, too large for model "
        f"with {context} maximum context length"
    )
    return mistral_error(400, msg, "invalid_request_invalid_args", "3051")


def mistral_invalid_model(model: Any) -> SimHTTPError:
    """ASSUMPTION (no recording): 400 ``invalid_model`` with code "1500"."""
    return mistral_error(400, f"Invalid model: {model}", "invalid_model", "1500")


def mistral_bad_request(message: str) -> SimHTTPError:
    """ASSUMPTION: other 400s (unknown named tool, bad JSON) in the flat envelope."""
    return mistral_error(400, message, "invalid_request_error")


def mistral_invalid_json(error: json.JSONDecodeError) -> SimHTTPError:
    """ASSUMPTION: 400 with a pydantic ``json_invalid`` detail (FastAPI itself would say 422)."""
    detail = {
        "type": "json_invalid",
        "loc": ["body", error.pos],
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": error.msg},
    }
    return mistral_error(400, {"detail": [detail]}, "invalid_request_error")


def mistral_rate_limited(retry_after: str) -> SimHTTPError:
    """429, the current shape (cline/cline#9085, 2026-02), plus Retry-After."""
    err = mistral_error(429, "Rate limit exceeded", "rate_limited", "1300")
    err.headers["Retry-After"] = retry_after
    return err


def mistral_server_error(status: int) -> SimHTTPError:
    """ASSUMPTION (no recording): 500/503 (and 529, an Anthropic-style overload that a proxy
    in front of Mistral might pass on) in the flat envelope."""
    if status in (503, 529):
        return mistral_error(status, "Service unavailable", "service_unavailable", "1000")
    return mistral_error(500, "Internal server error", "internal_server_error", "1000")


def mistral_image_error(message: str) -> SimHTTPError:
    """ASSUMPTION (no recording): an unusable image, or images sent to a text-only model, as
    a 400 in the flat envelope (seed 004 names mistral-medium-3 and mistral-small text-only)."""
    return mistral_error(400, message, "invalid_request_error")


# ---------------------------------------------------------------- OpenAI / gateway


def openai_error(
    status: int,
    message: str,
    type_: str = "invalid_request_error",
    param: Any = None,
    code: Any = None,
) -> SimHTTPError:
    """``{"error":{…}}`` pretty-printed like Chat Completions (4 spaces, trailing newline)."""
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    text = json.dumps(body, indent=4, ensure_ascii=False) + "\n"
    return SimHTTPError(status, text.encode("utf-8"), content_type=OPENAI_JSON)


def openai_unauthorized(key: str | None) -> SimHTTPError:
    """401 ``invalid_api_key`` with the key masked; the no-key variant when it is missing."""
    if not key:
        msg = (
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or "
            "as the password field (with blank username) if you're accessing the API from your "
            "browser and are prompted for a username and password. You can obtain an API key "
            "from https://platform.openai.com/account/api-keys."
        )
        return openai_error(401, msg, "invalid_request_error", None, None)
    msg = (
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )
    return openai_error(401, msg, "invalid_request_error", None, "invalid_api_key")


def openai_not_found_path(method: str, path: str) -> SimHTTPError:
    return openai_error(404, f"Invalid URL ({method} {path})")


def openai_invalid_json() -> SimHTTPError:
    msg = (
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
        "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
        "contact us through our help center at help.openai.com.)"
    )
    return openai_error(400, msg)


def openai_unknown_parameter(name: str) -> SimHTTPError:
    return openai_error(400, f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")


def openai_missing(param: str) -> SimHTTPError:
    return openai_error(
        400,
        f"Missing required parameter: '{param}'.",
        param=param,
        code="missing_required_parameter",
    )


def openai_invalid_type(param: str, expected: str, got: str) -> SimHTTPError:
    msg = f"Invalid type for '{param}': expected {expected}, but got {got} instead."
    return openai_error(400, msg, param=param, code="invalid_type")


def openai_out_of_range(
    param: str, value: Any, bound: Any, above: bool, integer: bool
) -> SimHTTPError:
    kind = "integer" if integer else "decimal"
    side = "above maximum" if above else "below minimum"
    op = "<=" if above else ">="
    code = f"{kind}_{'above_max' if above else 'below_min'}_value"
    msg = (
        f"Invalid '{param}': {kind} {side} value. Expected a value {op} {fmt_num(bound)}, "
        f"but got {fmt_num(value)} instead."
    )
    return openai_error(400, msg, param=param, code=code)


def openai_invalid_value(param: str, value: Any, supported: list[str]) -> SimHTTPError:
    quoted = [f"'{s}'" for s in supported]
    listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    msg = f"Invalid value: '{value}'. Supported values are: {listed}."
    return openai_error(400, msg, param=param, code="invalid_value")


def openai_model_not_found(model: Any) -> SimHTTPError:
    msg = f"The model `{model}` does not exist or you do not have access to it."
    return openai_error(404, msg, code="model_not_found")


def openai_context_exceeded(context: int, prompt: int, completion: int | None) -> SimHTTPError:
    if completion:
        msg = (
            f"This model's maximum context length is {context} tokens. However, you requested "
            f"{prompt + completion} tokens ({prompt} in the messages, {completion} in the "
            "completion). Please reduce the length of the messages or completion."
        )
    else:
        msg = (
            f"This model's maximum context length is {context} tokens. However, your messages "
            f"resulted in {prompt} tokens. Please reduce the length of the messages."
        )
    return openai_error(400, msg, param="messages", code="context_length_exceeded")


def openai_rate_limited(model: Any, retry_after: str) -> SimHTTPError:
    """429 in the real ``rate_limit_exceeded`` shape (type names the limited resource)."""
    msg = (
        f"Rate limit reached for {model} in organization org-sim on requests per min (RPM): "
        f"Limit 60, Used 60, Requested 1. Please try again in {retry_after}s. "
        "Visit https://platform.openai.com/account/rate-limits to learn more."
    )
    err = openai_error(429, msg, "requests", None, "rate_limit_exceeded")
    err.headers["Retry-After"] = retry_after
    return err


def openai_server_error(status: int) -> SimHTTPError:
    """500 / 503; 529 (ASSUMPTION: the gateway passing on an upstream overload) like 503."""
    if status in (503, 529):
        return openai_error(status, "The server is overloaded or not ready yet.", "server_error")
    msg = "The server had an error while processing your request. Sorry about that!"
    return openai_error(500, msg, "server_error")


def openai_unsupported_image() -> SimHTTPError:
    """400 ``invalid_image_format`` (real message, issue threads 2024-12), param null."""
    msg = (
        "You uploaded an unsupported image. Please make sure your image has of one the "
        "following formats: ['png', 'jpeg', 'gif', 'webp']."
    )
    return openai_error(400, msg, code="invalid_image_format")


def openai_image_input_unsupported(model: str, param: str) -> SimHTTPError:
    """ASSUMPTION: a model without image input refusing an image part."""
    msg = f"Invalid content type. image_url is only supported by certain models ({model!r})."
    return openai_error(400, msg, param=param, code="invalid_value")


# ---------------------------------------------------------------- OpenAI Responses


def as_responses(err: SimHTTPError) -> SimHTTPError:
    """The same error as the Responses API prints it: 2-space indentation, no trailing
    newline, ``application/json`` (cassettes mirascope 401 / model_not_found)."""
    if err.content_type != OPENAI_JSON:
        return err
    body = json.loads(err.body)
    text = json.dumps(body, indent=2, ensure_ascii=False)
    return SimHTTPError(err.status, text.encode("utf-8"), content_type=JSON, headers=err.headers)


def responses_model_not_found(model: Any) -> SimHTTPError:
    """400 (not chat's 404) with ``param: "model"``, byte-for-byte the recorded message."""
    msg = f"The requested model '{model}' does not exist."
    return as_responses(openai_error(400, msg, param="model", code="model_not_found"))


def responses_unauthorized(key: str | None) -> SimHTTPError:
    err = as_responses(openai_unauthorized(key))
    err.headers["www-authenticate"] = 'Bearer realm="OpenAI API"'
    return err


# ---------------------------------------------------------------- proxies


def html_error(status: int, reason: str, server: str = "nginx") -> SimHTTPError:
    """An HTML page as a reverse proxy sends it (e.g. nginx's "502 Bad Gateway")."""
    title = f"{status} {reason}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>{server}</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return SimHTTPError(status, page.encode(), content_type="text/html")


def fmt_num(value: Any) -> str:
    """2.0 -> "2", 2.5 -> "2.5" (how both OpenAI and pydantic print bounds)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
