"""The pair log: one JSON line per mirrored request, shared by the proxy, replay and report.

A record (format `harness-shadow/1`):

    pair_id       str, unique in the log ("p000001-3f2a9c" from the proxy, "r..." from replay)
    ts            UTC ISO-8601 time the client's request arrived (or replay started it)
    source        "proxy" | "replay"
    endpoint      the client's endpoint (chat | responses | messages); stream: bool
    request       the client's request body as it came (wire form, primary's protocol),
                  content-masked by the log's content mode
    request_hash  sha256 of the canonical JSON of the unmasked body (pairs the same request)
    arms          {"primary": Arm, "candidate": Arm, "secondary": Arm | null}
    diffs         {"candidate": {field: FieldDiff}, "secondary": {field: FieldDiff} | null}:
                  each arm against the primary, computed in memory on the unmasked answers
                  (so a `hash` log still has its diffs); FieldDiff is harness.shadow.diff's
    content       the content mode the record was written with
    skipped       null, or why the pair is incomplete ("candidate_error", ...); pairs that were
                  never mirrored are not records: they are counted in the log's stats line

An Arm: target (provider/model), protocol (wire protocol name), endpoint, dialect,
request_sent (the body sent to that arm, after translation; content-masked), notes (the
translation's notes: what changed or could not be carried), and answer (an Answer).

Content modes (production traffic carries personal data):
    full   everything as received
    hash   every text string (message contents, answer text, raw bodies) becomes
           {"sha256": hex, "len": n}; tool calls (names, arguments) and JSON output are kept
           whole, as are usage, status, timings and the diffs
    none   text and argument values are dropped (names, lengths and diffs kept)

`PairLog` appends records (and a final stats line `{"stats": {...}}`) to `pairs.jsonl`,
every line through the one scrubber (core.secrets: the run's keys in every form never reach
the file). `read_pairs(path)` yields the records back (stats lines apart).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, Self

from harness.core.errors import UsageError
from harness.core.secrets import Scrubber

__all__ = ["CONTENT_MODES", "FORMAT", "PAIRS_FILE", "Answer", "Arm", "PairLog", "PairRecord",
           "mask_value", "read_pairs", "request_hash"]

FORMAT = "harness-shadow/1"
PAIRS_FILE = "pairs.jsonl"
CONTENT_MODES = ("full", "hash", "none")
VALUE_FIELDS = ("json", "tool_args")  # FieldDiffs whose paths carry the answers' values
# keys whose string values are free text (personal data); everything else is structure
TEXT_KEYS = frozenset({"content", "text", "input", "instructions", "system", "body",
                       "output_text", "thinking", "refusal", "arguments_text", "excerpt"})


@dataclass
class Answer:
    """One arm's answer, normalised (whatever the protocol): what the diff compares."""

    status: int | None = None
    error_class: str | None = None
    error_message: str | None = None
    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {name, arguments}
    finish_reason: str | None = None
    json_output: Any = None  # the content parsed as JSON when it is JSON, else None
    usage: dict[str, int | None] | None = None  # prompt/completion/total/cached tokens
    model: str | None = None  # the model the answer names
    latency_ms: float | None = None
    ttft_ms: float | None = None
    cost_usd: float | None = None
    stream: bool = False
    stream_events: int | None = None
    body: str | None = None  # the raw body (or assembled stream), `full` mode only

    def to_dict(self) -> dict[str, Any]:
        # shallow on purpose (asdict deep-copies every body: 0.8 ms a pair, on the proxy's
        # loop); the masking builds new containers and nothing mutates these
        return {name: getattr(self, name) for name in ANSWER_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


ANSWER_FIELDS = tuple(f.name for f in dataclass_fields(Answer))


@dataclass
class Arm:
    target: str
    protocol: str
    endpoint: str
    dialect: str
    answer: Answer
    request_sent: Any = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "protocol": self.protocol, "endpoint": self.endpoint,
                "dialect": self.dialect, "answer": self.answer.to_dict(),
                "request_sent": self.request_sent, "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Arm:
        return cls(target=str(data.get("target") or ""), protocol=str(data.get("protocol") or ""),
                   endpoint=str(data.get("endpoint") or ""), dialect=str(data.get("dialect") or ""),
                   answer=Answer.from_dict(data.get("answer") or {}),
                   request_sent=data.get("request_sent"), notes=list(data.get("notes") or []))


@dataclass
class PairRecord:
    pair_id: str
    ts: str
    source: str
    endpoint: str
    stream: bool
    request: Any
    request_hash: str
    arms: dict[str, Arm | None]
    diffs: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    content: str = "full"
    skipped: str | None = None

    def to_dict(self, content: str | None = None) -> dict[str, Any]:
        """The record as written: arms and request masked by `content` (default: its own)."""
        mode = content or self.content
        arms = {role: (arm.to_dict() if arm is not None else None)
                for role, arm in self.arms.items()}
        for arm in arms.values():
            if arm is not None:
                arm["request_sent"] = mask_value(arm["request_sent"], mode)
                arm["answer"] = _mask_answer(arm["answer"], mode)
        return {"format": FORMAT, "pair_id": self.pair_id, "ts": self.ts, "source": self.source,
                "endpoint": self.endpoint, "stream": self.stream,
                "request": mask_value(self.request, mode), "request_hash": self.request_hash,
                "arms": arms, "diffs": _mask_diffs(self.diffs, mode), "content": mode,
                "skipped": self.skipped}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PairRecord:
        arms = {role: (Arm.from_dict(a) if isinstance(a, Mapping) else None)
                for role, a in (data.get("arms") or {}).items()}
        return cls(pair_id=str(data["pair_id"]), ts=str(data.get("ts") or ""),
                   source=str(data.get("source") or ""), endpoint=str(data.get("endpoint") or ""),
                   stream=bool(data.get("stream")), request=data.get("request"),
                   request_hash=str(data.get("request_hash") or ""), arms=arms,
                   diffs=dict(data.get("diffs") or {}), content=str(data.get("content") or "full"),
                   skipped=data.get("skipped"))


def request_hash(body: Any) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(text: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "len": len(text)}


def mask_value(value: Any, mode: str, key: str | None = None) -> Any:
    """`value` with its free text masked by `mode` (see the module docstring). Strings under a
    text key (content, text, input, ...) are text; a bare string at the top is text too."""
    if mode == "full":
        return value
    if isinstance(value, str):
        if key is None or key in TEXT_KEYS:
            return _digest(value) if mode == "hash" else {"len": len(value)}
        return value
    if isinstance(value, list):
        return [mask_value(v, mode, key if key in TEXT_KEYS else "") for v in value]
    if isinstance(value, Mapping):
        return {k: mask_value(v, mode, str(k)) for k, v in value.items()}
    return value


def _mask_answer(answer: dict[str, Any], mode: str) -> dict[str, Any]:
    if mode == "full":
        return answer
    out = dict(answer)
    for key in ("content", "error_message"):
        if isinstance(out.get(key), str):
            text = out[key]
            out[key] = _digest(text) if mode == "hash" else {"len": len(text)}
    out["body"] = None
    if mode == "none":
        out["json_output"] = None
        out["tool_calls"] = [{"name": c.get("name")} for c in out.get("tool_calls") or []]
    return out


def _mask_diffs(diffs: dict[str, Any], mode: str) -> dict[str, Any]:
    """The diffs as written: in `none` mode the values at JSON / tool-argument paths (which
    `hash` keeps, like the JSON itself) become their type names; kinds and paths stay."""
    if mode != "none":
        return diffs
    out: dict[str, Any] = {}
    for role, fields in diffs.items():
        if not isinstance(fields, Mapping):
            out[role] = fields
            continue
        out[role] = {name: {**fd, "paths": [
            {**p, "primary": _type_name(p.get("primary")), "other": _type_name(p.get("other"))}
            for p in fd.get("paths") or []]} if isinstance(fd, Mapping) and name in VALUE_FIELDS
            else fd for name, fd in fields.items()}
    return out


def _type_name(value: Any) -> str | None:
    return None if value is None else type(value).__name__


class PairLog:
    """Appends pair records to DIR/pairs.jsonl, one scrubbed JSON line each, thread-safe and
    flushed per line (a killed proxy keeps every pair written)."""

    def __init__(self, folder: str | Path, content: str = "hash",
                 secrets: Sequence[str] = ()) -> None:
        if content not in CONTENT_MODES:
            raise UsageError(f"--log-content must be one of {', '.join(CONTENT_MODES)}, "
                             f"not {content!r}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / PAIRS_FILE
        self.content = content
        self.scrubber = Scrubber(secrets)  # the run's secrets + the environment's, every form
        self._lock = threading.Lock()
        # unbuffered append: each line is one write, whole even when workers share the file
        self._file = self.path.open("ab", buffering=0)
        self.written = 0

    def add_secret(self, value: str | None) -> None:
        """One more value never to be written (a client's key seen by the proxy)."""
        if value and value not in self.scrubber.secrets:
            with self._lock:
                self.scrubber = self.scrubber.with_secrets([value])

    def _line(self, data: Mapping[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
        text = self.scrubber.scrub(text)
        with self._lock:
            self._file.write((text + "\n").encode("utf-8"))

    def write(self, record: PairRecord) -> None:
        record.content = self.content
        self._line(record.to_dict(self.content))
        self.written += 1

    def write_stats(self, stats: Mapping[str, Any]) -> None:
        self._line({"format": FORMAT, "stats": dict(stats)})

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_pairs(path: str | Path, stats: list[dict[str, Any]] | None = None
               ) -> Iterator[dict[str, Any]]:
    """The records of a pair log (a pairs.jsonl or its folder), as dicts; stats lines are
    appended to `stats` when given. A line that is not JSON is a UsageError naming it."""
    path = Path(path)
    if path.is_dir():
        path = path / PAIRS_FILE
    if not path.is_file():
        raise UsageError(f"no pair log at {path}: give a shadow log folder or its {PAIRS_FILE}")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{n}: not a JSON line ({exc.msg})") from None
            if not isinstance(data, dict):
                raise UsageError(f"{path}:{n}: not a pair record (a JSON object)")
            if "stats" in data:
                if stats is not None:
                    stats.append(data["stats"])
                continue
            yield data
