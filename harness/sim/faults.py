"""Fault injection: which request fails, and how the failure looks on the wire.

Control headers (sent by tests and suites, never by real clients):

* ``x-sim-fault: KIND`` forces KIND on this request: 429, 500, 503, 529, 502_html,
  malformed_json, timeout (answered before the body is even validated), or one of the stream
  kinds stream_cut, stream_bad_event, stream_html, slow_first_token (the request is validated
  and served, and the fault acts on the answer: see `harness.sim.streaming`), or a hostile
  answer (deep JSON, a 1 byte/s drip, an endless stream, pings forever, a 2 GB body, a gzip
  bomb, Retry-After 3600, a 307: see `harness.sim.hostile`).
* ``x-sim-fail-first: N`` with ``x-sim-key: K``: the first N requests carrying key K fail
  (with the ``x-sim-fault`` kind, default 503); later ones succeed. Lets tests check retries.
* Otherwise each request fails with probability ``FaultConfig.rate``, the kind drawn from
  ``FaultConfig.kinds`` by ``random.Random(FaultConfig.seed)``.

Every endpoint answers a fault in its own envelope ("style"): ``mistral`` and ``openai``
(chat), ``responses`` (OpenAI's, 2-space indented), ``anthropic`` (/v1/messages: 429
``rate_limit_error``, 529 ``overloaded_error``, 500/503 ``api_error``).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import defaultdict
from collections.abc import Mapping

from aiohttp import web

from harness.sim import envelopes as env
from harness.sim import envelopes_anthropic as anth
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


MALFORMED = {
    "openai": (
        '{"id":"0123456789abcdef0123456789abcdef","object":"chat.completion",'
        '"created":1767220872,"model":"MODEL","choices":[{"index":0,"message":'
        '{"role":"assistant","content":"Simul'
    ),
    "responses": (
        '{\n  "id": "resp_0123456789abcdef",\n  "object": "response",\n  "created_at": '
        '1767220872,\n  "status": "completed",\n  "model": "MODEL",\n  "output": [\n    {\n'
        '      "type": "message",\n      "content": [\n        {\n          "type": '
        '"output_text",\n          "text": "Simul'
    ),
    "anthropic": (
        '{"model":"MODEL","id":"msg_01234567890123456789abcd","type":"message",'
        '"role":"assistant","content":[{"type":"text","text":"Simul'
    ),
}


def malformed_body(model: str, style: str = "openai") -> bytes:
    """A success body cut off mid-string: valid JSON prefix, invalid as a whole."""
    template = MALFORMED.get(style, MALFORMED["openai"])
    return template.replace("MODEL", model).encode()


def _error(kind: str, style: str, cfg: FaultConfig, model: str) -> env.SimHTTPError:
    retry_after = format_seconds(cfg.retry_after_s)
    if kind == "502_html":
        return env.html_error(502, "Bad Gateway")
    if style == "anthropic":
        if kind == "429":
            return anth.rate_limited(retry_after)
        return anth.server_error(int(kind))
    if style == "mistral":
        if kind == "429":
            return env.mistral_rate_limited(retry_after)
        return env.mistral_server_error(int(kind))
    if kind == "429":
        err = env.openai_rate_limited(model, retry_after)
    else:
        err = env.openai_server_error(int(kind))
    return env.as_responses(err) if style == "responses" else err


async def fault_response(
    kind: str, style: str, cfg: FaultConfig, model: str, request_id: str = ""
) -> web.Response:
    """The answer for a non-stream fault kind, in the style's envelope where one applies."""
    if kind == "malformed_json":
        return web.Response(
            status=200,
            body=malformed_body(model, style),
            headers={"Content-Type": "application/json"},
        )
    if kind == "timeout":  # hang longer than the client should wait, then a proxy's 504
        await asyncio.sleep(cfg.hang_s)
        err = env.html_error(504, "Gateway Time-out")
    else:
        err = _error(kind, style, cfg, model)
    err.request_id = request_id
    return err.response()
