"""JSON from untrusted bytes, bounded in nesting depth: the one parser of answers and events.

    loads_bounded(text, max_depth=256)   json.loads, but a document nested deeper than
                                         max_depth raises TooDeepError (a ValueError) and
                                         never RecursionError
    json_depth(text)                     the nesting depth of a JSON text (strings skipped)

Why: CPython's json recurses once per `[` / `{`; a 4 KB answer nested 2,000 deep raises
RecursionError (and code that walks the parsed value would recurse again). Real LLM API
bodies nest under 20 levels; 256 leaves room for any honest tool-call argument.

Cost: a text with at most `max_depth` brackets in all cannot be too deep, and that count is
one C-level `bytes.count` per bracket kind, so ordinary bodies pay two scans of memory and
nothing else. Only a text with more brackets than the bound has its real depth measured
(`json_depth`: strings cut out, brackets summed, all in C-level passes) before json sees it.
"""

from __future__ import annotations

import json
from itertools import accumulate
from typing import Any

from harness.core.errors import TooDeepError

__all__ = ["MAX_DEPTH", "json_depth", "loads_bounded"]

MAX_DEPTH = 256
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _raw(text: str | bytes | bytearray | memoryview) -> bytes:
    if isinstance(text, str):
        return text.encode("utf-8", errors="surrogatepass")
    return bytes(text)


def json_depth(text: str | bytes | bytearray | memoryview) -> int:
    """The deepest nesting of arrays and objects in `text` (0 for a scalar); brackets inside
    strings do not count. C-level passes only: escapes dropped, the text split on quotes (the
    pieces outside strings are every other one), brackets kept (bytes.translate), the running
    depth summed (itertools.accumulate). Exact on JSON; on other text exact up to the point
    where json.loads would stop with an error, which is all that json would recurse into."""
    raw = _raw(text)
    if b"\\" in raw:  # escapes: an escaped backslash first, then an escaped quote
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(raw.split(b'"')[0::2])  # every other piece between quotes
    brackets = outside.translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets))))


def check_depth(text: str | bytes | bytearray | memoryview, max_depth: int = MAX_DEPTH) -> None:
    """Raise TooDeepError when `text` nests deeper than `max_depth`."""
    if isinstance(text, str):
        count = text.count("[") + text.count("{")
    else:
        count = bytes(text).count(b"[") + bytes(text).count(b"{")
    if count <= max_depth:
        return  # fewer brackets than the bound: it cannot be deeper
    depth = json_depth(text)
    if depth > max_depth:
        raise TooDeepError(f"JSON nested {depth} levels deep, over the limit of {max_depth}")


def loads_bounded(text: str | bytes | bytearray | memoryview, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads(text)`, refusing (TooDeepError) a document nested over `max_depth` levels.
    Other bad input raises ValueError as json does (JSONDecodeError, UnicodeDecodeError)."""
    if isinstance(text, memoryview):
        text = bytes(text)
    check_depth(text, max_depth)
    try:
        return json.loads(text)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise TooDeepError(f"JSON nested too deep to parse (limit {max_depth})") from None
