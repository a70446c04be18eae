"""Any protocol's success body -> `Normalized` (content, tool calls, finish reason, usage).

    normalize(endpoint, dialect, body)   the registered protocol of the body, else of the
                                         endpoint (wire/protocols.py), normalises it

The body's own `object`/`type` wins over the `endpoint` argument when they disagree (a body is
what it says it is: each protocol's `is_success`); `endpoint` is used when the body does not
say. Anything that is not a recognisable success body (an error envelope, a stream chunk, SSE
text, a list...) gives None, and so does an endpoint no protocol serves (the audit evaluates
`/models` answers and unrecognised paths too). Never raises on odd input.

The rules of each protocol live beside its translator: wire/chat.py (`normalize_chat`),
wire/responses.py, wire/messages.py. Common to all:
- content: a string as is; a list of parts -> the text parts joined ("" if there are none),
  thinking / reasoning parts ignored; None when the response has no text at all.
- tool calls: `ToolCall(name, arguments_json_text, id)`.
- finish_reason: the OpenAI vocabulary (stop, length, tool_calls, content_filter, error, and
  Mistral's model_length); other protocols' reasons are mapped onto it.
- usage: prompt / completion / total, cached prompt tokens, reasoning tokens; prompt_tokens
  counts every prompt token, cached or not. Counts that are not integers are left out (None)
  here; `raw` keeps the provider's dict.
"""

from __future__ import annotations

from typing import Any

from harness.core.jsonsafe import loads_bounded
from harness.core.models import Normalized
from harness.wire.messages import ANTHROPIC_STOP
from harness.wire.protocols import find_protocol, protocol_for_body

__all__ = ["ANTHROPIC_STOP", "detect_endpoint", "normalize"]


def detect_endpoint(body: Any) -> str | None:
    """Which endpoint's success object this is, from its `object` / `type` field, or None."""
    if not isinstance(body, dict):
        return None
    protocol = protocol_for_body(body)
    return protocol.endpoint if protocol is not None else None


def normalize(endpoint: str, dialect: str, body: Any) -> Normalized | None:
    """Turn a success response body (parsed JSON) into `Normalized`, or None if it is not one."""
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = loads_bounded(body)
        except (ValueError, UnicodeDecodeError):
            return None
    if not isinstance(body, dict) or _is_error(body):
        return None
    protocol = protocol_for_body(body, dialect)
    if protocol is None:
        if body.get("object") not in (None, ""):
            return None  # e.g. chat.completion.chunk, list, model
        protocol = find_protocol(endpoint, dialect)
        if protocol is None:
            return None
    try:
        return protocol.normalize(body)
    except (TypeError, AttributeError, ValueError):
        return None


def _is_error(body: dict[str, Any]) -> bool:
    if body.get("object") == "error" or body.get("type") == "error":
        return True
    # an error envelope without the success keys: {"error": {...}} / {"detail": ...}
    if "error" in body and body.get("error") and "choices" not in body and "output" not in body:
        return True
    return "detail" in body and "choices" not in body and "content" not in body
