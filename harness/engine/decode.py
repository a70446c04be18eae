"""A response body's content decoding, bounded: raw network chunks in, at most `limit` bytes out.

    decoder = BodyDecoder(response.headers.get("content-encoding"), limit)
    for raw in network_chunks:
        for piece in decoder.feed(raw):      # decoded bytes, in pieces of <= PIECE bytes
            ...
    decoder.flush()                          # the tail; TooLargeError past `limit` bytes

Why not httpx's decoders: they inflate each network chunk whole, so one 64 KB chunk of a gzip
bomb becomes 64 MB in a single call before anyone can count it. Here zlib is asked for at most
PIECE bytes at a time (`decompressobj.decompress(data, max_length)`, the rest kept in
`unconsumed_tail`), and the running total is checked after every piece: memory stays under
`limit` plus one piece whatever the ratio, and a 1 MB body that expands to 1 GB stops at the
cap (TooLargeError, the row's `too_large`).

Codings: identity, gzip / x-gzip (several members back to back, as RFC 1952 allows), deflate
(zlib-wrapped, or raw deflate as some servers send); a list ("gzip, gzip") is undone last
first. Accept-Encoding says "gzip, deflate" (httpx's default), so nothing else should come;
an unknown coding is passed through undecoded, as httpx does.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from harness.core.errors import TooLargeError

__all__ = ["PIECE", "BodyDecoder", "DecodeError", "describe_size"]

PIECE = 1 << 20  # decoded bytes per zlib call at most


class DecodeError(ValueError):
    """The body is not valid in its declared content coding."""


def describe_size(n: int) -> str:
    """1048576 -> "1 MiB", 33554432 -> "32 MiB", 1500 -> "1500 bytes"."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


class _Inflate:
    """One zlib stream (gzip or deflate), inflated PIECE bytes at a time."""

    __slots__ = ("_d", "_raw_fallback", "_wbits")

    def __init__(self, wbits: int, raw_fallback: bool = False) -> None:
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback  # deflate: retry as raw deflate if no zlib header

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._d.decompress(data, PIECE)
            except zlib.error as exc:
                if self._raw_fallback:
                    self._raw_fallback = False
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise DecodeError(f"{exc}") from None
            self._raw_fallback = False
            if out:
                yield out
            if self._d.eof:  # a gzip member ended: another may follow
                data = self._d.unused_data
                if data:
                    self._d = zlib.decompressobj(self._wbits)
                continue
            data = self._d.unconsumed_tail

    def flush(self) -> bytes:
        return self._d.flush() if not self._d.eof else b""


def _stage(coding: str) -> _Inflate | None:
    if coding in ("gzip", "x-gzip"):
        return _Inflate(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _Inflate(zlib.MAX_WBITS, raw_fallback=True)
    return None  # identity, or a coding nobody asked for: passed through


class BodyDecoder:
    """Decodes a body's content codings and counts the decoded bytes against `limit`."""

    __slots__ = ("limit", "seen", "stages")

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        stages = [_stage(c) for c in reversed(codings)]
        self.stages = [s for s in stages if s is not None]
        self.limit = limit
        self.seen = 0  # decoded bytes so far

    def _count(self, piece: bytes) -> bytes:
        self.seen += len(piece)
        if self.seen > self.limit:
            raise TooLargeError(
                f"response body over --max-response-bytes {describe_size(self.limit)}"
                " (counted after decompression); read stopped at the cap"
            )
        return piece

    def _through(self, data: bytes, stages: list[_Inflate]) -> Iterator[bytes]:
        if not stages:
            yield data
            return
        for piece in stages[0].feed(data):
            yield from self._through(piece, stages[1:])

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded pieces of one raw chunk (TooLargeError once past the limit)."""
        if not self.stages:
            yield self._count(raw)
            return
        for piece in self._through(raw, self.stages):
            if piece:
                yield self._count(piece)

    def flush(self) -> bytes:
        """Whatever the decoders still hold at the end of the body."""
        out = b""
        for i, stage in enumerate(self.stages):
            tail = stage.flush()
            if tail:
                out += b"".join(self._through(tail, self.stages[i + 1:]))
        return self._count(out) if out else b""
