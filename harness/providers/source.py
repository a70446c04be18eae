"""One providers file: its text, the document with line marks, the schema, and errors with lines.

The suite loader's machinery, reused: `suite.yamlmarks` parses (line marks, duplicate keys,
the same YAML choices and limits), `schema.json` here is checked with jsonschema and its first
error (by line) rephrased by `suite.schema`, and every error is `file: line N: message` with
the excerpt (`suite.source.format_error`), as a `ProviderConfigError` (a usage error, exit 2).

    src = ProvidersSource.open("providers.yaml")    # parsed, duplicates and schema checked
    src.fail("provider 'x' base_url ...", ("providers", "x", "base_url"))
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.core.errors import ProviderConfigError
from harness.suite import yamlmarks
from harness.suite.naming import Namer, describe, dotted
from harness.suite.schema import error_path, pick, rephrase
from harness.suite.source import format_error
from harness.suite.yamlmarks import Document, JsonPath

PROVIDERS_SCHEMA_PATH = Path(__file__).with_name("schema.json")
TOP_LEVEL = "a providers file needs a top-level 'providers:' mapping of name -> provider"


@lru_cache(maxsize=1)
def providers_schema() -> dict[str, Any]:
    """The providers-file JSON Schema (draft 2020-12), as shipped in the package."""
    with PROVIDERS_SCHEMA_PATH.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(providers_schema())


class ProviderNamer(Namer):
    """Names a place of a providers file: "provider 'x' model 'm' price.input"."""

    def subject(self, path: JsonPath) -> str:
        path = tuple(path)
        if not path:
            return "the providers file"
        if path[0] != "providers" or len(path) == 1:
            return dotted(path)
        label = f"provider {path[1]!r}"
        rest = path[2:]
        if rest[:1] == ("models",) and len(rest) >= 2:
            label += f" model {rest[1]!r}"
            rest = rest[2:]
        return f"{label} {dotted(rest)}" if rest else label


class ProvidersSource:
    """A providers file read, parsed and checked against the schema."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.lines = text.splitlines()
        self.doc = Document(data=None, lines=self.lines)
        self.names = ProviderNamer(self.doc)
        self._text = text

    @classmethod
    def open(cls, path: str | Path) -> ProvidersSource:
        """Read, parse and check one file; any problem is a ProviderConfigError."""
        display = str(Path(path))
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProviderConfigError(
                f"{display}: not UTF-8 text (byte {exc.start}); save the providers file as UTF-8"
            ) from None
        except OSError as exc:
            raise ProviderConfigError(
                f"{display}: cannot read providers file: {exc.strerror or exc}"
            ) from None
        return cls.from_text(text, display)

    @classmethod
    def from_text(cls, text: str, display: str) -> ProvidersSource:
        """Parse and check `text`; `display` is the file name errors show."""
        src = cls(display, text)
        src.parse()
        src.check()
        return src

    def parse(self) -> None:
        try:
            self.doc = yamlmarks.parse(self._text)
        except yamlmarks.YamlError as exc:
            raise self.error(exc.message, (exc.line, exc.line) if exc.line else None) from None
        except RecursionError:
            raise self.error("the YAML is nested too deeply", None) from None
        self.names = ProviderNamer(self.doc)
        data = self.doc.data
        if not isinstance(data, dict):
            got = "the file is empty" if data is None else f"got {describe(data)}"
            raise self.error(f"{TOP_LEVEL}; {got}", self.doc.span(()) or (1, 1))

    def check(self) -> None:
        """Duplicate keys (both lines named), then the schema (its earliest error)."""
        if self.doc.duplicates:
            dup = self.doc.duplicates[0]
            raise self.error(
                f"duplicate key {dup.key!r} {self.names.where(dup.path)} "
                f"(first written at line {dup.first_line})",
                (dup.line, dup.line),
            )
        if "providers" not in self.doc.data:
            raise self.error(TOP_LEVEL, self.doc.span(()) or (1, 1))
        errors = list(_validator().iter_errors(self.doc.data))
        if not errors:
            return
        err = pick(errors, self.doc)
        path = error_path(err)
        if path[-1:] == ("api_key_env",) and err.validator == "pattern":
            # the value may be the key itself, pasted by mistake: name the line, show nothing
            raise self.error(
                f"{self.names.subject(path)} must be the name of the environment variable "
                "holding the key (letters, digits and '_'), not the key",
                self.doc.span(path), excerpt=False,
            )
        raise self.fail(rephrase(err, self.names), path)

    def error(
        self, message: str, span: tuple[int, int] | None, *, excerpt: bool = True
    ) -> ProviderConfigError:
        """`file: line A-B: message` and the excerpt (none when `excerpt` is False)."""
        return ProviderConfigError(
            format_error(self.display, self.lines if excerpt else [], message, span)
        )

    def fail(self, message: str, path: JsonPath) -> ProviderConfigError:
        """An error pointing at the lines of `path` in the document."""
        return self.error(message, self.doc.span(path))


def url_problem(url: str) -> str | None:
    """What keeps `url` from being an http(s) URL with a host, or None when it is one."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if not parts.scheme:
        return "has no scheme"
    if parts.scheme.lower() not in ("http", "https"):
        return f"has scheme {parts.scheme!r}, not http or https"
    if not parts.hostname:
        return "has no host"
    if any(c.isspace() for c in url):
        return "contains a space"
    return None
