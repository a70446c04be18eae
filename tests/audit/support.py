"""Made-up cassettes for the audit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

MISTRAL = "https://api.mistral.ai/v1/chat/completions"
OPENAI = "https://api.openai.com/v1/chat/completions"
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def chat_body(
    content: Any = "Hello",
    finish: str = "stop",
    calls: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls is not None:
        message["tool_calls"] = calls
    return {
        "id": "0123456789abcdef0123456789abcdef",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "mistral-medium-3.5",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def cassette(
    tmp_path: Path,
    request: dict[str, Any] | None,
    response: Any,
    status: int = 200,
    uri: str = MISTRAL,
    headers: dict[str, str] | None = None,
    extras: dict[str, Any] | None = None,
    name: str = "c.yaml",
) -> Path:
    body = response if isinstance(response, str) else json.dumps(response)
    inter: dict[str, Any] = {
        "request": {
            "method": "POST" if request is not None else "GET",
            "uri": uri,
            "body": json.dumps(request) if request is not None else None,
            "headers": {},
        },
        "response": {
            "status": {"code": status, "message": ""},
            "headers": {k: [v] for k, v in (headers or {"content-type": "application/json"}).items()},
            "body": {"string": body},
        },
    }
    if extras:
        inter["harness"] = extras
    path = tmp_path / "suite" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"interactions": [inter], "version": 1}), encoding="utf-8")
    return path


REQ = {"model": "mistral-medium-3.5", "messages": [{"role": "user", "content": "hi"}]}
