"""Read recorded HTTP interactions from vcrpy cassettes, whoever wrote them.

Formats read (see ../shared/realworld/MANIFEST.md, "Read this before loading the cassettes"):
- stock vcrpy v1 (`body: {string: ...}`), as chatlas, openllmetry, Mirascope, openinference and
  this harness write it; a body may be text or bytes (`!!binary`), gzip-compressed (with
  `Content-Encoding: gzip`, or just the gzip magic bytes) or deflate-compressed;
- pydantic-ai's variant: JSON request and response bodies stored as a YAML mapping under
  `parsed_body` (re-serialised as JSON here; key order is the serialiser's, not the wire's);
  SSE bodies stay under `body.string`;
- this harness's extras when present (`harness: {latency_ms, ttfb_ms, ttft_ms, chunks, error,
  body_base64}`): stream chunks as `[offset, text]` or as `[offset, length]` boundaries into
  the body, the exact bytes of a body that is not UTF-8, and the error the engine saw while
  recording (a stream cut, a timeout).

URIs keep their `#stream` fragment (the official mistralai SDK's marker for a stream request:
it is client-side, never sent). Header names are lower-cased and multi-valued headers keep
their first value. Secrets are not expected in cassettes, but any authorization-like header
whose value is not already a filter placeholder is masked on reading.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.core.secrets import SECRET_HEADERS

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in the pinned wheels
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

CASSETTE_SUFFIXES = (".yaml", ".yml")


class CassetteError(ValueError):
    """A file that is not a readable cassette (the message names the file and why)."""


@dataclass
class Recorded:
    """One recorded request and its response."""

    cassette: Path
    index: int
    method: str
    uri: str  # as recorded, fragment (e.g. `#stream`) included
    request_headers: dict[str, str]
    request_body: Any  # parsed JSON, text, or None
    status: int | None
    reason: str
    response_headers: dict[str, str]
    body: bytes  # the response body, decompressed; parsed_body re-serialised as JSON
    body_format: str  # string | binary | gzip | deflate | parsed_body | none
    latency_ms: float | None = None  # harness extras (this harness's own cassettes)
    ttfb_ms: float | None = None
    ttft_ms: float | None = None
    chunks: list[tuple[float, bytes]] | None = None
    error_class: str | None = None  # the engine's error while recording (harness extras)
    error_message: str | None = None

    @property
    def label(self) -> str:
        return f"{self.cassette}#{self.index}"

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None


def find_cassettes(paths: list[str | Path]) -> list[tuple[Path, Path]]:
    """(cassette file, the root it was found under) for files and folders (walked for
    *.yaml / *.yml, sorted). A path that does not exist is a CassetteError."""
    out: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CASSETTE_SUFFIXES
            )
            out.extend((f, path) for f in files)
        elif path.is_file():
            out.append((path, path.parent))
        else:
            raise CassetteError(f"{path}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for file, root in out:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((file, root))
    return unique


def _headers(raw: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(raw, dict):
        return out
    for key, value in raw.items():
        if isinstance(value, list):
            value = value[0] if value else ""
        out[str(key).lower()] = "" if value is None else str(value)
    return out


def _mask(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in headers.items():
        if key in SECRET_HEADERS and value and not value.startswith("<filtered"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} ***".strip() if scheme.lower() == "bearer" else "***"
        out[key] = value
    return out


def _decompress(raw: bytes, encoding: str) -> tuple[bytes, str]:
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


def _response_body(resp: dict[str, Any], headers: dict[str, str]) -> tuple[bytes, str]:
    if "parsed_body" in resp:
        return json.dumps(resp["parsed_body"], ensure_ascii=False).encode("utf-8"), "parsed_body"
    body = resp.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b"", "none"
    if isinstance(body, (bytes, bytearray)):
        return _decompress(bytes(body), headers.get("content-encoding", ""))
    return str(body).encode("utf-8", errors="surrogateescape"), "string"


def _request_body(req: dict[str, Any]) -> Any:
    if "parsed_body" in req:
        return req["parsed_body"]
    body = req.get("body")
    if isinstance(body, dict) and "string" in body:
        body = body["string"]
    if isinstance(body, (bytes, bytearray)):
        raw, _ = _decompress(bytes(body), "")
        body = raw.decode("utf-8", errors="replace")
    if body is None or body == "":
        return None
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8", errors="surrogateescape")


def _chunks(raw: Any, body: bytes) -> list[tuple[float, bytes]] | None:
    """Recorded stream chunks: [offset, text] pairs, or [offset, length] cuts of the body."""
    if not isinstance(raw, list):
        return None
    out: list[tuple[float, bytes]] = []
    pos = 0
    for item in raw:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return None
        offset, chunk = item
        if isinstance(chunk, int) and not isinstance(chunk, bool):
            out.append((float(offset), body[pos : pos + chunk]))
            pos += chunk
        else:
            out.append((float(offset), _bytes(chunk)))
    return out


def read_cassette(path: Path) -> list[Recorded]:
    """Every interaction of one cassette file (CassetteError when it is not one)."""
    try:
        with path.open("rb") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise CassetteError(f"{path}: not valid YAML{where}") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(f"{path}: not a vcrpy cassette (no 'interactions' list)")
    out = []
    for index, item in enumerate(data["interactions"]):
        if not isinstance(item, dict):
            raise CassetteError(f"{path}: interaction {index} is not a mapping")
        req = item.get("request") or {}
        resp = item.get("response") or {}
        headers = _headers(resp.get("headers"))
        body, fmt = _response_body(resp, headers)
        status_block = resp.get("status") or {}
        code = status_block.get("code") if isinstance(status_block, dict) else status_block
        try:
            status = int(code) if code is not None else None
        except (TypeError, ValueError):
            status = None
        raw_extras = item.get("harness")
        extras: dict[str, Any] = raw_extras if isinstance(raw_extras, dict) else {}
        if isinstance(extras.get("body_base64"), str):
            try:
                body = base64.b64decode(extras["body_base64"], validate=True)
            except ValueError:
                pass
        raw_error = extras.get("error")
        error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
        out.append(
            Recorded(
                cassette=path,
                index=index,
                method=str(req.get("method") or "POST").upper(),
                uri=str(req.get("uri") or ""),
                request_headers=_mask(_headers(req.get("headers"))),
                request_body=_request_body(req),
                status=status,
                reason=str(status_block.get("message", "")) if isinstance(status_block, dict) else "",
                response_headers=_mask(headers),
                body=body,
                body_format=fmt,
                latency_ms=_float(extras.get("latency_ms")),
                ttfb_ms=_float(extras.get("ttfb_ms")),
                ttft_ms=_float(extras.get("ttft_ms")),
                chunks=_chunks(extras.get("chunks"), body),
                error_class=str(error["class"]) if error.get("class") else None,
                error_message=str(error.get("message") or "") or None,
            )
        )
    return out
