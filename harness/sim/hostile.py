"""Hostile answers: the faults a client's limits must survive (depth, size, time, redirects).

Asked for with ``x-sim-fault: KIND`` like any fault (see `harness.sim.faults`); never drawn at
random. Each is written without holding its whole body in memory:

    deep_json          200, a chat completion carrying one value nested 2,000 deep (4 KB)
    deep_json_400      400, an error body with a value nested 2,000 deep (4 KB)
    deep_json_stream   a 200 SSE stream whose second event is nested 2,000 deep
    slow_drip          200, a valid chat completion sent one byte per DRIP_HEADER ms (1000)
    endless_stream     a 200 SSE stream of content events that never ends, one per
                       CHUNK_DELAY_HEADER ms (default 0: as fast as the socket takes them)
    ping_forever       a 200 SSE stream of `: ping` comments, one per CHUNK_DELAY_HEADER ms
                       (default 1000), and no event ever
    huge_body          200, a JSON body of SIZE_HEADER MiB (default 2048), 1 MiB per write
    gzip_bomb          200, `Content-Encoding: gzip`, SIZE_HEADER MiB of JSON whitespace and
                       `{}` once inflated (default 1024: about 1 MB on the wire)
    429_long           429 with `Retry-After: 3600`
    redirect_307       307 to another URL whose query carries `api_key=...` (to scrub)
"""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from functools import cache

from aiohttp import web

from harness.sim.streaming import CHUNK_DELAY_HEADER

HOSTILE_KINDS = (
    "deep_json", "deep_json_400", "deep_json_stream", "slow_drip", "endless_stream",
    "ping_forever", "huge_body", "gzip_bomb", "429_long", "redirect_307",
)
DRIP_HEADER = "x-sim-drip-ms"
SIZE_HEADER = "x-sim-size-mib"
DEEP = 2000
MIB = 1 << 20
REDIRECT_LOCATION = "http://127.0.0.1:9/v1/chat/completions?api_key=sim-redirect-secret-0123"


def _number(request: web.Request, name: str, default: float) -> float:
    try:
        return max(0.0, float(request.headers.get(name, default)))
    except ValueError:
        return default


def deep_value(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _completion(extra: str = "") -> bytes:
    head = ('{"id":"chatcmpl-hostile","object":"chat.completion","created":1,"model":"m",'
            '"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},'
            '"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,'
            '"total_tokens":2}')
    return (head + (f',"extra":{extra}' if extra else "") + "}").encode()


def _chunk(content: str) -> str:
    obj = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
           "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}
    return "data: " + json.dumps(obj, separators=(",", ":")) + "\n\n"


async def _sse(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    return resp


async def _forever(request: web.Request, frame: bytes, gap_s: float) -> web.StreamResponse:
    resp = await _sse(request)
    try:
        while True:
            await resp.write(frame)
            await asyncio.sleep(gap_s)  # 0: still yields, so the server stays responsive
    except (ConnectionResetError, ConnectionError):  # the client gave up: the point
        return resp


async def _drip(request: web.Request, body: bytes, gap_s: float) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    resp.content_length = len(body)
    await resp.prepare(request)
    try:
        for i in range(len(body)):
            await resp.write(body[i:i + 1])
            await asyncio.sleep(gap_s)
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    return resp


async def _huge(request: web.Request, mib: int) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    pad = b"a" * MIB
    try:
        await resp.write(b'{"id":"huge","pad":"')
        for _ in range(mib):
            await resp.write(pad)
        await resp.write(b'"}')
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    return resp


@cache
def _bomb_parts(mib: int) -> tuple[bytes, bytes, bytes]:
    """(first member block with the gzip header, the 1 MiB block repeated, the end + trailer):
    after a full flush deflate starts afresh, so every later MiB of spaces compresses to the
    same bytes, and the bomb is written without ever being built."""
    spaces = b" " * MIB
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    first = c.compress(spaces) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(spaces) + c.flush(zlib.Z_FULL_FLUSH)
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    end = raw.compress(b"{}") + raw.flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(spaces, crc)
    crc = zlib.crc32(b"{}", crc)
    return first, block, end + struct.pack("<II", crc, (mib * MIB + 2) & 0xFFFFFFFF)


async def _gzip_bomb(request: web.Request, mib: int) -> web.StreamResponse:
    first, block, end = _bomb_parts(max(1, mib))
    resp = web.StreamResponse(status=200, headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip"})
    resp.content_length = len(first) + len(block) * (max(1, mib) - 1) + len(end)
    await resp.prepare(request)
    try:
        await resp.write(first)
        for _ in range(max(1, mib) - 1):
            await resp.write(block)
        await resp.write(end)
        await resp.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    return resp


async def _deep_stream(request: web.Request) -> web.StreamResponse:
    resp = await _sse(request)
    await resp.write(_chunk("hi").encode())
    await resp.write(f'data: {{"id":"c","deep":{deep_value()}}}\n\n'.encode())
    await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


async def hostile_response(request: web.Request, kind: str) -> web.StreamResponse:
    """The answer of a hostile fault kind (HOSTILE_KINDS)."""
    gap_ms = _number(request, CHUNK_DELAY_HEADER, 1000.0 if kind == "ping_forever" else 0.0)
    size = int(_number(request, SIZE_HEADER, 1024.0 if kind == "gzip_bomb" else 2048.0))
    if kind == "deep_json":
        return web.Response(body=_completion(deep_value()), content_type="application/json")
    if kind == "deep_json_400":
        body = f'{{"error":{{"message":"bad","type":"invalid_request_error","param":{deep_value()}}}}}'
        return web.Response(status=400, body=body.encode(), content_type="application/json")
    if kind == "deep_json_stream":
        return await _deep_stream(request)
    if kind == "slow_drip":
        return await _drip(request, _completion(), _number(request, DRIP_HEADER, 1000.0) / 1000)
    if kind == "endless_stream":
        return await _forever(request, _chunk("more ").encode(), gap_ms / 1000.0)
    if kind == "ping_forever":
        return await _forever(request, b": ping\n\n", gap_ms / 1000.0)
    if kind == "huge_body":
        return await _huge(request, size)
    if kind == "gzip_bomb":
        return await _gzip_bomb(request, size)
    if kind == "429_long":
        return web.Response(status=429, headers={"Retry-After": "3600"},
                            body=b'{"error":{"message":"slow down","type":"rate_limit"}}',
                            content_type="application/json")
    if kind == "redirect_307":
        return web.Response(status=307, headers={"Location": REDIRECT_LOCATION})
    raise ValueError(f"not a hostile kind: {kind!r}")
