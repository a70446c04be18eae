"""pairs.parquet: the pair log flattened, one row per pair, per-arm columns.

`COLUMNS` is the one list: (name, pyarrow type name, how the value is read). Per arm
(primary, candidate, secondary: `{arm}_...`): target, protocol, dialect, status, error class,
finish reason, latency, TTFT, cost, prompt and completion tokens, tool names (comma-separated),
text length, text sha256 (hash logs), text (full logs only), JSON output (as JSON text).
Per field of `diff.FIELDS`, for the candidate and the secondary (`cand_` / `sec_`): differs
(null when the field does not apply), kind, score. pyarrow is imported lazily.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.shadow.diff import FIELDS

__all__ = ["COLUMNS", "flatten", "write_parquet"]

Getter = Callable[[Mapping[str, Any]], Any]


def _answer(record: Mapping[str, Any], role: str) -> Mapping[str, Any]:
    arm = (record.get("arms") or {}).get(role)
    return (arm.get("answer") or {}) if isinstance(arm, Mapping) else {}


def _arm(record: Mapping[str, Any], role: str) -> Mapping[str, Any]:
    arm = (record.get("arms") or {}).get(role)
    return arm if isinstance(arm, Mapping) else {}


def _text(answer: Mapping[str, Any], what: str) -> Any:
    text = answer.get("content")
    if isinstance(text, str):
        return {"len": len(text), "text": text,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}[what]
    if isinstance(text, Mapping):
        return {"len": text.get("len"), "text": None, "sha256": text.get("sha256")}[what]
    return None


def _usage(answer: Mapping[str, Any], key: str) -> Any:
    usage = answer.get("usage")
    return usage.get(key) if isinstance(usage, Mapping) else None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _arm_columns(role: str) -> list[tuple[str, str, Getter]]:
    def a(key: str) -> Getter:
        return lambda r: _answer(r, role).get(key)
    return [
        (f"{role}_target", "string", lambda r: _arm(r, role).get("target")),
        (f"{role}_protocol", "string", lambda r: _arm(r, role).get("protocol")),
        (f"{role}_dialect", "string", lambda r: _arm(r, role).get("dialect")),
        (f"{role}_status", "int64", a("status")),
        (f"{role}_error_class", "string", a("error_class")),
        (f"{role}_finish_reason", "string", a("finish_reason")),
        (f"{role}_latency_ms", "float64", a("latency_ms")),
        (f"{role}_ttft_ms", "float64", a("ttft_ms")),
        (f"{role}_cost_usd", "float64", a("cost_usd")),
        (f"{role}_prompt_tokens", "int64", lambda r: _usage(_answer(r, role), "prompt_tokens")),
        (f"{role}_completion_tokens", "int64",
         lambda r: _usage(_answer(r, role), "completion_tokens")),
        (f"{role}_tool_names", "string", lambda r: ",".join(
            str(c.get("name")) for c in _answer(r, role).get("tool_calls") or []) or None),
        (f"{role}_text_len", "int64", lambda r: _text(_answer(r, role), "len")),
        (f"{role}_text_sha256", "string", lambda r: _text(_answer(r, role), "sha256")),
        (f"{role}_text", "string", lambda r: _text(_answer(r, role), "text")),
        (f"{role}_json", "string", lambda r: _json(_answer(r, role).get("json_output"))),
    ]


def _diff_columns(role: str, prefix: str) -> list[tuple[str, str, Getter]]:
    def get(name: str, key: str) -> Getter:
        def read(r: Mapping[str, Any]) -> Any:
            diffs = (r.get("diffs") or {}).get(role)
            fd = diffs.get(name) if isinstance(diffs, Mapping) else None
            return fd.get(key) if isinstance(fd, Mapping) else None
        return read
    out = []
    for name in FIELDS:
        out += [(f"{prefix}_{name}_differs", "bool", get(name, "differs")),
                (f"{prefix}_{name}_kind", "string", get(name, "kind")),
                (f"{prefix}_{name}_score", "float64", get(name, "score"))]
    return out


COLUMNS: list[tuple[str, str, Getter]] = [
    ("pair_id", "string", lambda r: r.get("pair_id")),
    ("ts", "string", lambda r: r.get("ts")),
    ("source", "string", lambda r: r.get("source")),
    ("endpoint", "string", lambda r: r.get("endpoint")),
    ("stream", "bool", lambda r: r.get("stream")),
    ("content", "string", lambda r: r.get("content")),
    ("skipped", "string", lambda r: r.get("skipped")),
    ("request_hash", "string", lambda r: r.get("request_hash")),
    *_arm_columns("primary"), *_arm_columns("candidate"), *_arm_columns("secondary"),
    *_diff_columns("candidate", "cand"), *_diff_columns("secondary", "sec"),
]


def flatten(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Column name -> values, one per record (COLUMNS order)."""
    return {name: [get(r) for r in records] for name, _, get in COLUMNS}


def write_parquet(records: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """pairs.parquet at `path`, with the schema of COLUMNS whatever the records hold."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
             "bool": pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind, _ in COLUMNS])
    data = flatten(records)
    for name, kind, _ in COLUMNS:  # a number logged as an int where a float is due, and back
        if kind == "float64":
            data[name] = [None if v is None else float(v) for v in data[name]]
        elif kind == "int64":
            data[name] = [None if v is None else int(v) for v in data[name]]
    table = pa.Table.from_pydict(data, schema=schema)
    path = Path(path)
    pq.write_table(table, path)
    return path
