from __future__ import annotations

from harness.checks.base import run_check
from tests.checks.conftest import build_ctx


def _body(content: str) -> dict:
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _run(content: str, repeat: int, state: dict):  # type: ignore[no-untyped-def]
    ctx, exchange = build_ctx(_body(content))
    ctx.job.repeat = repeat
    ctx.state = state  # the run's state (harness.session.Run holds one per run)
    return run_check("same_across_repeats", ctx, exchange, None)


def test_identical_repeats_pass_and_a_different_one_fails() -> None:
    state: dict = {}
    assert _run("red, green, blue", 0, state) is None
    assert _run("red, green, blue", 1, state) is None
    failure = _run("cyan, magenta", 2, state)
    assert failure is not None
    assert failure.title == "repeat 2 answered differently from an earlier repeat"
    assert (failure.expected, failure.received) == ("red, green, blue", "cyan, magenta")


def test_runs_do_not_share_references() -> None:
    run_a: dict = {}
    run_b: dict = {}
    assert _run("one", 0, run_a) is None
    assert _run("two", 0, run_b) is None
    assert _run("two", 1, run_a) is not None  # run a still remembers its own answer


def test_error_response_fails() -> None:
    ctx, exchange = build_ctx({"detail": "Unauthorized"}, status=401)
    failure = run_check("same_across_repeats", ctx, exchange, None)
    assert failure is not None and "HTTP 401" in failure.title
