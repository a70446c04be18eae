"""Fixtures of the check tests: CheckContext / Exchange built from (real) response bodies.

def test_x(make_ctx, run):
    ctx, ex = make_ctx(body_json, status=200, request={...}, dialect="mistral")
    assert run("usage", ctx, ex, None) is None         # None = passed
    failure = run("usage", ctx, ex, {"max_total_tokens": 1})
    assert "above max" in failure.title

def test_y(ctx_from):
    ctx, ex = ctx_from("pydantic-ai/.../x.yaml", 0)     # a recorded interaction
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from harness.checks import CheckContext, run_check
from harness.core.errors import CheckFailure
from harness.core.models import Case, Exchange, Job, ModelInfo, Provider, Target
from harness.wire.normalize import normalize
from tests.realworld import Interaction, interaction

_ENDPOINT_PATHS = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}


def build_ctx(
    body_json: Any = None,
    status: int | None = 200,
    request: dict[str, Any] | None = None,
    dialect: str = "mistral",
    cost: float | None = None,
    cost_note: str = "",
    latency_ms: float | None = 250.0,
    endpoint: str = "chat",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    model: str = "test-model",
) -> tuple[CheckContext, Exchange]:
    """A CheckContext and Exchange around one response body (JSON value or raw bytes/text)."""
    request = dict(request or {"messages": [{"role": "user", "content": "hi"}]})
    request.setdefault("endpoint", endpoint)
    provider = Provider(
        name=f"{dialect}-test",
        base_url="https://api.example.test/v1",
        dialect=dialect,
        api_key_env="TEST_API_KEY",
        endpoints={endpoint: _ENDPOINT_PATHS.get(endpoint, "/" + endpoint)},
    )
    target = Target(provider, ModelInfo(id=model))
    case = Case(suite="test", id="case", request=request)
    job = Job(case=case, target=target, request=request)
    if body is None:
        raw = b"" if body_json is None else json.dumps(body_json).encode("utf-8")
    else:
        raw = body.encode("utf-8") if isinstance(body, str) else body
    t_end = None if latency_ms is None else 100.0 + latency_ms / 1000.0
    exchange = Exchange(
        method="POST",
        url=provider.base_url + provider.endpoints[endpoint],
        request_headers={},
        request_body=request,
        status_code=status,
        response_headers=dict(headers or {"content-type": "application/json"}),
        body=raw,
        t_start=100.0,
        t_end=t_end,
        attempts=1,
    )
    normalized = None
    if status is not None and 200 <= status < 300 and exchange.json is not None:
        normalized = normalize(endpoint, dialect, exchange.json)
    ctx = CheckContext(
        job=job, normalized=normalized, sent=request, cost_usd=cost, cost_note=cost_note
    )
    return ctx, exchange


def ctx_from_interaction(
    inter: Interaction, request: dict[str, Any] | None = None, **kw: Any
) -> tuple[CheckContext, Exchange]:
    """Build the context of a recorded interaction (OpenRouter counts as the openai dialect)."""
    dialect = {"openrouter": "openai", None: "openai"}.get(inter.dialect, inter.dialect)
    req = request if request is not None else inter.request
    return build_ctx(
        status=inter.status,
        request=req if isinstance(req, dict) else None,
        dialect=kw.pop("dialect", dialect),
        endpoint=kw.pop("endpoint", inter.endpoint or "chat"),
        headers=inter.headers,
        body=inter.body_bytes,
        **kw,
    )


@pytest.fixture
def make_ctx() -> Callable[..., tuple[CheckContext, Exchange]]:
    return build_ctx


@pytest.fixture
def ctx_from() -> Callable[..., tuple[CheckContext, Exchange]]:
    def factory(file: str, index: int = 0, **kw: Any) -> tuple[CheckContext, Exchange]:
        return ctx_from_interaction(interaction(file, index), **kw)

    return factory


def _run(name: str, ctx: CheckContext, exchange: Exchange, args: Any) -> CheckFailure | None:
    return run_check(name, ctx, exchange, args)


@pytest.fixture
def run() -> Callable[[str, CheckContext, Exchange, Any], CheckFailure | None]:
    """run(name, ctx, exchange, args) -> the CheckFailure, or None when the check passed."""
    return _run
