"""The aiohttp application: routes, auth, latency, faults, and the chat handler.

Routes (under /v1): ``POST /chat/completions``, ``GET /models``; anything else is a 404 in the
dialect's envelope. Order of events for a chat request: count it, set its deadline (arrival +
latency), check the API key (401), maybe inject a fault, parse JSON (400), validate (422 / 400 /
404), generate, wait for the deadline, answer (JSON or SSE). API keys never appear in any answer or log line in full.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.sim import envelopes as env
from harness.sim import responses
from harness.sim.config import SimConfig
from harness.sim.faults import KEY_HEADER, FaultPlan, fault_response
from harness.sim.generate import Generator
from harness.sim.headers import RateCounters, id_headers, request_id
from harness.sim.models_list import models_body
from harness.sim.stats import SimStats
from harness.sim.validate_mistral import validate_mistral
from harness.sim.validate_openai import validate_openai

LATENCY_HEADER = "x-sim-latency-ms"
MAX_BODY = 64 * 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class SimState:
    """Everything the handlers share for one server."""

    cfg: SimConfig
    stats: SimStats = field(default_factory=SimStats)
    faults: FaultPlan = field(init=False)
    generator: Generator = field(init=False)
    rates: RateCounters = field(default_factory=RateCounters)
    _jitter: random.Random = field(init=False)
    _jitter_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.faults = FaultPlan(self.cfg.faults)
        self.generator = Generator(self.cfg)
        self._jitter = random.Random(self.cfg.seed)

    def delay_s(self, request: web.Request) -> float:
        """Base latency + seeded uniform jitter, or the x-sim-latency-ms override."""
        override = request.headers.get(LATENCY_HEADER)
        if override is not None:
            try:
                return max(0.0, float(override)) / 1000.0
            except ValueError:
                pass
        jitter = 0.0
        if self.cfg.jitter_ms > 0:
            with self._jitter_lock:
                jitter = self._jitter.uniform(0, self.cfg.jitter_ms)
        return max(0.0, self.cfg.latency_ms + jitter) / 1000.0


STATE = web.AppKey("sim_state", SimState)
RID = web.RequestKey("sim_request_id", str)
T0 = web.RequestKey("sim_t0", float)
DEADLINE = web.RequestKey("sim_deadline", float)


async def wait_deadline(request: web.Request) -> None:
    """Sleep until the request's latency has elapsed since it arrived.

    The latency is measured from arrival, like a real provider's: the work of answering
    happens inside it, so a burst of requests does not add its processing time on top.
    """
    remaining = request[DEADLINE] - time.monotonic()
    if remaining > 0:
        await asyncio.sleep(remaining)


@web.middleware
async def frame(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, delay, attach request-id headers, and turn SimHTTPError into answers."""
    state = request.app[STATE]
    request[T0] = time.monotonic()
    state.stats.request(request.path, request.headers.get(KEY_HEADER))
    rid = request[RID] = request_id(state.cfg.dialect)
    request[DEADLINE] = request[T0] + state.delay_s(request)
    try:
        resp = await handler(request)
    except env.SimHTTPError as err:
        resp = err.response()
    if not resp.prepared:
        await wait_deadline(request)
        for name, value in id_headers(state.cfg.dialect, rid).items():
            resp.headers.setdefault(name, value)
    state.stats.status(resp.status)
    return resp


def check_auth(request: web.Request, cfg: SimConfig) -> None:
    """Bearer key in the accepted set, or a 401 in the dialect's shape."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip() if scheme.lower() == "bearer" else ""
    assert cfg.api_keys is not None
    if key and key in cfg.api_keys:
        return
    raise env.mistral_unauthorized() if cfg.dialect == "mistral" else env.openai_unauthorized(key)


def _model_of(raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        return "unknown"
    return str(body.get("model", "unknown")) if isinstance(body, dict) else "unknown"


def _parse(raw: bytes, dialect: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise env.mistral_invalid_json(err) if dialect == "mistral" else env.openai_invalid_json()
    except ValueError:  # not UTF-8
        bad = json.JSONDecodeError("Invalid UTF-8", "", 0)
        raise env.mistral_invalid_json(bad) if dialect == "mistral" else env.openai_invalid_json()


async def chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    cfg = state.cfg
    check_auth(request, cfg)
    raw = await request.read()
    kind = state.faults.decide(request.headers)
    if kind:
        state.stats.fault(kind)
        return await fault_response(kind, cfg.dialect, cfg.faults, _model_of(raw))
    body = _parse(raw, cfg.dialect)
    validate = validate_mistral if cfg.dialect == "mistral" else validate_openai
    req = validate(body, cfg)
    gen = state.generator.run(req)
    ids = responses.Ids.new(req)
    elapsed_ms = (time.monotonic() - request[T0]) * 1000.0
    headers = id_headers(cfg.dialect, request[RID])
    headers.update(
        state.rates.success_headers(
            cfg.dialect, gen.prompt_tokens + gen.completion_tokens, elapsed_ms
        )
    )
    if req.stream:
        return await _stream(request, req, gen, ids, headers)
    payload = responses.encode_completion(req, responses.completion(req, gen, ids))
    headers["Content-Type"] = "application/json"
    return web.Response(body=payload, headers=headers)


async def _stream(
    request: web.Request, req: Any, gen: Any, ids: responses.Ids, headers: dict[str, str]
) -> web.StreamResponse:
    cfg = request.app[STATE].cfg
    headers.update(
        {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
    )
    resp = web.StreamResponse(status=200, headers=headers)
    await wait_deadline(request)
    await resp.prepare(request)
    rng = random.Random(ids.id)
    compact = (",", ":")
    try:
        for chunk in responses.chunks(req, gen, ids, rng):
            line = "data: " + json.dumps(chunk, separators=compact, ensure_ascii=False) + "\n\n"
            await resp.write(line.encode("utf-8"))
            if cfg.chunk_delay_ms > 0:
                await asyncio.sleep(cfg.chunk_delay_ms / 1000.0)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
    except ConnectionResetError:  # the client went away mid-stream
        pass
    return resp


async def models(request: web.Request) -> web.Response:
    cfg = request.app[STATE].cfg
    check_auth(request, cfg)
    body = models_body(cfg)
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json"},
    )


async def not_found(request: web.Request) -> web.Response:
    cfg = request.app[STATE].cfg
    if cfg.dialect == "mistral":
        raise env.mistral_not_found()
    raise env.openai_not_found_path(request.method, request.path)


def build_app(cfg: SimConfig, stats: SimStats | None = None) -> tuple[web.Application, SimState]:
    """The aiohttp application and its shared state."""
    state = SimState(cfg, stats or SimStats())
    app = web.Application(middlewares=[frame], client_max_size=MAX_BODY)
    app[STATE] = state
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app, state
