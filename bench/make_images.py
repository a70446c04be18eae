"""Write the bundled test images of suites/images/ (deterministic, no imaging library).

    .venv/bin/python bench/make_images.py          # rewrites suites/images/*

bar_chart.png   64x64 RGB PNG: four coloured bars on white, with axes (zlib + struct)
quadrants.jpg   16x16 baseline JPEG: red, green / blue, yellow quadrants (one solid 8x8 block
                each, so every block is a DC coefficient and an end-of-block code)

tests/wire/test_images.py checks that the committed files decode to what this script draws.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "suites" / "images"

Pixel = tuple[int, int, int]

WHITE: Pixel = (255, 255, 255)
BLACK: Pixel = (0, 0, 0)
# (left x, height, colour): bars stand on the x axis at y = 59
BARS: list[tuple[int, int, Pixel]] = [
    (8, 20, (66, 133, 244)),
    (22, 45, (219, 68, 55)),
    (36, 30, (244, 180, 0)),
    (50, 52, (15, 157, 88)),
]
BAR_WIDTH = 10
QUADRANTS: list[list[Pixel]] = [
    [(255, 0, 0), (0, 255, 0)],
    [(0, 0, 255), (255, 255, 0)],
]


def bar_chart_pixels(size: int = 64) -> list[list[Pixel]]:
    rows = [[WHITE] * size for _ in range(size)]
    base = size - 5
    for x0, height, colour in BARS:
        for y in range(base - height, base):
            for x in range(x0, x0 + BAR_WIDTH):
                rows[y][x] = colour
    for x in range(4, size - 2):
        rows[base][x] = BLACK
    for y in range(4, base + 1):
        rows[y][4] = BLACK
    return rows


def png_bytes(rows: list[list[Pixel]]) -> bytes:
    height, width = len(rows), len(rows[0])

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def png_pixels(data: bytes) -> list[list[Pixel]]:
    """Decode an 8-bit RGB, non-interlaced PNG whose rows use filter 0 (what png_bytes writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, ctype, interlace) == (8, 2, 0)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 3 * width
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0, "only filter type 0 is supported"
        rows.append([(line[1 + 3 * x], line[2 + 3 * x], line[3 + 3 * x]) for x in range(width)])
    return rows


# -- a baseline JPEG of solid 8x8 blocks ---------------------------------------------------------

# Standard DC tables (ITU T.81 Annex K.3): code lengths 1..16 and the categories they code.
DC_LUMA = ([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], list(range(12)))
DC_CHROMA = ([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], list(range(12)))
# Solid blocks have no AC coefficient: one symbol, end-of-block (0x00), code "0".
AC_EOB_ONLY = ([1] + [0] * 15, [0x00])


def _codes(bits: list[int], values: list[int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: symbol -> (code, length)."""
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _Bits:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self.acc, self.n = 0, 0

    def flush(self) -> bytes:
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1 bits
        return bytes(self.out)


def _ycbcr(px: Pixel) -> tuple[int, int, int]:
    r, g, b = px
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    return tuple(max(0, min(255, round(v))) for v in (y, cb, cr))  # type: ignore[return-value]


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def jpeg_blocks(blocks: list[list[Pixel]]) -> bytes:
    """A baseline 4:4:4 JPEG whose 8x8 blocks are each one solid colour (quantisers all 1)."""
    rows, cols = len(blocks), len(blocks[0])
    quant = bytes([1] * 64)
    dht = b""
    for cls_id, (bits, values) in (
        (0x00, DC_LUMA),
        (0x10, AC_EOB_ONLY),
        (0x01, DC_CHROMA),
        (0x11, AC_EOB_ONLY),
    ):
        dht += bytes([cls_id]) + bytes(bits) + bytes(values)
    sof = struct.pack(">BHHB", 8, rows * 8, cols * 8, 3) + bytes(
        [1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]
    )
    sos = bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
    dc_codes = [_codes(*DC_LUMA), _codes(*DC_CHROMA), _codes(*DC_CHROMA)]
    eob = _codes(*AC_EOB_ONLY)[0]
    bits = _Bits()
    previous = [0, 0, 0]
    for row in blocks:
        for px in row:
            for comp, level in enumerate(_ycbcr(px)):
                dc = 8 * (level - 128)  # the DCT's DC term of a flat block (quantiser 1)
                diff = dc - previous[comp]
                previous[comp] = dc
                size = abs(diff).bit_length()
                code, length = dc_codes[comp][size]
                bits.put(code, length)
                if size:
                    bits.put(diff if diff > 0 else diff + (1 << size) - 1, size)
                bits.put(*eob)
    jfif = b"JFIF\x00" + struct.pack(">BBBHHBB", 1, 1, 0, 1, 1, 0, 0)
    return (
        b"\xff\xd8"
        + _segment(0xE0, jfif)
        + _segment(0xDB, b"\x00" + quant + b"\x01" + quant)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht)
        + _segment(0xDA, sos)
        + bits.flush()
        + b"\xff\xd9"
    )


def images() -> dict[str, bytes]:
    return {
        "bar_chart.png": png_bytes(bar_chart_pixels()),
        "quadrants.jpg": jpeg_blocks(QUADRANTS),
    }


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in images().items():
        (OUT / name).write_bytes(data)
        print(f"{OUT / name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
