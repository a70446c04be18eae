"""Real recorded LLM API traffic (../shared/realworld beside the checkout), for tests.

    from tests.realworld import REALWORLD, iter_interactions, requires_realworld

`iter_interactions()` yields one `Interaction` per recorded HTTP exchange of every vcrpy
cassette (both the stock `body: {string: ...}` format, gzip `!!binary` bodies included, and
pydantic-ai's `parsed_body` format), plus the raw llm-mistral JSON bodies. SSE bodies are
yielded as text with `stream=True`. The folder can be moved with the env var HARNESS_REALWORLD.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
REALWORLD = Path(os.environ.get("HARNESS_REALWORLD") or (REPO_ROOT.parent / "shared" / "realworld"))
CASSETTES = REALWORLD / "cassettes"

requires_realworld = pytest.mark.skipif(
    not REALWORLD.exists(),
    reason="../shared/realworld is absent: real-traffic tests need it beside the checkout",
)


class Interaction(NamedTuple):
    """One recorded exchange. `file` is relative to the cassettes folder."""

    file: str
    index: int
    request: Any  # parsed JSON request body, text, or None
    status: int
    response: Any  # parsed JSON, or text (SSE, HTML, empty)
    headers: dict[str, str]  # response headers, lower-cased names, first value
    uri: str = ""
    stream: bool = False  # the response body is an SSE stream (text)

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def dialect(self) -> str | None:
        """Which API family produced it: mistral, openai, anthropic, openrouter."""
        host, path = self.host, urlsplit(self.uri).path
        if "mistral" in host:
            return "mistral"
        if "openrouter" in host:
            return "openrouter"
        if "anthropic" in host or "/anthropic" in path:
            return "anthropic"
        if "openai" in host:
            return "openai"
        return None

    @property
    def endpoint(self) -> str | None:
        path = urlsplit(self.uri).path.rstrip("/")
        if path.endswith("/chat/completions"):
            return "chat"
        if path.endswith("/responses"):
            return "responses"
        if path.endswith("/messages"):
            return "messages"
        if path.endswith("/models"):
            return "models"
        return None

    @property
    def body_bytes(self) -> bytes:
        """The response body as bytes (JSON re-serialised for parsed bodies)."""
        if isinstance(self.response, (bytes, bytearray)):
            return bytes(self.response)
        if isinstance(self.response, str):
            return self.response.encode("utf-8")
        if self.response is None:
            return b""
        return json.dumps(self.response).encode("utf-8")


def _decode(body: Any, headers: dict[str, str]) -> tuple[Any, bool]:
    """-> (parsed JSON or text, is_stream)."""
    if isinstance(body, dict) and "string" in body:
        body = body["string"]
    if isinstance(body, (bytes, bytearray)):
        raw = bytes(body)
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        body = raw.decode("utf-8", errors="replace")
    if body is None:
        return None, False
    if not isinstance(body, str):
        return body, False
    ctype = headers.get("content-type", "")
    stripped = body.lstrip()
    if "event-stream" in ctype or stripped.startswith(("data:", "event:", ": ")):
        return body, True
    if not stripped:
        return body, False
    try:
        return json.loads(body), False
    except ValueError:
        return body, False


def _headers(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (raw or {}).items():
        if isinstance(value, list):
            value = value[0] if value else ""
        out[str(key).lower()] = str(value)
    return out


@cache
def _load_cassette(path: Path) -> tuple[Interaction, ...]:
    with path.open("rb") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    rel = path.relative_to(CASSETTES).as_posix()
    out = []
    for i, item in enumerate(data.get("interactions") or []):
        req, resp = item.get("request") or {}, item.get("response") or {}
        req_headers = _headers(req.get("headers"))
        if "parsed_body" in req:
            request = req["parsed_body"]
        else:
            request, _ = _decode(req.get("body"), req_headers)
        headers = _headers(resp.get("headers"))
        if "parsed_body" in resp:
            response, stream = resp["parsed_body"], False
        else:
            response, stream = _decode(resp.get("body"), headers)
        status = int((resp.get("status") or {}).get("code") or 0)
        out.append(
            Interaction(rel, i, request, status, response, headers, str(req.get("uri", "")), stream)
        )
    return tuple(out)


def _raw_bodies() -> Iterator[Interaction]:
    folder = CASSETTES / "llm-mistral" / "reasoning"
    meta_path = folder / "metadata.json"
    if not meta_path.exists():
        return
    meta = json.loads(meta_path.read_text())
    for name, info in sorted((meta.get("fixtures") or {}).items()):
        path = folder / name
        if not path.exists() or not name.endswith(".json"):
            continue
        request = {"model": meta.get("model"), "stream": bool(info.get("stream"))}
        if info.get("reasoning_effort") not in (None, "omitted"):
            request["reasoning_effort"] = info["reasoning_effort"]
        yield Interaction(
            path.relative_to(CASSETTES).as_posix(),
            0,
            request,
            200,
            json.loads(path.read_text()),
            {"content-type": "application/json"},
            str(meta.get("endpoint", "")),
            False,
        )


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml")) if CASSETTES.exists() else []


def iter_interactions(include_stream: bool = True) -> Iterator[Interaction]:
    """Every recorded exchange, cassettes first (sorted by path), then raw JSON bodies."""
    for path in cassette_files():
        for inter in _load_cassette(path):
            if include_stream or not inter.stream:
                yield inter
    yield from _raw_bodies()


def interactions(file: str) -> tuple[Interaction, ...]:
    """The exchanges of one cassette (or raw JSON body), by path relative to the cassettes folder."""
    if file.endswith(".json"):
        found = tuple(i for i in _raw_bodies() if i.file == file)
        if not found:
            raise FileNotFoundError(CASSETTES / file)
        return found
    return _load_cassette(CASSETTES / file)


def interaction(file: str, index: int = 0) -> Interaction:
    return interactions(file)[index]


def success_chat_bodies(dialect: str | None = None) -> list[Interaction]:
    """Real 200 non-stream chat-completion JSON responses (optionally of one dialect)."""
    out = []
    for inter in iter_interactions(include_stream=False):
        if inter.status != 200 or inter.endpoint != "chat" or not isinstance(inter.response, dict):
            continue
        if inter.response.get("object") != "chat.completion":
            continue
        if dialect is None or inter.dialect == dialect:
            out.append(inter)
    return out


def error_interactions() -> list[Interaction]:
    """Every recorded exchange with a 4xx/5xx status."""
    return [i for i in iter_interactions() if i.status >= 400]


# -- pinned expectations of the error bodies (used by tests/wire and tests/checks) -------------

# Every recorded error exchange, file by file: (dialect, shape variant, error class).
CASSETTE_ERRORS = {
    "mirascope/test_authentication_error/anthropic_claude_sonnet_4_0.yaml": (
        "anthropic",
        "anthropic.error",
        "auth",
    ),
    "mirascope/test_authentication_error/openai_gpt_4o_completions.yaml": (
        "openai",
        "openai.error",
        "auth",
    ),
    "mirascope/test_authentication_error/openai_gpt_4o_responses.yaml": (
        "openai",
        "openai.error",
        "auth",
    ),
    "mirascope/test_authentication_error_stream/anthropic_claude_sonnet_4_0.yaml": (
        "anthropic",
        "anthropic.error",
        "auth",
    ),
    "mirascope/test_authentication_error_stream/openai_gpt_4o_completions.yaml": (
        "openai",
        "openai.error",
        "auth",
    ),
    # unknown model: 400 on Responses, but the body says model_not_found
    "mirascope/test_model_not_found/openai_gpt_4o_responses.yaml": (
        "openai",
        "openai.error",
        "not_found",
    ),
    "openllmetry/test_vision/test_vision.yaml": ("openai", "openai.error", "validation"),
    "pydantic-ai/test_anthropic/test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml": (
        "anthropic",
        "anthropic.error",
        "validation",
    ),
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[anthropic].yaml": (
        "anthropic",
        "anthropic.error",
        "context_length",
    ),
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[mistral].yaml": (
        "mistral",
        "mistral.flat",
        "context_length",
    ),
    "pydantic-ai/test_context_window_exceeded/test_context_window_exceeded[openai_chat].yaml": (
        "openai",
        "openai.error",
        "context_length",
    ),
    "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[anthropic].yaml": (
        "anthropic",
        "anthropic.error",
        "not_found",
    ),
    "pydantic-ai/test_model_name_suggestions/test_model_name_suggestion[openai-chat].yaml": (
        "openai",
        "openai.error",
        "not_found",
    ),
    "pydantic-ai/test_openai/test_openai_o1_mini_system_role[developer].yaml": (
        "openai",
        "openai.error",
        "validation",
    ),
    "pydantic-ai/test_openai_responses/test_openai_responses_model_http_error.yaml": (
        "openai",
        "openai.error",
        "validation",
    ),
    "pydantic-ai/test_openrouter/test_openrouter_errors_raised.yaml": (
        "openrouter",
        "openrouter.error",
        "rate_limit",
    ),
}

# Real bodies quoted in MANIFEST.md from issue threads (not stored as files):
# (label, status, body text, dialect, shape, class)
ISSUE_BODIES = [
    (
        "mistral 401 message+request_id (CoolCline#36)",
        401,
        '{"message":"Unauthorized","request_id":"933f233947ff6d346065bb297e4a4d56"}',
        "mistral",
        "mistral.message_only",
        "auth",
    ),
    (
        "mistral 401 detail string (agent-zero#539)",
        401,
        '{"detail":"Unauthorized"}',
        "mistral",
        "mistral.detail_string",
        "auth",
    ),
    ("mistral 401 no body (continue#10277)", 401, "", None, "empty", "auth"),
    (
        "mistral 422 detail in message (eca#231)",
        422,
        (
            '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","max_completion_tokens"],'
            '"msg":"Extra inputs are not permitted","input":32000}]},"type":"invalid_request_error","param":null,"code":null}'
        ),
        "mistral",
        "mistral.detail_in_message",
        "validation",
    ),
    (
        "mistral 422 2024 detail with url (mistral-go#3)",
        422,
        (
            '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","messages",0,"user","name"],'
            '"msg":"Extra inputs are not permitted","input":"","url":"https://errors.pydantic.dev/2.6/v/extra_forbidden"}]},'
            '"type":"invalid_request_error","param":null,"code":null}'
        ),
        "mistral",
        "mistral.detail_in_message",
        "validation",
    ),
    # MANIFEST elides the tail of the inner item with "…"; the item is completed in pydantic's form
    (
        "mistral 422 Jan 2024 JSON-string message (platform-docs-public#7)",
        422,
        (
            '{"object":"error","message":"{\\"detail\\":[{\\"type\\":\\"extra_forbidden\\",\\"loc\\":[\\"body\\",'
            '\\"frequency_penalty\\"],\\"msg\\":\\"Extra inputs are not permitted\\",\\"input\\":0.5}]}",'
            '"type":"internal_error_proxy","param":null,"code":"1000"}'
        ),
        "mistral",
        "mistral.detail_string_in_message",
        "validation",
    ),
    (
        "mistral 422 bare spec detail (openclaude#739)",
        422,
        (
            '{"detail":[{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted","input":false},'
            '{"type":"extra_forbidden","loc":["body","max_completion_tokens"],"msg":"Extra inputs are not permitted","input":100}]}'
        ),
        "mistral",
        "mistral.bare_detail",
        "validation",
    ),
    (
        "mistral 429 old gateway (pydantic-ai#1885)",
        429,
        '{"message":"Requests rate limit exceeded"}',
        "mistral",
        "mistral.message_only",
        "rate_limit",
    ),
    (
        "mistral 429 current (cline#9085)",
        429,
        '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}',
        "mistral",
        "mistral.flat",
        "rate_limit",
    ),
    (
        "mistral 429 with raw_status_code (raycast#31107)",
        429,
        (
            '{"object":"error","message":"Rate limit exceeded","type":"rate_limited","param":null,"code":"1300",'
            '"raw_status_code":429}'
        ),
        "mistral",
        "mistral.flat",
        "rate_limit",
    ),
    (
        "openai 429 TPM, SDK repr (gpt-newspaper#10)",
        429,
        (
            "{'error': {'message': 'Rate limit reached for gpt-4 in organization org-********** on tokens per min (TPM): "
            "Limit 10000, Used 9348, Requested 5086. Please try again in 26.604s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.', 'type': 'tokens', 'param': None, "
            "'code': 'rate_limit_exceeded'}}"
        ),
        "openai",
        "openai.error",
        "rate_limit",
    ),
    (
        "openai 429 quota (NextChat#3123)",
        429,
        (
            '{"error":{"message":"You exceeded your current quota, please check your plan and billing details.",'
            '"type":"insufficient_quota","param":null,"code":"insufficient_quota"}}'
        ),
        "openai",
        "openai.error",
        "quota",
    ),
    (
        "openai 429 quota, code null (NextChat#1792)",
        429,
        (
            '{"error":{"message":"You exceeded your current quota, please check your plan and billing details.",'
            '"type":"insufficient_quota","param":null,"code":null}}'
        ),
        "openai",
        "openai.error",
        "quota",
    ),
    (
        "openai 429 quota with docs link (puter#1977)",
        429,
        (
            '{"error":{"message":"You exceeded your current quota, please check your plan and billing details. For more '
            'information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",'
            '"type":"insufficient_quota","param":null,"code":"insufficient_quota"}}'
        ),
        "openai",
        "openai.error",
        "quota",
    ),
    (
        "openai responses context length (pydantic-ai, not copied)",
        400,
        (
            '{"error": {"code": "context_length_exceeded", "message": "Your input exceeds the context window of this '
            'model. Please adjust your input and try again.", "param": "input", "type": "invalid_request_error"}}'
        ),
        "openai",
        "openai.error",
        "context_length",
    ),
    (
        "openai unknown_parameter (openllmetry images, not copied)",
        400,
        (
            '{"error":{"message":"Unknown parameter: \'quality\'.","type":"invalid_request_error","param":"quality",'
            '"code":"unknown_parameter"}}'
        ),
        "openai",
        "openai.error",
        "validation",
    ),
    (
        "anthropic 429 (claude-code#71670)",
        429,
        (
            '{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account\'s rate '
            'limit. Please try again later."},"request_id":"req_011CcR9mkMvXdaiWP4739PSN"}'
        ),
        "anthropic",
        "anthropic.error",
        "rate_limit",
    ),
    (
        "anthropic 429 'Rate limited' (claude-code#71670)",
        429,
        '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}',
        "anthropic",
        "anthropic.error",
        "rate_limit",
    ),
    (
        "anthropic 529 (claude-code#35792)",
        529,
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CZAau32QzxDkriovTaFCB"}',
        "anthropic",
        "anthropic.error",
        "overloaded",
    ),
    (
        "anthropic 529 2025, no request_id (claude-code#5184)",
        529,
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        "anthropic",
        "anthropic.error",
        "overloaded",
    ),
    (
        "anthropic 529 2026 details null (claude-code#69982)",
        529,
        (
            '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded","details":null},'
            '"request_id":"req_011CZAau32QzxDkriovTaFCB"}'
        ),
        "anthropic",
        "anthropic.error",
        "overloaded",
    ),
    (
        "openrouter 429 integer code (cassette body)",
        429,
        (
            '{"error": {"code": 429, "message": "Provider returned error", "metadata": {"provider_name": "Google", "raw": '
            '"google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly, or add your own '
            'key to accumulate your rate limits: https://openrouter.ai/settings/integrations"}}, '
            '"user_id": "user_2wT5ElBE4Es3R4QrNLpZiXICmQP"}'
        ),
        "openrouter",
        "openrouter.error",
        "rate_limit",
    ),
    # inside a 200 stream: the integer code stands in for the status
    (
        "openrouter error inside a 200 stream chunk",
        200,
        '{"id":"gen-1","object":"chat.completion.chunk","choices":[],"error":{"code":400,"message":"Token limit reached"}}',
        "openrouter",
        "openrouter.error",
        "validation",
    ),
]
