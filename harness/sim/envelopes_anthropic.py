"""Error answers of ``/v1/messages`` in Anthropic's real envelope (MANIFEST, "Anthropic").

``{"type":"error","error":{"type":…,"message":…},"request_id":"req_…"}``, compact JSON, the
same id in the ``request-id`` header, and ``x-should-retry`` telling clients whether to retry
(``false`` on 4xx except 429, as in the recorded 401). Messages are Anthropic's own wording
where a recording or an issue thread shows it; validation messages follow its
"<dotted.loc>: <pydantic message>" form (e.g. "max_tokens: Field required",
"messages.0.content.1.image.source.base64.media_type: Input should be 'image/jpeg', …").
"""

from __future__ import annotations

import json

from harness.sim.envelopes import SimHTTPError

RETRYABLE = {429, 500, 502, 503, 504, 529}


class AnthropicError(SimHTTPError):
    """Rendered when sent, so the body carries the request's id."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(status, b"")
        self.error_type = error_type
        self.message = message
        self.headers["x-should-retry"] = "true" if status in RETRYABLE else "false"

    def render(self) -> bytes:
        body = {
            "type": "error",
            "error": {"type": self.error_type, "message": self.message},
            "request_id": self.request_id,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def invalid_request(message: str) -> AnthropicError:
    return AnthropicError(400, "invalid_request_error", message)


def unauthorized(missing: bool) -> AnthropicError:
    """401: "invalid x-api-key" is byte-exact (mirascope cassette); the missing-key wording
    is from issue threads (n8n#37930, 2026)."""
    message = "x-api-key header is required" if missing else "invalid x-api-key"
    return AnthropicError(401, "authentication_error", message)


def version_required() -> AnthropicError:
    """400 when ``anthropic-version`` is absent (real wording, envoyproxy/ai-gateway#1909)."""
    return invalid_request("anthropic-version: header is required")


def invalid_version(value: str) -> AnthropicError:
    """400 for an unknown version date (real wording, decolua/9router#2357)."""
    return invalid_request(f'anthropic-version: "{value}" is not a valid version')


def model_not_found(model: object) -> AnthropicError:
    """404 ``not_found_error`` "model: X" (pydantic-ai cassette)."""
    return AnthropicError(404, "not_found_error", f"model: {model}")


def prompt_too_long(prompt: int, context: int) -> AnthropicError:
    """400 "prompt is too long: N tokens > M maximum" (pydantic-ai cassette)."""
    return invalid_request(f"prompt is too long: {prompt} tokens > {context} maximum")


def max_tokens_too_large(value: int, limit: int, model: str) -> AnthropicError:
    """400 (real wording, anthropics/claude-code#11302)."""
    return invalid_request(
        f"max_tokens: {value} > {limit}, which is the maximum allowed number of output "
        f"tokens for {model}"
    )


def rate_limited(retry_after: str) -> AnthropicError:
    """429 (anthropics/claude-code#71670) with Retry-After."""
    err = AnthropicError(
        429,
        "rate_limit_error",
        "This request would exceed your account's rate limit. Please try again later.",
    )
    err.headers["retry-after"] = retry_after
    return err


def server_error(status: int) -> AnthropicError:
    """529 ``overloaded_error`` "Overloaded" (claude-code#35792); 500 ``api_error``;
    ASSUMPTION: a 503 from the gateway is an ``api_error`` too."""
    if status == 529:
        return AnthropicError(529, "overloaded_error", "Overloaded")
    if status == 503:
        return AnthropicError(503, "api_error", "Service unavailable")
    return AnthropicError(500, "api_error", "Internal server error")
