"""A hostile provider on demand: answers that echo the caller's credentials back.

Control header (sent by tests through a provider's `headers:`, never by real clients):

    x-sim-echo-key: 200      a chat.completion whose content and `id` carry the secrets
    x-sim-echo-key: stream   an SSE stream: a content chunk and an in-band error event
                             carrying them, then [DONE] (status 200)
    x-sim-echo-key: 400|401|429|500
                             an OpenAI-style error envelope whose message carries them

"The secrets" are every credential the request carried (the Bearer token, x-api-key, any
header named like a key or token, the `key` / `api_key` query values), each echoed raw,
percent-encoded, base64 (after a prefix, so at another alignment), and masked the two ways
providers print keys (`sk-leak-*****WXYZ`, `sk-leak-CA...WXYZ`). The secret-leak test then
proves none of these reaches anything the harness writes or prints.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = ["ECHO_HEADER", "ECHO_KINDS", "echo_middleware"]

ECHO_HEADER = "x-sim-echo-key"
ECHO_KINDS = ("200", "stream", "400", "401", "429", "500")
_SECRET_WORDS = ("key", "token", "secret", "authorization")


def _credentials(request: web.Request) -> list[str]:
    found = []
    for name, value in request.headers.items():
        low = name.lower()
        if low == ECHO_HEADER or not any(w in low for w in _SECRET_WORDS):
            continue
        scheme, sep, rest = value.partition(" ")
        found.append(rest if sep and scheme.lower() == "bearer" else value)
    found += [v for k, v in request.query.items() if k.lower() in ("key", "api_key") and v]
    return [f for f in found if f]


def echoes(secret: str) -> list[str]:
    """The spellings of one secret a hostile provider might send back."""
    b64 = base64.b64encode(b"x" + secret.encode()).decode()
    return [secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode(), b64,
            f"{secret[:8]}*****{secret[-4:]}", f"{secret[:10]}...{secret[-4:]}"]


def _text(request: web.Request) -> str:
    return " | ".join(e for s in _credentials(request) for e in echoes(s)) or "no credential"


def _completion(text: str) -> dict[str, object]:
    return {"id": f"chatcmpl-{text[:40]}", "object": "chat.completion", "created": 0,
            "model": "echo", "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": f"your credentials: {text}"}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}


async def _stream(request: web.Request, text: str) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers={"content-type": "text/event-stream"})
    await resp.prepare(request)
    chunk = {"id": "chatcmpl-echo", "object": "chat.completion.chunk", "created": 0,
             "model": "echo", "choices": [{"index": 0, "delta": {"content": text}}]}
    error = {"error": {"message": f"stream failed for key {text}", "type": "server_error"}}
    for event in (chunk, error):
        await resp.write(f"data: {json.dumps(event)}\n\n".encode())
    await resp.write(b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


@web.middleware
async def echo_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    kind = request.headers.get(ECHO_HEADER)
    if kind is None:
        return await handler(request)
    text = _text(request)
    if kind == "stream":
        return await _stream(request, text)
    if kind == "200":
        return web.json_response(_completion(text))
    status = int(kind) if kind in ECHO_KINDS else 400
    body = {"error": {"message": f"Incorrect API key provided: {text}",
                      "type": "invalid_request_error", "param": None, "code": "echo"}}
    return web.json_response(body, status=status,
                             headers={"x-echo": text[:200].encode("ascii", "replace").decode()})
