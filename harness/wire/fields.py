"""Lenient readers of JSON fields, shared by every protocol's success normaliser.

A provider's body may hold anything where a count or a string belongs (a float, a bool, null,
an object): these return None (or "") instead of raising, so one odd field never hides the
rest of an answer.
"""

from __future__ import annotations

import json
from typing import Any

TEXT_PART_TYPES = ("text", "output_text")


def int_or_none(value: Any) -> int | None:
    """An integer as is; anything else (bool included) -> None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def dig(d: Any, *keys: str) -> Any:
    """d[k1][k2]... or None as soon as a level is not a mapping."""
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def first_int(*values: Any) -> int | None:
    """The first value that is an integer."""
    for value in values:
        n = int_or_none(value)
        if n is not None:
            return n
    return None


def parts_text(content: Any) -> str | None:
    """A message `content`: a string as is, a list of parts -> the text parts joined ("" if
    there are none; thinking / reasoning parts ignored), None for no content at all."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and part.get("type", "text") in TEXT_PART_TYPES:
                text = part.get("text")
                if isinstance(text, str):
                    texts.append(text)
        return "".join(texts)
    return None


def args_text(arguments: Any) -> str:
    """Tool-call arguments as JSON text (an object is dumped; None is "")."""
    if isinstance(arguments, str):
        return arguments
    if arguments is None:
        return ""
    return json.dumps(arguments, ensure_ascii=False)


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
