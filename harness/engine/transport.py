"""An httpx transport on top of aiohttp, and the one place the engine's HTTP client is made.

Why: the engine speaks httpx (its Request/Response/MockTransport API is what tests, cassettes and
the lead's code use), but httpx's own connection pool (httpcore) costs a lot of CPU per request.
Measured on 2 cores, 1,000 requests at concurrency 64 against a 200 ms server: floor 3.2 s,
bare aiohttp 3.7 s, bare httpx 4.6 s. Keeping httpx's client API and swapping only the transport
for aiohttp's C-accelerated parser and pool gives most of aiohttp's speed; `EngineClient` (what
`make_client` returns) then skips the httpx client layers the engine never uses (cookies, auth,
redirects, hooks), which was the other half of the gap.

Content encoding: aiohttp is told NOT to decompress (auto_decompress=False); the raw bytes and
the true `content-encoding` / `content-length` headers are handed to httpx, which decodes them
incrementally in `Response.aiter_bytes()` exactly as it does on its own transport. Both sides use
the same zlib, so neither is faster at decoding; letting httpx do it is the cheaper *correct*
choice: aiohttp skips its decoder set-up, we do not have to rewrite (copy) the header list on
every response, the headers the harness records stay the ones the server sent, `aiter_raw()`
keeps its meaning, and httpx only ever sees encodings it advertised in Accept-Encoding itself.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import httpx
from yarl import URL

__all__ = [
    "AiohttpResponseStream",
    "AiohttpTransport",
    "EngineClient",
    "make_client",
    "stock_transport",
]

_HTTP11 = b"HTTP/1.1"
_UseClientDefault = type(httpx.USE_CLIENT_DEFAULT)
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy")


def _proxy_env_set() -> bool:
    return any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARS)


_SSL_CONTEXT: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """A verifying context on certifi's bundle (what httpx uses), built once per process."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        try:
            import certifi

            _SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - certifi comes with httpx
            _SSL_CONTEXT = ssl.create_default_context()
    return _SSL_CONTEXT


def _map_exception(exc: BaseException) -> httpx.TransportError | None:
    """The httpx exception matching an aiohttp / asyncio one (None: not a transport error).

    aiohttp's own classes say which phase failed: ClientConnectorError and
    ConnectionTimeoutError only while establishing a connection; a plain OSError / reset later
    (on a pooled connection, mid-body) is a read error, not a connect error.
    """
    msg = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(msg)
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        # SocketTimeoutError (sock_read) and any total timeout land here.
        return httpx.ReadTimeout(msg)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, SSL handshake, ...
        return httpx.ConnectError(msg)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(msg)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(msg)  # truncated / malformed body framing
    if isinstance(exc, aiohttp.ClientResponseError):  # e.g. a malformed status line / headers
        return httpx.RemoteProtocolError(msg)
    if isinstance(exc, (aiohttp.ClientOSError, ConnectionError)):
        return httpx.ReadError(msg)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(msg)
    if isinstance(exc, aiohttp.ClientError):
        return httpx.TransportError(msg)
    return None


class AiohttpResponseStream(httpx.AsyncByteStream):
    """The body of an aiohttp response, chunk by chunk as it arrives (`readany`).

    Incremental on purpose: a streamed (SSE) body yields each network read as soon as it lands,
    so time-to-first-token can be taken from the first chunk. `aclose()` releases the aiohttp
    response: the connection goes back to the pool if the body was read to the end, and is
    closed otherwise (aiohttp decides from the parser state).
    """

    __slots__ = ("_resp",)

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._resp.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    break
                yield chunk
        except Exception as exc:
            mapped = _map_exception(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        resp = self._resp
        if resp.content.is_eof():
            resp.release()  # body read to the end: the connection is reusable
        else:
            resp.close()  # abandoned mid-body: drop the connection


class AiohttpTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncBaseTransport` backed by one lazily created `aiohttp.ClientSession`.

    limit: total connections (0 = unlimited, the caller bounds concurrency itself);
    limit_per_host: per host (0 = unlimited); keepalive_timeout: seconds an idle pooled
    connection is kept; ttl_dns_cache: seconds DNS answers are cached.
    ssl: True = verify with certifi's CA bundle, like httpx (not the system store, which some
    CI images lack); False = no verification; or an ssl.SSLContext.
    trust_env: honour HTTP(S)_PROXY / NO_PROXY like httpx does by default. None = only when
    such a variable is set (aiohttp re-reads the environment on every request when enabled).
    The session is created on the first request, inside the running event loop; `aclose()`
    (or closing the owning httpx.AsyncClient) closes it.
    """

    def __init__(
        self,
        *,
        limit: int = 0,
        limit_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        ttl_dns_cache: int | None = 300,
        ssl: Any = True,
        trust_env: bool | None = None,
        read_bufsize: int = 2**16,
    ) -> None:
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._keepalive_timeout = keepalive_timeout
        self._ttl_dns_cache = ttl_dns_cache
        self._ssl = ssl
        self._trust_env = _proxy_env_set() if trust_env is None else trust_env
        self._read_bufsize = read_bufsize
        self._session: aiohttp.ClientSession | None = None
        # ClientTimeout objects keyed by httpx's timeout dict values (a run uses one or two).
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}
        self._urls: dict[str, URL] = {}  # a run talks to a handful of URLs

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._limit,
            limit_per_host=self._limit_per_host,
            keepalive_timeout=self._keepalive_timeout,
            ttl_dns_cache=self._ttl_dns_cache,
            ssl=_ssl_context() if self._ssl is True else self._ssl,
        )
        return aiohttp.ClientSession(
            connector=connector,
            # httpx owns cookies, redirects, decoding and default headers; aiohttp adds nothing.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=self._trust_env,
            timeout=aiohttp.ClientTimeout(total=None),
            read_bufsize=self._read_bufsize,
            skip_auto_headers=("User-Agent",),
        )

    def _timeout_for(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        t = request.extensions.get("timeout")
        if not t:
            key: tuple[Any, ...] = ()
        else:
            key = (t.get("connect"), t.get("read"), t.get("pool"))
        cached = self._timeouts.get(key)
        if cached is not None:
            return cached
        if not key:
            timeout = aiohttp.ClientTimeout(total=None)
        else:
            connect, read, pool = key
            # aiohttp's `connect` covers waiting for a pooled connection plus establishing one;
            # `sock_connect` the TCP/TLS connect alone; `sock_read` each read (headers, chunks).
            acquire = None if connect is None and pool is None else (connect or 0) + (pool or 0)
            timeout = aiohttp.ClientTimeout(
                total=None, connect=acquire, sock_connect=connect, sock_read=read
            )
        if len(self._timeouts) < 64:
            self._timeouts[key] = timeout
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session
        if session is None or session.closed:
            session = self._session = self._new_session()
        method = request.method
        stream = request.stream
        if isinstance(stream, httpx.ByteStream):
            data: Any = request.content  # already in memory: hand aiohttp the bytes
            if not data and method in _BODYLESS:
                data = None
        else:
            data = _aiter_request(stream)  # a streaming upload
        url_text = str(request.url)
        url = self._urls.get(url_text)
        if url is None:
            url = URL(url_text, encoded=True)  # httpx already percent-encoded it
            if len(self._urls) < 1024:
                self._urls[url_text] = url
        try:
            resp = await session.request(
                method,
                url,
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,
                timeout=self._timeout_for(request),
            )
        except Exception as exc:
            mapped = _map_exception(exc)
            if mapped is None:
                raise
            raise mapped from exc
        version = resp.version
        http_version = (
            _HTTP11
            if version is None or (version.major, version.minor) == (1, 1)
            else f"HTTP/{version.major}.{version.minor}".encode()
        )
        return httpx.Response(
            status_code=resp.status,
            # raw (bytes) pairs: multi-valued headers (set-cookie, ...) are kept as sent.
            headers=list(resp.raw_headers),
            stream=AiohttpResponseStream(resp),
            extensions={
                "http_version": http_version,
                "reason_phrase": (resp.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


async def _aiter_request(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


def stock_transport(max_connections: int) -> httpx.AsyncHTTPTransport:
    """httpx's own transport (httpcore pool), sized like the default one (for comparisons)."""
    return httpx.AsyncHTTPTransport(
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
    )


class EngineClient(httpx.AsyncClient):
    """An httpx.AsyncClient with a lean path for exactly what the engine does.

    The engine sends fully built requests to absolute URLs, follows no redirects, uses no auth
    flow or event hooks, and keeps NO cookies between requests (jobs are independent: a
    Set-Cookie in one answer must not change the next request). For that case `send()` goes
    straight to the transport, skipping httpx's auth / redirect / cookie-jar / logging layers,
    and `engine_request()` builds the Request without `build_request()`'s URL re-parsing and
    header/cookie merging: together about 150 us of CPU per request, i.e. half of httpx's
    overhead over bare aiohttp (measured; it matters at high concurrency on 2 cores).
    Any other use (auth=..., follow_redirects=True, event hooks, mounts) takes httpx's own path,
    so this is a drop-in AsyncClient. Client-level default headers are read at construction.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._engine_urls: dict[str, httpx.URL] = {}
        self._engine_timeouts: dict[float | None, dict[str, float | None]] = {}
        # lower-cased name -> value; request headers override these (as build_request does)
        self._engine_defaults = dict(self.headers.items())

    def engine_request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes,
        timeout: float | None,
    ) -> httpx.Request:
        """A Request like `build_request(method, url, headers=..., content=..., timeout=...)`."""
        parsed = self._engine_urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            if len(self._engine_urls) < 4096:
                self._engine_urls[url] = parsed
        ext_timeout = self._engine_timeouts.get(timeout)
        if ext_timeout is None:
            ext_timeout = httpx.Timeout(timeout).as_dict()
            self._engine_timeouts[timeout] = ext_timeout  # shared, read-only for transports
        merged = dict(self._engine_defaults)
        for name, value in headers.items():
            merged[name.lower()] = value
        return httpx.Request(
            method, parsed, headers=merged, content=content, extensions={"timeout": ext_timeout}
        )

    def _lean(self, auth: Any, follow_redirects: Any) -> bool:
        hooks = self.event_hooks
        return (
            isinstance(auth, _UseClientDefault)
            and (isinstance(follow_redirects, _UseClientDefault) or not follow_redirects)
            and self.auth is None
            and not self.follow_redirects
            and not hooks["request"]
            and not hooks["response"]
            and not getattr(self, "_mounts", None)
        )

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        if not self._lean(auth, follow_redirects):
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        if "timeout" not in request.extensions:
            request.extensions["timeout"] = self.timeout.as_dict()
        try:
            response = await self._transport.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        response.request = request
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response


def make_client(
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    timeout: float,
    max_connections: int,
) -> httpx.AsyncClient:
    """The engine's HTTP client (an EngineClient): httpx API, aiohttp transport unless given.

    `timeout` applies to each phase (connect, each read, write, pool wait), as in httpx.
    No redirects are followed (a contract test wants to see the 3xx); no cookies are kept.
    """
    if transport is None:
        transport = AiohttpTransport(limit=max_connections)
    return EngineClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=False,
        trust_env=False,
    )
