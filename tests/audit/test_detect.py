"""audit.detect: provider, dialect and endpoint from the host, the headers or the body."""

from __future__ import annotations

import pytest

from harness.audit import detect


@pytest.mark.parametrize(
    ("uri", "provider", "dialect", "endpoint", "base"),
    [
        ("https://api.mistral.ai/v1/chat/completions", "mistral", "mistral", "chat",
         "https://api.mistral.ai/v1"),
        ("https://api.mistral.ai/v1/chat/completions#stream", "mistral", "mistral", "chat",
         "https://api.mistral.ai/v1"),
        ("https://api.mistral.ai/v1/models", "mistral", "mistral", "models",
         "https://api.mistral.ai/v1"),
        ("https://api.openai.com/v1/responses", "openai", "openai", "responses",
         "https://api.openai.com/v1"),
        ("https://api.anthropic.com/v1/messages?beta=true", "anthropic", "anthropic", "messages",
         "https://api.anthropic.com/v1"),
        ("https://gateway.pydantic.dev/proxy/anthropic/v1/messages?beta=true", "anthropic",
         "anthropic", "messages", "https://gateway.pydantic.dev/proxy/anthropic/v1"),
        ("https://openrouter.ai/api/v1/chat/completions", "openrouter", "openai", "chat",
         "https://openrouter.ai/api/v1"),
    ],
)
def test_host_rules(uri: str, provider: str, dialect: str, endpoint: str, base: str) -> None:
    det = detect(uri, {}, {}, {"model": "m"}, None)
    assert (det.provider, det.dialect, det.endpoint, det.base_url, det.how) == (
        provider, dialect, endpoint, base, "host"
    )


def test_unknown_host_falls_back_to_headers() -> None:
    det = detect("https://proxy.internal/v1/chat/completions", {}, {"mistral-correlation-id": "x"},
                 None, None)
    assert (det.provider, det.dialect, det.how) == ("proxy.internal", "mistral", "headers")
    det = detect("https://proxy.internal/v1/x", {}, {"request-id": "req_011C"}, None, None)
    assert det.dialect == "anthropic"
    det = detect("https://proxy.internal/v1/x", {}, {"openai-processing-ms": "3"}, None, None)
    assert det.dialect == "openai"


def test_unknown_host_falls_back_to_the_body() -> None:
    det = detect("http://localhost:8000/v1/generate", {}, {}, None,
                 {"type": "message", "content": []})
    assert (det.provider, det.dialect, det.endpoint, det.how) == (
        "localhost", "anthropic", "messages", "body"
    )
    det = detect("http://localhost:8000/x", {}, {}, {"input": "hi"}, None)
    assert (det.dialect, det.endpoint) == ("openai", "responses")
    det = detect("http://localhost:8000/x", {}, {}, None, None, sse="event: response.created\n")
    assert det.endpoint == "responses"
    det = detect("http://localhost:8000/x", {}, {}, None, None,
                 sse='data: {"object":"chat.completion.chunk"}\n\n')
    assert det.endpoint == "chat"
    det = detect("http://localhost:8000/x", {}, {}, None, {"object": "list", "data": []})
    assert det.endpoint == "models"
    det = detect("http://localhost:8000/x", {}, {}, None, None)
    assert (det.endpoint, det.dialect) == ("other", "openai")
    det = detect("http://localhost/v1/x", {"anthropic-version": "2023-06-01"}, {}, None, None)
    assert det.dialect == "anthropic"
