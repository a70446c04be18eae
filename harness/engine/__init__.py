"""Engine: async execution of jobs (transport, retries, runner) and the run folder (results).

Names are imported lazily so that `import harness.engine` (and the CLI's startup) does not pay
for aiohttp/httpx until a run actually starts.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AiohttpTransport": "harness.engine.transport",
    "EngineClient": "harness.engine.transport",
    "make_client": "harness.engine.transport",
    "stock_transport": "harness.engine.transport",
    "RetryPolicy": "harness.engine.retry",
    "NO_RETRY": "harness.engine.retry",
    "backoff_delay": "harness.engine.retry",
    "parse_retry_after": "harness.engine.retry",
    "execute": "harness.engine.runner",
    "run_jobs": "harness.engine.runner",
    "RunDir": "harness.engine.results",
    "ResultWriter": "harness.engine.results",
    "create_run_dir": "harness.engine.results",
    "new_run_id": "harness.engine.results",
    "write_meta": "harness.engine.results",
    "read_meta": "harness.engine.results",
    "read_results": "harness.engine.results",
    "iter_results": "harness.engine.results",
    "mask_argv": "harness.engine.results",
}

__all__ = [
    "NO_RETRY",
    "AiohttpTransport",
    "EngineClient",
    "ResultWriter",
    "RetryPolicy",
    "RunDir",
    "backoff_delay",
    "create_run_dir",
    "execute",
    "iter_results",
    "make_client",
    "mask_argv",
    "new_run_id",
    "parse_retry_after",
    "read_meta",
    "read_results",
    "run_jobs",
    "stock_transport",
    "write_meta",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
