"""Captured traffic for `harness shadow replay`: every input form read as one stream of items.

    traffic = read_traffic("traffic.jsonl", limit=100)  # UsageError: unknown form, no file
    for item in traffic:                                # TrafficItem, in file order
        item.ref, item.endpoint, item.path, item.dialect, item.body, item.recorded
    traffic.format                                      # pairs | jsonl | batch | cassettes
    traffic.read, traffic.skipped, traffic.skip_reasons # items given; not chat requests

The forms (`traffic_format(path)` names them; the first non-blank line of a file decides):

    pairs      the shadow proxy's log (pairs.jsonl or its folder; `format: harness-shadow/1`):
               the client's request as it came, the primary arm's endpoint and dialect; the
               primary's answer stands recorded when the log is `content: full` and keeps a
               body (as the log keeps it: the raw body, or a stream assembled; no headers).
               A `hash` or `none` log keeps no request text: a UsageError says so.
    jsonl      one request per line: a bare body ({"model", "messages", ...}); {"body": {...}};
               or {"request": {...}, "response": ..., "status": ..., "endpoint": ...,
               "url" | "path": ..., "dialect": ..., "headers": ..., "latency_ms": ...}, where
               `request` may be an HTTP envelope {method, url, headers, body} and `response` a
               body (JSON or SSE text) or an envelope {status_code | status, headers, body}:
               the response then stands for the primary's
    batch      an OpenAI Batch API input file ({"custom_id", "method", "url", "body"}; Mistral's
               has no `url`), or Anthropic's batch requests as JSONL ({"custom_id", "params"});
               a Batch *output* file holds no requests and is refused
    cassettes  a vcrpy cassette file (*.yaml, *.yml, or a JSON cassette) or a folder of them,
               read by `record.reader` (the one reader: this harness's, stock vcrpy,
               pydantic-ai's `parsed_body`, gzip bodies, ...): each POST to an LLM chat
               endpoint, with its path, its host's dialect and its recorded response

Endpoint and dialect inference is `traffic_shapes`' (its docstring has the rules). Streaming
requests (`stream: true`) are items like any other, their recorded SSE body kept as is.

Skipped, not an error: anything that is no LLM chat request (GET /models, embeddings, images,
a line with neither `messages` nor `input`, a pair without a request). The `Traffic` iterator
counts them by reason (`skip_reasons`, a Counter; `skipped`, the total) and keeps the first
MAX_SKIPS_KEPT as (ref, reason) in `skips`. Errors (UsageError, naming file and line or
cassette and interaction): an unknown form, a line that is not UTF-8, not JSON, not an
object or longer than MAX_LINE_BYTES, a cassette that does not parse, a status that is no HTTP
status, an unknown endpoint or dialect name.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from harness.audit.reader import CASSETTE_SUFFIXES, CassetteError, find_cassettes, read_cassette
from harness.audit.reader import Recorded as Interaction
from harness.core.errors import UsageError
from harness.record.reader import parse_cassette_text
from harness.shadow.pairs import FORMAT, PAIRS_FILE, Answer
from harness.shadow.traffic_shapes import (
    Recorded,
    Skip,
    dialect_of,
    endpoint_of,
    header_map,
    json_bytes,
    recorded_of,
    url_parts,
)

__all__ = ["FORMS", "MAX_LINE_BYTES", "Recorded", "Traffic", "TrafficItem", "read_traffic",
           "traffic_format"]

FORMS = ("pairs", "jsonl", "batch", "cassettes")
MAX_LINE_BYTES = 64 * 1024 * 1024  # one request with inline images fits; a runaway file not
MAX_CASSETTE_PROBE = 64 * 1024 * 1024  # a JSON document read whole to see if it is a cassette
MAX_SKIPS_KEPT = 100
FORMS_HINT = ("give a shadow pair log, a JSONL of request bodies, a Batch API input file, "
              "or vcrpy cassettes")


@dataclass(frozen=True)
class TrafficItem:
    """One captured request to replay."""

    ref: str  # where it came from: "traffic.jsonl:12", "cassettes/x.yaml#3", "pairs.jsonl:4"
    endpoint: str  # chat | responses | messages
    path: str | None  # the URL path when known ("/v1/chat/completions")
    dialect: str | None  # mistral | openai | anthropic when the source says, else None
    body: dict[str, Any]  # the request body as sent (wire form)
    recorded: Recorded | None  # the recorded answer, standing for the primary's


class Skipped(NamedTuple):
    ref: str
    reason: str


Source = Iterator["TrafficItem | Skipped"]


class Traffic(Iterator[TrafficItem]):
    """The items of one traffic source, read lazily; counts what it skipped as it goes."""

    def __init__(self, path: Path, form: str, source: Source, limit: int | None) -> None:
        self.path = path
        self.format = form
        self.limit = limit
        self.read = 0  # items given so far
        self.skip_reasons: Counter[str] = Counter()
        self.skips: list[tuple[str, str]] = []  # the first MAX_SKIPS_KEPT (ref, reason)
        self._source = source

    @property
    def skipped(self) -> int:
        """How many records so far were not LLM chat requests."""
        return sum(self.skip_reasons.values())

    def __iter__(self) -> Traffic:
        return self

    def __next__(self) -> TrafficItem:
        while self.limit is None or self.read < self.limit:
            entry = next(self._source)
            if isinstance(entry, Skipped):
                self.skip_reasons[entry.reason] += 1
                if len(self.skips) < MAX_SKIPS_KEPT:
                    self.skips.append((entry.ref, entry.reason))
                continue
            self.read += 1
            return entry
        raise StopIteration


def read_traffic(path: str | Path, *, limit: int | None = None) -> Traffic:
    """The LLM chat requests captured in `path`, in order, at most `limit` of them. The form
    is found now (a UsageError at once when it is none); the items are read as iterated."""
    if limit is not None and (isinstance(limit, bool) or limit < 0):
        raise UsageError(f"--limit must be a whole number >= 0, not {limit!r}")
    where = Path(path)
    form = traffic_format(where)
    readers: dict[str, Callable[[Path], Source]] = {
        "pairs": _pairs, "jsonl": _lines, "batch": _lines, "cassettes": _cassettes}
    return Traffic(where, form, readers[form](where), limit)


def traffic_format(path: str | Path) -> str:
    """Which form `path` is: pairs | jsonl | batch | cassettes (UsageError when none)."""
    where = Path(path)
    if where.is_dir():
        if (where / PAIRS_FILE).is_file():
            return "pairs"
        if _cassette_files(where):
            return "cassettes"
        raise UsageError(f"{where}: no {PAIRS_FILE} and no cassette (*.yaml, *.yml) in this "
                         f"folder: {FORMS_HINT}")
    if not where.is_file():
        raise UsageError(f"{where}: no such file or folder")
    if where.suffix.lower() in CASSETTE_SUFFIXES:
        return "cassettes"
    first = next(_raw_lines(where), None)
    if first is None:
        raise UsageError(f"{where}: empty: no traffic to replay")
    n, raw = first
    try:
        data = _json_object(raw, where, n)
    except UsageError as exc:
        if _is_cassette_document(where):
            return "cassettes"
        raise UsageError(f"{exc}: {FORMS_HINT}") from None
    return _form_of(data, where, n)


def _form_of(data: Mapping[str, Any], path: Path, n: int) -> str:
    if data.get("format") == FORMAT or ("pair_id" in data and "arms" in data):
        return "pairs"
    if "interactions" in data:
        return "cassettes"
    if "custom_id" in data:
        if "body" in data or "params" in data:
            return "batch"
        if "response" in data or "result" in data:
            raise UsageError(f"{path}:{n}: a Batch API output file: it holds the answers but "
                             f"not the requests; give the batch input file")
    if any(key in data for key in ("request", "body", "messages", "input", "model", "prompt")):
        return "jsonl"
    raise UsageError(f"{path}:{n}: not a request, a pair record or a batch line "
                     f"(keys: {', '.join(sorted(map(str, data))[:8]) or 'none'}): {FORMS_HINT}")


def _cassette_files(folder: Path) -> list[Path]:
    try:
        return [file for file, _ in find_cassettes([folder])]
    except CassetteError as exc:
        raise UsageError(str(exc)) from None


def _is_cassette_document(path: Path) -> bool:
    """A file whose first line is no JSON object may still be one JSON (or YAML) cassette."""
    try:
        if path.stat().st_size > MAX_CASSETTE_PROBE:
            return False
        text = path.read_bytes()
        if not text.lstrip().startswith(b"{"):
            return False
        parse_cassette_text(text, path)
    except (OSError, CassetteError, ValueError, RecursionError):
        return False
    return True


# --- lines ------------------------------------------------------------------------------------


def _raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of the non-blank lines; a line over MAX_LINE_BYTES is an error."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        n = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            n += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise UsageError(f"{path}:{n}: line longer than {MAX_LINE_BYTES} bytes")
            if raw.strip():
                yield n, raw


def _json_object(raw: bytes, path: Path, n: int) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}:{n}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise UsageError(f"{path}:{n}: not a JSON line (nested too deeply)") from None
    except ValueError as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise UsageError(f"{path}:{n}: not a JSON line ({msg})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}:{n}: not a JSON object (a {type(data).__name__})")
    return data


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, raw in _raw_lines(path):
        yield n, _json_object(raw, path, n)


def _located(ref: str, make: Callable[..., TrafficItem], *args: Any) -> TrafficItem | Skipped:
    """The item `make(*args)` builds, a Skipped, or its UsageError with `ref` in front."""
    try:
        return make(*args)
    except Skip as skip:
        return Skipped(ref, skip.reason)
    except UsageError as exc:
        raise UsageError(f"{ref}: {exc}") from None


# --- the pair log -----------------------------------------------------------------------------


def _pairs(path: Path) -> Source:
    file = path / PAIRS_FILE if path.is_dir() else path
    for n, data in _json_lines(file):
        if "stats" in data:
            continue
        ref = f"{file}:{n}"
        if data.get("format") != FORMAT and "pair_id" not in data:
            raise UsageError(f"{ref}: not a pair record ({FORMAT})")
        content = data.get("content")
        if content in ("hash", "none"):
            raise UsageError(
                f"{ref}: cannot replay a log written with --log-content {content}: it keeps "
                f"no request text, only hashes and lengths; replay a log written with "
                f"--log-content full (or the traffic it came from)")
        yield _located(ref, _pair_item, data, ref)


def _pair_item(data: Mapping[str, Any], ref: str) -> TrafficItem:
    body = data.get("request")
    if not isinstance(body, dict):
        raise Skip("pair without a request")
    arms = _mapping(data.get("arms"))
    primary = _mapping(arms.get("primary"))
    endpoint = endpoint_of(body, None, data.get("endpoint") or primary.get("endpoint"))
    named = primary.get("dialect") or None
    dialect = dialect_of("", {}, {}, body, endpoint, named)
    return TrafficItem(ref=ref, endpoint=endpoint, path=None, dialect=dialect, body=body,
                       recorded=_primary_answer(primary.get("answer")))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _primary_answer(raw: Any) -> Recorded | None:
    """The primary's answer of a `full` log, when it kept the body (raw or assembled)."""
    if not isinstance(raw, Mapping):
        return None
    answer = Answer.from_dict(raw)
    if not isinstance(answer.body, str):
        return None
    latency = answer.latency_ms
    status = answer.status if isinstance(answer.status, int) else None
    return Recorded(status=status, headers={}, body=json_bytes(answer.body),
                    latency_ms=float(latency) if isinstance(latency, (int, float)) else None)


# --- JSONL of requests, batch input files -----------------------------------------------------


def _lines(path: Path) -> Source:
    for n, data in _json_lines(path):
        ref = f"{path}:{n}"
        yield _located(ref, _line_item, data, ref)


def _bare(data: Mapping[str, Any]) -> bool:
    return "messages" in data or "input" in data


def _unwrap(data: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any] | None]:
    """(the request body, the line's facts about it, the mapping holding its answer)."""
    if "request" in data:
        request = data["request"]
        if isinstance(request, dict) and "body" in request and not _bare(request):
            facts = {**data, **{k: v for k, v in request.items() if k != "body"}}
            return request["body"], facts, data
        return request, data, data
    if "custom_id" in data and "params" in data:  # Anthropic's batch requests
        return data["params"], {"endpoint": "messages", **data}, None
    if "body" in data and not _bare(data):
        return data["body"], data, data
    return data, {}, None


def _body_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise Skip("request body is not JSON") from None
    if not isinstance(value, dict):
        raise Skip("request body is not a JSON object")
    return value


def _json_of(body: bytes) -> Any:
    try:
        return json.loads(body) if body[:1] in (b"{", b"[") else None
    except (ValueError, RecursionError):
        return None


def _line_item(data: dict[str, Any], ref: str) -> TrafficItem:
    request, facts, holder = _unwrap(data)
    body = _body_dict(request)
    method = str(facts.get("method") or "POST").upper()
    url, path = url_parts(facts.get("url") or facts.get("path"))
    if method != "POST":
        raise Skip(f"{method} {path or 'request'}")
    recorded = recorded_of(holder) if holder is not None else None
    response = _json_of(recorded.body) if recorded is not None else None
    endpoint = endpoint_of(body, path, facts.get("endpoint"), response)
    request_headers = header_map(facts.get("headers"))
    dialect = dialect_of(url, request_headers, recorded.headers if recorded else {}, body,
                         endpoint, facts.get("dialect"))
    return TrafficItem(ref=ref, endpoint=endpoint, path=path, dialect=dialect, body=body,
                       recorded=recorded)


# --- cassettes --------------------------------------------------------------------------------


def _cassettes(path: Path) -> Source:
    for file in _cassette_files(path) if path.is_dir() else [path]:
        try:
            interactions = read_cassette(file)
        except CassetteError as exc:
            raise UsageError(str(exc)) from None
        for interaction in interactions:
            ref = interaction.label
            yield _located(ref, _cassette_item, interaction)


def _cassette_item(interaction: Interaction) -> TrafficItem:
    url, path = url_parts(interaction.uri)
    if interaction.method != "POST":
        raise Skip(f"{interaction.method} {path or 'request'}")
    if interaction.request_body is None:
        raise Skip("no request body")
    body = _body_dict(interaction.request_body)  # the audit's reader parsed it when JSON
    endpoint = endpoint_of(body, path, None, interaction.json)
    dialect = dialect_of(url, interaction.request_headers, interaction.response_headers, body,
                         endpoint)
    recorded = Recorded(status=interaction.status, headers=dict(interaction.response_headers),
                        body=interaction.body, latency_ms=interaction.latency_ms)
    return TrafficItem(ref=interaction.label, endpoint=endpoint, path=path, dialect=dialect,
                       body=body, recorded=recorded)
