"""Shared helpers of the engine tests: a local aiohttp server, jobs, fake prepare/evaluate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from harness.core.models import Case, CheckSpec, Exchange, Job, ModelInfo, Provider, Target

SECRET = "sk-test-SECRET-0123456789"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def local_server(handler: Handler) -> AsyncIterator[str]:
    """Serve `handler` for every method and path on 127.0.0.1:<free port>; yields the base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def make_provider(
    name: str = "p", base_url: str = "http://127.0.0.1:9/v1", dialect: str = "openai"
) -> Provider:
    return Provider(name=name, base_url=base_url, dialect=dialect, api_key_env="P_API_KEY")


def make_job(
    provider: Provider | None = None,
    *,
    model: str = "m1",
    case_id: str = "c1",
    repeat: int = 0,
    repeats: int = 1,
    timeout_s: float | None = None,
    expect: list[CheckSpec] | None = None,
) -> Job:
    provider = provider or make_provider()
    request = {"messages": [{"role": "user", "content": "hi"}]}
    case = Case(
        suite="s",
        id=case_id,
        request=request,
        repeat=repeats,
        timeout_s=timeout_s,
        expect=expect or [],
    )
    return Job(
        case=case, target=Target(provider, ModelInfo(id=model)), request=request, repeat=repeat
    )


@dataclass
class FakePrepared:
    method: str
    url: str
    headers: dict[str, str]
    masked_headers: dict[str, str]
    body: bytes
    sent: Any


def fake_prepare(job: Job, api_key: str | None) -> FakePrepared:
    sent = {"model": job.target.model.id, **job.request}
    headers = {"content-type": "application/json", "x-job": job.id}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    masked = {k: ("Bearer ***" if k == "authorization" else v) for k, v in headers.items()}
    return FakePrepared(
        method="POST",
        url=job.target.provider.base_url + "/chat/completions",
        headers=headers,
        masked_headers=masked,
        body=json.dumps(sent).encode(),
        sent=sent,
    )


def fake_evaluate(
    job: Job, exchange: Exchange, *, run_id: str, mode: str, **kw: Any
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "mode": mode,
        "job_id": job.id,
        "target": job.target.name,
        "status_code": exchange.status_code,
        "attempts": exchange.attempts,
        "error_class": exchange.error_class,
        "error_message": exchange.error_message,
        "latency_ms": exchange.latency_ms,
        "started_at": kw.get("started_at"),
        "passed": exchange.status_code == 200,
    }


def chat_body(content: str = "hello") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
