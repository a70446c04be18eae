"""The shadow worker processes over real HTTP: the pairs are written by the workers, their
counters merged into the proxy's stats, a killed worker costs its pairs only (counted
`shadow_errors`, restarted) and the clients are served throughout. No timed assertions: the
waits poll until a state is reached."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.shadow.pairs import read_pairs
from harness.shadow.proxy import LocalShadows
from harness.shadow.worker import WorkerPool
from harness.sim import FaultConfig, SimConfig, SimServer
from tests.shadow.conftest import (
    CAND_KEY,
    CLIENT_KEY,
    chat_body,
    providers_file,
    start_proxy,
    wait_pairs,
)

pytestmark = pytest.mark.usefixtures("cand_env")
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}


def wait_stats(url: str, ok: Any, timeout_s: float = 30.0) -> dict[str, Any]:
    """The proxy's stats once `ok(stats)` holds (a wait, not a timed assertion)."""
    deadline = time.monotonic() + timeout_s
    stats: dict[str, Any] = {}
    while time.monotonic() < deadline:
        stats = httpx.get(url + "/__shadow/stats", timeout=10).json()
        if ok(stats):
            return stats
        time.sleep(0.02)
    raise AssertionError(f"stats never reached the state: {stats}")


def _post(url: str) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", json=chat_body(), headers=AUTH, timeout=30)


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_pairs_written_and_counters_merged(tmp_path: Path, prim_sim: SimServer,
                                           cand_sim: SimServer, workers: int) -> None:
    providers = providers_file(tmp_path / "p.yaml", prim_sim.url, cand_sim.url)
    with start_proxy(tmp_path, providers, shadow_workers=workers, secondary_share=1.0) as proxy:
        shadows = proxy.proxy.shadows
        assert isinstance(shadows, WorkerPool if workers else LocalShadows)
        if workers:
            assert len(shadows.workers) == workers
            assert all(w.proc.pid != os.getpid() for w in shadows.workers)
        for _ in range(4):
            assert _post(proxy.url).status_code == 200
        pairs = wait_pairs(tmp_path / "log", 4)
        stats = wait_stats(proxy.url, lambda s: s["pairs_written"] == 4)
    assert stats["mirrored"] == 4 and stats["secondary_sent"] == 4 and stats["in_flight"] == 0
    assert stats["shadow_errors"] == 0 and stats["handoff"]["count"] == 4
    assert len({p["pair_id"] for p in pairs}) == 4
    assert all(p["arms"]["candidate"]["answer"]["status"] == 200 for p in pairs)
    final: list[dict] = []
    list(read_pairs(tmp_path / "log", final))
    (line,) = final  # one stats line, with the workers' counters
    assert line["pairs_written"] == 4 and line["requests"] == 4
    assert proxy.final is not None and proxy.final["options"]["shadow_workers"] == workers


def test_killed_worker_clients_still_served(tmp_path: Path, prim_sim: SimServer) -> None:
    hanging = SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY},
                                  faults=FaultConfig(rate=1.0, kinds=("timeout",), hang_s=60)))
    with hanging:
        providers = providers_file(tmp_path / "p.yaml", prim_sim.url, hanging.url)
        with start_proxy(tmp_path, providers, shadow_timeout_s=60.0, grace_s=0.2,
                         shadow_workers=1) as proxy:
            assert _post(proxy.url).status_code == 200
            pool = proxy.proxy.shadows
            assert isinstance(pool, WorkerPool)
            wait_stats(proxy.url, lambda s: s["in_flight"] == 1)
            os.kill(pool.workers[0].proc.pid, signal.SIGKILL)
            lost = wait_stats(proxy.url, lambda s: s["shadow_errors"] == 1)
            for _ in range(3):  # served while the new worker starts
                assert _post(proxy.url).status_code == 200
            after = wait_stats(proxy.url, lambda s: s["mirrored"] == 4)
        final = proxy.final
    assert lost["worker_restarts"] == 1 and lost["in_flight"] == 0
    assert after["requests"] == 4 and after["primary_errors"] == 0
    assert final is not None and final["shadow_cancelled"] == 3  # the new worker's, at the end
    stats: list[dict] = []
    assert list(read_pairs(tmp_path / "log", stats)) == []
    assert stats[0]["shadow_errors"] == 1  # written by the restarted worker
