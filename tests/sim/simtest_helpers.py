"""Helpers shared by the simulator tests."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

import httpx
import pytest

from harness.sim import SimServer

KEY = "sim-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
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


# Real bodies say null here where the simulator fills in a value (both are legal).
NULLABLE = frozenset({"system_fingerprint"})


def assert_same_shape(
    sim: Any, real: Any, path: str = "$", nullable: frozenset[str] | set[str] = NULLABLE
) -> None:
    """Every key of `real` exists in `sim` with the same JSON type (recursively)."""
    if isinstance(real, dict):
        assert isinstance(sim, dict), f"{path}: expected object, got {sim!r}"
        missing = set(real) - set(sim)
        assert not missing, f"{path}: missing keys {sorted(missing)}"
        for key, value in real.items():
            if value is None and key in nullable:
                continue
            assert_same_shape(sim[key], value, f"{path}.{key}", nullable)
    elif isinstance(real, list):
        assert isinstance(sim, list), f"{path}: expected array, got {sim!r}"
        if real and sim:
            assert_same_shape(sim[0], real[0], f"{path}[0]", nullable)
    elif real is None:
        assert sim is None, f"{path}: expected null, got {sim!r}"
    elif isinstance(real, bool):
        assert isinstance(sim, bool), f"{path}: expected boolean, got {sim!r}"
    elif isinstance(real, (int, float)):
        assert isinstance(sim, type(real)) and not isinstance(sim, bool), f"{path}: {sim!r}"
    else:
        assert isinstance(sim, str), f"{path}: expected string, got {sim!r}"


def sse_events(text: str) -> list[tuple[str, Any]]:
    """(event name, parsed data) of an ``event:`` + ``data:`` stream (Responses, Messages);
    asserts there is no ``[DONE]`` and every data line is JSON naming its event."""
    out = []
    for block in (b for b in text.split("\n\n") if b.strip()):
        lines = block.split("\n")
        assert len(lines) == 2 and lines[0].startswith("event: "), block
        assert lines[1].startswith("data: ") and lines[1] != "data: [DONE]", block
        name, data = lines[0][len("event: ") :], json.loads(lines[1][len("data: ") :])
        assert data["type"] == name
        out.append((name, data))
    return out


def png(width: int, height: int) -> bytes:
    """A real (tiny, valid) RGB PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x20\x40\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{b64(data)}"
