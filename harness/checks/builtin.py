"""Imports every built-in check module, which registers its checks:

status          status.py          HTTP status code / class
error_envelope  envelope.py        error body shape, dialect and class
body_schema     body_schema.py     JSON Schema of the body (packaged or given)
usage           usage.py           token usage present, sane, within bounds
cost_usd        cost.py            cost within bounds (unknown cost fails)
latency_ms      latency.py         wall time within bounds
finish_reason   finish_reason.py   normalised stop reason
contains, not_contains, regex, equals
                content.py         reply text
tool_call, no_tool_call
                tool_call.py       tool calls against the declared tools
json_output     json_output.py     reply text is JSON (valid for the requested schema)
stream, ttft_ms stream.py          SSE stream well-formed / terminated; time to first token
"""

from __future__ import annotations

from harness.checks import (  # noqa: F401
    body_schema,
    content,
    cost,
    envelope,
    finish_reason,
    json_output,
    latency,
    status,
    stream,
    tool_call,
    usage,
)

BUILTIN_CHECKS = (
    "status",
    "error_envelope",
    "body_schema",
    "usage",
    "cost_usd",
    "latency_ms",
    "finish_reason",
    "contains",
    "not_contains",
    "regex",
    "equals",
    "tool_call",
    "no_tool_call",
    "json_output",
    "stream",
    "ttft_ms",
)
