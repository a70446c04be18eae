"""The proxy's client path: one request forwarded to the primary, streamed back unchanged.

    upstream_headers(headers)      the client's headers minus hop-by-hop ones, Host and
                                   Content-Length (its key passes through as sent)
    Tee(t_start)                   what the primary answered, captured while it streams to the
                                   client: status, headers, chunks with their arrival times;
                                   `capture()` the same as plain data (Capture: it
                                   crosses to the shadow worker), `.exchange(...)` the
                                   engine's Exchange of it
    forward_aiohttp(session, ...)  the path every proxied request takes (aiohttp client,
                                   chosen by measurement: ARCHITECTURE.md, bench/shadow.py)
    forward_httpx(client, ...)     the same over the session's httpx client (kept for the
                                   bench's comparison: `--client httpx`)

Both write each chunk to the client as it arrives (no buffering: an SSE event reaches the
client when the primary sends it), copy the status, reason and end-to-end headers, and keep
Content-Length when the primary sent one. A primary that cannot be reached (or breaks before
its headers) is a 502 in the OpenAI error envelope; one that breaks mid-body leaves the client
with the cut body, as a direct call would. Nothing here waits for, or knows of, the shadow.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from harness.core.models import Exchange

__all__ = ["HOP_BY_HOP", "Capture", "Tee", "bad_gateway", "forward_aiohttp", "forward_httpx",
           "response_headers", "upstream_headers"]

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "proxy-connection", "te", "trailer", "trailers", "transfer-encoding",
                        "upgrade"})
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length"}


def _connection_tokens(pairs: Iterable[tuple[str, str]]) -> set[str]:
    return {t.strip().lower() for k, v in pairs if k.lower() == "connection"
            for t in v.split(",") if t.strip()}


def upstream_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The client's request headers as the primary gets them (order and repeats kept)."""
    pairs = list(pairs)
    drop = _NOT_FORWARDED | _connection_tokens(pairs)
    return [(k, v) for k, v in pairs if k.lower() not in drop]


def response_headers(pairs: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, str]], int | None]:
    """(the primary's end-to-end headers, its Content-Length or None)."""
    pairs = list(pairs)
    drop = HOP_BY_HOP | {"content-length"} | _connection_tokens(pairs)
    length = None
    chunked = any(k.lower() == "transfer-encoding" for k, _ in pairs)
    for k, v in pairs:
        if k.lower() == "content-length" and not chunked:
            try:
                length = int(v)
            except ValueError:
                length = None
    return [(k, v) for k, v in pairs if k.lower() not in drop], length


class Tee:
    """The primary's answer as it went to the client (see the module doc)."""

    __slots__ = ("chunks", "client_gone", "done", "error", "headers", "status", "t_end",
                 "t_first", "t_start")

    def __init__(self, t_start: float) -> None:
        self.t_start = t_start
        self.t_first: float | None = None
        self.t_end: float | None = None
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.chunks: list[tuple[float, bytes]] = []
        self.error: BaseException | None = None
        self.client_gone = False
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def add(self, chunk: bytes) -> None:
        now = time.perf_counter()
        if self.t_first is None:
            self.t_first = now
        self.chunks.append((now - self.t_start, chunk))

    def finish(self, error: BaseException | None = None) -> None:
        if self.done.done():
            return
        self.t_end = time.perf_counter()
        if error is not None and self.error is None:
            self.error = error
        self.done.set_result(None)

    def capture(self) -> Capture:
        """What the primary answered, as plain data (it crosses to the shadow worker)."""
        error = None if self.error is None else f"{type(self.error).__name__}: {self.error}"
        return Capture(self.t_start, self.t_first, self.t_end, self.status, self.headers,
                       self.chunks, error, self.client_gone)

    def exchange(self, url: str, sent: Any) -> Exchange:
        return self.capture().exchange(url, sent)


@dataclass
class Capture:
    """A finished Tee's content: picklable, read by the shadow (in this process or not)."""

    t_start: float
    t_first: float | None
    t_end: float | None
    status: int | None
    headers: dict[str, str]
    chunks: list[tuple[float, bytes]]
    error: str | None = None
    client_gone: bool = False

    def exchange(self, url: str, sent: Any) -> Exchange:
        """The engine's Exchange of what the primary answered (gzip / deflate decoded)."""
        body = b"".join(c for _, c in self.chunks)
        chunks = self.chunks
        encoding = self.headers.get("content-encoding", "").lower()
        if encoding in ("gzip", "deflate") and body:
            try:
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip"
                                       else zlib.MAX_WBITS)
                chunks = []
            except zlib.error:
                pass
        error_class = error_message = None
        if self.error is not None:
            error_class = "stream_cut" if self.status is not None else "connect"
            error_message = self.error[:300]
        return Exchange(method="POST", url=url, request_headers={}, request_body=sent,
                        status_code=self.status, response_headers=self.headers, body=body,
                        t_start=self.t_start, t_first_byte=self.t_first, t_end=self.t_end,
                        attempts=1, error_class=error_class, error_message=error_message,
                        chunks=chunks)


def bad_gateway(exc: BaseException) -> web.Response:
    """The client's answer when the primary cannot be reached."""
    import json

    detail = f"{type(exc).__name__}: {exc}"[:300]
    body = {"error": {"message": f"shadow proxy: the primary did not answer ({detail})",
                      "type": "proxy_error", "param": None, "code": "bad_gateway"}}
    return web.Response(status=502, body=json.dumps(body).encode(),
                        content_type="application/json")


async def _stream_out(request: web.Request, status: int, reason: str | None,
                      pairs: list[tuple[str, str]], tee: Tee) -> web.StreamResponse:
    tee.status = status
    tee.headers = {k.lower(): v for k, v in pairs}
    headers, length = response_headers(pairs)
    resp = web.StreamResponse(status=status, reason=reason)
    for k, v in headers:
        resp.headers.add(k, v)
    if length is not None:
        resp.content_length = length
    await resp.prepare(request)
    return resp


async def forward_aiohttp(session: Any, request: web.Request, url: str, body: bytes,
                          tee: Tee, timeout: Any) -> web.StreamResponse:
    """Forward `request` to `url` with an aiohttp ClientSession, streaming the answer back."""
    import aiohttp

    headers = upstream_headers(request.headers.items())
    try:
        up = await session.request(request.method, url, headers=headers, data=body or None,
                                   allow_redirects=False, timeout=timeout)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        tee.finish(exc)
        return bad_gateway(exc)
    try:
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in up.raw_headers]
        resp = await _stream_out(request, up.status, up.reason, pairs, tee)
        try:
            async for chunk in up.content.iter_any():
                tee.add(chunk)
                await resp.write(chunk)
        except (aiohttp.ClientError, TimeoutError) as exc:  # the primary broke mid-body
            tee.finish(exc)
            _drop(request)
            return resp
        await resp.write_eof()
        return resp
    except (ConnectionResetError, ConnectionError) as exc:  # the client went away
        tee.client_gone = True
        tee.finish(exc)
        raise
    finally:
        up.release() if up.content.is_eof() else up.close()
        tee.finish()


async def forward_httpx(client: Any, request: web.Request, url: str, body: bytes,
                        tee: Tee, timeout: Any) -> web.StreamResponse:
    """The same over an httpx client (the session's EngineClient)."""
    import httpx

    headers = upstream_headers(request.headers.items())
    # a bare Request: no client default headers (Accept-Encoding, User-Agent) are added
    req = httpx.Request(request.method, url, headers=headers, content=body,
                        extensions={"timeout": httpx.Timeout(timeout).as_dict()})
    try:
        up = await client.send(req, stream=True)
    except httpx.RequestError as exc:
        tee.finish(exc)
        return bad_gateway(exc)
    try:
        pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in up.headers.raw]
        resp = await _stream_out(request, up.status_code, up.reason_phrase, pairs, tee)
        try:
            async for chunk in up.aiter_raw():
                tee.add(chunk)
                await resp.write(chunk)
        except httpx.RequestError as exc:
            tee.finish(exc)
            _drop(request)
            return resp
        await resp.write_eof()
        return resp
    except (ConnectionResetError, ConnectionError) as exc:
        tee.client_gone = True
        tee.finish(exc)
        raise
    finally:
        await up.aclose()
        tee.finish()


def _drop(request: web.Request) -> None:
    """Close the client's connection: its body was cut upstream, so it must see a cut."""
    transport = request.transport
    if transport is not None:
        transport.close()
