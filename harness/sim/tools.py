"""Which tool to call (tool_choice semantics) and with which arguments.

* "none" -> no call.
* "auto" -> the first best tool whose name or description words occur in the last user
  message; no match -> no call.
* "any" (Mistral) / "required" (both) -> always a call: the best match, else the first tool.
* ``{"name": X}`` (a named function) -> a call to X.

Arguments are generated from the tool's ``parameters`` JSON Schema, valid against it, with
values taken from the user's message where a property name suggests one ("city" + "weather
in Lagos" -> "Lagos").
"""

from __future__ import annotations

import json
import re
from typing import Any

from harness.sim.request import ToolSpec
from harness.sim.schema_gen import generate_instance

STOPWORDS = {
    "the",
    "and",
    "for",
    "with",
    "from",
    "that",
    "this",
    "return",
    "returns",
    "get",
    "gets",
    "given",
    "current",
    "value",
    "values",
    "will",
    "your",
    "about",
    "into",
    "tool",
    "function",
    "call",
    "use",
    "some",
    "when",
    "what",
    "which",
}


def _words(text: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if len(w) >= 3}


def _score(tool: ToolSpec, message_words: set[str]) -> int:
    words = _words(tool.name) | {w for w in _words(tool.description) if len(w) >= 4}
    words -= STOPWORDS
    score = 0
    for w in words:
        if w in message_words or any(
            m.startswith(w) or w.startswith(m) for m in message_words if len(m) >= 4 and len(w) >= 4
        ):
            score += 1
    return score


def best_tool(tools: list[ToolSpec], message: str) -> ToolSpec | None:
    """The tool matching the message best (first on ties), or None if none matches."""
    words = _words(message) - STOPWORDS
    best, best_score = None, 0
    for tool in tools:
        score = _score(tool, words)
        if score > best_score:
            best, best_score = tool, score
    return best


def choose_tool(tools: list[ToolSpec], choice: Any, message: str) -> ToolSpec | None:
    """Apply tool_choice; the named tool is known to exist (validation checked)."""
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        return next(t for t in tools if t.name == choice["name"])
    match = best_tool(tools, message)
    if choice in ("any", "required"):
        return match or tools[0]
    return match


def tool_arguments(tool: ToolSpec, message: str, dialect: str) -> str:
    """The call's ``arguments`` JSON text, spaced like each provider spaces it."""
    params = tool.parameters or {"type": "object", "properties": {}}
    args = generate_instance(params, message)
    if not isinstance(args, dict):
        args = {}
    if dialect == "mistral":
        return json.dumps(args, ensure_ascii=False)  # '{"city": "Paris"}'
    return json.dumps(args, separators=(",", ":"), ensure_ascii=False)  # '{"city":"Paris"}'
