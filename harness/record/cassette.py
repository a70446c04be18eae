"""Cassettes: vcrpy's cassette format (version 1), readable by vcrpy and pytest-recording users.

    {"version": 1,
     "metadata": {"harness": {suite, case, target, variant, source, recorded_at, run_id, format}},
     "interactions": [
      {"request":  {method, uri, body, headers},            # headers scrubbed of secrets
       "response": {status: {code, message}, headers, body: {string: ...}},
       "harness": {                                          # ignored by vcrpy
         "latency_ms": 412.5, "ttfb_ms": 80.1, "ttft_ms": 95.3,   # as measured when recorded
         "chunks": [[0.0801, 153], ...],    # stream chunks: offset (s), length (bytes of body)
         "repeat": 0, "turn": 1,            # the job's repeat index and turn (tool loops)
         "error": {"class": "stream_cut", "message": ...}}}]}     # the engine's error, if any

The file is YAML written in its JSON-compatible flow style: every YAML reader (vcrpy's
yamlserializer, pytest-recording, `yaml.safe_load`) loads it as the usual vcrpy v1 cassette,
and the harness loads it with the json module, 20x faster than libyaml's loader builds Python
objects (bench/replay.py). Characters a YAML reader would refuse or fold (C1 controls, DEL,
U+2028/2029, BOM) are written as \\u escapes. Reading is `record.reader`'s (the one reader of
the format, shared with the audit): a cassette in YAML block style (written by vcrpy, or
edited by hand) loads too, through libyaml.

A stream's chunks are stored as (offset, length) into the response body (vcrpy replays the
body as one block; the harness re-cuts it at the recorded boundaries), so nothing is stored
twice. A body that is not UTF-8 keeps its exact bytes in `harness.body_base64`. One cassette
per case, target and variant; repeats are successive interactions. Writing is atomic (temp
file + rename), so concurrent writers (async tasks, xdist workers) never leave a half-written
file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from harness.core.paths import contained, safe_component
from harness.record.reader import (
    CassetteError,
    CassetteFile,
    Entry,
    parse_cassette_data,
    parse_cassette_text,
    read_cassette_file,
)

# JSON text a YAML 1.1 reader refuses (non-printable) or changes (line breaks folded inside a
# quoted scalar): written as \u escapes. json.dumps already escapes U+0000..U+001F.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")

CASSETTE_FORMAT = 1
SIM_SOURCE = "reference simulator (harness.sim): not real provider traffic"


def cassette_path(root: Path, suite: str, case: str, target: str, variant: str = "") -> Path:
    """cassettes/<suite>/<case>/<provider>/<model>[__<variant>].yaml

    Each name goes through `core.paths.safe_component` (ordinary names unchanged, anything else
    rewritten with a hash suffix) and the result is checked to stay under `root`.
    """
    provider, _, model = target.partition("/")
    name = safe_component(model, forbid=("__",))
    if variant:
        name += "__" + safe_component(variant)
    parts = (safe_component(suite), safe_component(case), safe_component(provider))
    return contained(root, *parts, f"{name}.yaml")


def normalize_body(body: Any) -> str:
    """A matching key for a request body: JSON with sorted keys and no whitespace, else text."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return body
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def match_key(method: str, uri: str, body: Any) -> tuple[str, str, str]:
    """(METHOD, URI without fragment, normalised body): what a replayed request must equal."""
    return method.upper(), urldefrag(uri)[0], normalize_body(body)


def secret_hash(value: str) -> str:
    """A short, stable stand-in for a secret value (so two keys stay distinguishable)."""
    return "<filtered:" + hashlib.sha256(value.encode()).hexdigest()[:8] + ">"


@dataclass
class Interaction:
    method: str
    uri: str
    request_body: str
    request_headers: dict[str, list[str]]
    status: int
    reason: str
    response_headers: dict[str, list[str]]
    body: bytes
    latency_ms: float | None = None
    ttfb_ms: float | None = None
    ttft_ms: float | None = None
    chunks: list[tuple[float, bytes]] | None = None
    repeat: int | None = None
    turn: int | None = None
    error_class: str | None = None
    error_message: str | None = None

    @cached_property
    def key(self) -> tuple[str, str, str]:
        return match_key(self.method, self.uri, self.request_body)

    def to_dict(self) -> dict[str, Any]:
        harness: dict[str, Any] = {}
        for name in ("latency_ms", "ttfb_ms", "ttft_ms"):
            value = getattr(self, name)
            if value is not None:
                harness[name] = round(value, 3)
        if self.chunks is not None:
            if b"".join(c for _, c in self.chunks) == self.body:  # boundaries into the body
                harness["chunks"] = [[round(t, 6), len(c)] for t, c in self.chunks]
            else:  # pragma: no cover - the engine's body is always its chunks joined
                harness["chunks"] = [[round(t, 6), _text(c)] for t, c in self.chunks]
        if self.repeat is not None:
            harness["repeat"] = self.repeat
        if self.turn is not None:
            harness["turn"] = self.turn
        if self.error_class:
            harness["error"] = {"class": self.error_class, "message": self.error_message or ""}
        body, exact = _body_text(self.body)
        if not exact:
            harness["body_base64"] = base64.b64encode(self.body).decode("ascii")
        data: dict[str, Any] = {
            "request": {
                "method": self.method,
                "uri": self.uri,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": {"code": self.status, "message": self.reason},
                "headers": self.response_headers,
                "body": {"string": body},
            },
        }
        if harness:
            data["harness"] = harness
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interaction:
        """One interaction as loaded from a cassette document (see `record.reader`)."""
        return cls.from_entry(parse_cassette_data({"interactions": [data]}, Path("<dict>"))
                              .interactions[0])

    @classmethod
    def from_entry(cls, entry: Entry, path: Path | None = None) -> Interaction:
        """An interaction read by `record.reader`; replay needs a URI and a status code."""
        if not entry.uri or entry.status is None:
            missing = "uri" if not entry.uri else "status code"
            raise CassetteError(f"{path or 'cassette'}: interaction {entry.index} has no {missing}")
        return cls(
            method=entry.method,
            uri=entry.uri,
            request_body=entry.request_body,
            request_headers=entry.request_headers,
            status=entry.status,
            reason=entry.reason,
            response_headers=entry.response_headers,
            body=entry.body,
            latency_ms=entry.latency_ms,
            ttfb_ms=entry.ttfb_ms,
            ttft_ms=entry.ttft_ms,
            chunks=entry.chunks,
            repeat=entry.repeat,
            turn=entry.turn,
            error_class=entry.error_class,
            error_message=entry.error_message,
        )


@dataclass
class Cassette:
    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": 1}
        if self.metadata:
            data["metadata"] = {"harness": self.metadata}
        data["interactions"] = [i.to_dict() for i in self.interactions]
        return data

    def to_yaml(self) -> str:
        """The file's text: YAML in JSON-compatible flow style (see the module doc)."""
        text = "\n".join(_emit(self.to_data(), 0))
        return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"

    def save(self) -> None:
        """Write atomically: a temp file in the same folder, then rename over the target."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".yaml", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.to_yaml())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load_cassette(path: Path) -> Cassette:
    """Read a cassette (vcrpy format 1, with or without harness extras) with `record.reader`:
    JSON-style text with the json module, anything else with libyaml. FileNotFoundError when
    there is none, CassetteError (a ValueError) when the file is not one replay can use."""
    return _cassette(read_cassette_file(path))


def parse_cassette(text: str | bytes, path: Path) -> Cassette:
    """Like `load_cassette` for the file's text."""
    return _cassette(parse_cassette_text(text, path))


def _cassette(read: CassetteFile) -> Cassette:
    return Cassette(
        path=read.path,
        interactions=[Interaction.from_entry(e, read.path) for e in read.interactions],
        metadata=read.metadata,
    )


def _flat(value: Any) -> bool:
    """A list of scalars, or of lists of scalars (chunk pairs): written on one line."""
    return isinstance(value, list) and all(
        not isinstance(v, (dict, list)) or (isinstance(v, list) and _flat(v)) for v in value
    )


def _emit(value: Any, depth: int) -> list[str]:
    """Indented JSON, with lists of scalars (header values, chunk pairs) kept on one line and
    small dicts of scalars inline: short, diff-friendly, still plain JSON."""
    pad = " " * depth
    inner = " " * (depth + 1)
    if isinstance(value, dict) and value:
        scalars = all(not isinstance(v, (dict, list)) for v in value.values())
        inline = json.dumps(value, ensure_ascii=False)
        if scalars and len(inline) <= 80:
            return [inline]
        lines = ["{"]
        items = list(value.items())
        for n, (key, item) in enumerate(items):
            sub = _emit(item, depth + 1)
            sub[0] = f"{inner}{json.dumps(key, ensure_ascii=False)}: {sub[0].lstrip()}"
            if n < len(items) - 1:
                sub[-1] += ","
            lines += sub
        lines.append(pad + "}")
        return lines
    if isinstance(value, list) and value and not _flat(value):
        lines = ["["]
        for n, item in enumerate(value):
            sub = _emit(item, depth + 1)
            sub[0] = inner + sub[0].lstrip()
            if n < len(value) - 1:
                sub[-1] += ","
            lines += sub
        lines.append(pad + "]")
        return lines
    if isinstance(value, list) and value:
        return ["[" + ", ".join(_emit(v, depth)[0] for v in value) + "]"]
    if isinstance(value, float) and "e" in repr(value):  # YAML 1.1 reads 1e-05 as a string
        text = f"{value:.12f}".rstrip("0")
        return [text + "0" if text.endswith(".") else text]
    return [json.dumps(value, ensure_ascii=False)]


def _body_text(body: bytes) -> tuple[str, bool]:
    """(text for `body.string`, whether it holds the exact bytes)."""
    try:
        return body.decode("utf-8"), True
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace"), False


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)


