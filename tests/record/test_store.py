"""CassetteStore: plans, lookups, the exact miss / stale messages, and safe concurrent writes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.core.models import Job
from harness.record.cassette import Cassette, Interaction, load_cassette, match_key
from harness.record.store import CassetteStore, Miss

from .support import jobs_from, sim_target

ROOT = Path(__file__).resolve().parents[2]
URL = "http://127.0.0.1:9/v1"
SUITE = """
suite: s
cases:
  - id: greet
    repeat: 2
    request: {max_tokens: 8, messages: [{role: user, content: hello there}]}
"""


def _jobs() -> list[Job]:
    return jobs_from(SUITE, [sim_target(URL)])


def _inter(body: str, repeat: int | None = None, text: str = "ok") -> Interaction:
    return Interaction(
        method="POST", uri=URL + "/chat/completions", request_body=body, request_headers={},
        status=200, reason="OK", response_headers={}, body=text.encode(), latency_ms=5.0,
        repeat=repeat, turn=1 if repeat is not None else None,
    )


def _body(content: str) -> str:
    return json.dumps({"model": "mistral-medium-3-1", "messages": [
        {"role": "user", "content": content}], "max_tokens": 8})


def test_paths_and_auto_plan(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    jobs = _jobs()
    assert store.path(jobs[0]) == store.path(jobs[1]) == (
        tmp_path / "s" / "greet" / "empiriolabs" / "mistral-medium-3-1.yaml")
    assert store.plan(jobs, "auto") == ["record", "record"]
    Cassette(store.path(jobs[0]), [_inter(_body("hello there"), 0)]).save()
    assert store.plan(jobs, "auto") == ["replay", "replay"]  # a cassette is never split
    assert store.plan(jobs, "live") == ["live", "live"]
    with pytest.raises(ValueError, match="mode must be one of live, record, replay, auto"):
        store.plan(jobs, "playback")


def test_no_recording_message(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    job = _jobs()[0]
    miss = store.lookup(job, match_key("POST", URL + "/chat/completions", _body("hello there")))
    assert miss == Miss(
        "no_recording",
        "no recording for case greet on target empiriolabs/mistral-medium-3-1 (cassette "
        f"{tmp_path}/s/greet/empiriolabs/mistral-medium-3-1.yaml): record it with "
        "`harness run suite.yaml --target empiriolabs/mistral-medium-3-1 --mode record`",
    )


def test_repeats_replay_their_own_recording_and_a_changed_request_is_stale(
    tmp_path: Path,
) -> None:
    store = CassetteStore(tmp_path)
    jobs = _jobs()
    path = store.path(jobs[0])
    body = _body("hello there")
    Cassette(path, [_inter(body, 1, "second"), _inter(body, 0, "first")]).save()
    key = match_key("POST", URL + "/chat/completions#ignored", json.loads(body))
    first, second = (store.lookup(job, key) for job in jobs)
    assert isinstance(first, Interaction) and first.body == b"first"
    assert isinstance(second, Interaction) and second.body == b"second"

    changed = match_key("POST", URL + "/chat/completions", _body("hello world"))
    miss = store.lookup(jobs[0], changed)
    assert isinstance(miss, Miss) and miss.error_class == "stale_cassette"
    head, diff = miss.message.split("\n", 1)
    assert head == (
        "stale cassette for case greet on target empiriolabs/mistral-medium-3-1 (cassette "
        f"{path}): the request the suite makes now (repeat 0) matches none of the 2 recorded; "
        "closest recorded request: interaction 1 (similarity 0.96)"
    )
    assert diff.splitlines() == [
        "--- recorded",
        "+++ suite now",
        "@@ -4,3 +4,3 @@",
        "   {",
        '-   "content": "hello there",',
        '+   "content": "hello world",',
        '    "role": "user"',
        ("re-record it with `harness run suite.yaml --target empiriolabs/mistral-medium-3-1 "
         "--mode record`"),
    ]
    # more repeats than recorded: stale too, never a silent re-use of another repeat
    more = jobs_from(SUITE.replace("repeat: 2", "repeat: 3"), [sim_target(URL)])
    miss = CassetteStore(tmp_path).lookup(more[2], key)
    assert isinstance(miss, Miss) and miss.message.startswith(
        "stale cassette for case greet on target empiriolabs/mistral-medium-3-1 (cassette ")
    assert "it holds 2 recording(s) of this request but none for repeat 2" in miss.message


def test_a_cassette_written_by_vcrpy_replays_in_order(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    jobs = _jobs()
    body = _body("hello there")
    path = store.path(jobs[0])
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(f"""\
        interactions:
        - request:
            body: '{body}'
            headers: {{}}
            method: POST
            uri: {URL}/chat/completions
          response:
            body: {{string: one}}
            headers: {{content-type: [application/json]}}
            status: {{code: 200, message: OK}}
        - request:
            body: '{body}'
            headers: {{}}
            method: POST
            uri: {URL}/chat/completions
          response:
            body: {{string: two}}
            headers: {{}}
            status: {{code: 200, message: OK}}
        version: 1
        """))
    key = match_key("POST", URL + "/chat/completions", body)
    got = [store.lookup(job, key) for job in jobs]
    assert [g.body for g in got if isinstance(g, Interaction)] == [b"one", b"two"]


def test_an_unreadable_cassette_is_reported(tmp_path: Path) -> None:
    store = CassetteStore(tmp_path)
    job = _jobs()[0]
    path = store.path(job)
    path.parent.mkdir(parents=True)
    path.write_text("interactions: [unclosed\n")
    miss = store.lookup(job, ("POST", URL, ""))
    assert isinstance(miss, Miss) and miss.error_class == "bad_cassette"
    assert miss.message.startswith(f"cassette {path} cannot be read (")


def _record(store: CassetteStore, job: Job, text: str) -> None:
    store.begin([job], ["record"])
    store.add(job, 1, _inter(_body("hello there"), text=text))
    asyncio.run(store.job_done(job))


def test_a_cassette_is_written_as_each_job_is_done_and_merged_within_a_run(
    tmp_path: Path,
) -> None:
    jobs = _jobs()
    store = CassetteStore(tmp_path, run_id="run-1")
    store.begin(jobs, ["record", "record"])
    store.add(jobs[1], 1, _inter(_body("hello there"), text="r1"))
    path = store.path(jobs[0])
    assert asyncio.run(store.job_done(jobs[1])) == path  # on disk already, marked cut short
    cut = load_cassette(path)
    assert [i.body for i in cut.interactions] == [b"r1"]
    assert (cut.metadata["complete"], cut.metadata["jobs_recorded"],
            cut.metadata["jobs_planned"]) == (False, 1, 2)
    store.add(jobs[0], 1, _inter(_body("hello there"), text="r0"))
    assert asyncio.run(store.job_done(jobs[0])) == path
    whole = load_cassette(path)
    assert [i.body for i in whole.interactions] == [b"r0", b"r1"]  # repeat order
    assert "complete" not in whole.metadata and store.written == [path]

    # another process of the SAME run holding repeat 1 only: merged; another run: replaced
    other = CassetteStore(tmp_path, run_id="run-1")
    _record(other, jobs[1], "r1-again")
    assert [i.body for i in load_cassette(path).interactions] == [b"r0", b"r1-again"]
    _record(CassetteStore(tmp_path, run_id="run-2"), jobs[1], "new")
    assert [i.body for i in load_cassette(path).interactions] == [b"new"]


WRITER = """
import asyncio, sys
from harness.record.store import CassetteStore
from tests.record.support import jobs_from, sim_target
from tests.record.test_store import _inter, _body
suite, n, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cases = "".join(f"  - id: {suite}{i}\\n    request: {{messages: [{{role: user, content: x}}]}}\\n"
                for i in range(n))
jobs = jobs_from("suite: " + suite + "\\ncases:\\n" + cases, [sim_target("http://127.0.0.1:9/v1")])
store = CassetteStore(root, run_id="run-" + suite)
store.begin(jobs, ["record"] * n)
async def main():
    for job in jobs:
        store.add(job, 1, _inter(_body(job.case.id), text=job.case.id))
        await store.job_done(job)
asyncio.run(main())
"""


def test_two_processes_record_different_cassettes_in_one_folder(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, name, "40", str(tmp_path)], cwd=ROOT)
        for name in ("alpha", "beta")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == 80
    for path in files:
        (inter,) = load_cassette(path).interactions
        assert inter.body.decode() == path.parent.parent.name
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".yaml"]


def test_a_cut_short_cassette_is_never_replayed_and_auto_records_it_again(
    tmp_path: Path,
) -> None:
    jobs = _jobs()
    store = CassetteStore(tmp_path, run_id="run-1")
    store.begin(jobs, ["record", "record"])
    store.add(jobs[0], 1, _inter(_body("hello there"), text="r0"))
    path = asyncio.run(store.job_done(jobs[0]))  # the run stops here: repeat 1 never ran
    assert path is not None and load_cassette(path).metadata["complete"] is False

    later = CassetteStore(tmp_path, run_id="run-2")
    assert later.plan(jobs, "auto") == ["record", "record"]
    found = later.lookup(jobs[0], match_key("POST", URL + "/chat/completions",
                                            _body("hello there")))
    assert isinstance(found, Miss) and found.error_class == "stale_cassette"
    assert "was cut short while recording (run run-1 stopped with 1 of 2 jobs recorded)" in (
        found.message)
    assert not later.sources  # a cassette not replayed is not named as a source
