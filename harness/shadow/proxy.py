"""The mirror proxy: the primary answers the client; a copy of the request goes to the shadow.

    proxy = ShadowProxy(arms, ProxyOptions(...), shadows, client)
    await proxy.serve(stop)          # until `stop` is set: stop accepting, let the shadows
                                     # finish within the grace period, write the stats line

    shadows    where the shadow work runs: LocalShadows (`--shadow-workers 0`, the default:
               tasks on this loop the client's handler never awaits) or worker.WorkerPool
               (N >= 1: separate processes, for hosts with spare cores; bench/shadow.py)

Per request (any path; the primary provider's endpoints are mirrored, anything else, e.g.
GET /v1/models, is only forwarded):

    client ──▶ proxy ──forward.py (aiohttp, streamed, the client's own key)──▶ primary
                 │  Tee: the primary's answer as it streams back to the client
                 └─(sampled, a free slot)─▶ HandOff ─▶ shadowing.Shadower (a worker
                                           process): candidate (+ secondary) via
                                           arms.send_arm with their own keys, then, with
                                           the primary's Capture: diffs, PairRecord

The client's path never awaits the shadow: the hand-off is a message queued for a writer
thread; its failure, slowness or hang (bounded by --shadow-timeout) is its own. Sampling
(`sample`), then the queue: a sampled request that finds `max_in_flight` shadows out (a slot
is taken at the hand-off and given back when the shadow reports done, failed or lost) is not
mirrored (`skipped_queue_full`); nothing ever waits for a slot. Of the mirrored requests a share
(`secondary_share`) is also sent again to the secondary (default the primary target): the
noise floor. Counters are served at GET /__shadow/stats and written as the log's stats line.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web

from harness.shadow.arms import ArmTarget
from harness.shadow.forward import Capture, Tee, forward_aiohttp, forward_httpx
from harness.shadow.pairing import PairIds, now_iso
from harness.shadow.shadowing import WORKER_KEYS, HandOff, Shadower
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import find_protocol

__all__ = ["STATS_PATH", "STAT_KEYS", "LocalShadows", "ProxyOptions", "ShadowProxy", "Shadows"]

STATS_PATH = "/__shadow/stats"
STAT_KEYS = ("requests", "sampled", "mirrored", "skipped_sampling", "skipped_queue_full",
             "not_mirrorable", "primary_errors", *WORKER_KEYS, "shadow_errors")
BACKLOG = 2048


@dataclass(frozen=True)
class ProxyOptions:
    """How the proxy listens, samples and bounds the shadow (defaults: the CLI's)."""

    host: str = "127.0.0.1"
    port: int = 0
    sample: float = 0.1
    secondary_share: float = 0.1
    max_in_flight: int = 64
    shadow_timeout_s: float = 30.0
    grace_s: float = 10.0
    read_timeout_s: float = 300.0  # the primary's, per read (a long stream may pause)
    connect_timeout_s: float = 10.0
    client: str = "aiohttp"  # the client path's HTTP client: aiohttp | httpx (bench only)
    shadow_workers: int = 0  # processes doing the shadow work; 0: on the proxy's own loop
    seed: int | None = None


class Shadows(Protocol):
    """Where the shadow work runs (LocalShadows, worker.WorkerPool): `on_done(counts)` once
    per hand-off."""

    on_done: Callable[[dict[str, int]], None]
    restarts: int

    def start(self) -> None: ...
    def hand_off(self, h: HandOff, tee: Tee) -> None: ...
    async def drain(self, grace_s: float) -> None: ...
    async def close(self, final: Mapping[str, Any]) -> None: ...


class LocalShadows:
    """The shadows as tasks on the proxy's own loop (`--shadow-workers 0`)."""

    def __init__(self, shadower: Shadower) -> None:
        self.shadower = shadower
        self.restarts = 0
        self.on_done: Callable[[dict[str, int]], None] = lambda counts: None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        pass

    def hand_off(self, h: HandOff, tee: Tee) -> None:
        task = asyncio.get_running_loop().create_task(self._one(h, tee))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, h: HandOff, tee: Tee) -> None:
        counts = {"shadow_cancelled": 1}
        try:
            counts = await self.shadower.run(h, _captured(tee))
        except Exception:  # noqa: BLE001 - a bug in one shadow is that pair's error
            counts = {"shadow_errors": 1}
        finally:
            self.on_done(counts)

    async def drain(self, grace_s: float) -> None:
        """Let the shadows in flight finish within `grace_s`, then cancel the rest."""
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)

    async def close(self, final: Mapping[str, Any]) -> None:
        self.shadower.log.write_stats(final)


async def _captured(tee: Tee) -> Capture:
    await tee.done
    return tee.capture()


@dataclass
class _Route:
    url: str
    protocol: WireProtocol | None


class ShadowProxy:
    """The proxy of one primary, one candidate and an optional secondary (module doc)."""

    def __init__(self, arms: Mapping[str, ArmTarget], options: ProxyOptions, shadows: Shadows,
                 client: Any = None) -> None:
        self.primary = arms["primary"]
        self.candidate = arms["candidate"]
        self.secondary = arms.get("secondary")
        self.options = options
        self.shadows = shadows
        shadows.on_done = self._done
        self.client = client  # the session's httpx client (the bench's `--client httpx`)
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self.in_flight = 0
        self.handoff_s = [0.0, 0.0, 0]  # total, max, count: the hand-off's cost on this loop
        self.url = ""
        self._rng = random.Random(options.seed)
        self._ids = PairIds("p")
        self._session: Any = None
        self._routes: dict[str, _Route] = {}
        base = self.primary.target.provider.base_url.rstrip("/")
        self._base = base
        self._base_path = urlsplit(base).path.rstrip("/")
        self._endpoints = {path: name for name, path in
                           self.primary.target.provider.endpoints.items()}

    # -- routing and the client's path --------------------------------------------------------

    def route(self, path: str) -> _Route:
        """The primary's URL for a client's path, and the protocol when it is an endpoint."""
        found = self._routes.get(path)
        if found is not None:
            return found
        bp = self._base_path
        if bp and (path == bp or path.startswith(bp + "/")):
            rel = path[len(bp):]
        else:
            rel = path[3:] if path.startswith("/v1/") else path
        name = self._endpoints.get(rel)
        protocol = find_protocol(name, self.primary.target.dialect) if name else None
        found = _Route(self._base + rel, protocol)
        if len(self._routes) < 256:
            self._routes[path] = found
        return found

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_get(STATS_PATH, self._stats_handler)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_cleanup.append(self._close_session)
        return app

    def _forward_session(self) -> Any:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30.0),
                cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False, trust_env=False,
                # nothing the client did not send is added to its request
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                timeout=aiohttp.ClientTimeout(total=None))
        return self._session

    def _timeout(self) -> Any:
        o = self.options
        if o.client == "httpx":
            return o.read_timeout_s
        import aiohttp

        return aiohttp.ClientTimeout(total=None, sock_connect=o.connect_timeout_s,
                                     sock_read=o.read_timeout_s)

    async def _close_session(self, app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.stats["requests"] += 1
        route = self.route(request.path)
        body = await request.read()
        url = route.url + (f"?{request.query_string}" if request.query_string else "")
        tee = Tee(time.perf_counter())
        if self._mirror_of(request, route, body):
            assert route.protocol is not None
            self._start_shadow(body, route.protocol, url, tee, request)
        try:
            if self.options.client == "httpx":
                resp = await forward_httpx(self.client, request, url, body, tee, self._timeout())
            else:
                resp = await forward_aiohttp(self._forward_session(), request, url, body, tee,
                                             self._timeout())
        finally:
            if not tee.done.done():  # the handler was cancelled (the client went away)
                tee.client_gone = True
                tee.finish(ConnectionResetError("the client went away"))
        if tee.status is None:
            self.stats["primary_errors"] += 1
        return resp

    def _mirror_of(self, request: web.Request, route: _Route, body: bytes) -> bool:
        """Whether the request is mirrored now (sampled, a free slot, a JSON object)."""
        if route.protocol is None or request.method != "POST":
            self.stats["not_mirrorable"] += 1
            return False
        if self._rng.random() >= self.options.sample:
            self.stats["skipped_sampling"] += 1
            return False
        self.stats["sampled"] += 1
        if self.in_flight >= self.options.max_in_flight:
            self.stats["skipped_queue_full"] += 1
            return False
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            self.stats["not_mirrorable"] += 1
            return False
        return True

    # -- the hand-off ---------------------------------------------------------------------------

    def _start_shadow(self, body: bytes, protocol: WireProtocol, url: str, tee: Tee,
                      request: web.Request) -> None:
        t0 = time.perf_counter()
        self.in_flight += 1
        self.stats["mirrored"] += 1
        secondary = self.secondary is not None and (
            self._rng.random() < self.options.secondary_share)
        key = _client_key(request.headers, protocol)
        self.shadows.hand_off(HandOff(self._ids.next(), now_iso(), body, protocol.name, url, key,
                                      secondary), tee)
        spent = time.perf_counter() - t0
        cost = self.handoff_s
        cost[0] += spent
        cost[1] = max(cost[1], spent)
        cost[2] += 1

    def _done(self, counts: Mapping[str, int]) -> None:
        """A hand-off came back (done, failed, cancelled or lost): its slot and counters."""
        self.in_flight -= 1
        for k, v in counts.items():
            self.stats[k] = self.stats.get(k, 0) + v

    # -- stats and lifecycle ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The counters, the shadows in flight and the settings that explain them."""
        total, worst, count = self.handoff_s
        handoff = {"count": count, "mean_us": round(total / count * 1e6, 1) if count else None,
                   "max_us": round(worst * 1e6, 1)}
        return {**self.stats, "in_flight": self.in_flight,
                "worker_restarts": self.shadows.restarts, "handoff": handoff,
                "primary": self.primary.name, "candidate": self.candidate.name,
                "secondary": self.secondary.name if self.secondary else None,
                "options": {k: v for k, v in asdict(self.options).items() if k != "seed"}}

    async def _stats_handler(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    async def serve(self, stop: asyncio.Event,
                    ready: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Listen until `stop` is set; then stop accepting, finish the requests and shadows in
        flight (grace period), write the stats line. Returns the final stats."""
        runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True,
                               shutdown_timeout=self.options.grace_s)
        await runner.setup()
        self.shadows.start()
        try:
            site = web.TCPSite(runner, self.options.host, self.options.port, backlog=BACKLOG)
            await site.start()
            port = runner.addresses[0][1]
            self.url = f"http://{self.options.host}:{port}"
            if ready is not None:
                ready(self.url)
            await stop.wait()
            await site.stop()
        finally:
            await runner.cleanup()
            await self.shadows.drain(self.options.grace_s)
            final = self.snapshot()
            await self.shadows.close(final)
        return final


def _client_key(headers: Mapping[str, str], protocol: WireProtocol) -> str | None:
    """The key the client sent, in the protocol's auth header (or the other usual one)."""
    for name in (protocol.auth.header, "authorization", "x-api-key"):
        value = headers.get(name)
        if value:
            scheme, _, rest = value.partition(" ")
            return rest.strip() if rest and scheme.lower() in ("bearer", "basic") else value
    return None
