"""Synthetic result rows for the report tests (shaped like checks.evaluate's rows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.core.columns import COLUMN_NAMES
from harness.engine.results import ResultWriter, write_meta


def row(
    case: str,
    target: str = "p/a",
    *,
    suite: str = "s",
    passed: bool = True,
    variant: str = "",
    repeat: int = 0,
    repeats: int = 1,
    latency_ms: float | None = 100.0,
    status_code: int | None = 200,
    cost_usd: float | None = 0.001,
    failures: list[dict[str, Any]] | None = None,
    run_id: str = "run-a",
    **extra: Any,
) -> dict[str, Any]:
    if not passed and failures is None:
        failures = [{"check": "contains", "title": "content does not contain 'zebra'",
                     "expected": "zebra", "received": "a horse"}]
    provider, _, model = target.partition("/")
    parts = [suite, case, target] + ([variant] if variant else []) + (
        [f"r{repeat}"] if repeats > 1 else [])
    out: dict[str, Any] = {name: None for name in COLUMN_NAMES}
    out.update({
        "run_id": run_id, "suite": suite, "case": case, "target": target,
        "provider": provider, "model": model, "dialect": "openai", "endpoint": "chat",
        "stream": False, "variant": variant, "repeat": repeat, "mode": "live",
        "status_code": status_code, "passed": passed, "failures": failures or [],
        "error_class": None if status_code is not None and status_code < 400 else (
            "transport" if status_code is None else "validation"),
        "error_message": None if status_code is not None else "connect failed",
        "latency_ms": latency_ms, "ttft_ms": None if latency_ms is None else latency_ms / 4,
        "prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30,
        "cost_usd": cost_usd, "attempts": 1, "finish_reason": "stop",
        "checks": ["status", "contains"], "job_id": "::".join(parts), "tags": ["t1"],
        "started_at": "2026-01-01T00:00:00.000+00:00",
        "request_sent": {"model": model, "messages": [{"role": "user", "content": "hi"}]},
        "response_excerpt": '{"choices": []}',
        "reproduce": "curl https://example.invalid -H 'Authorization: Bearer $KEY'",
    })
    out.update(extra)
    return out


def write_run(out: Path, run_id: str, rows: list[dict[str, Any]],
              targets: list[str] | None = None, **meta: Any) -> Path:
    run_dir = out / run_id
    run_dir.mkdir(parents=True)
    with ResultWriter(run_dir) as w:
        for r in rows:
            w.write({**r, "run_id": run_id})
    write_meta(run_dir, {
        "run_id": run_id, "status": "complete",
        "targets": targets or list(dict.fromkeys(r["target"] for r in rows)),
        "suites": ["suites/s.yaml"], **meta,
    })
    return run_dir


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
