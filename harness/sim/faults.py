"""Fault injection: which request fails, and how the failure looks on the wire.

Control headers (sent by tests and suites, never by real clients):

* ``x-sim-fault: KIND`` forces KIND on this request (429, 500, 503, 502_html,
  malformed_json, timeout).
* ``x-sim-fail-first: N`` with ``x-sim-key: K``: the first N requests carrying key K fail
  (with the ``x-sim-fault`` kind, default 503); later ones succeed. Lets tests check retries.
* Otherwise each request fails with probability ``FaultConfig.rate``, the kind drawn from
  ``FaultConfig.kinds`` by ``random.Random(FaultConfig.seed)``.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import defaultdict
from collections.abc import Mapping

from aiohttp import web

from harness.sim import envelopes as env
from harness.sim.config import FAULT_KINDS, FaultConfig

FAULT_HEADER = "x-sim-fault"
FAIL_FIRST_HEADER = "x-sim-fail-first"
KEY_HEADER = "x-sim-key"


def format_seconds(seconds: float) -> str:
    """1.0 -> "1", 0.05 -> "0.05" (the Retry-After value)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


class FaultPlan:
    """Decides, per request, whether and how it fails. Thread-safe."""

    def __init__(self, cfg: FaultConfig) -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self._rng = random.Random(cfg.seed)
        self._seen: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        with self._lock:
            self._rng = random.Random(self.cfg.seed)
            self._seen.clear()

    def decide(self, headers: Mapping[str, str]) -> str | None:
        """The fault kind for this request, or None. Unknown kinds raise a 400 SimHTTPError."""
        forced = headers.get(FAULT_HEADER)
        if forced is not None and forced not in FAULT_KINDS:
            raise env.SimHTTPError(
                400,
                f"unknown {FAULT_HEADER} {forced!r}; known: {', '.join(FAULT_KINDS)}\n".encode(),
                content_type="text/plain",
            )
        fail_first = headers.get(FAIL_FIRST_HEADER)
        with self._lock:
            if fail_first is not None:
                key = headers.get(KEY_HEADER, "")
                seen = self._seen[key]
                self._seen[key] = seen + 1
                try:
                    limit = int(fail_first)
                except ValueError:
                    limit = 0
                if seen < limit:
                    return forced or "503"
            elif forced:
                return forced
            if self.cfg.rate > 0 and self._rng.random() < self.cfg.rate:
                return self._rng.choice(self.cfg.kinds)
        return None


def malformed_body(model: str) -> bytes:
    """A success body cut off mid-string: valid JSON prefix, invalid as a whole."""
    return (
        '{"id":"0123456789abcdef0123456789abcdef","object":"chat.completion","created":1767220872,'
        f'"model":"{model}","choices":[{{"index":0,"message":{{"role":"assistant","content":"Simul'
    ).encode()


async def fault_response(kind: str, dialect: str, cfg: FaultConfig, model: str) -> web.Response:
    """The answer for a fault kind, in the dialect's envelope where one applies."""
    retry_after = format_seconds(cfg.retry_after_s)
    mistral = dialect == "mistral"
    if kind == "429":
        err = (
            env.mistral_rate_limited(retry_after)
            if mistral
            else env.openai_rate_limited(model, retry_after)
        )
    elif kind in ("500", "503"):
        err = env.mistral_server_error(int(kind)) if mistral else env.openai_server_error(int(kind))
    elif kind == "502_html":
        err = env.html_error(502, "Bad Gateway")
    elif kind == "malformed_json":
        return web.Response(
            status=200, body=malformed_body(model), headers={"Content-Type": "application/json"}
        )
    else:  # timeout: hang longer than the client should wait, then a proxy's 504
        await asyncio.sleep(cfg.hang_s)
        err = env.html_error(504, "Gateway Time-out")
    return err.response()
