"""Response shapes: the top-level keys of a response body, from the row's excerpt.

`response_excerpt` is the first 2,000 characters of the body, so a long body is cut: the keys
are read with a small scanner that walks the object's first level and stops where the text
does, instead of needing the whole JSON document.
"""

from __future__ import annotations

import json

__all__ = ["top_keys"]


def top_keys(text: str | None) -> frozenset[str] | None:
    """The top-level keys of a JSON object body (possibly cut short); None when the body is
    not a JSON object (an SSE stream, HTML, empty)."""
    if not text:
        return None
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return _scan(text)
    return frozenset(value) if isinstance(value, dict) else None


def _scan(text: str) -> frozenset[str]:
    """Keys at depth 1 of a JSON object prefix: strings followed by ':' at that depth."""
    keys: set[str] = set()
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = _string_end(text, i)
            if end < 0:
                break
            if depth == 1 and text[end + 1:end + 2 + _spaces(text, end + 1)].strip() == ":":
                try:
                    keys.add(json.loads(text[i:end + 1]))
                except ValueError:
                    pass
            i = end + 1
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return frozenset(keys)


def _string_end(text: str, start: int) -> int:
    """Index of the closing quote of the string opening at `start`; -1 when cut off."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return -1


def _spaces(text: str, start: int) -> int:
    i = start
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i - start
