"""A validated chat request, dialect differences already resolved, and text helpers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from harness.sim.images import image_tokens

#: tokens charged per message on top of its text (images: see `harness.sim.images`)
PER_MESSAGE_TOKENS = 4


@dataclass(frozen=True)
class ToolSpec:
    """One declared function tool."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChatRequest:
    """What the generator needs, whatever the dialect spelled it as."""

    dialect: str
    model: str
    messages: list[dict[str, Any]]
    #: "chat", "responses" or "messages": which wire shape the answer takes
    endpoint: str = "chat"
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    n: int = 1
    stream: bool = False
    include_usage: bool = False
    tools: list[ToolSpec] = field(default_factory=list)
    # "auto" | "none" | "any" | "required" | {"name": X}
    tool_choice: str | dict[str, str] = "auto"
    response_format: dict[str, Any] | None = None
    web_search: bool = False
    disable_formatting: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


def estimate_tokens(text: str) -> int:
    """The simulator's tokenizer: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the text of its parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    parts.append(part["text"])
                elif part.get("type") == "thinking" and isinstance(part.get("thinking"), list):
                    parts.append(content_text(part["thinking"]))
        return "\n".join(parts)
    return json.dumps(content)


def prompt_tokens(messages: list[dict[str, Any]], tools: list[ToolSpec]) -> int:
    """Deterministic prompt-size estimate: text/4 + 4 per message + images + tool schemas."""
    total = 0
    for msg in messages:
        content = msg.get("content")
        total += estimate_tokens(content_text(content)) + PER_MESSAGE_TOKENS
        total += image_tokens(content)
        for call in msg.get("tool_calls") or []:
            total += estimate_tokens(json.dumps(call, sort_keys=True))
    for tool in tools:
        spec = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        total += estimate_tokens(json.dumps(spec, sort_keys=True))
    return total


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message (or of the last message of any role, or "")."""
    for msg in reversed(messages):
        if msg.get("role") == "user":
            return content_text(msg.get("content"))
    return content_text(messages[-1].get("content")) if messages else ""
