"""Naming places and values in suite error messages.

"case 'a' request.temperature", "defaults.request", "case #3", "string 'hot'": one vocabulary
for every load error, so messages read the same whether the schema or a later check found the
problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.core.hints import closest
from harness.suite.yamlmarks import Document, JsonPath


def describe(value: Any) -> str:
    """A value for an error message: "string 'hot'", "integer 0", "a list"."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """The closest choice to a misspelt word (the one rule of `core/hints.py`), or None."""
    return closest(word, choices)


def dotted(path: JsonPath) -> str:
    """("request", "messages", 0) -> "request.messages[0]"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def unknown_key_message(key: str, where: str, allowed: Sequence[str]) -> str:
    """"unknown key 'x' in ...; did you mean 'y'?" (or the allowed keys when nothing is close)."""
    msg = f"unknown key {key!r} {where}"
    if key == "model" and "messages" in allowed:
        return f"{msg}; the target gives the model (filter targets with 'targets:')"
    hint = did_you_mean(key, allowed)
    if hint:
        return f"{msg}; did you mean {hint!r}?"
    return f"{msg}; allowed: {', '.join(allowed)}"


class Namer:
    """Names a path of one suite document the way its author thinks of it (by case id)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data = doc.data

    def case_label(self, index: int) -> str:
        cases = self.data.get("cases") if isinstance(self.data, dict) else None
        if isinstance(cases, list) and index < len(cases) and isinstance(cases[index], dict):
            cid = cases[index].get("id")
            if isinstance(cid, str) and cid and all(c.isalnum() or c in "_.-" for c in cid):
                return f"case {cid!r}"
        return f"case #{index + 1}"

    def subject(self, path: JsonPath) -> str:
        path = tuple(path)
        if not path:
            return "the suite"
        if path[0] == "cases" and len(path) >= 2 and isinstance(path[1], int):
            rest = path[2:]
            label = self.case_label(path[1])
            return f"{label} {dotted(rest)}" if rest else label
        return dotted(path)

    def where(self, path: JsonPath) -> str:
        return "at the top level" if not path else f"in {self.subject(path)}"
