"""The multi-turn tool loop of a case (`tool_loop:`), and any case with `expect_each_turn`.

    turn 1: send the case's request ─▶ answer calls tools? ─no─▶ final answer, stop
                                              │ yes (and turns < max_turns)
    turn n+1: the conversation so far + the assistant turn + one scripted result per call

The conversation grows in canonical form (OpenAI chat spelling: an assistant message with
`tool_calls`, then one `role: tool` message per call) and each turn is translated like any
request, so every endpoint gets its own form from the one translator (wire/dialects.py):

    chat       assistant {tool_calls: [...]} + {role: tool, tool_call_id, content}
    responses  function_call items + function_call_output items in `input`
    messages   assistant tool_use blocks + a user message of tool_result blocks

A scripted result that is a string is sent as it is; any other value as JSON text. The loop
stops at an answer without tool calls, an error answer, or `max_turns` requests; still calling
tools at `max_turns` is a failure ("tool loop did not finish in N turns"), and so is a call to
a tool `tool_loop.results` does not script. Each turn is one `execute` (retries, streams,
timeouts as usual); `checks.evaluate.evaluate_turns` makes the row.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from harness.checks.evaluate import evaluate_turns
from harness.core.models import Exchange, FailureInfo, Job, Normalized
from harness.wire.normalize import normalize
from harness.wire.protocols import DEFAULT_ENDPOINT

__all__ = ["next_request", "run_tool_loop", "tool_result_text", "turn_answer"]

DEFAULT_MAX_TURNS = 5


async def run_tool_loop(
    job: Job,
    send: Callable[[Job], Awaitable[Exchange]],
    *,
    run_id: str,
    mode: str,
    started_at: str | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run every turn of `job` and return its result row.

    `send` (an executor's JobRun.send) makes each turn's Exchange, so every turn of a loop is
    one request of the job (one interaction of its cassette when recording or replaying).
    """
    loop = job.case.tool_loop
    results: dict[str, Any] = dict((loop or {}).get("results") or {})
    max_turns = int((loop or {}).get("max_turns") or DEFAULT_MAX_TURNS) if loop else 1
    turns: list[tuple[Job, Exchange]] = []
    failure: FailureInfo | None = None
    turn_job = job
    while True:
        exchange = await send(turn_job)
        turns.append((turn_job, exchange))
        if not loop:
            break
        answer = turn_answer(turn_job, exchange)
        if answer is None or not answer.tool_calls:
            break  # a final answer, or an error answer: `expect` judges it
        called = [call.name for call in answer.tool_calls]
        if len(turns) >= max_turns:
            failure = FailureInfo(
                check="tool_loop",
                title=f"tool loop did not finish in {max_turns} turns",
                expected=f"an answer without tool calls by turn {max_turns}",
                received=f"turn {len(turns)} called {', '.join(called)}",
            )
            break
        unscripted = [name for name in called if name not in results]
        if unscripted:
            failure = FailureInfo(
                check="tool_loop",
                title=(
                    f"turn {len(turns)}: the model called {unscripted[0]!r}, which "
                    "tool_loop.results does not script"
                ),
                expected=sorted(results),
                received=called,
            )
            break
        turn_job = replace(
            turn_job, request=next_request(turn_job.request, answer, results, len(turns))
        )
    return evaluate_turns(
        turns, run_id=run_id, mode=mode, started_at=started_at, loop_failure=failure,
        state=state,
    )


def turn_answer(job: Job, exchange: Exchange) -> Normalized | None:
    """The normalised answer of a successful turn (a stream's assembled body), else None."""
    status = exchange.status_code
    if exchange.error_class or status is None or not 200 <= status < 300:
        return None
    stream = getattr(exchange, "stream", None)
    body = getattr(stream, "body", None) if stream is not None else exchange.json
    if body is None:
        return None
    endpoint = str(job.request.get("endpoint") or DEFAULT_ENDPOINT)
    return normalize(endpoint, job.target.dialect, body)


def tool_result_text(value: Any) -> str:
    """A scripted tool result as sent: a string as it is, anything else as JSON text."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def next_request(
    request: dict[str, Any], answer: Normalized, results: dict[str, Any], turn: int
) -> dict[str, Any]:
    """The canonical request of the next turn: the assistant's tool calls and their results."""
    out = dict(request)
    messages = copy.deepcopy(request.get("messages") or [])
    ids = [call.id or f"call_t{turn}_{i}" for i, call in enumerate(answer.tool_calls)]
    assistant: dict[str, Any] = {"role": "assistant"}
    if answer.content:
        assistant["content"] = answer.content
    assistant["tool_calls"] = [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments or "{}"},
        }
        for call_id, call in zip(ids, answer.tool_calls, strict=True)
    ]
    messages.append(assistant)
    for call_id, call in zip(ids, answer.tool_calls, strict=True):
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call_id,
                "content": tool_result_text(results.get(call.name)),
            }
        )
    out["messages"] = messages
    return out
