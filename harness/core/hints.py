""""Did you mean ...?": the one closest-match rule behind every misspelling hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name closest to `word` (difflib ratio >= 0.6), or None."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def hint(word: str, choices: Iterable[str], template: str = "; did you mean {!r}?") -> str:
    """`template` filled with the closest name, or "" when nothing is close."""
    match = closest(word, choices)
    return template.format(match) if match is not None else ""
