"""Replay: captured items through the arms into the same pair log, recorded answers standing
for the primary, on the session's loop and client, offline with --simulate."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness.session.settings import RunSettings
from harness.shadow.pairs import read_pairs
from harness.shadow.replay import ReplayOptions, replay
from harness.sim import SimServer
from tests.shadow.conftest import CAND_KEY, CLIENT_KEY, chat_body, providers_file

pytestmark = pytest.mark.usefixtures("cand_env")
ROLES = {"primary": "prim/mistral-medium-3.5", "candidate": "cand/mistral-medium-3-1",
         "secondary": "prim/mistral-medium-3.5"}


def _item(n: int, recorded: Any = None) -> SimpleNamespace:
    return SimpleNamespace(ref=f"item{n}", endpoint="chat", path="/v1/chat/completions",
                           dialect="mistral", body=chat_body(random_seed=n), recorded=recorded)


def _settings(tmp_path: Path, providers: Path | None = None, **kw: Any) -> RunSettings:
    return RunSettings(providers=(str(providers),) if providers else (), out=str(tmp_path / "log"),
                       retries=0, concurrency=4, **kw)


def test_replay_sends_each_item_to_the_arms(tmp_path: Path, prim_sim: SimServer,
                                            cand_sim: SimServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_TEST_PRIM_KEY", CLIENT_KEY)
    providers = providers_file(tmp_path / "p.yaml", prim_sim.url, cand_sim.url)
    stats = replay([_item(n) for n in range(6)], ROLES, _settings(tmp_path, providers),
                   ReplayOptions(secondary_share=0.5, seed=1), content="full")
    pairs = list(read_pairs(tmp_path / "log"))
    assert stats["items"] == 6 and stats["pairs_written"] == 6 == len(pairs)
    assert len({p["pair_id"] for p in pairs}) == 6 and all(p["source"] == "replay" for p in pairs)
    assert all(p["arms"]["primary"]["answer"]["status"] == 200 for p in pairs)
    assert all(p["arms"]["candidate"]["answer"]["status"] == 200 for p in pairs)
    assert all(p["arms"]["candidate"]["request_sent"]["seed"] is not None for p in pairs)
    assert sum(p["arms"]["secondary"] is not None for p in pairs) == stats["secondary_sent"] > 0
    assert (tmp_path / "log" / "run.json").is_file()


def test_a_recorded_answer_stands_for_the_primary(tmp_path: Path, prim_sim: SimServer,
                                                  cand_sim: SimServer) -> None:
    r = httpx.post(prim_sim.url + "/chat/completions", json=chat_body(),
                   headers={"Authorization": f"Bearer {CLIENT_KEY}"}, timeout=10)
    rec = SimpleNamespace(status=200, headers=dict(r.headers), body=r.content, latency_ms=40.0)
    providers = providers_file(tmp_path / "p.yaml", "http://127.0.0.1:9/v1", cand_sim.url)
    stats = replay([_item(1, rec)], ROLES, _settings(tmp_path, providers),
                   ReplayOptions(secondary_share=0.0), content="full")
    (pair,) = read_pairs(tmp_path / "log")
    primary = pair["arms"]["primary"]
    assert stats["recorded_primary"] == 1 and primary["notes"] == ["recorded answer (item1)"]
    assert primary["answer"]["latency_ms"] == 40.0 and primary["answer"]["body"] == r.text
    assert pair["arms"]["candidate"]["answer"]["status"] == 200  # its key: CAND_KEY
    assert CAND_KEY.encode() not in (tmp_path / "log" / "pairs.jsonl").read_bytes()


def test_replay_simulated_is_offline(tmp_path: Path) -> None:
    roles = {"primary": "mistral/mistral-medium-3.5", "candidate": "empiriolabs/mistral-medium-3-1",
             "secondary": "mistral/mistral-medium-3.5"}
    stats = replay([_item(n) for n in range(3)], roles, _settings(tmp_path, simulate=True,
                   sim_latency_ms=0.0), ReplayOptions(secondary_share=1.0), content="hash")
    pairs = list(read_pairs(tmp_path / "log"))
    assert stats["pairs_written"] == 3 and stats["candidate_errors"] == 0
    assert {p["arms"]["candidate"]["target"] for p in pairs} == {"sim-empiriolabs/mistral-medium-3-1"}
    assert all(p["arms"]["secondary"]["answer"]["status"] == 200 for p in pairs)
