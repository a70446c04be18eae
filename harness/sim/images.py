"""Image inputs: decode them, measure them, count their tokens, describe them.

Every endpoint's image part is reduced to one URL string before it reaches this module: a
Mistral ``image_url`` string or ``{"url"}`` object, an OpenAI ``image_url.url``, a Responses
``input_image.image_url``, or an Anthropic ``image`` block (``source.base64`` becomes
``data:<media_type>;base64,<data>``, ``source.url`` stays a URL).

Token rule (deterministic, documented for suites that bound image tokens):

* a decodable image (a ``data:`` URI or Anthropic base64) of W x H pixels is first scaled so its
  longer side is at most 1024 px (as Pixtral-style encoders do), then costs
  ``ceil(W/16) * ceil(H/16)`` tokens: one per 16x16 patch. A 64x64 PNG costs 16 tokens, a
  2048x1024 one is scaled to 1024x512 and costs 64 * 32 = 2048 tokens;
* a URL image (http(s), never fetched) costs a fixed ``URL_IMAGE_TOKENS`` (256).

Only PNG, JPEG, GIF and WebP are images here (the four formats both OpenAI and Anthropic
accept); their width and height are read from the file header.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

URL_IMAGE_TOKENS = 256
PATCH_PX = 16
MAX_SIDE_PX = 1024
MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
FORMAT_NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}
_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^,;]*)*),(?P<data>.*)", re.DOTALL
)


class ImageError(ValueError):
    """An image part that cannot be used; ``reason`` is one of the REASONS keys."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


#: why an image is refused (each endpoint words these in its own envelope)
REASONS = {
    "base64": "the data is not valid base64",
    "format": "the bytes are not a PNG, JPEG, GIF or WebP image",
    "media_type": "the declared media type is not one of image/jpeg, png, gif, webp",
    "mismatch": "the bytes do not match the declared media type",
}


@dataclass(frozen=True)
class ImageInfo:
    """What the simulated model "sees" of one image."""

    media_type: str | None  # None for a URL image (not fetched)
    width: int = 0
    height: int = 0
    url: str = ""

    @property
    def tokens(self) -> int:
        if self.media_type is None:
            return URL_IMAGE_TOKENS
        return patch_tokens(self.width, self.height)

    def describe(self) -> str:
        if self.media_type is None:
            return "URL image"
        return f"{self.width}x{self.height} {FORMAT_NAMES[self.media_type]}"


def patch_tokens(width: int, height: int) -> int:
    """ceil(w/16) * ceil(h/16) after scaling the longer side down to 1024 px."""
    longer = max(width, height, 1)
    scale = min(1.0, MAX_SIDE_PX / longer)
    w = max(1, round(width * scale))
    h = max(1, round(height * scale))
    return math.ceil(w / PATCH_PX) * math.ceil(h / PATCH_PX)


def decode_base64(data: str) -> bytes:
    """Strict base64 (whitespace ignored); ImageError("base64") otherwise."""
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ImageError("base64") from None


def sniff(raw: bytes) -> tuple[str, int, int]:
    """(media type, width, height) from the file header; ImageError("format") otherwise."""
    try:
        if raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR":
            w, h = struct.unpack(">II", raw[16:24])
            return "image/png", w, h
        if raw[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", raw[6:10])
            return "image/gif", w, h
        if raw[:2] == b"\xff\xd8":
            return ("image/jpeg", *_jpeg_size(raw))
        if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
            return ("image/webp", *_webp_size(raw))
    except (struct.error, IndexError):
        pass
    raise ImageError("format")


def _jpeg_size(raw: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(raw):
        if raw[i] != 0xFF:
            i += 1
            continue
        marker = raw[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 2 if marker != 0xFF else 1
            continue
        (length,) = struct.unpack(">H", raw[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", raw[i + 5 : i + 9])
            return w, h
        i += 2 + length
    raise ImageError("format")


def _webp_size(raw: bytes) -> tuple[int, int]:
    chunk = raw[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", raw[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        b = raw[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if chunk == b"VP8X":
        w = 1 + int.from_bytes(raw[24:27], "little")
        h = 1 + int.from_bytes(raw[27:30], "little")
        return w, h
    raise ImageError("format")


@lru_cache(maxsize=128)
def inspect_url(url: str) -> ImageInfo:
    """An image URL -> ImageInfo; a ``data:`` URI is decoded and must be a real image."""
    match = _DATA_URI.fullmatch(url) if url.startswith("data:") else None
    if match is None:
        return ImageInfo(None, url=url)
    if ";base64" not in (match.group("params") or ""):
        raise ImageError("base64")
    media_type, w, h = sniff(decode_base64(match.group("data")))
    return ImageInfo(media_type, w, h)


def inspect_base64(data: str, media_type: str) -> ImageInfo:
    """Anthropic's ``source.base64``: declared type must be allowed and match the bytes."""
    if media_type not in MEDIA_TYPES:
        raise ImageError("media_type")
    found, w, h = sniff(decode_base64(data))
    if found != media_type:
        raise ImageError("mismatch")
    return ImageInfo(found, w, h)


def part_url(part: Any) -> str | None:
    """The URL of a canonical (chat-form) image part, or None if the part is not an image.

    Accepts ``{"type":"image_url","image_url": str | {"url": str}}`` (Mistral allows the plain
    string) and ``{"type":"input_image","image_url": str}``.
    """
    if not isinstance(part, dict) or part.get("type") not in ("image_url", "input_image"):
        return None
    value = part.get("image_url")
    if isinstance(value, dict):
        value = value.get("url")
    return value if isinstance(value, str) else None


def images_of(content: Any) -> list[ImageInfo]:
    """The (already validated) images of one message's content; bad ones are skipped."""
    if not isinstance(content, list):
        return []
    out = []
    for part in content:
        url = part_url(part)
        if url is None:
            continue
        try:
            out.append(inspect_url(url))
        except ImageError:
            continue
    return out


def image_tokens(content: Any) -> int:
    return sum(info.tokens for info in images_of(content))


def seen_note(content: Any) -> str:
    """ "I see 1 image (64x64 PNG)." for the simulated answer; "" without images."""
    infos = images_of(content)
    if not infos:
        return ""
    noun = "image" if len(infos) == 1 else "images"
    return f"I see {len(infos)} {noun} ({', '.join(i.describe() for i in infos)})."
