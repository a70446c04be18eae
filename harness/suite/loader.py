"""Suite YAML -> validated `Case`s, or a `SuiteError` naming file, line, excerpt and a hint.

Validation runs in this order and stops at the first problem (the earliest line wins when the
schema finds several):
  1. YAML syntax, empty file, top level not a mapping, duplicate keys (yamlmarks);
  2. the JSON Schema `schema.json` (shape, types, unknown keys with "did you mean");
  3. what a schema cannot say: unique case ids, messages or raw body after merging defaults,
     matrix keys naming request fields, check names registered and their arguments accepted.

Merging defaults into a case:
  request   deep-merged, the case wins (mappings merge, lists and scalars are replaced);
            a raw case (raw: true) only inherits `endpoint` and `auth`: its body is sent as is
  expect    defaults' entries first, then the case's; a case entry naming the same check as a
            default entry replaces it (so `status: 401` in a case overrides a default `status`)
  tags      defaults' then the case's, duplicates dropped
  targets, dialects, timeout_s, repeat, tool_loop: the case's value when set, else the
            defaults'
  expect_each_turn  merged like expect
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.core.errors import SuiteError, UnknownCheckError, UsageError
from harness.core.hints import closest
from harness.core.models import Case, CheckSpec, SourceLoc
from harness.suite import yamlmarks
from harness.suite.expand import render_value, set_path
from harness.suite.yamlmarks import Document, JsonPath

SUITE_SCHEMA_PATH = Path(__file__).with_name("schema.json")

# request keys a raw case may set (everything else goes inside `body`)
RAW_REQUEST_KEYS = ("body", "endpoint", "auth")
SUITE_SUFFIXES = (".yaml", ".yml")
EXCERPT_CONTEXT = 2  # lines shown before the offending one
EXCERPT_MAX = 8  # lines of the offending node shown at most

_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}
_MISSING_HINTS = {
    "body": " (raw: true sends request.body untouched)",
    "json_schema": " (type json_schema needs {name, schema})",
}


@dataclass
class Suite:
    """One suite file: its name, cases (defaults merged in) and the defaults as written."""

    name: str
    path: str
    description: str = ""
    cases: list[Case] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    loc: SourceLoc | None = None


@lru_cache(maxsize=1)
def suite_schema() -> dict[str, Any]:
    """The suite JSON Schema (draft 2020-12), as shipped in the package."""
    with SUITE_SCHEMA_PATH.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(suite_schema())


def request_fields() -> list[str]:
    """The request keys a suite may write (canonical fields and harness options)."""
    return list(suite_schema()["$defs"]["request"]["properties"])


# --------------------------------------------------------------------------------------------
# public API


def load_suite(path: str | Path, *, validate_checks: bool = True) -> Suite:
    """Load and validate one suite file. Raises SuiteError (file, line, excerpt, hint).

    `validate_checks=False` skips looking up check names and arguments in the registry.
    """
    src = _Source.open(path)
    if src.is_providers_file():
        span = src.doc.span(("providers",))
        raise src.error(
            "this is a providers file (it has 'providers:' and no 'cases:'), not a suite", span
        )
    return _SuiteBuilder(src, validate_checks).build()


def load_suite_text(text: str, path: str = "<string>", *, validate_checks: bool = True) -> Suite:
    """Like `load_suite` for YAML text; `path` is the name shown in errors and SourceLocs."""
    src = _Source.from_text(text, path)
    return _SuiteBuilder(src, validate_checks).build()


def load_suites(paths: Sequence[str | Path], *, validate_checks: bool = True) -> list[Suite]:
    """Load suite files and folders (folders: every *.yaml / *.yml below, sorted by path).

    In folders, files or folders whose name starts with '_' or '.' are skipped, and so are
    providers files (a top-level `providers:` and no `cases:`). Files named explicitly are
    always loaded. Suite names must be unique across all files.
    """
    suites: list[Suite] = []
    seen_files: set[Path] = set()
    by_name: dict[str, Suite] = {}
    for given in paths:
        p = Path(given)
        if p.is_dir():
            files = _suite_files(p)
            if not files:
                raise SuiteError(f"{p}: no suite files (*.yaml, *.yml) in this folder", path=str(p))
            explicit = False
        elif p.is_file():
            files = [p]
            explicit = True
        else:
            raise SuiteError(f"{p}: no such file or folder", path=str(p))
        for file in files:
            key = file.resolve()
            if key in seen_files:
                continue
            seen_files.add(key)
            src = _Source.open(file)
            if src.is_providers_file():
                if explicit:
                    raise src.error(
                        "this is a providers file (it has 'providers:' and no 'cases:'), "
                        "not a suite",
                        src.doc.span(("providers",)),
                    )
                continue
            suite = _SuiteBuilder(src, validate_checks).build()
            other = by_name.get(suite.name)
            if other is not None:
                raise src.error(
                    f"suite name {suite.name!r} is already used by {other.path}; "
                    "give one of them another 'suite:' name",
                    src.doc.span(("suite",)) if "suite" in src.doc.data else (1, 1),
                )
            by_name[suite.name] = suite
            suites.append(suite)
    return suites


def _suite_files(folder: Path) -> list[Path]:
    found = []
    for file in folder.rglob("*"):
        rel = file.relative_to(folder)
        if any(part.startswith(("_", ".")) for part in rel.parts):
            continue
        if file.suffix in SUITE_SUFFIXES and file.is_file():
            found.append(file)
    return sorted(found, key=lambda f: f.relative_to(folder).as_posix())


# --------------------------------------------------------------------------------------------
# one file: text, parsed document, error formatting


class _Source:
    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.text = text
        self.lines = text.splitlines()
        self.doc = Document(data=None, lines=self.lines)

    @classmethod
    def open(cls, path: str | Path) -> _Source:
        display = str(Path(path))
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
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
        src = cls(display, text)
        src.parse()
        return src

    @classmethod
    def from_text(cls, text: str, display: str) -> _Source:
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

    def is_providers_file(self) -> bool:
        data = self.doc.data
        return isinstance(data, dict) and "providers" in data and "cases" not in data

    def error(self, message: str, span: tuple[int, int] | None) -> SuiteError:
        return SuiteError(
            format_error(self.display, self.lines, message, span),
            path=self.display,
            line=span[0] if span else None,
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


# --------------------------------------------------------------------------------------------
# naming places in a suite: "case 'a' request.temperature", "defaults.request", "case #3"


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
    return closest(word, choices)


class _Namer:
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


def dotted(path: JsonPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------------------------
# schema errors -> one clear sentence


def _error_path(err: Any, base: JsonPath = ()) -> JsonPath:
    """The path of the node to point at for a jsonschema error."""
    path = base + tuple(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        extras = _unknown_keys(err)
        if extras:
            return path + (extras[0],)
    if "propertyNames" in err.absolute_schema_path and isinstance(err.instance, str):
        return path + (err.instance,)
    return path


def _unknown_keys(err: Any) -> list[str]:
    known = err.schema.get("properties", {})
    return [k for k in err.instance if k not in known]


def _pick(errors: list[Any], doc: Document, base: JsonPath = ()) -> Any:
    from jsonschema.exceptions import relevance

    def key(err: Any) -> Any:
        span = doc.span(_error_path(err, base)) or (0, 0)
        return (-span[0], relevance(err))

    best = max(errors, key=key)
    while best.context:
        candidates = best.context
        if "errorMessage" in best.schema:
            # Drop the branches whose type does not even match: what is left says what is wrong
            # inside the matching branch; nothing left -> the branch-level message.
            same = list(best.absolute_path)
            candidates = [
                c for c in best.context if not (list(c.absolute_path) == same and _wrong_branch(c))
            ]
            if not candidates:
                break
        best = max(candidates, key=key)
    return best


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


def _wrong_branch(err: Any) -> bool:
    """An anyOf branch error saying the value is not even of that branch's kind."""
    if err.validator == "type":
        return True
    if err.validator in ("enum", "const"):
        values = err.validator_value if err.validator == "enum" else [err.validator_value]
        return _json_type(err.instance) not in {_json_type(x) for x in values}
    return False


def _rephrase(err: Any, names: _Namer, base: JsonPath = ()) -> str:
    path = base + tuple(err.absolute_path)
    subject = names.subject(path)
    v, value, inst = err.validator, err.validator_value, err.instance
    if "errorMessage" in err.schema and err.context:
        return f"{subject} {err.schema['errorMessage']}, got {describe(inst)}"
    if "propertyNames" in err.absolute_schema_path:
        hint = err.schema.get("patternErrorMessage", "is not allowed")
        return f"{subject} key {inst!r} {hint}"
    if v == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        key = _unknown_keys(err)[0]
        msg = unknown_key_message(key, names.where(path), allowed)
        span = names.doc.span(path + (key,))
        line = names.doc.lines[span[0] - 1] if span and span[0] <= len(names.doc.lines) else ""
        if inst[key] is None and f", {key}" in line and not did_you_mean(key, allowed):
            # `{content: Hello, world}`: the comma ended the text and started a key 'world'
            msg = (
                f"unknown key {key!r} {names.where(path)}; if it is the end of a text, "
                "quote the text: a ',' inside {...} starts a new key"
            )
        return msg
    if v == "required":
        missing = [k for k in value if k not in inst]
        key = missing[0] if missing else value[0]
        return f"missing key {key!r} {names.where(path)}{_MISSING_HINTS.get(key, '')}"
    if v == "type":
        types = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return f"{subject} must be {expected}, got {describe(inst)}"
    if v == "enum":
        choices = ", ".join(repr(c) for c in value)
        msg = f"{subject} must be one of {choices}, got {describe(inst)}"
        hint = (
            did_you_mean(inst, [c for c in value if isinstance(c, str)])
            if isinstance(inst, str)
            else None
        )
        return f"{msg}; did you mean {hint!r}?" if hint else msg
    if v == "const":
        return f"{subject} must be {value!r}, got {describe(inst)}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        return f"{subject} must be {op} {value}, got {inst}"
    if v in ("minItems", "minLength", "minProperties") and value == 1:
        return f"{subject} must not be empty"
    if v == "minItems":
        return f"{subject} must have at least {value} items, got {len(inst)}"
    if v == "maxProperties" and path[-2:-1] == ("expect",):
        keys = ", ".join(repr(k) for k in inst)
        return (
            f"{subject} must be one 'check_name: args' mapping, got {len(inst)} keys "
            f"({keys}); start each check with its own '- '"
        )
    if v == "pattern":
        hint = err.schema.get("patternErrorMessage", f"must match {value}")
        return f"{subject} {inst!r} {hint}"
    return f"{subject}: {err.message}"


def unknown_key_message(key: str, where: str, allowed: Sequence[str]) -> str:
    msg = f"unknown key {key!r} {where}"
    if key == "model" and "messages" in allowed:
        return f"{msg}; the target gives the model (filter targets with 'targets:')"
    hint = did_you_mean(key, allowed)
    if hint:
        return f"{msg}; did you mean {hint!r}?"
    return f"{msg}; allowed: {', '.join(allowed)}"


# --------------------------------------------------------------------------------------------
# building a Suite


class _SuiteBuilder:
    def __init__(self, src: _Source, validate_checks: bool) -> None:
        self.src = src
        self.doc = src.doc
        self.data: dict[str, Any] = src.doc.data
        self.names = _Namer(self.doc)
        self.validate_checks = validate_checks

    def fail(self, message: str, path: JsonPath) -> SuiteError:
        return self.src.error(message, self.doc.span(path))

    def build(self) -> Suite:
        if self.doc.duplicates:
            dup = self.doc.duplicates[0]
            raise self.src.error(
                f"duplicate key {dup.key!r} {self.names.where(dup.path)} "
                f"(first written at line {dup.first_line})",
                (dup.line, dup.line),
            )
        self.check_schema()
        data = self.data
        name = data.get("suite") or Path(self.src.display).stem
        defaults = data.get("defaults") or {}
        d_request = defaults.get("request") or {}
        if "body" in d_request:
            raise self.fail(
                "defaults.request.body is not allowed: body belongs in a raw: true case",
                ("defaults", "request", "body"),
            )
        d_expect = self.check_specs(defaults.get("expect") or [], ("defaults", "expect"))
        d_each = self.check_specs(
            defaults.get("expect_each_turn") or [], ("defaults", "expect_each_turn")
        )
        cases: list[Case] = []
        first_id: dict[str, int] = {}
        for i, raw_case in enumerate(data["cases"]):
            cid = raw_case["id"]
            if cid in first_id:
                first = self.doc.span(("cases", first_id[cid], "id")) or (0, 0)
                raise self.fail(
                    f"duplicate case id {cid!r} (first used at line {first[0]})",
                    ("cases", i, "id"),
                )
            first_id[cid] = i
            cases.append(self.build_case(name, i, raw_case, defaults, d_expect, d_each))
        return Suite(
            name=name,
            path=self.src.display,
            description=data.get("description") or "",
            cases=cases,
            defaults=defaults,
            loc=self.loc(()),
        )

    def loc(self, path: JsonPath) -> SourceLoc:
        start, end = self.doc.span(path) or (1, 1)
        return SourceLoc(self.src.display, start, end)

    def check_schema(self) -> None:
        errors = list(_validator().iter_errors(self.data))
        if errors:
            err = _pick(errors, self.doc)
            raise self.fail(_rephrase(err, self.names), _error_path(err))

    def build_case(
        self,
        suite: str,
        i: int,
        raw_case: dict[str, Any],
        defaults: dict[str, Any],
        d_expect: list[CheckSpec],
        d_each: list[CheckSpec] | None = None,
    ) -> Case:
        here: JsonPath = ("cases", i)
        label = self.names.case_label(i)
        raw = bool(raw_case.get("raw", False))
        own = raw_case.get("request") or {}
        d_request = defaults.get("request") or {}
        if raw:
            for key in own:
                if key not in RAW_REQUEST_KEYS:
                    raise self.fail(
                        f"{label} request.{key} is not used with raw: true; only body, endpoint "
                        "and auth are (write the whole JSON body under body)",
                        here + ("request", key),
                    )
            request = {k: copy.deepcopy(v) for k, v in d_request.items() if k in RAW_REQUEST_KEYS}
            request.update(copy.deepcopy(own))
        else:
            if "body" in own:
                raise self.fail(
                    f"{label} request.body is only used with raw: true",
                    here + ("request", "body"),
                )
            request = deep_merge(d_request, own)
            if "messages" not in request:
                where = here + ("request",) if "request" in raw_case else here
                raise self.fail(
                    f"missing key 'messages' in {label} request (needed unless raw: true)", where
                )
        matrix = copy.deepcopy(raw_case.get("matrix") or {})
        self.check_matrix(here, label, raw, request, matrix)
        self.check_endpoint(label, raw_case, matrix, here)
        if not raw:
            self.check_images(label, request, raw_case, here)
        specs = self.check_specs(raw_case.get("expect") or [], here + ("expect",))
        overridden = {s.name for s in specs}
        expect = [s for s in d_expect if s.name not in overridden] + specs
        each = self.check_specs(raw_case.get("expect_each_turn") or [], here + ("expect_each_turn",))
        overridden = {s.name for s in each}
        each = [s for s in (d_each or []) if s.name not in overridden] + each

        def pick(key: str, default: Any) -> Any:
            return raw_case[key] if key in raw_case else defaults.get(key, default)

        timeout = pick("timeout_s", None)
        tool_loop = copy.deepcopy(pick("tool_loop", None))
        if tool_loop is not None:
            where = here + ("tool_loop",) if "tool_loop" in raw_case else ("defaults", "tool_loop")
            self.check_tool_loop(label, raw, request, tool_loop, where)
            tool_loop.setdefault("max_turns", 5)
        return Case(
            suite=suite,
            id=raw_case["id"],
            request=request,
            expect=expect,
            matrix=matrix,
            repeat=int(pick("repeat", 1)),
            raw=raw,
            tags=tuple(dict.fromkeys([*defaults.get("tags", []), *raw_case.get("tags", [])])),
            targets=tuple(pick("targets", [])),
            dialects=tuple(pick("dialects", [])),
            description=raw_case.get("description") or "",
            loc=self.loc(here),
            timeout_s=float(timeout) if timeout is not None else None,
            tool_loop=tool_loop,
            expect_each_turn=each,
        )

    def check_endpoint(
        self, label: str, raw_case: dict[str, Any], matrix: dict[str, list[Any]], here: JsonPath
    ) -> None:
        """Every endpoint the case can call (request, defaults, matrix) names a registered wire
        protocol: an unknown one is a load error with its line, never a silent chat call."""
        from harness.wire.protocols import endpoints

        known = endpoints()
        own = raw_case.get("request") or {}
        d_request = (self.data.get("defaults") or {}).get("request") or {}
        named: list[tuple[JsonPath, Any]] = []
        if "endpoint" in own:
            named.append((here + ("request", "endpoint"), own["endpoint"]))
        elif "endpoint" in d_request:
            named.append((("defaults", "request", "endpoint"), d_request["endpoint"]))
        for j, value in enumerate(matrix.get("endpoint") or []):
            named.append((here + ("matrix", "endpoint", j), value))
        for path, name in named:
            if name not in known:
                choices = ", ".join(repr(c) for c in known)
                msg = f"{label} request.endpoint must be one of {choices}, got {describe(name)}"
                close = did_you_mean(name, known) if isinstance(name, str) else None
                raise self.fail(f"{msg}; did you mean {close!r}?" if close else msg, path)

    def check_images(
        self, label: str, request: dict[str, Any], raw_case: dict[str, Any], here: JsonPath
    ) -> None:
        """Local image files named in `request.images` exist (relative to the suite's folder
        or the working directory), so a typo is a load error with its line, not a run error."""
        from harness.wire.images import is_remote

        display = self.src.display
        folder = Path(display).parent if not display.startswith("<") else None
        for j, ref in enumerate(request.get("images") or []):
            if not isinstance(ref, str) or is_remote(ref) or ref.startswith("data:"):
                continue
            path = Path(ref).expanduser()
            candidates = [path] if path.is_absolute() else (
                ([folder / path] if folder is not None else []) + [Path.cwd() / path]
            )
            if not any(c.is_file() for c in candidates):
                own = "images" in (raw_case.get("request") or {})
                where = here + ("request", "images", j) if own else ("defaults", "request", "images")
                raise self.fail(
                    f"{label} request.images[{j}]: image file {ref!r} not found (paths are "
                    "relative to the suite file's folder or the current folder)",
                    where,
                )

    def check_tool_loop(
        self,
        label: str,
        raw: bool,
        request: dict[str, Any],
        tool_loop: dict[str, Any],
        where: JsonPath,
    ) -> None:
        """tool_loop needs a translated request with function tools; results name them."""
        if raw:
            raise self.fail(
                f"{label} tool_loop cannot run a raw: true case (the harness must build each "
                "turn's request)",
                where,
            )
        names = [
            t["function"]["name"]
            for t in request.get("tools") or []
            if isinstance(t, dict) and isinstance(t.get("function"), dict)
            and isinstance(t["function"].get("name"), str)
        ]
        if not names:
            raise self.fail(
                f"{label} tool_loop needs request.tools: the functions the model may call", where
            )
        for tool in tool_loop.get("results") or {}:
            if tool not in names:
                msg = f"{label} tool_loop.results names {tool!r}, which request.tools does not declare"
                hint = did_you_mean(tool, names)
                msg += f"; did you mean {hint!r}?" if hint else f" (tools: {', '.join(names)})"
                raise self.fail(msg, where + ("results", tool))

    def check_matrix(
        self,
        here: JsonPath,
        label: str,
        raw: bool,
        request: dict[str, Any],
        matrix: dict[str, list[Any]],
    ) -> None:
        allowed = list(RAW_REQUEST_KEYS) if raw else [f for f in request_fields() if f != "body"]
        for key, values in matrix.items():
            kpath = here + ("matrix", key)
            head, dot, _rest = key.partition(".")
            if head not in allowed:
                msg = unknown_key_message(head, f"in {label} matrix", allowed)
                if dot:
                    msg = msg.replace(f"unknown key {head!r}", f"unknown key {head!r} (of {key!r})")
                raise self.fail(msg + " (matrix keys are request fields)", kpath)
            seen: dict[str, int] = {}
            for j, value in enumerate(values):
                shown = render_value(value)
                if shown in seen:
                    raise self.fail(
                        f"{label} matrix.{key} lists {shown} twice (items {seen[shown]} and {j})",
                        kpath + (j,),
                    )
                seen[shown] = j
            if dot:
                try:
                    set_path(copy.deepcopy(request), key, values[0])
                except ValueError as exc:
                    raise self.fail(f"{label} matrix: {exc}", kpath) from None
            else:
                sub = _validator().evolve(
                    schema=suite_schema()["$defs"]["request"]["properties"][head]
                )
                for j, value in enumerate(values):
                    errors = list(sub.iter_errors(value))
                    if errors:
                        base = kpath + (j,)
                        err = _pick(errors, self.doc, base)
                        raise self.fail(_rephrase(err, self.names, base), _error_path(err, base))

    def check_specs(self, items: list[Any], base: JsonPath) -> list[CheckSpec]:
        specs = []
        for j, item in enumerate(items):
            path = base + (j,)
            if isinstance(item, str):
                name, args = item, None
            else:
                ((name, args),) = item.items()
            if self.validate_checks:
                self.check_check(name, args, path)
            specs.append(CheckSpec(name=name, args=args, loc=self.loc(path)))
        return specs

    def check_check(self, name: str, args: Any, path: JsonPath) -> None:
        from harness.checks.base import CHECKS, get_check, validate_check_args

        subject = self.names.subject(path)
        try:
            get_check(name)
        except UnknownCheckError as exc:
            if ":" in name:
                raise self.fail(f"{subject}: {exc}", path) from None
            hint = CHECKS.suggest(name)
            msg = f"unknown check {name!r} in {subject}"
            if hint:
                msg += f"; did you mean {hint!r}?"
            else:
                msg += f"; known checks: {', '.join(CHECKS.names()) or '(none registered)'}"
            raise self.fail(msg, path) from None
        try:
            validate_check_args(name, args)
        except UsageError as exc:
            raise self.fail(f"{subject}: {exc}", path) from None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A new dict: `base` with `over` on top; nested mappings merge, anything else is replaced."""
    result = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result
