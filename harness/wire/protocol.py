"""`WireProtocol`: everything the harness knows about one wire protocol, as one record.

A wire protocol is how one family of APIs spells a chat call on the wire: OpenAI chat
completions, Mistral chat completions, OpenAI Responses, Anthropic Messages (and, later,
Gemini's native API). Every module that used to ask "which endpoint is this?" asks the
protocol's record instead (wire/protocols.py looks it up), so adding a protocol is one record
and one `register_protocol` call, not an edit of twenty modules.

The record is data plus a few pure callables:

    identity      name (unique), endpoint (the name suites and providers use: `chat`, ...),
                  dialects (the provider dialects it is for; () = any dialect)
    request       path (the default path under a provider's base_url), auth (the header that
                  carries the key and its scheme), headers (fixed ones, e.g. anthropic-version),
                  translate (canonical request -> wire body), dropped + notes (the canonical
                  fields it cannot carry, named in the row's request_notes)
    answer        normalize (a success body -> Normalized), is_success (the body says it is
                  this protocol's success object, whatever endpoint was asked)
    stream        stream: the assembler, the terminator rule, the usage-in-stream rule
    errors        home_dialect: whose error envelope (and spec) its answers follow by default
    contracts     spec (the official OpenAPI spec), spec_components (spec -> body / stream
                  event component), packaged_schema (the `body_schema` schema)
    audit         sniff: how recorded traffic is recognised as this protocol's when the URL
                  path does not say
    to_canonical  wire request -> (canonical request, notes): the shadow proxy's direction
                  (wire/mirror.py). Total on any JSON object (never raises); a field with no
                  canonical place is named in a note, and kept untranslated in the canonical
                  `extra` when a record of the same endpoint could still send it. Optional
                  (None: requests in this protocol cannot be mirrored); every built-in has one
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.models import Normalized
from harness.wire.stream_stats import Assembler

Body = dict[str, Any]
# (canonical request, provider dialect, model id) -> the wire body
Translate = Callable[[Body, str, str], Body]
# a wire request body -> (the canonical request, one note per change or field not carried)
ToCanonical = Callable[[Body], tuple[Body, list[str]]]


@dataclass(frozen=True)
class Auth:
    """Where the API key goes: `header: <scheme> <key>` ("Bearer"), or the bare key."""

    header: str = "authorization"
    scheme: str = "Bearer"

    def value(self, key: str) -> str:
        return f"{self.scheme} {key}" if self.scheme else key


def _always(request: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class StreamFormat:
    """How a protocol streams (SSE): who assembles the events, what ends a stream, where usage
    comes."""

    assembler: Callable[[], Assembler]  # a fresh assembler per stream
    terminator: str  # what ends a well-formed stream, as the stream_cut message says it
    sentinel: str | None = None  # a non-JSON data line that ends the stream ("[DONE]")
    usage_event: str = "final event"  # where usage comes ("last chunk", "message_delta", ...)
    # whether a stream of this request carries usage in its final event (the provider sends
    # it unasked: always True; OpenAI chat only with stream_options.include_usage)
    usage_sent: Callable[[Mapping[str, Any]], bool] = _always
    usage_opt_in: str = ""  # how a request asks for usage, for the message when it did not


@dataclass(frozen=True)
class Sniff:
    """How the audit recognises recorded traffic as this protocol's when the path does not."""

    body: Callable[[Mapping[str, Any]], bool] | None = None  # a JSON answer (or chunk)
    sse: tuple[str, ...] = ()  # substrings of an SSE body (also matched with spaces removed)
    request: Callable[[Mapping[str, Any]], bool] | None = None  # a recorded request body


@dataclass(frozen=True)
class WireProtocol:
    """One wire protocol (see the module docstring for what each group of fields is for)."""

    name: str
    endpoint: str
    path: str
    translate: Translate
    normalize: Callable[[Body], Normalized | None]
    dialects: tuple[str, ...] = ()
    title: str = ""  # how messages name it ("OpenAI-compatible chat")
    auth: Auth = field(default_factory=Auth)
    headers: Mapping[str, str] = field(default_factory=dict)
    dropped: Mapping[str, str] = field(default_factory=dict)
    # every note on the request (dropped fields included); default: the `dropped` table's
    notes: Callable[[Body], list[str]] | None = None
    is_success: Callable[[Body], bool] | None = None
    stream: StreamFormat | None = None
    home_dialect: str | None = None  # None: the provider's own dialect
    spec: str | None = None  # None: the provider dialect's spec
    spec_components: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    # a file name under harness/checks/schemas/, or a JSON Schema itself; None: none
    packaged_schema: str | Mapping[str, Any] | None = None
    sniff: Sniff = field(default_factory=Sniff)
    to_canonical: ToCanonical | None = None

    @property
    def label(self) -> str:
        return self.title or self.name

    def serves(self, dialect: str | None) -> bool:
        """Whether this record is for `dialect` (a record for every dialect serves any)."""
        return not self.dialects or dialect in self.dialects

    def request_notes(self, request: Body) -> list[str]:
        """The canonical fields of `request` this protocol does not carry, one note each."""
        if self.notes is not None:
            return self.notes(request)
        return [f"{key}: not sent ({why})" for key, why in self.dropped.items() if key in request]
