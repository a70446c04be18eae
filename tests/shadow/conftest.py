"""Fixtures for the shadow tests: simulators, a recording tap in front of the primary, a
providers file aiming targets at them, and the proxy in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import pytest
import yaml
from aiohttp import ClientSession, web

from harness.core.loop import new_event_loop
from harness.session.settings import RunSettings
from harness.shadow.pairs import read_pairs
from harness.shadow.proxy import ProxyOptions
from harness.shadow.session import ProxyServer
from harness.sim import SimConfig, SimServer

CLIENT_KEY = "sk-client-CANARY-1111aaaa2222bbbb"
CAND_KEY = "sk-cand-CANARY-3333cccc4444dddd"
CAND_ENV = "SHADOW_TEST_CAND_KEY"


@dataclass
class Tapped:
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    done: bool = False

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


class Tap:
    """A pass-through server in front of a simulator recording the exact bytes it sent (what
    "the primary answered" is). `hold`: after a stream's first chunk, wait for `release`."""

    def __init__(self, upstream: str, hold: bool = False) -> None:
        self.upstream = upstream.removesuffix("/v1")
        self.hold = hold
        self.release = threading.Event()
        self.seen: list[Tapped] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        rec = Tapped(request_headers=dict(request.headers))
        self.seen.append(rec)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with ClientSession(auto_decompress=False) as s, s.post(
                self.upstream + request.path, data=body, headers=headers) as up:
            rec.status = up.status
            rec.headers = [(k.decode(), v.decode()) for k, v in up.raw_headers]
            resp = web.StreamResponse(status=up.status, reason=up.reason)
            for k, v in rec.headers:
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    resp.headers.add(k, v)
            await resp.prepare(request)
            async for chunk in up.content.iter_any():
                rec.chunks.append(chunk)
                await resp.write(chunk)
                if self.hold and len(rec.chunks) == 1:
                    await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 20)
            await resp.write_eof()
            rec.done = True
            return resp

    def _main(self) -> None:
        async def main() -> None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            self._ready.set()
            await self._stop.wait()
            await runner.cleanup()

        loop = new_event_loop()
        loop.run_until_complete(main())
        loop.close()

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def providers_file(path: Path, primary_url: str, candidate_url: str,
                   gateway_url: str | None = None) -> Path:
    """prim (Mistral dialect), cand (the OpenAI-compatible gateway, key from CAND_ENV), gw
    (an OpenAI-compatible primary serving chat, responses and messages)."""
    providers: dict[str, Any] = {
        "prim": {"extends": "mistral", "base_url": primary_url, "api_key_env": "SHADOW_TEST_PRIM_KEY"},
        "cand": {"extends": "empiriolabs", "base_url": candidate_url, "api_key_env": CAND_ENV},
    }
    if gateway_url:
        providers["gw"] = {"extends": "empiriolabs", "base_url": gateway_url,
                           "api_key_env": "SHADOW_TEST_PRIM_KEY"}
    path.write_text(yaml.safe_dump({"providers": providers}), encoding="utf-8")
    return path


@pytest.fixture
def cand_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CAND_ENV, CAND_KEY)
    monkeypatch.delenv("SHADOW_TEST_PRIM_KEY", raising=False)


@pytest.fixture(scope="module")
def prim_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="mistral", api_keys={CLIENT_KEY}, chunk_delay_ms=2)) as srv:
        yield srv


@pytest.fixture(scope="module")
def gw_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="openai", api_keys={CLIENT_KEY}, chunk_delay_ms=2)) as srv:
        yield srv


@pytest.fixture(scope="module")
def cand_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY})) as srv:
        yield srv


def start_proxy(tmp_path: Path, providers: Path, primary: str = "prim/mistral-medium-3.5",
                candidate: str = "cand/mistral-medium-3-1", content: str = "full",
                secondary: str | None = None, **options: Any) -> ProxyServer:
    opts = {"sample": 1.0, "secondary_share": 0.0, "shadow_timeout_s": 20.0, "grace_s": 20.0,
            **options}
    settings = RunSettings(providers=(str(providers),), out=str(tmp_path / "log"), retries=0,
                           timeout_s=30.0, concurrency=int(opts.get("max_in_flight", 64)))
    roles = {"primary": primary, "candidate": candidate, "secondary": secondary or primary}
    return ProxyServer(roles, settings, ProxyOptions(**opts), content=content)


def wait_pairs(log: Path, n: int, timeout_s: float = 30.0) -> list[dict[str, Any]]:
    """The log's records once there are `n` of them (a wait, not a timed assertion)."""
    deadline = time.monotonic() + timeout_s
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            found = list(read_pairs(log))
        if len(found) >= n:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{len(found)} pair(s) in {log}, expected {n}")


def sse_events(body: bytes) -> list[str]:
    return [e for e in body.decode().split("\n\n") if e.strip()]


def chat_body(stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {"model": "mistral-medium-3.5", "stream": stream, "temperature": 0,
            "messages": [{"role": "user", "content": "Say hello about the weather in Paris"}],
            **extra}


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
