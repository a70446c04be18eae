"""The reference simulator: an aiohttp server speaking the Mistral or the OpenAI-compatible
gateway dialect, faithful to recorded real traffic.

    from harness.sim import FaultConfig, SimConfig, SimServer

    with SimServer(SimConfig(dialect="mistral", latency_ms=20)) as srv:
        ...  # POST f"{srv.url}/chat/completions" with "Authorization: Bearer sim-key"

Endpoints (under /v1): ``chat/completions`` and ``models`` on both dialects; the gateway
(dialect "openai") also serves ``responses`` (OpenAI Responses shape) and ``messages``
(Anthropic Messages shape: ``x-api-key`` or Bearer, ``anthropic-version`` required). Every
endpoint streams in its own format, takes images in its own form (`harness.sim.images` has the
token rule) and answers errors in its own envelope.

Control headers: ``x-sim-fault`` (`FAULT_KINDS`), ``x-sim-fail-first`` + ``x-sim-key``,
``x-sim-latency-ms``, ``x-sim-first-token-ms``, ``x-sim-chunk-delay-ms`` (see
`harness.sim.faults` and `harness.sim.streaming`). `serve` runs one in the foreground for
``harness simulate``.
"""

from __future__ import annotations

from harness.sim.app import build_app
from harness.sim.config import (
    FAULT_KINDS,
    SIM_DIALECTS,
    STREAM_FAULT_KINDS,
    FaultConfig,
    SimConfig,
)
from harness.sim.envelopes import mask_key
from harness.sim.server import SimServer, serve
from harness.sim.stats import StatsSnapshot

__all__ = [
    "FAULT_KINDS",
    "SIM_DIALECTS",
    "STREAM_FAULT_KINDS",
    "FaultConfig",
    "SimConfig",
    "SimServer",
    "StatsSnapshot",
    "build_app",
    "mask_key",
    "serve",
]
