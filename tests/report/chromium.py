"""A minimal headless-Chromium driver over the Chrome DevTools Protocol (aiohttp websocket).

Debian's `chromium` package (`make test` installs it; see the Makefile's `browser` target).
No selenium or chromedriver needed: Chromium is started with --remote-debugging-port=0 on the
loopback interface, the port is read from DevToolsActivePort in its temporary profile, and
the page's websocket gets CDP commands (navigate, evaluate, type, click, screenshot).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import aiohttp

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-breakpad", "--mute-audio", "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0", "--window-size=1400,1000",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class CDPError(RuntimeError):
    pass


class Page:
    """One page target; `send` a CDP command, collect events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._waiters: list[tuple[str, asyncio.Future[dict[str, Any]]]] = []
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if "id" in data:
                fut = self._pending.pop(data["id"], None)
                if fut and not fut.done():
                    if "error" in data:
                        fut.set_exception(CDPError(str(data["error"])))
                    else:
                        fut.set_result(data.get("result", {}))
            else:
                self.events.append(data)
                for method, fut in list(self._waiters):
                    if data.get("method") == method and not fut.done():
                        fut.set_result(data)
                        self._waiters.remove((method, fut))

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float = 15) -> Any:
        ident = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = fut
        await self._ws.send_str(json.dumps({"id": ident, "method": method,
                                            "params": params or {}}))
        return await asyncio.wait_for(fut, timeout)

    def wait_event(self, method: str) -> asyncio.Future[dict[str, Any]]:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, fut))
        return fut

    async def goto(self, url: str, timeout: float = 15) -> None:
        loaded = self.wait_event("Page.loadEventFired")
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded, timeout)

    async def js(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CDPError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def type_text(self, text: str) -> None:
        await self.send("Input.insertText", {"text": text})

    async def click(self, selector: str) -> None:
        box = await self.js(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", {
                "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    async def screenshot(self, path: Path) -> Path:
        result = await self.send("Page.captureScreenshot", {"format": "png"}, timeout=30)
        path.write_bytes(base64.b64decode(result["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            pass


class Chromium:
    """`async with Chromium(binary) as browser: page = await browser.page()`."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self._profile = tempfile.mkdtemp(prefix="harness-chromium-")
        self._proc: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._pages: list[tuple[Page, aiohttp.ClientWebSocketResponse]] = []

    async def __aenter__(self) -> Self:
        devnull = asyncio.subprocess.DEVNULL
        self._proc = await asyncio.create_subprocess_exec(
            self.binary, *FLAGS, f"--user-data-dir={self._profile}", "about:blank",
            stdout=devnull, stderr=devnull, stdin=devnull,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self._proc.returncode is not None:
                raise CDPError(f"chromium exited with {self._proc.returncode} at start")
            if time.monotonic() > deadline:
                raise CDPError("chromium did not open its DevTools port within 30 s")
            await asyncio.sleep(0.05)
        self.port = int(port_file.read_text().splitlines()[0])
        self._session = aiohttp.ClientSession()
        return self

    async def page(self) -> Page:
        assert self._session is not None
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            async with self._session.get(f"{base}/json/list") as resp:
                targets = await resp.json(content_type=None)
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            await asyncio.sleep(0.05)
        else:
            async with self._session.put(f"{base}/json/new?about:blank") as resp:
                pages = [await resp.json(content_type=None)]
        ws = await self._session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        page = Page(ws)
        self._pages.append((page, ws))
        for domain in ("Page", "Runtime", "Network"):
            await page.send(f"{domain}.enable")
        return page

    async def __aexit__(self, *exc: object) -> None:
        for page, ws in self._pages:
            await ws.close()
            await page.close()
        if self._session is not None:
            await self._session.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        shutil.rmtree(self._profile, ignore_errors=True)


def screenshot_dir() -> Path | None:
    value = os.environ.get("HARNESS_SCREENSHOT_DIR")
    return Path(value) if value else None
