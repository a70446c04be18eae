"""Names from suites, cases, providers, models and variants as file names, safely.

| function                  | what                                                            |
|---------------------------|-----------------------------------------------------------------|
| `safe_component(name)`    | one file or folder name for `name`: never `.`/`..`, a separator, |
|                           | a control character, a hidden (leading-dot) or Windows-reserved |
|                           | name, never longer than `max_len`                               |
| `contained(root, *parts)` | `root / part / ...`, checked to stay under `root` (else a bug:  |
|                           | `PathEscapeError`)                                              |
| `name_problem(name)`      | why a suite name, case id or provider name cannot be one (or    |
|                           | None): what the loaders reject, with the file and line          |
| `check_name(name, ...)`   | `name_problem` raised as the caller's error class               |

The mapping is stable and injective: a name made only of `A-Z a-z 0-9 . _ = -`, not starting
with a dot, not reserved and at most `max_len` long is used as it is (so the cassettes of
ordinary names keep their file names); any other name is rewritten (unsafe runs -> `_`, a
leading dot -> `_`, cut to length) and always gets `~` and 12 hex digits of the SHA-256 of the
exact name. `~` is never in a name used as it is, so a rewritten name can only meet another
rewritten one, and then only with the same hash. Names that differ only by letter case stay
distinct strings; on a case-insensitive file system (macOS, Windows defaults) they share a
file, as they always did.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

__all__ = ["PathEscapeError", "check_name", "contained", "name_problem", "safe_component"]

MAX_COMPONENT = 100  # characters (always ASCII, so bytes); file systems allow 255
HASH_CHARS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
_PLAIN = re.compile(r"[A-Za-z0-9._=-]+")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789"]
)
_SEPARATORS = ("/", "\\")


class PathEscapeError(RuntimeError):
    """A path built from names would leave its root folder: a bug, never a user error."""


def safe_component(name: str, *, max_len: int = MAX_COMPONENT, forbid: tuple[str, ...] = ()) -> str:
    """One path component for `name` (see the module doc); `forbid`: substrings that also
    force the rewritten form (a model id holding '__', the model / variant separator)."""
    if max_len < HASH_CHARS + 2:
        raise ValueError(f"max_len must be >= {HASH_CHARS + 2}, got {max_len}")
    if _used_as_is(name, max_len) and not any(part in name for part in forbid):
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    body = _UNSAFE.sub("_", name)
    if body.startswith("."):
        body = "_" + body[1:]
    body = body[: max_len - HASH_CHARS - 1]
    return f"{body}~{digest}"


def _used_as_is(name: str, max_len: int) -> bool:
    return (
        0 < len(name) <= max_len
        and _PLAIN.fullmatch(name) is not None
        and not name.startswith(".")
        and not name.endswith(".")  # Windows drops trailing dots: "a." would be "a"
        and name.split(".", 1)[0].upper() not in _WINDOWS_RESERVED
    )


def contained(root: Path, *parts: str) -> Path:
    """`root / parts...`, each part one component, the result lexically under `root`.

    Raises PathEscapeError (a bug: every part should come from `safe_component`) when a part is
    empty, `.`/`..`, absolute or holds a separator, or the joined path leaves `root`.
    """
    for part in parts:
        if part in ("", ".", "..") or any(sep in part for sep in _SEPARATORS) or "\0" in part:
            raise PathEscapeError(f"unsafe path component {part!r} under {root}")
    path = root.joinpath(*parts)
    base = os.path.normpath(os.path.abspath(root))
    full = os.path.normpath(os.path.abspath(path))
    if os.path.commonpath([base, full]) != base or full == base:
        raise PathEscapeError(f"path {path} is not inside {root}")
    return path


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a suite, case or provider (a phrase after the name: "is
    empty"), or None: empty, `.`/`..`, a path separator, a control character."""
    if name == "":
        return "is empty"
    if name in (".", ".."):
        return "is not usable as a name ('.' and '..' mean folders)"
    if any(sep in name for sep in _SEPARATORS):
        return "contains a path separator ('/' or '\\')"
    bad = next((c for c in name if ord(c) < 32 or 0x7F <= ord(c) < 0xA0), None)
    if bad is not None:
        return f"contains a control character (U+{ord(bad):04X})"
    return None


def check_name(name: str, what: str, error: type[Exception]) -> None:
    """Raise `error("<what> 'x' <problem>")` when `name_problem(name)` finds one."""
    problem = name_problem(name)
    if problem is not None:
        raise error(f"{what} {name!r} {problem}")
