from __future__ import annotations

import json
from dataclasses import replace

import pytest

from harness.checks.base import run_check, validate_check_args
from harness.core.errors import UsageError
from harness.core.models import ModelInfo
from tests.checks.conftest import build_ctx

# The real current Mistral 422 envelope (MANIFEST, editor-code-assistant/eca#231).
MISTRAL_422 = {
    "object": "error",
    "message": {"detail": [{"type": "less_than_equal", "loc": ["body", "temperature"],
                            "msg": "Input should be less than or equal to 1.5", "input": 1.6}]},
    "type": "invalid_request_error", "param": None, "code": None,
}
OK_BODY = {"id": "e163e89dde8440d791674699aa4630a8", "object": "chat.completion", "created": 1,
           "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                                      "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _ctx(temperature: float, status: int, body: dict):  # type: ignore[no-untyped-def]
    ctx, exchange = build_ctx(body, status=status, request={
        "messages": [{"role": "user", "content": "x"}], "temperature": temperature})
    model = ModelInfo(id="mistral-medium-3.5", ranges={"temperature": (0.0, 1.5)})
    ctx.job.target = replace(ctx.job.target, model=model)
    return ctx, exchange


@pytest.mark.parametrize(
    ("temperature", "status", "body", "title"),
    [
        (1.5, 200, OK_BODY, None),
        (0.0, 200, OK_BODY, None),
        (1.6, 422, MISTRAL_422, None),
        (1.6, 200, OK_BODY, "temperature=1.6 (documented 0..1.5) is outside the documented range but the provider answered HTTP 200"),
        (1.5, 422, MISTRAL_422, "temperature=1.5 is inside the documented range but the provider answered HTTP 422"),
        (2.0, 401, {"detail": "Unauthorized"}, "temperature=2.0 (documented 0..1.5) is outside the documented range but the provider answered HTTP 401"),
    ],
)
def test_param_range(temperature: float, status: int, body: dict, title: str | None) -> None:
    ctx, exchange = _ctx(temperature, status, body)
    failure = run_check("param_range", ctx, exchange, "temperature")
    assert (failure.title if failure else None) == title


def test_param_range_without_documented_range_fails() -> None:
    ctx, exchange = _ctx(1.0, 200, OK_BODY)
    failure = run_check("param_range", ctx, exchange, "top_p")
    assert failure is not None and failure.title.startswith("no documented range for top_p")


def test_param_range_args_validated() -> None:
    with pytest.raises(UsageError):
        validate_check_args("param_range", {"temperature": 1})
    validate_check_args("param_range", ["temperature", "top_p"])
    assert json.dumps(MISTRAL_422)
