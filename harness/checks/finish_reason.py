"""`finish_reason`: why the model stopped, in normalised spelling.

    - finish_reason: stop
    - finish_reason: [stop, length]

Normalised values (wire.normalize): stop, length, tool_calls, content_filter, model_length,
error (Anthropic end_turn -> stop, max_tokens -> length, tool_use -> tool_calls; Responses
completed -> stop or tool_calls, incomplete -> length).
"""

from __future__ import annotations

from typing import Any

from harness.checks._common import require_success, str_list
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange


def _validate(args: Any) -> None:
    str_list(args, "finish_reason")


@register_check("finish_reason")
def finish_reason(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    wanted = str_list(args, "finish_reason")
    normalized = require_success(ctx, exchange)
    got = normalized.finish_reason
    if got not in wanted:
        expected = wanted[0] if len(wanted) == 1 else "one of " + ", ".join(wanted)
        raise CheckFailure(
            f"finish_reason {got!r}, expected {expected}",
            expected=wanted if len(wanted) > 1 else wanted[0],
            received=got,
        )


finish_reason.validate_args = _validate  # type: ignore[attr-defined]
