"""Any dialect's success body -> `Normalized` (content, tool calls, finish reason, usage).

Endpoints:
    chat       OpenAI / Mistral / OpenRouter chat completion (`object: chat.completion`)
    responses  OpenAI Responses object (`object: response`)
    messages   Anthropic Messages (`type: message`)

The body's own `object`/`type` wins over the `endpoint` argument when they disagree (a body is
what it says it is); `endpoint` is used when the body does not say. Anything that is not a
recognisable success body (an error envelope, a stream chunk, SSE text, a list...) gives None.
Never raises on odd input.

Normalisation rules:
- content: a string as is; a list of parts -> the text parts joined ("" if there are none),
  thinking / reasoning parts ignored; None when the response has no text at all.
- tool calls: `ToolCall(name, arguments_json_text, id)`. Anthropic `tool_use.input` (an object)
  is dumped to JSON text; the Responses `call_id` is the id (that is what a
  `function_call_output` refers to).
- finish_reason: OpenAI / Mistral values as is (stop, length, tool_calls, model_length, error,
  content_filter). Anthropic: end_turn/stop_sequence -> stop, max_tokens -> length,
  tool_use -> tool_calls, refusal -> content_filter, model_context_window_exceeded -> length,
  anything else as is. Responses: completed -> stop (tool_calls when there are function
  calls), incomplete -> length (max_output_tokens) / content_filter, failed -> error.
- usage: prompt / completion / total, cached prompt tokens (prompt_tokens_details.cached_tokens,
  the misspelt Mistral twin prompt_token_details, num_cached_tokens, Anthropic
  cache_read_input_tokens, Responses input_tokens_details.cached_tokens), reasoning tokens
  (completion_tokens_details / output_tokens_details). Anthropic reports no total and its
  input_tokens excludes cache reads and cache writes, so prompt_tokens = input_tokens +
  cache_read_input_tokens + cache_creation_input_tokens and total = prompt + output: every
  dialect's prompt_tokens then counts every prompt token, cached or not.
  Counts that are not integers are left out (None) here; `raw` keeps the provider's dict.
"""

from __future__ import annotations

import json
from typing import Any

from harness.core.models import Normalized, ToolCall, Usage

_OBJECT_TO_ENDPOINT = {
    "chat.completion": "chat",
    "response": "responses",
    "message": "messages",
}

ANTHROPIC_STOP = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "model_context_window_exceeded": "length",
}

_TEXT_PART_TYPES = ("text", "output_text")


def detect_endpoint(body: Any) -> str | None:
    """Which endpoint's success object this is, from its `object` / `type` field, or None."""
    if not isinstance(body, dict):
        return None
    obj = body.get("object")
    if isinstance(obj, str) and obj in _OBJECT_TO_ENDPOINT:
        return _OBJECT_TO_ENDPOINT[obj]
    typ = body.get("type")
    if typ == "message" and "content" in body:
        return "messages"
    return None


def normalize(endpoint: str, dialect: str, body: Any) -> Normalized | None:
    """Turn a success response body (parsed JSON) into `Normalized`, or None if it is not one."""
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
    if not isinstance(body, dict) or _is_error(body):
        return None
    kind = detect_endpoint(body)
    if kind is None:
        if body.get("object") not in (None, ""):
            return None  # e.g. chat.completion.chunk, list, model
        kind = endpoint
    try:
        if kind == "chat":
            return _chat(body)
        if kind == "responses":
            return _responses(body)
        if kind == "messages":
            return _messages(body)
    except (TypeError, AttributeError, ValueError):
        return None
    return None


# -- helpers -----------------------------------------------------------------------------------


def _is_error(body: dict[str, Any]) -> bool:
    if body.get("object") == "error" or body.get("type") == "error":
        return True
    # an error envelope without the success keys: {"error": {...}} / {"detail": ...}
    if "error" in body and body.get("error") and "choices" not in body and "output" not in body:
        return True
    return "detail" in body and "choices" not in body and "content" not in body


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _dig(d: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _first_int(*values: Any) -> int | None:
    for value in values:
        n = _int(value)
        if n is not None:
            return n
    return None


def _text_of(content: Any) -> str | None:
    """A message `content`: string as is, list of parts -> text parts joined."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and part.get("type", "text") in _TEXT_PART_TYPES:
                text = part.get("text")
                if isinstance(text, str):
                    texts.append(text)
        return "".join(texts)
    return None


def _args_text(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    if arguments is None:
        return ""
    return json.dumps(arguments, ensure_ascii=False)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- chat completions (OpenAI, Mistral, OpenRouter) ---------------------------------------------


def _chat(body: dict[str, Any]) -> Normalized | None:
    choices = body.get("choices")
    if not isinstance(choices, list):
        return None
    choice: dict[str, Any] = {}
    for item in choices:
        if isinstance(item, dict):
            if item.get("index", 0) == 0:
                choice = item
                break
            choice = choice or item
    raw_message = choice.get("message")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    calls: list[ToolCall] = []
    for call in message.get("tool_calls") or []:
        if not isinstance(call, dict):
            continue
        raw_fn = call.get("function")
        fn: dict[str, Any] = raw_fn if isinstance(raw_fn, dict) else {}
        calls.append(
            ToolCall(
                name=str(fn.get("name") or ""),
                arguments=_args_text(fn.get("arguments")),
                id=_str_or_none(call.get("id")),
            )
        )
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and not calls:
        calls.append(ToolCall(str(legacy.get("name") or ""), _args_text(legacy.get("arguments"))))
    return Normalized(
        content=_text_of(message.get("content")),
        tool_calls=calls,
        finish_reason=_str_or_none(choice.get("finish_reason")),
        usage=_chat_usage(body.get("usage")),
        model=_str_or_none(body.get("model")),
        response_id=_str_or_none(body.get("id")),
    )


def _chat_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        total_tokens=_int(usage.get("total_tokens")),
        cached_prompt_tokens=_first_int(
            _dig(usage, "prompt_tokens_details", "cached_tokens"),
            _dig(usage, "prompt_token_details", "cached_tokens"),
            usage.get("num_cached_tokens"),
        ),
        reasoning_tokens=_int(_dig(usage, "completion_tokens_details", "reasoning_tokens")),
        raw=usage,
    )


# -- OpenAI Responses --------------------------------------------------------------------------


def _responses(body: dict[str, Any]) -> Normalized | None:
    output = body.get("output")
    if not isinstance(output, list):
        return None
    texts: list[str] = []
    has_text = False
    calls: list[ToolCall] = []
    for item in output:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            text = _text_of(item.get("content"))
            if text is not None:
                has_text = True
                texts.append(text)
        elif kind == "output_text":
            has_text = True
            texts.append(str(item.get("text") or ""))
        elif kind == "function_call":
            calls.append(
                ToolCall(
                    name=str(item.get("name") or ""),
                    arguments=_args_text(item.get("arguments")),
                    id=_str_or_none(item.get("call_id")) or _str_or_none(item.get("id")),
                )
            )
    return Normalized(
        content="".join(texts) if has_text else None,
        tool_calls=calls,
        finish_reason=_responses_finish(body, bool(calls)),
        usage=_responses_usage(body.get("usage")),
        model=_str_or_none(body.get("model")),
        response_id=_str_or_none(body.get("id")),
    )


def _responses_finish(body: dict[str, Any], has_calls: bool) -> str | None:
    status = body.get("status")
    if status == "completed":
        return "tool_calls" if has_calls else "stop"
    if status == "incomplete":
        reason = _dig(body, "incomplete_details", "reason")
        if reason == "content_filter":
            return "content_filter"
        return "length" if reason in (None, "max_output_tokens") else str(reason)
    if status == "failed":
        return "error"
    return _str_or_none(status)


def _responses_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    prompt = _int(usage.get("input_tokens"))
    completion = _int(usage.get("output_tokens"))
    total = _int(usage.get("total_tokens"))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total,
        cached_prompt_tokens=_int(_dig(usage, "input_tokens_details", "cached_tokens")),
        reasoning_tokens=_int(_dig(usage, "output_tokens_details", "reasoning_tokens")),
        raw=usage,
    )


# -- Anthropic Messages ------------------------------------------------------------------------


def _messages(body: dict[str, Any]) -> Normalized | None:
    content = body.get("content")
    if not isinstance(content, list):
        return None
    texts: list[str] = []
    has_text = False
    calls: list[ToolCall] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            has_text = True
            texts.append(str(block.get("text") or ""))
        elif kind == "tool_use":
            calls.append(
                ToolCall(
                    name=str(block.get("name") or ""),
                    arguments=_args_text(block.get("input", {})),
                    id=_str_or_none(block.get("id")),
                )
            )
    stop = body.get("stop_reason")
    return Normalized(
        content="".join(texts) if has_text else None,
        tool_calls=calls,
        finish_reason=ANTHROPIC_STOP.get(stop, stop) if isinstance(stop, str) else None,
        usage=_anthropic_usage(body.get("usage")),
        model=_str_or_none(body.get("model")),
        response_id=_str_or_none(body.get("id")),
    )


def _anthropic_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    uncached = _int(usage.get("input_tokens"))
    cache_read = _int(usage.get("cache_read_input_tokens"))
    cache_write = _int(usage.get("cache_creation_input_tokens"))
    output = _int(usage.get("output_tokens"))
    prompt = None if uncached is None else uncached + (cache_read or 0) + (cache_write or 0)
    total = None if prompt is None or output is None else prompt + output
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=output,
        total_tokens=total,
        cached_prompt_tokens=cache_read,
        reasoning_tokens=None,
        raw=usage,
    )
