"""Mirroring: a client's request, in the primary's protocol, rewritten for a candidate's.

    protocol_for_path(path, dialect)   which protocol a request path speaks:
        .../chat/completions           the dialect's chat record (MISTRAL_CHAT, OPENAI_CHAT)
        .../responses                  RESPONSES
        .../messages                   MESSAGES
        (any prefix: /v1, /openai/v1, none; a query string is ignored)
        anything else                  None (count_tokens, /models, a stored response's GET)
    mirror_request(body, source, target, model) -> Mirrored(body, notes, protocol)
        same protocol                  the body as sent, `model` replaced: no lossy round trip
        another protocol or dialect    source.to_canonical -> target.translate(canonical,
                                       target dialect, model)
        either way                     `stream: true` kept; a stream to a target that sends
                                       usage only when asked (OpenAI chat) asks for it
                                       (stream_options.include_usage), so usage comes back

Notes, one short line per change, in this order:

    model: gpt-4o -> mistral-large-latest
    source -> canonical       to_canonical's: "random_seed -> seed", "tool_choice: any ->
                              required", "instructions -> messages[0] (system)",
                              "input[3]: not sent ('reasoning' items have no canonical place)"
    fields of no canonical place   "thinking: sent as is (not a canonical field)" to a record
                              of the same endpoint (another chat dialect), else "thinking: not
                              sent (a field of Anthropic Messages with no canonical place)"
    canonical -> target       the target's dropped-field notes ("seed: not sent (the Messages
                              API has no seed)") and what its translator renamed or rewrote at
                              the top level ("seed -> random_seed", "tool_choice: required ->
                              any", "stop -> stop_sequences", "user -> metadata.user_id")
    stream                    "stream_options.include_usage: true added (...)"

Message and content structure (system blocks, tool_result blocks, input items...) is respelled
without a note when nothing is lost; what is lost is always noted.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.core.errors import UsageError
from harness.wire.canonical import HARNESS_KEYS, extra_note
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import find_protocol, protocols

__all__ = ["Mirrored", "mirror_request", "protocol_for_path"]

_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Mirrored:
    """A request rewritten for the target: its wire body, what changed, and the protocol."""

    body: dict[str, Any]  # the wire body for the target protocol, model set to `model`
    notes: list[str]  # every change: "tool_choice: any -> required", "random_seed -> seed"...
    protocol: WireProtocol  # the target protocol


def protocol_for_path(path: str, dialect: str) -> WireProtocol | None:
    """The protocol a request path speaks, for the provider `dialect` (see the module
    docstring); None for a path no protocol serves."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for protocol in sorted(protocols(), key=lambda p: -len(p.path)):
        tail = protocol.path.rstrip("/")
        if tail and path.endswith(tail):
            return find_protocol(protocol.endpoint, dialect) or protocol
    return None


def target_dialect(target: WireProtocol) -> str:
    """The provider dialect a protocol's translator is given for a mirrored request."""
    return target.dialects[0] if target.dialects else (target.home_dialect or "openai")


def mirror_request(
    body: dict[str, Any], source: WireProtocol, target: WireProtocol, model: str
) -> Mirrored:
    """`body` (a request in `source`'s protocol) as `target` spells it, for `model`.

    Never raises on odd input (any JSON object gives a body and notes); a source protocol
    without `to_canonical` (a plugin's) is a UsageError."""
    notes: list[str] = []
    if not isinstance(body, dict):
        notes.append("body: not a JSON object, mirrored as an empty request")
        body = {}
    old = body.get("model")
    if old != model:
        notes.append(f"model: {_show(old)} -> {model}")
    if source.name == target.name:
        out = copy.deepcopy(body)
    else:
        out = _translated(body, source, target, model, notes)
    out["model"] = model
    _ask_usage(out, target, notes)
    return Mirrored(body=out, notes=_net(notes), protocol=target)


def _net(notes: list[str]) -> list[str]:
    """The notes without repeats, with the two directions composed through the canonical
    spelling in between: "tool_choice: any -> required" then "tool_choice: required -> any" is
    no change; "output_config.effort -> reasoning_effort" then "reasoning_effort ->
    reasoning.effort" is "output_config.effort -> reasoning.effort"; "random_seed -> seed" then
    "seed: not sent (why)" is "random_seed: not sent (why)"."""
    out: list[str] = []
    for note in dict.fromkeys(notes):
        undone = _reverse(note)
        if undone is not None and undone in out:
            out.remove(undone)
            continue
        moved = _rename(note)
        key = moved[0] if moved else note.partition(": not sent (")[0]
        prior = next((i for i, n in enumerate(out) if (_rename(n) or ("", ""))[1] == key), None)
        if prior is None or (moved is None and ": not sent (" not in note):
            out.append(note)
            continue
        first = _rename(out[prior]) or ("", "")
        if moved is None:
            out[prior] = first[0] + note[len(key):]
        elif moved[1] == first[0]:
            del out[prior]
        else:
            out[prior] = f"{first[0]} -> {moved[1]}"
    return out


def _rename(note: str) -> tuple[str, str] | None:
    """(old, new) of a plain rename note "old -> new", else None."""
    old, sep, new = note.partition(" -> ")
    if sep and ":" not in old and "(" not in note and " " not in old + new:
        return old, new
    return None


def _reverse(note: str) -> str | None:
    """The value note that undoes `note` ("k: a -> b" -> "k: b -> a"), else None."""
    head, sep, change = note.partition(": ")
    if sep and " -> " in change and "(" not in note:
        old, _, new = change.partition(" -> ")
        return f"{head}: {new} -> {old}"
    return None


def _translated(
    body: dict[str, Any],
    source: WireProtocol,
    target: WireProtocol,
    model: str,
    notes: list[str],
) -> dict[str, Any]:
    if source.to_canonical is None:
        raise UsageError(
            f"requests in {source.label} cannot be mirrored to {target.label}: the protocol "
            "has no to_canonical"
        )
    canonical, inbound = source.to_canonical(body)
    extra = canonical.get("extra") or {}
    same_endpoint = source.endpoint == target.endpoint
    replaced = {
        extra_note(key): (
            f"{key}: sent as is (not a canonical field)"
            if same_endpoint
            else f"{key}: not sent (a field of {source.label} with no canonical place)"
        )
        for key in extra
    }
    notes.extend(replaced.get(note, note) for note in inbound)
    if not same_endpoint:
        canonical.pop("extra", None)
    dropped = target.request_notes(canonical)
    notes.extend(dropped)
    out = target.translate(canonical, target_dialect(target), model)
    notes.extend(_rewrites(canonical, out, dropped))
    return out


def _rewrites(canonical: dict[str, Any], out: dict[str, Any], dropped: list[str]) -> list[str]:
    """What the target's translator renamed or rewrote at the top level, one note each: a
    scalar value changed in place (a word respelled as {type: word} counts as that word), or
    a value moved under another key (or one level down)."""
    notes = []
    added = {k: v for k, v in out.items() if k not in canonical}
    for key, value in canonical.items():
        if key in HARNESS_KEYS or key == "messages":
            continue
        if key in out:
            new = out[key]
            if isinstance(value, str) and isinstance(new, dict):  # a word respelled {type: w}
                new = new.get("type")
            if isinstance(value, _SCALARS) and isinstance(new, _SCALARS) and not _same(value, new):
                notes.append(f"{key}: {_show(value)} -> {_show(new)}")
            continue
        if any(note.startswith(f"{key}:") for note in dropped):
            continue
        where = _moved_to(value, added)
        if where is not None:
            notes.append(f"{key} -> {where}")
    return notes


def _moved_to(value: Any, added: dict[str, Any]) -> str | None:
    for key, new in added.items():
        if _same(new, value) or _same(new, [value]):
            return key
        if isinstance(new, dict):
            for inner_key, inner in new.items():
                if _same(inner, value):
                    return f"{key}.{inner_key}"
    return None


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (True is not 1)."""
    if isinstance(a, _SCALARS) or isinstance(b, _SCALARS):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return False


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _ask_usage(out: dict[str, Any], target: WireProtocol, notes: list[str]) -> None:
    """A stream to a target that reports usage only when asked asks for it."""
    stream = target.stream
    if out.get("stream") is not True or stream is None or stream.usage_sent(out):
        return
    options = out.get("stream_options")
    asked = {**(options if isinstance(options, dict) else {}), "include_usage": True}
    if stream.usage_sent({**out, "stream_options": asked}):
        out["stream_options"] = asked
        notes.append(
            "stream_options.include_usage: true added (so the candidate's stream reports usage)"
        )
