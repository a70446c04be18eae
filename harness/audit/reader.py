"""Recorded HTTP interactions from vcrpy cassettes, whoever wrote them, for the audit.

The file format, and its variants (stock vcrpy, pydantic-ai's `parsed_body`, gzip or deflate
bodies, `!!binary`, this harness's extras: stream chunks, exact bytes, the engine's error), is
read by `harness.record.reader`, the one reader that replay uses too; see
../shared/realworld/MANIFEST.md, "Read this before loading the cassettes". What is the audit's
own is here: finding cassette files under folders, and turning each interaction into a
`Recorded`, the audit's view of it:
- URIs keep their `#stream` fragment (the official mistralai SDK's marker for a stream request:
  it is client-side, never sent);
- header names are lower-cased and multi-valued headers keep their first value;
- request bodies are parsed JSON when they are JSON (pydantic-ai's `parsed_body` as stored);
- secrets are not expected in cassettes, but any authorization-like header whose value is not
  already a filter placeholder is masked on reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.jsonsafe import loads_bounded
from harness.core.secrets import SECRET_HEADERS
from harness.record.reader import CassetteError, Entry, read_cassette_file

__all__ = ["CASSETTE_SUFFIXES", "CassetteError", "Recorded", "find_cassettes", "read_cassette",
           "recorded"]

CASSETTE_SUFFIXES = (".yaml", ".yml")


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
            return loads_bounded(self.body) if self.body else None
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


def _headers(raw: dict[str, list[Any]]) -> dict[str, str]:
    """name -> [values] as lower-cased name -> first value."""
    out: dict[str, str] = {}
    for key, values in raw.items():
        value = values[0] if values else ""
        out[key.lower()] = "" if value is None else str(value)
    return out


def _mask(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in headers.items():
        if key in SECRET_HEADERS and value and not value.startswith("<filtered"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} ***".strip() if scheme.lower() == "bearer" else "***"
        out[key] = value
    return out


def _request_body(entry: Entry) -> Any:
    """The request body as the audit plans from it: parsed JSON, text, or None."""
    if entry.request_parsed is not None:
        return entry.request_parsed
    body = entry.request_body
    if not body:
        return None
    try:
        return loads_bounded(body)
    except ValueError:
        return body


def read_cassette(path: Path) -> list[Recorded]:
    """Every interaction of one cassette file (CassetteError when it is not one)."""
    try:
        cassette = read_cassette_file(path)
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return [recorded(path, entry) for entry in cassette.interactions]


def recorded(path: Path, entry: Entry) -> Recorded:
    """The audit's view of one interaction read by `record.reader`."""
    return Recorded(
        cassette=path,
        index=entry.index,
        method=entry.method.upper(),
        uri=entry.uri,
        request_headers=_mask(_headers(entry.request_headers)),
        request_body=_request_body(entry),
        status=entry.status,
        reason=entry.reason,
        response_headers=_mask(_headers(entry.response_headers)),
        body=entry.body,
        body_format=entry.body_format,
        latency_ms=entry.latency_ms,
        ttfb_ms=entry.ttfb_ms,
        ttft_ms=entry.ttft_ms,
        chunks=entry.chunks,
        error_class=entry.error_class,
        error_message=entry.error_message,
    )
