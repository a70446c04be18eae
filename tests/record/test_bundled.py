"""The bundled cassettes: every job of suites/ on both seed targets replays and passes, offline.

When this fails with stale_cassette / no_recording, a suite changed without its cassettes:
re-record them with
    harness run suites/ --target mistral/mistral-medium-3.5 \\
        --target empiriolabs/mistral-medium-3-1 --simulate --mode record
"""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.engine.transport as transport_mod
from harness.core.loop import run as run_loop
from harness.core.row import check_row
from harness.providers.catalogue import load_catalogue
from harness.record.cassette import SIM_SOURCE, load_cassette
from harness.record.store import CassetteStore
from harness.suite import expand, load_suites
from tests.engine.runs import run_jobs

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
TARGETS = ("mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1")


def test_bundled_cassettes_replay_every_bundled_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # image paths in suites are relative to the suite or the cwd
    monkeypatch.setattr(transport_mod, "make_client", None)  # a replay never makes a client
    catalogue = load_catalogue([])
    jobs = expand(load_suites([ROOT / "suites"]), [catalogue.resolve(t) for t in TARGETS])
    rows = run_loop(run_jobs(jobs, run_id="bundled", mode="replay", cassette_dir=CASSETTES))
    failed = [(r["job_id"], r["error_class"], r["error_message"]) for r in rows if not r["passed"]]
    assert not failed, failed[0]
    assert {r["mode"] for r in rows} == {"replay"}
    assert [p for r in rows for p in check_row(r)] == []  # every row keeps the column contract
    assert all(r["recorded_latency_ms"] is not None for r in rows)

    store = CassetteStore(CASSETTES)
    used = {store.path(job) for job in jobs}
    files = set(CASSETTES.rglob("*.yaml"))
    assert files == used, f"cassettes no job uses: {sorted(map(str, files - used))[:5]}"
    for path in files:  # they say where they come from
        assert load_cassette(path).metadata["source"] == SIM_SOURCE, path
    assert sum(p.stat().st_size for p in files) < 1_000_000
