"""AiohttpTransport: round trip, headers, decoding, streaming, connection reuse, error mapping."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import time

import aiohttp
import httpx
import pytest
from aiohttp import web

from harness.engine.transport import AiohttpTransport, _map_exception, make_client, stock_transport

from .support import local_server


def run(coro):
    return asyncio.run(coro)


async def _echo(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    resp = web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "multi": request.headers.getall("x-multi", []),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode(),
            "peer": request.transport.get_extra_info("peername")[1],
        }
    )
    resp.headers.add("Set-Cookie", "a=1")
    resp.headers.add("Set-Cookie", "b=2")
    return resp


def test_round_trip_method_url_headers_body_and_multi_valued_headers():
    async def main():
        async with local_server(_echo) as base, make_client(timeout=5, max_connections=4) as client:
            assert isinstance(client._transport, AiohttpTransport)
            r = await client.post(
                base + "/v1/chat?q=a%20b&x=%C3%A9",
                content=json.dumps({"hi": "é"}).encode(),
                headers=[("content-type", "application/json"), ("x-multi", "1"), ("x-multi", "2")],
            )
            assert r.status_code == 200
            assert r.http_version == "HTTP/1.1"
            assert r.reason_phrase == "OK"
            assert r.headers.get_list("set-cookie") == ["a=1", "b=2"]
            data = r.json()
            assert data["method"] == "POST"
            assert data["path"] == "/v1/chat?q=a%20b&x=%C3%A9"  # not re-quoted
            assert data["multi"] == ["1", "2"]
            assert data["body"] == '{"hi": "\\u00e9"}'
            assert data["headers"]["content-type"] == "application/json"
            assert data["headers"]["user-agent"].startswith("python-httpx")
            r = await client.get(base + "/empty")
            assert r.json()["method"] == "GET" and r.json()["body"] == ""

    run(main())


def test_keepalive_connection_is_reused_and_abandoned_body_does_not_break_the_pool():
    async def big(request: web.Request) -> web.StreamResponse:
        if request.path == "/big":
            return web.Response(body=b"x" * 2_000_000)
        return await _echo(request)

    async def main():
        async with local_server(big) as base, make_client(timeout=5, max_connections=4) as client:
            peers = {
                (await client.post(base + "/a", content=b"{}")).json()["peer"] for _ in range(5)
            }
            assert len(peers) == 1
            async with client.stream("GET", base + "/big") as r:  # closed before the body is read
                assert r.status_code == 200
            r = await client.post(base + "/a", content=b"{}")
            assert r.status_code == 200

    run(main())


def test_gzip_body_decoded_by_httpx_and_headers_kept_truthful():
    payload = json.dumps({"ok": True, "pad": "z" * 5000}).encode()

    async def gz(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(payload),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    async def main():
        async with local_server(gz) as base, make_client(timeout=5, max_connections=2) as client:
            r = await client.get(base + "/")
            assert r.json()["ok"] is True
            assert r.content == payload
            assert r.headers["content-encoding"] == "gzip"

    run(main())


def test_streamed_body_arrives_incrementally():
    async def sse(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(b"data: 1\n\n")
        await asyncio.sleep(0.4)
        await resp.write(b"data: 2\n\n")
        await resp.write_eof()
        return resp

    async def main():
        async with local_server(sse) as base, make_client(timeout=5, max_connections=2) as client:
            t0 = time.perf_counter()
            times, chunks = [], []
            async with client.stream("POST", base + "/", content=b"{}") as r:
                async for chunk in r.aiter_bytes():
                    times.append(time.perf_counter() - t0)
                    chunks.append(chunk)
            assert b"".join(chunks) == b"data: 1\n\ndata: 2\n\n"
            assert times[0] < 0.3, times  # the first event did not wait for the second
            assert times[-1] >= 0.35, times

    run(main())


def test_redirects_are_not_followed():
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/elsewhere")

    async def main():
        async with (
            local_server(redirect) as base,
            make_client(timeout=5, max_connections=2) as client,
        ):
            r = await client.get(base + "/")
            assert r.status_code == 302
            assert r.headers["location"] == "/elsewhere"

    run(main())


def test_connection_refused_maps_to_connect_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    async def main():
        async with make_client(timeout=2, max_connections=2) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/")

    run(main())


def test_slow_server_maps_to_read_timeout():
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text="late")

    async def main():
        async with (
            local_server(slow) as base,
            make_client(timeout=0.2, max_connections=2) as client,
        ):
            t0 = time.perf_counter()
            with pytest.raises(httpx.ReadTimeout):
                await client.get(base + "/")
            assert time.perf_counter() - t0 < 2

    run(main())


def test_body_cut_midway_maps_to_remote_protocol_error():
    async def cut(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Length": "1000"})
        await resp.prepare(request)
        await resp.write(b"partial")
        await asyncio.sleep(0.05)
        request.transport.close()
        return resp

    async def main():
        async with local_server(cut) as base, make_client(timeout=2, max_connections=2) as client:
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await client.get(base + "/")

    run(main())


def test_server_closing_without_answer_maps_to_remote_protocol_error():
    async def main():
        async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.close()

        server = await asyncio.start_server(on_conn, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            async with make_client(timeout=2, max_connections=2) as client:
                with pytest.raises(httpx.RemoteProtocolError):
                    await client.get(f"http://127.0.0.1:{port}/")
        finally:
            server.close()
            await server.wait_closed()

    run(main())


class _ConnKey:
    host, port, ssl = "h", 1, False


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (aiohttp.ConnectionTimeoutError("c"), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError("s"), httpx.ReadTimeout),
        (TimeoutError(), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("p"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (aiohttp.ClientConnectorError(_ConnKey(), OSError(111, "refused")), httpx.ConnectError),
        (aiohttp.ClientConnectionResetError("reset"), httpx.ReadError),
        (aiohttp.ClientError("other"), httpx.TransportError),
    ],
)
def test_exception_mapping(exc, expected):
    mapped = _map_exception(exc)
    assert type(mapped) is expected
    assert _map_exception(ValueError("bug")) is None


def test_httpx_timeout_extension_becomes_aiohttp_timeout():
    t = AiohttpTransport()
    req = httpx.Request(
        "GET", "http://x/", extensions={"timeout": httpx.Timeout(7.0, pool=2.0).as_dict()}
    )
    ct = t._timeout_for(req)
    assert (ct.total, ct.connect, ct.sock_connect, ct.sock_read) == (None, 9.0, 7.0, 7.0)
    assert t._timeout_for(httpx.Request("GET", "http://x/")).sock_read is None


def test_aclose_closes_the_session_and_a_later_request_reopens_it():
    async def main():
        async with local_server(_echo) as base:
            transport = AiohttpTransport()
            client = make_client(transport, timeout=5, max_connections=2)
            assert (await client.get(base + "/")).status_code == 200
            session = transport._session
            await client.aclose()
            assert session is not None and session.closed and transport._session is None

    run(main())


def test_make_client_accepts_another_transport():
    async def main():
        seen = []
        mock = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204))
        async with make_client(mock, timeout=1, max_connections=1) as client:
            assert (await client.get("http://example.invalid/")).status_code == 204
        assert len(seen) == 1
        assert isinstance(stock_transport(3), httpx.AsyncHTTPTransport)

    run(main())


def test_tls_verification_uses_certifi_and_proxy_env_is_opt_in(monkeypatch):
    import ssl

    from harness.engine.transport import _ssl_context

    assert _ssl_context().verify_mode == ssl.CERT_REQUIRED
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    assert AiohttpTransport()._trust_env is False
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert AiohttpTransport()._trust_env is True
    assert AiohttpTransport(trust_env=False)._trust_env is False


def test_engine_client_lean_path_keeps_no_cookies_and_matches_build_request():
    from harness.engine.transport import EngineClient

    async def main():
        async with local_server(_echo) as base, make_client(timeout=5, max_connections=2) as client:
            assert isinstance(client, EngineClient)
            req = client.engine_request(
                "POST", base + "/x?a=%20", {"X-Custom": "1", "User-Agent": "me"}, b"{}", 3.0
            )
            ref = client.build_request(
                "POST",
                base + "/x?a=%20",
                headers={"X-Custom": "1", "User-Agent": "me"},
                content=b"{}",
                timeout=3.0,
            )
            assert dict(req.headers) == dict(ref.headers)
            assert req.url == ref.url and req.extensions["timeout"] == ref.extensions["timeout"]
            r = await client.send(req)  # stream=False: body read
            assert r.json()["headers"]["x-custom"] == "1" and r.request is req
            # the echo answered with Set-Cookie: the next request must not carry it
            r = await client.post(base + "/y", content=b"{}")
            assert "cookie" not in r.json()["headers"]
            r = await client.send(client.engine_request("GET", base + "/z", {}, b"", None))
            assert r.json()["headers"].get("cookie") is None
        with pytest.raises(RuntimeError):
            await client.send(httpx.Request("GET", base + "/"))

    run(main())


def test_engine_client_falls_back_to_httpx_for_hooks_and_sets_request_on_errors():
    seen = []

    async def hook(request):
        seen.append(request.url.path)

    async def main():
        async with local_server(_echo) as base:
            client = make_client(timeout=5, max_connections=2)
            client.event_hooks = {"request": [hook], "response": []}
            async with client:
                assert (await client.get(base + "/hooked")).status_code == 200
            assert seen == ["/hooked"]
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        async with make_client(timeout=2, max_connections=2) as client:
            req = client.engine_request("GET", f"http://127.0.0.1:{port}/", {}, b"", 2.0)
            with pytest.raises(httpx.ConnectError) as info:
                await client.send(req)
            assert info.value.request is req

    run(main())
