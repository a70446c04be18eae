"""The registry of wire protocols, and the four built-in records.

    get_protocol("chat", "mistral")    -> MISTRAL_CHAT
    get_protocol("chat", "openai")     -> OPENAI_CHAT (also any other OpenAI-compatible dialect)
    get_protocol("responses", d)       -> RESPONSES, whatever the provider's dialect
    get_protocol("messages", d)        -> MESSAGES, whatever the provider's dialect
    get_protocol("nope")               -> UnknownEndpointError (a UsageError; never a fallback)

A record serves one endpoint name, optionally restricted to provider dialects: a lookup takes
the record made for the dialect, else the endpoint's record for every dialect. Registering a
second record under a taken name, or for an endpoint and dialect already served, is a
RegistryError. `register_protocol` is public: a plugin (or a test) adds a protocol without
touching any module of the harness; the suite loader, the providers file, prepare, normalize,
the stream reader, the checks and the audit all find it here.

`find_protocol` is the lenient lookup, for callers that meet endpoint names which are not wire
protocols on purpose (the audit's `/models` and unrecognised paths): it gives None, and the
caller says what None means there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.core.errors import RegistryError, UnknownEndpointError
from harness.core.hints import hint
from harness.wire.chat import (
    mistral_chat_to_canonical,
    normalize_chat,
    openai_chat_to_canonical,
    translate_mistral_chat,
    translate_openai_chat,
)
from harness.wire.chat_stream import ChatAssembler
from harness.wire.messages import (
    ANTHROPIC_VERSION,
    messages_notes,
    messages_to_canonical,
    normalize_messages,
    translate_messages,
)
from harness.wire.messages_stream import TERMINATOR as MESSAGES_TERMINATOR
from harness.wire.messages_stream import MessagesAssembler
from harness.wire.protocol import Auth, Body, Sniff, StreamFormat, WireProtocol
from harness.wire.responses import (
    DROPPED as RESPONSES_DROPPED,
)
from harness.wire.responses import (
    normalize_responses,
    responses_notes,
    responses_to_canonical,
    translate_responses,
)
from harness.wire.responses_stream import ResponsesAssembler

__all__ = [
    "BUILTIN_DIALECTS",
    "DEFAULT_ENDPOINT",
    "MESSAGES",
    "MISTRAL_CHAT",
    "OPENAI_CHAT",
    "RESPONSES",
    "auth_schemes",
    "dialects",
    "endpoints",
    "find_protocol",
    "get_protocol",
    "protocol_for_body",
    "protocols",
    "register_protocol",
    "unknown_endpoint_message",
    "unregister_protocol",
]

DEFAULT_ENDPOINT = "chat"
# the provider dialects the harness itself knows; a registered protocol may add its own
BUILTIN_DIALECTS = ("openai", "mistral", "anthropic")

_CHAT_PATH = "/chat/completions"
_CHAT_SNIFF = Sniff(
    body=lambda b: b.get("object") in ("chat.completion", "chat.completion.chunk"),
    sse=("chat.completion.chunk",),
    request=lambda r: "messages" in r,
)


def _include_usage(request: Mapping[str, Any]) -> bool:
    opts = request.get("stream_options")
    return isinstance(opts, Mapping) and opts.get("include_usage") is True


def _is_chat_completion(body: Body) -> bool:
    return body.get("object") == "chat.completion"


def _no_notes(request: Body) -> list[str]:
    return []


OPENAI_CHAT = WireProtocol(
    name="openai-chat",
    endpoint="chat",
    title="OpenAI-compatible chat",
    path=_CHAT_PATH,
    translate=translate_openai_chat,
    notes=_no_notes,
    normalize=normalize_chat,
    is_success=_is_chat_completion,
    stream=StreamFormat(
        assembler=ChatAssembler,
        terminator="data: [DONE]",
        sentinel="[DONE]",
        usage_event="last chunk",
        usage_sent=_include_usage,
        usage_opt_in="stream_options: {include_usage: true}",
    ),
    spec_components={
        "openai": ("CreateChatCompletionResponse", "CreateChatCompletionStreamResponse")
    },
    packaged_schema="chat_completion.openai.json",
    sniff=_CHAT_SNIFF,
    to_canonical=openai_chat_to_canonical,
)

MISTRAL_CHAT = WireProtocol(
    name="mistral-chat",
    endpoint="chat",
    dialects=("mistral",),
    title="Mistral chat",
    path=_CHAT_PATH,
    translate=translate_mistral_chat,
    notes=_no_notes,
    normalize=normalize_chat,
    is_success=_is_chat_completion,
    # usage comes unasked, on the last content chunk
    stream=StreamFormat(
        assembler=ChatAssembler, terminator="data: [DONE]", sentinel="[DONE]",
        usage_event="last chunk",
    ),
    home_dialect="mistral",
    spec="mistral",
    spec_components={"mistral": ("ChatCompletionResponse", "CompletionChunk")},
    packaged_schema="chat_completion.mistral.json",
    sniff=_CHAT_SNIFF,
    to_canonical=mistral_chat_to_canonical,
)

RESPONSES = WireProtocol(
    name="openai-responses",
    endpoint="responses",
    title="OpenAI Responses",
    path="/responses",
    translate=lambda request, dialect, model: translate_responses(request, model),
    dropped=RESPONSES_DROPPED,
    notes=responses_notes,
    normalize=normalize_responses,
    is_success=lambda b: b.get("object") == "response",
    stream=StreamFormat(
        assembler=ResponsesAssembler,
        terminator="response.completed (or .incomplete / .failed)",
        usage_event="final response",
    ),
    home_dialect="openai",
    spec="openai",
    spec_components={"openai": ("Response", "ResponseStreamEvent")},
    packaged_schema="response.openai.json",
    sniff=Sniff(
        body=lambda b: b.get("object") == "response",
        sse=("event: response.", '"type":"response.'),
        request=lambda r: "input" in r and "messages" not in r,
    ),
    to_canonical=responses_to_canonical,
)

MESSAGES = WireProtocol(
    name="anthropic-messages",
    endpoint="messages",
    title="Anthropic Messages",
    path="/messages",
    auth=Auth(header="x-api-key", scheme=""),
    headers={"anthropic-version": ANTHROPIC_VERSION},
    translate=lambda request, dialect, model: translate_messages(request, model),
    notes=messages_notes,
    normalize=normalize_messages,
    is_success=lambda b: b.get("type") == "message" and "content" in b,
    stream=StreamFormat(
        assembler=MessagesAssembler, terminator=MESSAGES_TERMINATOR, usage_event="message_delta"
    ),
    home_dialect="anthropic",
    spec="anthropic",
    spec_components={"anthropic": ("Message", "MessageStreamEvent")},
    packaged_schema="message.anthropic.json",
    sniff=Sniff(
        body=lambda b: b.get("type") == "message",
        sse=("event: message_start", '"type":"message_start"'),
    ),
    to_canonical=messages_to_canonical,
)

# Not a core.registry.Registry: lookups here depend on registration order (the built-ins are
# tried first when a body or a recorded stream is sniffed), and a key is (endpoint, dialect),
# not only the name.
_REGISTRY: dict[str, WireProtocol] = {}


def register_protocol(protocol: WireProtocol) -> WireProtocol:
    """Add a protocol. A taken name, or an endpoint and dialect already served, is a
    RegistryError (two records would silently shadow each other)."""
    if protocol.name in _REGISTRY:
        raise RegistryError(f"wire protocol {protocol.name!r} is already registered")
    for other in _REGISTRY.values():
        if other.endpoint != protocol.endpoint:
            continue
        if not other.dialects and not protocol.dialects:
            raise RegistryError(
                f"endpoint {protocol.endpoint!r} already has a protocol for every dialect "
                f"({other.name!r}); restrict {protocol.name!r} with dialects=(...)"
            )
        shared = set(other.dialects) & set(protocol.dialects)
        if shared:
            raise RegistryError(
                f"endpoint {protocol.endpoint!r} for dialect {min(shared)!r} is already "
                f"served by {other.name!r}"
            )
    _REGISTRY[protocol.name] = protocol
    return protocol


def unregister_protocol(name: str) -> None:
    """Remove a registered protocol (a plugin's or a test's); unknown names are an error."""
    if name not in _REGISTRY:
        raise RegistryError(f"no wire protocol {name!r} is registered")
    del _REGISTRY[name]


def protocols() -> tuple[WireProtocol, ...]:
    """Every registered protocol, in registration order (the built-ins first)."""
    return tuple(_REGISTRY.values())


def endpoints() -> tuple[str, ...]:
    """The endpoint names some registered protocol serves."""
    return tuple(dict.fromkeys(p.endpoint for p in _REGISTRY.values()))


def dialects() -> tuple[str, ...]:
    """The provider dialects a providers file may name: the built-in ones and any dialect a
    registered protocol is for."""
    named = (d for p in _REGISTRY.values() for d in p.dialects)
    return tuple(dict.fromkeys((*BUILTIN_DIALECTS, *named)))


def find_protocol(endpoint: str, dialect: str | None = None) -> WireProtocol | None:
    """The protocol serving `endpoint` for `dialect` (the dialect's own record first, then the
    endpoint's record for every dialect); without a dialect, the latter, else the first. None
    when nothing serves it."""
    candidates = [p for p in _REGISTRY.values() if p.endpoint == endpoint]
    if dialect is not None:
        own = [p for p in candidates if dialect in p.dialects]
        general = [p for p in candidates if not p.dialects]
        found = own or general
        return found[0] if found else None
    general = [p for p in candidates if not p.dialects]
    found = general or candidates
    return found[0] if found else None


def get_protocol(endpoint: str, dialect: str | None = None) -> WireProtocol:
    """The protocol serving `endpoint` (for `dialect`); UnknownEndpointError when none does."""
    found = find_protocol(endpoint, dialect)
    if found is not None:
        return found
    message = unknown_endpoint_message(endpoint)
    if message is None:  # the endpoint exists, but only for other dialects
        served = sorted({d for p in _REGISTRY.values() if p.endpoint == endpoint for d in p.dialects})
        message = (
            f"endpoint {endpoint!r} is not served for dialect {dialect!r} "
            f"(only for {', '.join(served)})"
        )
    raise UnknownEndpointError(message)


def unknown_endpoint_message(endpoint: Any) -> str | None:
    """None for a registered endpoint name; otherwise the message saying so, with the known
    names and the closest one (the suite loader and the providers file show it)."""
    known = endpoints()
    if isinstance(endpoint, str) and endpoint in known:
        return None
    suggestion = hint(str(endpoint), known)
    return f"unknown endpoint {endpoint!r} (known: {', '.join(known)}){suggestion}"


def protocol_for_body(body: Body, dialect: str | None = None) -> WireProtocol | None:
    """The protocol whose success object `body` says it is (its `object` / `type` field), for
    `dialect`; None when no protocol recognises it."""
    for protocol in _REGISTRY.values():
        if protocol.is_success is not None and protocol.is_success(body):
            return find_protocol(protocol.endpoint, dialect) or protocol
    return None


def auth_schemes() -> dict[str, str]:
    """Auth header name (lower case) -> scheme ("" for a bare key), over every protocol."""
    return {p.auth.header.lower(): p.auth.scheme for p in _REGISTRY.values()}


for _builtin in (OPENAI_CHAT, MISTRAL_CHAT, RESPONSES, MESSAGES):
    register_protocol(_builtin)
