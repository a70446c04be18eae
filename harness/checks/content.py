"""Checks on the text content of the reply (ctx.normalized.content).

    - contains: Paris                         # every string must appear
    - contains: [Paris, France]
    - contains: {text: paris, case_sensitive: false}
    - not_contains: ["As an AI", "I cannot"]  # none may appear
    - regex: '^\\d+$'                          # re.search
    - regex: {pattern: '^yes\\b', flags: i}    # flags: any of i m s x
    - equals: "4"                             # exact, surrounding whitespace stripped

For Mistral reasoning replies the content is the text parts joined; thinking is not content.
A reply without text (e.g. only tool calls) fails contains / regex / equals and passes
not_contains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from harness.checks._common import reject_unknown_keys, require_success, str_list
from harness.checks.base import CheckContext, register_check
from harness.core.errors import CheckFailure
from harness.core.models import Exchange

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_EXCERPT = 300


def _excerpt(text: str | None) -> str | None:
    if text is None or len(text) <= _EXCERPT:
        return text
    return text[:_EXCERPT] + "…"


def _texts(args: Any, name: str) -> tuple[list[str], bool]:
    """-> (strings, case_sensitive)."""
    if isinstance(args, Mapping):
        reject_unknown_keys(args, ("text", "case_sensitive"), name)
        if "text" not in args:
            raise ValueError(f"{name}: the mapping form needs 'text'")
        sensitive = args.get("case_sensitive", True)
        if not isinstance(sensitive, bool):
            raise ValueError(f"{name}: case_sensitive must be true or false")  # noqa: TRY004
        return str_list(args["text"], f"{name}.text"), sensitive
    return str_list(args, name), True


def _content(ctx: CheckContext, exchange: Exchange) -> str | None:
    return require_success(ctx, exchange).content


def _fold(s: str, sensitive: bool) -> str:
    return s if sensitive else s.casefold()


@register_check("contains")
def contains(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    texts, sensitive = _texts(args, "contains")
    content = _content(ctx, exchange)
    if content is None:
        raise CheckFailure(
            f"no text content, expected it to contain {texts[0]!r}", expected=texts, received=None
        )
    hay = _fold(content, sensitive)
    missing = [t for t in texts if _fold(t, sensitive) not in hay]
    if missing:
        raise CheckFailure(
            f"content does not contain {missing[0]!r}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            expected=texts,
            received=_excerpt(content),
        )


@register_check("not_contains")
def not_contains(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    texts, sensitive = _texts(args, "not_contains")
    content = _content(ctx, exchange)
    if content is None:
        return
    hay = _fold(content, sensitive)
    found = [t for t in texts if _fold(t, sensitive) in hay]
    if found:
        raise CheckFailure(
            f"content contains {found[0]!r}"
            + (f" (and {len(found) - 1} more)" if len(found) > 1 else ""),
            expected=f"none of {texts!r}",
            received=_excerpt(content),
        )


def _compile(args: Any) -> re.Pattern[str]:
    flags = 0
    if isinstance(args, Mapping):
        reject_unknown_keys(args, ("pattern", "flags"), "regex")
        pattern = args.get("pattern")
        letters = args.get("flags", "") or ""
        if not isinstance(letters, str) or any(ch not in _FLAGS for ch in letters):
            raise ValueError(f"regex: flags must be letters from 'imsx', got {letters!r}")
        for ch in letters:
            flags |= _FLAGS[ch]
    else:
        pattern = args
    if not isinstance(pattern, str) or not pattern:
        raise ValueError("regex: give a pattern string, or {pattern: ..., flags: 'i'}")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"regex: invalid pattern {pattern!r}: {exc}") from None


@register_check("regex")
def regex(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    compiled = _compile(args)
    content = _content(ctx, exchange)
    if content is None or not compiled.search(content):
        what = "no text content" if content is None else "content does not match"
        raise CheckFailure(
            f"{what} /{compiled.pattern}/", expected=compiled.pattern, received=_excerpt(content)
        )


def _validate_equals(args: Any) -> None:
    if not isinstance(args, str):
        raise ValueError(f"equals: give the exact expected text (a string), got {args!r}")  # noqa: TRY004


@register_check("equals")
def equals(ctx: CheckContext, exchange: Exchange, args: Any) -> None:
    _validate_equals(args)
    content = _content(ctx, exchange)
    expected = args.strip()
    got = None if content is None else content.strip()
    if got != expected:
        raise CheckFailure(
            f"content {_short(got)}, expected {_short(expected)}",
            expected=expected,
            received=_excerpt(got),
        )


def _short(text: str | None, limit: int = 40) -> str:
    if text is None:
        return "missing"
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _validate_contains(args: Any) -> None:
    _texts(args, "contains")


def _validate_not_contains(args: Any) -> None:
    _texts(args, "not_contains")


def _validate_regex(args: Any) -> None:
    _compile(args)


contains.validate_args = _validate_contains  # type: ignore[attr-defined]
not_contains.validate_args = _validate_not_contains  # type: ignore[attr-defined]
regex.validate_args = _validate_regex  # type: ignore[attr-defined]
equals.validate_args = _validate_equals  # type: ignore[attr-defined]
