"""BodyDecoder: gzip (several members), deflate (zlib or raw), identity, stacked codings, all
chunked anyhow; the cap counts decoded bytes and stops a bomb within one piece of it."""

from __future__ import annotations

import gzip
import zlib

import pytest

from harness.core.errors import TooLargeError
from harness.engine.decode import PIECE, BodyDecoder, DecodeError, describe_size

DATA = b"hello world " * 5000


def _decode(encoding: str, body: bytes, limit: int = 1 << 24, step: int = 7) -> bytes:
    d = BodyDecoder(encoding, limit)
    out = b"".join(piece for i in range(0, len(body), step) for piece in d.feed(body[i:i + step]))
    return out + d.flush()


@pytest.mark.parametrize(("encoding", "body"), [
    ("gzip", gzip.compress(DATA)),
    ("x-gzip", gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:])),
    ("deflate", zlib.compress(DATA)),
    ("deflate", zlib.compress(DATA)[2:-4]),  # raw deflate, as some servers send
    ("", DATA), ("identity", DATA), ("br", DATA),  # unknown: passed through, as httpx does
    ("gzip, gzip", gzip.compress(gzip.compress(DATA, mtime=0), mtime=0)),
], ids=["gzip", "x-gzip-two-members", "deflate", "raw-deflate", "none", "identity", "br",
        "gzip-gzip"])  # stable ids: every xdist worker must collect the same names
def test_codings_decode_whatever_the_chunking(encoding: str, body: bytes) -> None:
    assert _decode(encoding, body) == DATA
    assert _decode(encoding, body, step=65536) == DATA


def test_a_bomb_stops_at_the_cap_in_pieces() -> None:
    bomb = gzip.compress(bytes(256 << 20), compresslevel=9)  # 256 MiB of zeros, ~250 KB
    d = BodyDecoder("gzip", 1 << 20)
    biggest = 0
    with pytest.raises(TooLargeError, match="1 MiB"):
        for i in range(0, len(bomb), 65536):
            for piece in d.feed(bomb[i:i + 65536]):
                biggest = max(biggest, len(piece))
    assert biggest <= PIECE and d.seen <= (1 << 20) + PIECE


def test_a_corrupt_gzip_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        _decode("gzip", b"not gzip at all")


def test_sizes_read_as_people_write_them() -> None:
    assert [describe_size(n) for n in (32 << 20, 1 << 30, 1536, 1000)] == [
        "32 MiB", "1 GiB", "1536 bytes", "1000 bytes"]
