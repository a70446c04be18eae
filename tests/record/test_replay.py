"""Record from the reference simulator over HTTP, then replay without it: same rows, offline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import harness.engine.transport as transport_mod
from harness.record.cassette import load_cassette
from harness.record.store import CassetteStore
from harness.sim import FaultConfig, SimConfig, SimServer

from .support import jobs_from, run, same_rows, sim_target

MIXED = """
suite: mixed
defaults:
  request: {max_tokens: 64, temperature: 0}
cases:
  - id: plain
    request: {messages: [{role: user, content: Say hello.}]}
    expect: [{status: 200}, {usage: }, {regex: '\\w+'}, {latency_ms: {max: 60000}}]
  - id: repeated
    repeat: 3
    request: {seed: 7, messages: [{role: user, content: Pick a word.}]}
    expect: [{same_across_repeats: }]
  - id: wrong_key
    request: {auth: invalid, messages: [{role: user, content: hi}]}
    expect: [{status: 401}, {error_envelope: {class: auth}}]
  - id: tool
    request:
      tool_choice: required
      tools:
        - type: function
          function:
            name: get_weather
            parameters: {type: object, properties: {city: {type: string}}, required: [city]}
      messages: [{role: user, content: Weather in Oslo?}]
    expect: [{tool_call: get_weather}]
  - id: chat_stream
    request: {stream: true, stream_options: {include_usage: true},
              messages: [{role: user, content: Stream something.}]}
    expect: [{stream: {usage: true}}, {ttft_ms: {max: 60000}}]
  - id: messages_stream
    request: {endpoint: messages, stream: true, messages: [{role: user, content: Stream it.}]}
    expect: [{stream: }, {finish_reason: [stop, length]}]
  - id: loop
    request:
      tool_choice: auto
      tools:
        - type: function
          function:
            name: get_weather
            parameters: {type: object, properties: {city: {type: string}}, required: [city]}
      messages: [{role: user, content: What is the weather in Lagos?}]
    tool_loop: {results: {get_weather: {temp_c: 31}}, max_turns: 4}
    expect_each_turn: [{status: 200}]
    expect: [{finish_reason: stop}]
"""


def test_record_then_replay_gives_the_same_rows_with_the_simulator_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassettes = tmp_path / "cassettes"
    with SimServer(SimConfig(dialect="openai")) as sim:
        jobs = jobs_from(MIXED, [sim_target(sim.url)])
        recorded = run(jobs, "record", cassettes)
        requests = sim.stats.total
    assert all(r["passed"] for r in recorded), [r["failures"] for r in recorded if not r["passed"]]
    assert {r["mode"] for r in recorded} == {"record"}
    loop = next(r for r in recorded if r["case"] == "loop")
    assert loop["turns"] >= 2
    assert requests == len(jobs) + loop["turns"] - 1
    # one cassette per case (repeats inside it), written under the suite/case/provider/model path
    paths = sorted(p.relative_to(cassettes).as_posix() for p in cassettes.rglob("*.yaml"))
    assert paths == sorted(f"mixed/{c}/empiriolabs/mistral-medium-3-1.yaml" for c in (
        "plain", "repeated", "wrong_key", "tool", "chat_stream", "messages_stream", "loop"))
    rep = load_cassette(cassettes / "mixed/repeated/empiriolabs/mistral-medium-3-1.yaml")
    assert [i.repeat for i in rep.interactions] == [0, 1, 2]

    # the simulator is stopped, and no HTTP client may even be created
    def no_client(*a: object, **k: object) -> None:
        raise AssertionError("a replay-only run created an HTTP client")

    monkeypatch.setattr(transport_mod, "make_client", no_client)
    t0 = time.perf_counter()
    replayed = run(jobs, "replay", cassettes, key=None)
    assert time.perf_counter() - t0 < 5
    same_rows(recorded, replayed)
    assert {r["mode"] for r in replayed} == {"replay"}
    for rec, rep_row in zip(recorded, replayed, strict=True):
        assert rep_row["attempts"] == 1
        assert rep_row["cassette"] == rec["cassette"] and rep_row["cassette"].endswith(".yaml")
        # not paced: the row reports the timings measured when recording
        assert rep_row["latency_ms"] == pytest.approx(rec["latency_ms"], abs=0.01)
        assert rep_row["ttft_ms"] == pytest.approx(rec["ttft_ms"], abs=0.01)
        assert rep_row["recorded_latency_ms"] == pytest.approx(rec["latency_ms"], abs=0.01)
    assert next(r for r in replayed if r["case"] == "loop")["turns"] == loop["turns"]


def test_streams_replay_chunk_by_chunk_with_recorded_offsets(tmp_path: Path) -> None:
    cassettes = tmp_path / "c"
    cfg = SimConfig(dialect="openai", first_token_ms=60, chunk_delay_ms=4)
    suite = """
suite: s
cases:
  - id: chat_stream
    request: {stream: true, max_tokens: 24, messages: [{role: user, content: Stream it.}]}
    expect: [{stream: }, {ttft_ms: {min: 50, max: 5000}}]
"""
    with SimServer(cfg) as sim:
        jobs = jobs_from(suite, [sim_target(sim.url)])
        (rec,) = run(jobs, "record", cassettes)
    assert rec["passed"], rec["failures"]
    (inter,) = load_cassette(CassetteStore(cassettes).path(jobs[0])).interactions
    assert inter.chunks is not None and len(inter.chunks) > 3  # the boundaries as received
    assert b"".join(c for _, c in inter.chunks) == inter.body
    assert inter.ttft_ms == pytest.approx(rec["ttft_ms"], abs=0.01)

    (rep,) = run(jobs, "replay", cassettes)
    assert rep["passed"], rep["failures"]
    assert rep["ttft_ms"] == pytest.approx(rec["ttft_ms"], abs=0.01) and rep["ttft_ms"] >= 50
    assert rep["itl_ms"] == pytest.approx(rec["itl_ms"], abs=0.01)
    assert rep["stream_events"] == rec["stream_events"]

    # paced: handed over at the recorded offsets, so it takes about as long as recorded
    t0 = time.perf_counter()
    (paced,) = run(jobs, "replay", cassettes, pace=True)
    took_ms = (time.perf_counter() - t0) * 1000
    assert paced["passed"], paced["failures"]
    assert took_ms >= inter.latency_ms * 0.9  # type: ignore[operator]
    assert paced["ttft_ms"] == pytest.approx(rec["ttft_ms"], abs=40)
    assert paced["recorded_latency_ms"] == pytest.approx(inter.latency_ms, abs=0.01)


def test_a_recorded_broken_stream_replays_as_broken(tmp_path: Path) -> None:
    cfg = SimConfig(dialect="openai", faults=FaultConfig(rate=1.0, kinds=("stream_cut",)))
    suite = """
suite: s
cases:
  - id: cut
    request: {stream: true, max_tokens: 32, messages: [{role: user, content: Stream it.}]}
    expect: [{stream: }]
"""
    with SimServer(cfg) as sim:
        jobs = jobs_from(suite, [sim_target(sim.url)])
        (rec,) = run(jobs, "record", tmp_path)
    assert not rec["passed"] and rec["error_class"] == "stream_cut"
    (rep,) = run(jobs, "replay", tmp_path)
    assert (rep["passed"], rep["error_class"], rep["error_message"]) == (
        False, "stream_cut", rec["error_message"])
    assert rep["failures"] == rec["failures"]


def test_many_tasks_record_distinct_cassettes_in_repeat_order(tmp_path: Path) -> None:
    cases = "\n".join(
        f"  - id: c{i}\n    repeat: 3\n    request: {{messages: [{{role: user, content: q{i}}}]}}"
        for i in range(25)
    )
    with SimServer(SimConfig(dialect="mistral", latency_ms=5, jitter_ms=5, seed=3)) as sim:
        jobs = jobs_from(f"suite: many\ncases:\n{cases}\n", [sim_target(sim.url, "mistral")])
        rows = run(jobs, "record", tmp_path, concurrency=16)
    assert len(rows) == 75 and all(r["passed"] for r in rows)
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == 25
    for path in files:
        c = load_cassette(path)
        assert [i.repeat for i in c.interactions] == [0, 1, 2]
        assert c.metadata["case"] == path.parent.parent.name
    assert not list(tmp_path.rglob(".tmp-*"))  # no temp file left behind
    same_rows(rows, run(jobs, "replay", tmp_path))


def test_record_rewrites_and_auto_records_only_what_is_missing(tmp_path: Path) -> None:
    one = "suite: s\ncases:\n  - id: a\n    request: {messages: [{role: user, content: %s}]}\n"
    two = one + "  - id: b\n    request: {messages: [{role: user, content: other}]}\n"
    with SimServer(SimConfig(dialect="openai")) as sim:
        target = sim_target(sim.url)
        run(jobs_from(one % "first", [target]), "record", tmp_path, run_id="first")
        path = next(tmp_path.rglob("*.yaml"))
        assert "first" in load_cassette(path).interactions[0].request_body
        # the suite changed: replay and auto report it stale, they never re-record silently
        changed = jobs_from(one % "second", [target])
        (stale,) = run(changed, "auto", tmp_path)
        assert stale["error_class"] == "stale_cassette" and sim.stats.total == 1
        # --mode record rewrites it
        (rec,) = run(changed, "record", tmp_path, run_id="second")
        inter = load_cassette(path).interactions
        assert len(inter) == 1 and "second" in inter[0].request_body
        assert load_cassette(path).metadata["run_id"] == "second"
        # auto: a new case is recorded, the recorded one replayed
        before = sim.stats.total
        rows = run(jobs_from(two % "second", [target]), "auto", tmp_path)
        assert [r["mode"] for r in rows] == ["replay", "record"]
        assert all(r["passed"] for r in rows) and sim.stats.total == before + 1
        assert rec["passed"]
