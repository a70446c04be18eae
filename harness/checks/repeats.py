"""`same_across_repeats`: every repeat of a case (same target and variant) gives the same answer.

Used with `seed` to check reproducibility claims. The first answer to arrive becomes the
reference for its group; any later repeat that differs fails, showing both. So a run where all
repeats agree passes everywhere, and any disagreement fails at least one row.

    repeat: 3
    expect:
      - same_across_repeats:            # compares content; `tool_calls` compares the calls
"""

from __future__ import annotations

from typing import Any

from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange

# Where the references live: ctx.state[STATE_KEY] = {group key: reference answer}. The state
# belongs to the run (harness.session.Run), so two runs in one process never share answers.
STATE_KEY = "same_across_repeats"


def _field(args: Any) -> str:
    if args is None or args is True or args == "content":
        return "content"
    if args == "tool_calls":
        return "tool_calls"
    raise ValueError("expects nothing, 'content' or 'tool_calls'")


@register_check("same_across_repeats")
def same_across_repeats(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    field = _field(args)
    if ctx.normalized is None:
        raise CheckFailure(
            f"no success body to compare (HTTP {exchange.status_code})",
            expected="a success response", received=exchange.status_code,
        )
    if field == "content":
        answer: Any = ctx.normalized.content
    else:
        answer = [(c.name, c.arguments) for c in ctx.normalized.tool_calls]
    job = ctx.job
    key = (job.case.suite, job.case.id, job.target.name, job.variant)
    refs = ctx.state.setdefault(STATE_KEY, {})
    reference = refs.setdefault(key, answer)
    if answer != reference:
        raise CheckFailure(
            f"repeat {job.repeat} answered differently from an earlier repeat",
            expected=reference, received=answer,
        )


same_across_repeats.validate_args = _field  # type: ignore[attr-defined]
