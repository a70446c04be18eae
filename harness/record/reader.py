"""The one reader of the cassette file format (vcrpy v1), whoever wrote the file.

    cassette = read_cassette_file(path)      # OSError when it cannot be read, else
    cassette.metadata                        # `metadata.harness` ({} for other recorders)
    for entry in cassette.interactions:      # CassetteError when it is not a cassette
        entry.method, entry.uri, entry.request_headers, entry.request_body
        entry.status, entry.reason, entry.response_headers, entry.body, entry.body_format
        entry.latency_ms, entry.chunks, entry.repeat, entry.turn, entry.error_class, ...

Both sides read through here: replay (`record.cassette.load_cassette`, the harness's own
cassettes) and the audit (`audit.reader.read_cassette`, anyone's). The variants are resolved
in this module, once:
- the text: this harness writes YAML in its JSON-compatible flow style, so a file that starts
  with `{` is parsed with the json module first (20x faster than libyaml builds objects);
  anything else, or flow style that is not strict JSON, goes through libyaml;
- bodies: stock vcrpy's `body: {string: ...}` (text, or bytes from `!!binary`, gzip- or
  deflate-compressed: decompressed here), a bare `body: ...`, and pydantic-ai's `parsed_body`
  (a JSON body stored as a YAML mapping: re-serialised as JSON, key order the serialiser's);
- this harness's extras when present (`harness: {latency_ms, ttfb_ms, ttft_ms, chunks, repeat,
  turn, error, body_base64}`): stream chunks as `[offset, length]` cuts of the body or
  `[offset, text]`, the exact bytes of a body that is not UTF-8, the engine's error;
- headers: vcrpy's `name: [values]`, or a bare `name: value`, as `name -> [values]` with the
  names as written (case kept); the URI as recorded (a `#stream` fragment kept).

What the callers do with it differs and stays with them: replay matches on method, URI and
body and is strict about a missing status; the audit lower-cases and masks headers and parses
request bodies.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml: an order of magnitude faster than the pure-Python loader
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in the pinned wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "CassetteError",
    "CassetteFile",
    "Entry",
    "decode_chunks",
    "parse_cassette_data",
    "parse_cassette_text",
    "read_cassette_file",
]

_MISSING = object()


class CassetteError(ValueError):
    """A file that is not a readable cassette (the message names the file and why)."""


@dataclass(slots=True)
class Entry:
    """One recorded interaction as stored, its format variants resolved."""

    index: int
    method: str  # as written ("POST" when missing)
    uri: str  # as recorded, fragment included ("" when missing)
    request_headers: dict[str, list[Any]]
    request_body: str  # the body text ("" when none); parsed_body re-serialised as JSON
    request_parsed: Any  # a structured request body as stored (parsed_body), else None
    status: int | None  # None when the file has no usable status code
    reason: str
    response_headers: dict[str, list[Any]]
    body: bytes  # decompressed; the exact bytes of `harness.body_base64` when present
    body_format: str  # string | binary | gzip | deflate | parsed_body | none
    latency_ms: float | None = None  # harness extras (this harness's own cassettes)
    ttfb_ms: float | None = None
    ttft_ms: float | None = None
    chunks: list[tuple[float, bytes]] | None = None
    repeat: int | None = None
    turn: int | None = None
    error_class: str | None = None
    error_message: str | None = None


@dataclass
class CassetteFile:
    """A cassette file's interactions and its `metadata.harness` block."""

    path: Path
    interactions: list[Entry] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def read_cassette_file(path: Path) -> CassetteFile:
    """Read and parse one file. OSError (FileNotFoundError included) propagates: a missing
    cassette is a miss to replay and an error to the audit, so the caller decides."""
    with open(path, "rb") as fh:
        raw = fh.read()
    return parse_cassette_text(raw, path)


def parse_cassette_text(text: str | bytes, path: Path) -> CassetteFile:
    """The cassette in `text` (JSON-style first, then libyaml); CassetteError if it is none."""
    return parse_cassette_data(_load(text, path), path)


def _load(text: str | bytes, path: Path) -> Any:
    head = text.lstrip()[:1]
    if head in ("{", b"{"):
        try:
            return json.loads(text)
        except ValueError:
            pass  # YAML flow style that is not strict JSON: libyaml reads it
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise CassetteError(f"{path}: not valid YAML{where}") from None


def parse_cassette_data(data: Any, path: Path) -> CassetteFile:
    """A loaded document -> its interactions (CassetteError when it is not a cassette)."""
    items = data.get("interactions", _MISSING) if isinstance(data, dict) else _MISSING
    if items is None:  # `interactions:` with nothing under it
        items = []
    if not isinstance(items, list):
        raise CassetteError(f"{path}: not a vcrpy cassette (no 'interactions' list)")
    entries = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise CassetteError(f"{path}: interaction {index} is not a mapping")
        entries.append(_entry(index, item))
    meta = data.get("metadata")
    harness = meta.get("harness") if isinstance(meta, dict) else None
    return CassetteFile(
        path=path, interactions=entries, metadata=dict(harness) if isinstance(harness, dict) else {}
    )


def _entry(index: int, item: dict[str, Any]) -> Entry:
    req = _mapping(item.get("request"))
    resp = _mapping(item.get("response"))
    extras = _mapping(item.get("harness"))
    response_headers = _headers(resp.get("headers"))
    body, body_format = _response_body(resp, response_headers)
    exact = extras.get("body_base64")
    if isinstance(exact, str) and exact:
        try:
            body = base64.b64decode(exact, validate=True)
        except ValueError:
            pass
    request_body, request_parsed = _request_body(req)
    status, reason = _status(resp.get("status"))
    error = _mapping(extras.get("error"))
    chunks = extras.get("chunks")
    return Entry(
        index=index,
        method=str(req.get("method") or "POST"),
        uri=str(req.get("uri") or ""),
        request_headers=_headers(req.get("headers")),
        request_body=request_body,
        request_parsed=request_parsed,
        status=status,
        reason=reason,
        response_headers=response_headers,
        body=body,
        body_format=body_format,
        latency_ms=_float(extras.get("latency_ms")),
        ttfb_ms=_float(extras.get("ttfb_ms")),
        ttft_ms=_float(extras.get("ttft_ms")),
        chunks=decode_chunks(chunks, body) if chunks is not None else None,
        repeat=_int(extras.get("repeat")),
        turn=_int(extras.get("turn")),
        error_class=str(error["class"]) if error.get("class") else None,
        error_message=str(error.get("message") or "") or None,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _headers(raw: Any) -> dict[str, list[Any]]:
    """vcrpy's `name: [values]` (or a bare `name: value`) -> name -> [values], names as written."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(key): value if type(value) is list else ([] if value is None else [value])
        for key, value in raw.items()
    }


def _header(headers: dict[str, list[Any]], name: str) -> str:
    for key, values in headers.items():
        if key.lower() == name:
            return str(values[0]) if values and values[0] is not None else ""
    return ""


def _status(block: Any) -> tuple[int | None, str]:
    """`status: {code, message}` (or a bare code) -> (code or None, reason)."""
    code = block.get("code") if isinstance(block, dict) else block
    reason = str(block.get("message", "")) if isinstance(block, dict) else ""
    try:
        return (int(code) if code is not None else None), reason
    except (TypeError, ValueError):
        return None, reason


def _response_body(resp: dict[str, Any], headers: dict[str, list[Any]]) -> tuple[bytes, str]:
    if "parsed_body" in resp:
        text = json.dumps(resp["parsed_body"], ensure_ascii=False, default=str)
        return text.encode("utf-8"), "parsed_body"
    body = resp.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b"", "none"
    if isinstance(body, (bytes, bytearray)):
        return _decompress(bytes(body), _header(headers, "content-encoding"))
    return _bytes(body), "string"


def _request_body(req: dict[str, Any]) -> tuple[str, Any]:
    """(body text, the structured body when the file stores one) of a recorded request."""
    if "parsed_body" in req:
        parsed = req["parsed_body"]
        return json.dumps(parsed, ensure_ascii=False, default=str), parsed
    body = req.get("body")
    if isinstance(body, dict) and "string" in body:
        body = body["string"]
    if body is None:
        return "", None
    if isinstance(body, str):
        return body, None
    if isinstance(body, (bytes, bytearray)):
        raw, _ = _decompress(bytes(body), "")
        return raw.decode("utf-8", errors="replace"), None
    return json.dumps(body, ensure_ascii=False, default=str), body


def _decompress(raw: bytes, encoding: str) -> tuple[bytes, str]:
    """gzip (by header or magic bytes) or deflate bodies decompressed; else the bytes as is."""
    enc = encoding.lower()
    if raw[:2] == b"\x1f\x8b" or "gzip" in enc:
        try:
            return gzip.decompress(raw), "gzip"
        except (OSError, EOFError, zlib.error):
            return raw, "binary"
    if "deflate" in enc:
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
            try:
                return zlib.decompress(raw, wbits), "deflate"
            except zlib.error:
                continue
    return raw, "binary"


def decode_chunks(items: Any, body: bytes) -> list[tuple[float, bytes]] | None:
    """[[offset, length in bytes of the body] | [offset, text], ...] -> [(offset, bytes)];
    None when the list is malformed (the body is then replayed as one block)."""
    if not isinstance(items, list):
        return None
    out: list[tuple[float, bytes]] = []
    pos = 0
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return None
        offset, chunk = item
        try:
            at = float(offset)
        except (TypeError, ValueError):
            return None
        if isinstance(chunk, int) and not isinstance(chunk, bool):
            out.append((at, body[pos : pos + chunk]))
            pos += chunk
        else:
            out.append((at, _bytes(chunk)))
    return out


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", errors="surrogateescape")
