"""Where the run history lives: a store spec, from `--history`, `HARNESS_HISTORY` or the default.

    reports/history.sqlite                  a SQLite file (the embedded default; any path)
    sqlite:///history.sqlite                the same, as a URL (SQLAlchemy's spelling:
    sqlite:////abs/path/history.sqlite      three slashes then a relative path, four: absolute)
    postgresql://user:pass@host:5432/db     a PostgreSQL database (a team's shared history)

A PostgreSQL URL may carry a password: `display` is the spec with it masked, and it is the only
form any message, error or table of the harness prints.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness.core.errors import UsageError

__all__ = ["DEFAULT_FILE", "HISTORY_ENV", "HistoryError", "StoreSpec", "mask_url", "parse_spec",
           "resolve_spec"]

HISTORY_ENV = "HARNESS_HISTORY"
DEFAULT_FILE = "history.sqlite"  # under the run folders' parent (`reports/` by default)
POSTGRES_SCHEMES = ("postgresql", "postgres")


class HistoryError(UsageError):
    """The history store cannot be opened or written (exit 2, message, no traceback)."""


@dataclass(frozen=True)
class StoreSpec:
    """A parsed store spec: `kind` sqlite (`target` a file path) or postgres (a URL)."""

    kind: str
    target: str
    display: str

    def __str__(self) -> str:
        return self.display


_PASSWORD_RE = re.compile(r"(?P<head>://[^:/@?#]*:)(?P<pw>[^@/?#]*)(?P<tail>@)")
_QUERY_PW_RE = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#]*)", re.IGNORECASE)


def mask_url(text: str) -> str:
    """`text` with every URL password (userinfo or `?password=`) replaced by ***."""
    text = _PASSWORD_RE.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    return _QUERY_PW_RE.sub(lambda m: f"{m['head']}***", text)


def parse_spec(text: str, flag: str = "--history") -> StoreSpec:
    """A store spec from its text; an unknown URL scheme is a usage error naming the flag."""
    text = text.strip()
    if not text:
        raise UsageError(f"{flag} needs a SQLite file path or a postgresql:// URL")
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme in POSTGRES_SCHEMES:
        return StoreSpec("postgres", text, mask_url(text))
    if scheme == "sqlite":
        path = text.split("://", 1)[1]
        path = path.removeprefix("/")  # SQLAlchemy's spelling
        if not path:
            raise UsageError(f"{flag}: {text!r} names no file")
        return StoreSpec("sqlite", path, path)
    if scheme:
        raise UsageError(f"{flag}: unknown store {mask_url(text)!r}: give a SQLite file path "
                         "(e.g. reports/history.sqlite) or a postgresql://user@host/db URL")
    return StoreSpec("sqlite", text, text)


def resolve_spec(given: str | None, *, default_dir: str | Path | None = None,
                 flag: str = "--history") -> StoreSpec | None:
    """The store asked for: `given`, else $HARNESS_HISTORY, else `default_dir/history.sqlite`
    (None when no default is wanted: `harness run` appends only when asked)."""
    text = given or os.environ.get(HISTORY_ENV, "").strip()
    if text:
        return parse_spec(text, flag if given else HISTORY_ENV)
    if default_dir is None:
        return None
    return parse_spec(str(Path(default_dir) / DEFAULT_FILE), flag)
