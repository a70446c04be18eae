"""Cassettes: vcrpy's YAML format (version 1), readable by vcrpy and pytest-recording users.

    version: 1
    interactions:
    - request:  {method, uri, body, headers}          # headers scrubbed of secrets
      response: {status: {code, message}, headers, body: {string: ...}}
      harness:                                        # ignored by vcrpy
        latency_ms: 412.5                             # as measured when recorded
        ttfb_ms: 80.1
        ttft_ms: 95.3
        chunks: [[0.0801, "data: {...}\\n\\n"], ...]   # stream chunks and their offsets (s)
    metadata:                                         # vcrpy keeps it as-is
      harness: {suite, case, target, variant, source, recorded_at, format}

One cassette per case, target and variant; repeats are successive interactions. The loader
uses libyaml's C loader when present; writing is atomic (temp file + rename), so concurrent
writers (async tasks, xdist workers) never leave a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import yaml

try:  # libyaml: an order of magnitude faster than the pure-Python loader
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in the pinned wheels
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

CASSETTE_FORMAT = 1
SIM_SOURCE = "reference simulator (harness.sim): not real provider traffic"
_SAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def cassette_path(root: Path, suite: str, case: str, target: str, variant: str = "") -> Path:
    """cassettes/<suite>/<case>/<provider>/<model>[__<variant>].yaml"""
    provider, _, model = target.partition("/")
    name = _SAFE.sub("_", model)
    if variant:
        name += "__" + _SAFE.sub("_", variant)
    return root / _SAFE.sub("_", suite) / _SAFE.sub("_", case) / _SAFE.sub("_", provider) / f"{name}.yaml"


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

    @property
    def key(self) -> tuple[str, str, str]:
        return match_key(self.method, self.uri, self.request_body)

    def to_dict(self) -> dict[str, Any]:
        harness: dict[str, Any] = {}
        for name in ("latency_ms", "ttfb_ms", "ttft_ms"):
            value = getattr(self, name)
            if value is not None:
                harness[name] = round(value, 3)
        if self.chunks is not None:
            harness["chunks"] = [[round(t, 6), _text(c)] for t, c in self.chunks]
        data: dict[str, Any] = {
            "request": {
                "body": self.request_body,
                "headers": self.request_headers,
                "method": self.method,
                "uri": self.uri,
            },
            "response": {
                "body": {"string": _text(self.body)},
                "headers": self.response_headers,
                "status": {"code": self.status, "message": self.reason},
            },
        }
        if harness:
            data["harness"] = harness
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interaction:
        req = data["request"]
        resp = data["response"]
        meta = data.get("harness") or {}
        chunks = meta.get("chunks")
        return cls(
            method=str(req.get("method", "POST")),
            uri=str(req["uri"]),
            request_body=_text(req.get("body") or ""),
            request_headers=dict(req.get("headers") or {}),
            status=int(resp["status"]["code"]),
            reason=str(resp["status"].get("message", "")),
            response_headers=dict(resp.get("headers") or {}),
            body=_bytes((resp.get("body") or {}).get("string", "")),
            latency_ms=meta.get("latency_ms"),
            ttfb_ms=meta.get("ttfb_ms"),
            ttft_ms=meta.get("ttft_ms"),
            chunks=[(float(t), _bytes(c)) for t, c in chunks] if chunks is not None else None,
        )


@dataclass
class Cassette:
    path: Path
    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_yaml(self) -> str:
        data: dict[str, Any] = {
            "interactions": [i.to_dict() for i in self.interactions],
            "version": 1,
        }
        if self.metadata:
            data["metadata"] = {"harness": self.metadata}
        return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)

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
    """Read a cassette (vcrpy format 1, with or without harness extras)."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    if not isinstance(data, dict) or "interactions" not in data:
        raise ValueError(f"{path}: not a vcrpy cassette (no 'interactions')")
    meta = (data.get("metadata") or {}).get("harness") or {}
    return Cassette(
        path=path,
        interactions=[Interaction.from_dict(i) for i in data["interactions"]],
        metadata=dict(meta),
    )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="surrogateescape")
    return str(value)


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", errors="surrogateescape")
