"""The mirror proxy: the primary answers the client; a copy of the request goes to the shadow.

    proxy = ShadowProxy(arms, log, ProxyOptions(...), client, send_options)
    await proxy.serve(stop)          # until `stop` is set: stop accepting, let the shadows
                                     # finish within the grace period, write the stats line

Per request (any path; the primary provider's endpoints are mirrored, anything else, e.g.
GET /v1/models, is only forwarded):

    client ──▶ proxy ──forward.py (aiohttp, streamed, the client's own key)──▶ primary
                 │  Tee: the primary's answer as it streams back to the client
                 └─(sampled, a free slot)─▶ task: candidate (+ secondary) via arms.send_arm
                                           on the session's client with their own keys,
                                           then, once every arm is done: diffs, PairRecord

The client's path never awaits the shadow: the shadow task is started and left; its failure,
slowness or hang (bounded by --shadow-timeout) is its own. Sampling (`sample`), then the
queue: a sampled request that finds `max_in_flight` shadows running is not mirrored
(`skipped_queue_full`); nothing ever waits for a slot. Of the mirrored requests a share
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
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from harness.shadow.arms import ArmTarget, answer_of, send_arm, shadow_job
from harness.shadow.forward import Tee, forward_aiohttp, forward_httpx
from harness.shadow.pairing import PairIds, build_record, is_timeout, now_iso
from harness.shadow.pairs import Arm, PairLog
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import find_protocol

__all__ = ["STATS_PATH", "STAT_KEYS", "ProxyOptions", "ShadowProxy"]

STATS_PATH = "/__shadow/stats"
STAT_KEYS = ("requests", "sampled", "mirrored", "skipped_sampling", "skipped_queue_full",
             "not_mirrorable", "secondary_sent", "candidate_errors", "candidate_timeouts",
             "secondary_errors", "primary_errors", "pairs_written", "shadow_cancelled")
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
    seed: int | None = None


@dataclass
class _Route:
    url: str
    protocol: WireProtocol | None


class ShadowProxy:
    """The proxy of one primary, one candidate and an optional secondary (module doc)."""

    def __init__(self, arms: Mapping[str, ArmTarget], log: PairLog, options: ProxyOptions,
                 client: Any, send_options: Any) -> None:
        self.primary = arms["primary"]
        self.candidate = arms["candidate"]
        self.secondary = arms.get("secondary")
        self.log = log
        self.options = options
        self.client = client  # the session's httpx client: the shadow arms go through it
        self.send_options = send_options
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self.in_flight = 0
        self.url = ""
        self._rng = random.Random(options.seed)
        self._ids = PairIds("p")
        self._tasks: set[asyncio.Task[None]] = set()
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
        parsed = self._mirror_of(request, route, body)
        if parsed is not None:
            assert route.protocol is not None
            self._start_shadow(parsed, route.protocol, url, tee, request)
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

    def _mirror_of(self, request: web.Request, route: _Route, body: bytes) -> Any:
        """The request's JSON body when it is mirrored now (sampled, a free slot), else None."""
        if route.protocol is None or request.method != "POST":
            self.stats["not_mirrorable"] += 1
            return None
        if self._rng.random() >= self.options.sample:
            self.stats["skipped_sampling"] += 1
            return None
        self.stats["sampled"] += 1
        if self.in_flight >= self.options.max_in_flight:
            self.stats["skipped_queue_full"] += 1
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            self.stats["not_mirrorable"] += 1
            return None
        return parsed

    # -- the shadow ---------------------------------------------------------------------------

    def _start_shadow(self, body: dict[str, Any], protocol: WireProtocol, url: str, tee: Tee,
                      request: web.Request) -> None:
        self.in_flight += 1
        self.stats["mirrored"] += 1
        secondary = self.secondary is not None and (
            self._rng.random() < self.options.secondary_share)
        key = _client_key(request.headers, protocol)
        self.log.add_secret(key)
        task = asyncio.get_running_loop().create_task(
            self._shadow(self._ids.next(), now_iso(), body, protocol, url, tee, secondary, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _secondary_key(self, client_key: str | None) -> str | None:
        sec = self.secondary
        assert sec is not None
        if sec.key:
            return sec.key
        same = sec.target.provider.name == self.primary.target.provider.name
        return client_key if same else None

    async def _shadow(self, pair_id: str, ts: str, body: dict[str, Any], protocol: WireProtocol,
                      url: str, tee: Tee, with_secondary: bool, client_key: str | None) -> None:
        loop = asyncio.get_running_loop()
        deadline = self.options.shadow_timeout_s
        try:
            tasks = {"candidate": loop.create_task(send_arm(
                self.client, self.candidate, protocol, body, self.send_options, deadline))}
            if with_secondary and self.secondary is not None:
                self.stats["secondary_sent"] += 1
                same = self.secondary.target.name == self.primary.target.name
                tasks["secondary"] = loop.create_task(send_arm(
                    self.client, self.secondary, protocol, body, self.send_options, deadline,
                    keep_model=same, key=self._secondary_key(client_key)))
            try:
                await tee.done
                arms: dict[str, Arm | None] = {r: await t for r, t in tasks.items()}
            except asyncio.CancelledError:
                for t in tasks.values():
                    t.cancel()
                raise
            arms["primary"] = self._primary_arm(protocol, body, url, tee)
            self._count(arms)
            record = build_record(pair_id, ts, "proxy", body, protocol.endpoint,
                                  {"primary": arms["primary"], "candidate": arms["candidate"],
                                   "secondary": arms.get("secondary")})
            if tee.client_gone:
                record.skipped = "client_disconnected"
            self.log.write(record)
            self.stats["pairs_written"] += 1
        except asyncio.CancelledError:
            self.stats["shadow_cancelled"] += 1
            raise
        finally:
            self.in_flight -= 1

    def _primary_arm(self, protocol: WireProtocol, body: dict[str, Any], url: str,
                     tee: Tee) -> Arm:
        target = self.primary.target
        job = shadow_job(target, protocol, body, case_id="shadow-primary")
        return Arm(target=target.name, protocol=protocol.name, endpoint=protocol.endpoint,
                   dialect=target.dialect, answer=answer_of(job, tee.exchange(url, body)),
                   request_sent=body, notes=[])

    def _count(self, arms: Mapping[str, Arm | None]) -> None:
        for role in ("candidate", "secondary"):
            arm = arms.get(role)
            if arm is None or arm.answer.error_class is None:
                continue
            if role == "candidate" and is_timeout(arm):
                self.stats["candidate_timeouts"] += 1
            else:
                self.stats[f"{role}_errors"] += 1

    # -- stats and lifecycle ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The counters, the shadows in flight and the settings that explain them."""
        return {**self.stats, "in_flight": self.in_flight,
                "primary": self.primary.name, "candidate": self.candidate.name,
                "secondary": self.secondary.name if self.secondary else None,
                "options": {k: v for k, v in asdict(self.options).items() if k != "seed"}}

    async def _stats_handler(self, request: web.Request) -> web.Response:
        return web.json_response(self.snapshot())

    async def drain(self, grace_s: float) -> None:
        """Let the shadows in flight finish within `grace_s`, then cancel the rest."""
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)

    async def serve(self, stop: asyncio.Event,
                    ready: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Listen until `stop` is set; then stop accepting, finish the requests and shadows in
        flight (grace period), write the stats line. Returns the final stats."""
        runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True,
                               shutdown_timeout=self.options.grace_s)
        await runner.setup()
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
            await self.drain(self.options.grace_s)
            final = self.snapshot()
            self.log.write_stats(final)
        return final


def _client_key(headers: Mapping[str, str], protocol: WireProtocol) -> str | None:
    """The key the client sent, in the protocol's auth header (or the other usual one)."""
    for name in (protocol.auth.header, "authorization", "x-api-key"):
        value = headers.get(name)
        if value:
            scheme, _, rest = value.partition(" ")
            return rest.strip() if rest and scheme.lower() in ("bearer", "basic") else value
    return None
