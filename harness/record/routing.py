"""Send a target's traffic somewhere else without renaming it: recording from the simulator.

`harness run --simulate --mode record|auto` records cassettes under the REAL target names and
URLs (so they replay later without the simulator and without a key), while the requests
actually go to a local reference simulator. The engine builds every request for the real
base URL; this transport rewrites the URL prefix just before the wire, so the Exchange, the
row and the cassette all carry the real URL.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

__all__ = ["RoutingTransport"]


class RoutingTransport(httpx.AsyncBaseTransport):
    """Rewrite `real_base_url...` to `other_base_url...` (longest prefix first), then hand the
    request to `inner`. URLs matching no route are sent as they are."""

    def __init__(self, routes: Mapping[str, str], inner: httpx.AsyncBaseTransport) -> None:
        self.routes = sorted(routes.items(), key=lambda kv: len(kv[0]), reverse=True)
        self.inner = inner

    def route(self, url: str) -> str:
        for prefix, target in self.routes:
            if url.startswith(prefix):
                return target + url[len(prefix):]
        return url

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        routed = self.route(url)
        if routed != url:
            headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "host"]
            request = httpx.Request(
                request.method,
                routed,
                headers=headers,
                content=request.content,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
