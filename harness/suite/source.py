"""One suite file: its text, the parsed document with line marks, and errors that point into it.

Every load error goes through `SuiteSource.error` / `fail`, so each one names the file, the
lines and shows the excerpt with the offending line marked '>'.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from harness.core.errors import SuiteError
from harness.core.models import SourceLoc
from harness.suite import yamlmarks
from harness.suite.limits import MAX_SUITE_BYTES, size_text
from harness.suite.naming import Namer, describe
from harness.suite.yamlmarks import Document, JsonPath

EXCERPT_CONTEXT = 2  # lines shown before the offending one
EXCERPT_MAX = 8  # lines of the offending node shown at most
PROVIDERS_FILE = "this is a providers file (it has 'providers:' and no 'cases:'), not a suite"


class SuiteSource:
    """A suite file read and parsed (top level checked to be a mapping)."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.text = text
        self.lines = text.splitlines()
        self.doc = Document(data=None, lines=self.lines)

    @classmethod
    def open(cls, path: str | Path) -> SuiteSource:
        """Read and parse a file; unreadable, too large or non-UTF-8 files are a SuiteError."""
        display = str(Path(path))
        try:
            data = read_bounded(Path(path), display)
            text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except FileNotFoundError:
            raise SuiteError(f"{display}: no such file", path=display) from None
        except UnicodeDecodeError as exc:
            raise SuiteError(
                f"{display}: not UTF-8 text (byte {exc.start}); save the suite as UTF-8",
                path=display,
            ) from None
        except OSError as exc:
            raise SuiteError(
                f"{display}: cannot read: {exc.strerror or exc}", path=display
            ) from None
        return cls.from_text(text, display)

    @classmethod
    def from_text(cls, text: str, display: str) -> SuiteSource:
        if len(text) > MAX_SUITE_BYTES:
            raise too_large(display, f"{len(text):,} characters")
        src = cls(display, text)
        src.parse()
        return src

    def parse(self) -> None:
        try:
            self.doc = yamlmarks.parse(self.text)
        except yamlmarks.YamlError as exc:
            span = (exc.line, exc.line) if exc.line else None
            raise self.error(exc.message, span) from None
        data = self.doc.data
        if data is None:
            raise self.error("the file is empty: a suite needs a 'cases:' list", (1, 1))
        if not isinstance(data, dict):
            raise self.error(
                f"the top level must be a mapping with a 'cases:' list, got {describe(data)}",
                self.doc.span(()),
            )

    @cached_property
    def names(self) -> Namer:
        return Namer(self.doc)

    def is_providers_file(self) -> bool:
        data = self.doc.data
        return isinstance(data, dict) and "providers" in data and "cases" not in data

    def providers_file_error(self) -> SuiteError:
        return self.error(PROVIDERS_FILE, self.doc.span(("providers",)))

    def error(self, message: str, span: tuple[int, int] | None) -> SuiteError:
        return SuiteError(
            format_error(self.display, self.lines, message, span),
            path=self.display,
            line=span[0] if span else None,
        )

    def fail(self, message: str, path: JsonPath) -> SuiteError:
        """An error pointing at the lines of `path` in the document."""
        return self.error(message, self.doc.span(path))

    def loc(self, path: JsonPath) -> SourceLoc:
        start, end = self.doc.span(path) or (1, 1)
        return SourceLoc(self.display, start, end)


def read_bounded(path: Path, display: str) -> bytes:
    """The file's bytes, refused (before reading them) past MAX_SUITE_BYTES: the size is
    looked at first, and at most the limit + 1 bytes are ever read (a file that grows, a pipe)."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_SUITE_BYTES:
            raise too_large(display, size_text(size))
        data = f.read(MAX_SUITE_BYTES + 1)
    if len(data) > MAX_SUITE_BYTES:
        raise too_large(display, f"more than {size_text(MAX_SUITE_BYTES)}")
    return data


def too_large(display: str, size: str) -> SuiteError:
    return SuiteError(
        f"{display}: the file is {size}, over the limit of {size_text(MAX_SUITE_BYTES)} for a "
        "suite file (split it into several suites)",
        path=display,
    )


def format_error(
    display: str, lines: Sequence[str], message: str, span: tuple[int, int] | None
) -> str:
    """`file: line A-B: message` and the excerpt below it (first offending line marked '>')."""
    if span is None:
        return f"{display}: {message}"
    start, end = span
    where = f"line {start}" if end <= start else f"line {start}-{end}"
    text = f"{display}: {where}: {message}"
    shown = excerpt(lines, start, end)
    return f"{text}\n{shown}" if shown else text


def excerpt(lines: Sequence[str], start: int, end: int) -> str:
    """Numbered source lines around `start`..`end`, the line `start` marked with '>'."""
    if not lines:
        return ""
    start = min(max(1, start), len(lines))
    end = min(max(start, end), len(lines))
    first = max(1, start - EXCERPT_CONTEXT)
    last = min(end, start + EXCERPT_MAX - 1)
    width = len(str(last))
    out = []
    for n in range(first, last + 1):
        mark = ">" if n == start else " "
        out.append(f"  {mark} {n:>{width}} | {lines[n - 1]}".rstrip())
    if last < end:
        out.append(f"    {'':>{width}} | ...")
    return "\n".join(out)
