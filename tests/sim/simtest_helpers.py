"""Helpers shared by the simulator tests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from harness.sim import SimServer

KEY = "sim-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MISTRAL_MODEL = "mistral-medium-3.5"
GATEWAY_MODEL = "mistral-medium-3-1"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Return the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
            },
            "required": ["city"],
        },
    },
}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def post(
    client: httpx.Client,
    srv: SimServer,
    body: Any,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a chat body (dict, or raw bytes) with the default key."""
    hdrs = {**AUTH, **(headers or {})}
    url = f"{srv.url}/chat/completions"
    if isinstance(body, (bytes, str)):
        return client.post(url, content=body, headers={**hdrs, "Content-Type": "application/json"})
    return client.post(url, json=body, headers=hdrs)


def chat(client: httpx.Client, srv: SimServer, **body: Any) -> dict[str, Any]:
    """POST and expect a 200 JSON answer."""
    model = MISTRAL_MODEL if srv.config.dialect == "mistral" else GATEWAY_MODEL
    resp = post(client, srv, {"model": model, **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def sse_chunks(text: str) -> list[Any]:
    """The JSON chunks of an SSE body; asserts the [DONE] terminator ends it."""
    events = [block for block in text.split("\n\n") if block.strip()]
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events)
    return [json.loads(e[len("data: ") :]) for e in events[:-1]]


def uses_realworld(fn: Any) -> Any:
    """Mark a test as reading ../shared/realworld; skipped with a reason when it is absent."""
    from tests.realworld import requires_realworld

    return pytest.mark.realworld(requires_realworld(fn))
