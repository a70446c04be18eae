"""The reference simulator: an aiohttp server speaking the Mistral or the OpenAI-compatible
gateway dialect of chat completions, faithful to recorded real traffic.

    from harness.sim import FaultConfig, SimConfig, SimServer

    with SimServer(SimConfig(dialect="mistral", latency_ms=20)) as srv:
        ...  # POST f"{srv.url}/chat/completions" with "Authorization: Bearer sim-key"

Control headers: ``x-sim-fault``, ``x-sim-fail-first`` + ``x-sim-key``, ``x-sim-latency-ms``
(see `harness.sim.faults`). `serve` runs one in the foreground for ``harness simulate``.
"""

from __future__ import annotations

from harness.sim.app import build_app
from harness.sim.config import FAULT_KINDS, SIM_DIALECTS, FaultConfig, SimConfig
from harness.sim.envelopes import mask_key
from harness.sim.server import SimServer, serve
from harness.sim.stats import StatsSnapshot

__all__ = [
    "FAULT_KINDS",
    "SIM_DIALECTS",
    "FaultConfig",
    "SimConfig",
    "SimServer",
    "StatsSnapshot",
    "build_app",
    "mask_key",
    "serve",
]
