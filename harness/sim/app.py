"""The aiohttp application: routes, auth, latency, faults, and the three endpoint handlers.

Routes (under /v1): ``POST /chat/completions`` and ``GET /models`` on both dialects; the
gateway (dialect "openai") also serves ``POST /responses`` (OpenAI Responses shape) and
``POST /messages`` (Anthropic Messages shape). Anything else is a 404 in the dialect's envelope
(so the Mistral simulator answers /v1/responses and /v1/messages with its ``{"detail":"Not
Found"}``).

Order of events for a request: count it, set its deadline (arrival + latency), check the API
key (401), for /messages the ``anthropic-version`` header (400), maybe inject a fault, parse
JSON (400), validate (422 / 400 / 404), generate, wait for the deadline, answer (JSON or SSE,
see `harness.sim.streaming` for stream timing and stream faults). API keys never appear in any
answer or log line in full.

Auth: chat and Responses take ``Authorization: Bearer``; /messages takes Anthropic's
``x-api-key`` and, because this is a gateway whose other endpoints use Bearer keys, also
``Authorization: Bearer``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.sim import envelopes as env
from harness.sim import envelopes_anthropic as anth
from harness.sim import responses, shape_messages, shape_responses
from harness.sim.config import STREAM_FAULT_KINDS, SimConfig
from harness.sim.echo import echo_middleware
from harness.sim.faults import KEY_HEADER, FaultPlan, fault_response
from harness.sim.generate import Generation, Generator
from harness.sim.headers import RateCounters, id_headers, request_id
from harness.sim.hostile import HOSTILE_KINDS, hostile_response
from harness.sim.models_list import models_body
from harness.sim.stats import SimStats
from harness.sim.streaming import (
    Event,
    first_token_ms,
    send_body,
    send_stream,
    sleep_until,
    timing,
)
from harness.sim.validate_messages import check_version, validate_messages
from harness.sim.validate_mistral import validate_mistral
from harness.sim.validate_openai import validate_openai
from harness.sim.validate_responses import validate_responses

LATENCY_HEADER = "x-sim-latency-ms"
MAX_BODY = 64 * 1024 * 1024
STORED_RESPONSES = 1024
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
        self._stored: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def store(self, response_id: str, history: list[dict[str, Any]]) -> None:
        """Keep a Responses conversation for ``previous_response_id`` (the newest few)."""
        self._stored[response_id] = history
        while len(self._stored) > STORED_RESPONSES:
            self._stored.popitem(last=False)

    def stored_history(self, response_id: str) -> list[dict[str, Any]] | None:
        return self._stored.get(response_id)

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
    await sleep_until(request[DEADLINE])


def style_of(request: web.Request, dialect: str) -> str:
    """Which envelope and headers this request gets: mistral, openai, responses, anthropic."""
    if dialect == "mistral":
        return "mistral"
    path = request.path.rstrip("/")
    if path == "/v1/responses":
        return "responses"
    if path == "/v1/messages":
        return "anthropic"
    return "openai"


@web.middleware
async def frame(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count, delay, attach request-id headers, and turn SimHTTPError into answers."""
    state = request.app[STATE]
    request[T0] = time.monotonic()
    state.stats.request(request.path, request.headers.get(KEY_HEADER))
    style = style_of(request, state.cfg.dialect)
    rid = request[RID] = request_id(style)
    request[DEADLINE] = request[T0] + state.delay_s(request)
    try:
        resp = await handler(request)
    except env.SimHTTPError as err:
        err.request_id = rid
        resp = err.response()
    if not resp.prepared:
        await wait_deadline(request)
        for name, value in id_headers(style, rid).items():
            resp.headers.setdefault(name, value)
    state.stats.status(resp.status)
    return resp


def bearer_key(request: web.Request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def check_auth(request: web.Request, cfg: SimConfig) -> None:
    """Bearer key in the accepted set, or a 401 in the dialect's shape."""
    key = bearer_key(request)
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


def _fault(request: web.Request, state: SimState) -> str | None:
    kind = state.faults.decide(request.headers)
    if kind:
        state.stats.fault(kind)
    return kind


def _success_headers(
    request: web.Request, style: str, gen: Generation, content_type: str = "application/json"
) -> dict[str, str]:
    state = request.app[STATE]
    elapsed_ms = (time.monotonic() - request[T0]) * 1000.0
    headers = id_headers(style, request[RID])
    rate_style = {"responses": "openai", "anthropic": "anthropic"}.get(style, state.cfg.dialect)
    tokens = gen.prompt_tokens + gen.completion_tokens
    headers.update(state.rates.success_headers(rate_style, tokens, elapsed_ms))
    headers["Content-Type"] = content_type
    return headers


async def _answer(
    request: web.Request,
    fault: str | None,
    headers: dict[str, str],
    payload: bytes = b"",
    events: list[Event] | None = None,
) -> web.StreamResponse:
    """Send a success: ``events`` (a stream) or ``payload`` (a body), with any stream fault."""
    cfg = request.app[STATE].cfg
    t0, deadline = request[T0], request[DEADLINE]
    if events is not None:
        when = timing(request, cfg, t0, deadline, fault)
        return await send_stream(request, headers, events, when, fault)
    delay = first_token_ms(request, cfg, fault)
    first = None if delay is None else t0 + delay / 1000.0
    return await send_body(request, payload, headers, deadline, first, fault)


async def chat(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    cfg = state.cfg
    check_auth(request, cfg)
    raw = await request.read()
    kind = _fault(request, state)
    if kind in HOSTILE_KINDS:
        return await hostile_response(request, kind)
    if kind and kind not in STREAM_FAULT_KINDS:
        return await fault_response(kind, cfg.dialect, cfg.faults, _model_of(raw))
    body = _parse(raw, cfg.dialect)
    validate = validate_mistral if cfg.dialect == "mistral" else validate_openai
    req = validate(body, cfg)
    gen = state.generator.run(req)
    ids = responses.Ids.new(req)
    headers = _success_headers(request, cfg.dialect, gen)
    if req.stream:
        events = responses.chat_events(req, gen, ids, random.Random(ids.id))
        return await _answer(request, kind, headers, events=events)
    payload = responses.encode_completion(req, responses.completion(req, gen, ids))
    return await _answer(request, kind, headers, payload)


async def responses_api(request: web.Request) -> web.StreamResponse:
    """``POST /v1/responses`` (gateway only)."""
    state = request.app[STATE]
    cfg = state.cfg
    key = bearer_key(request)
    assert cfg.api_keys is not None
    if not key or key not in cfg.api_keys:
        raise env.responses_unauthorized(key)
    raw = await request.read()
    kind = _fault(request, state)
    if kind in HOSTILE_KINDS:
        return await hostile_response(request, kind)
    if kind and kind not in STREAM_FAULT_KINDS:
        return await fault_response(kind, "responses", cfg.faults, _model_of(raw))
    try:
        call = validate_responses(_parse(raw, "openai"), cfg, state.stored_history)
    except env.SimHTTPError as err:
        raise env.as_responses(err) from None
    req = call.req
    gen = state.generator.run(req)
    ids = shape_responses.ResponseIds.new()
    rid = ids.make("resp")
    output = shape_responses.output_items(req, gen, ids)
    if req.raw.get("store") is not False:
        state.store(rid, call.history + shape_responses.history_of(output))
    headers = _success_headers(request, "responses", gen)
    if req.stream:
        events = shape_responses.events(req, gen, ids, rid, output)
        return await _answer(request, kind, headers, events=events)
    body = shape_responses.response_object(req, ids, rid, output, gen)
    return await _answer(request, kind, headers, shape_responses.encode(body))


async def messages_api(request: web.Request) -> web.StreamResponse:
    """``POST /v1/messages`` (gateway only), Anthropic's protocol."""
    state = request.app[STATE]
    cfg = state.cfg
    assert cfg.api_keys is not None
    key = request.headers.get("x-api-key") or bearer_key(request)
    if not key or key not in cfg.api_keys:
        raise anth.unauthorized(missing=not key)
    check_version(request.headers.get("anthropic-version"))
    raw = await request.read()
    kind = _fault(request, state)
    if kind in HOSTILE_KINDS:
        return await hostile_response(request, kind)
    if kind and kind not in STREAM_FAULT_KINDS:
        return await fault_response(kind, "anthropic", cfg.faults, _model_of(raw), request[RID])
    try:
        body = json.loads(raw)
    except ValueError:  # ASSUMPTION: wording
        raise anth.invalid_request("There was an error parsing the body of your request") from None
    req = validate_messages(body, cfg)
    gen = state.generator.run(req)
    mid = shape_messages.anthropic_id("msg")
    blocks = shape_messages.content_blocks(gen)
    headers = _success_headers(request, "anthropic", gen)
    if req.stream:
        events = shape_messages.events(req, gen, mid, blocks, random.Random(mid))
        return await _answer(request, kind, headers, events=events)
    body = shape_messages.message(req, gen, mid, blocks)
    return await _answer(request, kind, headers, shape_messages.encode(body))


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
    app = web.Application(middlewares=[echo_middleware, frame], client_max_size=MAX_BODY)
    app[STATE] = state
    app.router.add_post("/v1/chat/completions", chat)
    if cfg.dialect == "openai":
        app.router.add_post("/v1/responses", responses_api)
        app.router.add_post("/v1/messages", messages_api)
    app.router.add_get("/v1/models", models)
    app.router.add_route("*", "/{tail:.*}", not_found)
    return app, state
