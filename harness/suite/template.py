"""`{{name}}` placeholders: the tiny, safe template language of data-driven cases.

A placeholder is `{{name}}` or `{{ name }}`, where name is a plain variable name (letters,
digits, `_`, not starting with a digit); nothing else is evaluated (no expressions, filters or
attribute access). A string that is exactly one placeholder becomes the value itself, keeping
its type (a number stays a number, a list stays a list); a placeholder inside a longer string
is replaced by the value as text (strings as they are, anything else as compact JSON).
Only string values are templated, never mapping keys.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLACEHOLDER = re.compile(r"\{\{\s*(" + NAME + r")\s*\}\}")
_WHOLE = re.compile(r"^\{\{\s*(" + NAME + r")\s*\}\}$")
_ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def whole_name(text: str) -> str | None:
    """The variable name when `text` is exactly one placeholder, else None."""
    found = _WHOLE.match(text)
    return found.group(1) if found else None


def names_in(value: Any) -> set[str]:
    """Every variable name used in the strings of `value` (nested mappings and lists)."""
    found: set[str] = set()
    for text in _strings(value):
        found.update(_PLACEHOLDER.findall(text))
    return found


def bad_placeholder(value: Any) -> str | None:
    """The first `{{...}}` in `value` that is not a plain variable name (an expression), or
    None when every placeholder is plain."""
    for text in _strings(value):
        for inner in _ANY_BRACES.findall(text):
            if not re.fullmatch(r"\s*" + NAME + r"\s*", inner):
                return "{{" + inner + "}}"
    return None


def render(value: Any, values: dict[str, Any]) -> Any:
    """A copy of `value` with each placeholder whose name is in `values` filled in; names
    not in `values` are left as written."""
    if isinstance(value, str):
        name = whole_name(value)
        if name is not None:
            return copy.deepcopy(values[name]) if name in values else value
        return _PLACEHOLDER.sub(lambda m: _text(m, values), value)
    if isinstance(value, dict):
        return {k: render(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, values) for v in value]
    return value


def _text(match: re.Match[str], values: dict[str, Any]) -> str:
    name = match.group(1)
    if name not in values:
        return match.group(0)
    value = values[name]
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _strings(value: Any) -> list[str]:
    """The string values inside `value`, iteratively (suite nesting is bounded at load)."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out
