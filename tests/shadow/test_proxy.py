"""The mirror proxy over real HTTP: a Mistral-dialect primary (behind a recording tap) and an
OpenAI-compatible candidate. The client's answer is the primary's, byte for byte and event by
event; the shadow never touches the client's path; the log keeps no key."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from harness.shadow.pairs import read_pairs
from harness.sim import FaultConfig, SimConfig, SimServer
from tests.shadow.conftest import (
    CAND_KEY,
    CLIENT_KEY,
    Tap,
    chat_body,
    closed_port_url,
    providers_file,
    sse_events,
    start_proxy,
    wait_pairs,
)

pytestmark = pytest.mark.usefixtures("cand_env")
AUTH = {"Authorization": f"Bearer {CLIENT_KEY}"}
_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


def _headers(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in pairs if k.lower() not in _SKIP_HEADERS)


def test_chat_answer_unchanged_and_translation_logged(tmp_path: Path, prim_sim: SimServer,
                                                      cand_sim: SimServer) -> None:
    with Tap(prim_sim.url) as tap:
        providers = providers_file(tmp_path / "p.yaml", tap.url, cand_sim.url)
        with start_proxy(tmp_path, providers) as proxy:
            body = chat_body(tool_choice="any", random_seed=7, tools=[{"type": "function",
                             "function": {"name": "get_weather", "parameters": {
                                 "type": "object", "properties": {"city": {"type": "string"}}}}}])
            r = httpx.post(proxy.url + "/v1/chat/completions", json=body, headers=AUTH, timeout=30)
            (pair,) = wait_pairs(tmp_path / "log", 1)
    (seen,) = tap.seen
    assert r.status_code == seen.status == 200
    assert r.content == seen.body  # byte for byte what the primary sent
    assert _headers(list(r.headers.items())) == _headers(seen.headers)
    assert seen.request_headers["Authorization"] == f"Bearer {CLIENT_KEY}"  # passed through
    cand = pair["arms"]["candidate"]
    assert cand["protocol"] == "openai-chat" and cand["answer"]["status"] == 200  # its own key
    assert cand["request_sent"]["tool_choice"] == "required" and cand["request_sent"]["seed"] == 7
    assert "random_seed" not in cand["request_sent"] and cand["notes"]
    assert pair["arms"]["primary"]["answer"]["body"] == r.text
    assert pair["diffs"]["candidate"]["status"]["differs"] is False


@pytest.mark.parametrize("endpoint", ["chat", "responses", "messages"])
def test_streams_pass_through_event_by_event(tmp_path: Path, gw_sim: SimServer, prim_sim: SimServer,
                                             cand_sim: SimServer, endpoint: str) -> None:
    upstream = prim_sim.url if endpoint == "chat" else gw_sim.url
    with Tap(upstream, hold=True) as tap:
        providers = providers_file(tmp_path / "p.yaml", tap.url, cand_sim.url, gateway_url=tap.url)
        primary = "prim/mistral-medium-3.5" if endpoint == "chat" else "gw/mistral-medium-3-1"
        path, body, headers = _request(endpoint)
        with start_proxy(tmp_path, providers, primary=primary) as proxy:
            got: list[bytes] = []
            with httpx.stream("POST", proxy.url + path, json=body, headers=headers,
                              timeout=30) as r:
                for chunk in r.iter_raw():
                    if not got:  # the first event arrived while the primary still holds the rest
                        assert not tap.seen[0].done
                        tap.release.set()
                    got.append(chunk)
            (pair,) = wait_pairs(tmp_path / "log", 1)
    (seen,) = tap.seen
    assert r.status_code == 200 and b"".join(got) == seen.body
    assert sse_events(b"".join(got)) == sse_events(seen.body) and len(sse_events(seen.body)) > 2
    primary_answer = pair["arms"]["primary"]["answer"]
    assert primary_answer["stream"] is True and primary_answer["content"]
    assert primary_answer["error_class"] is None
    assert pair["arms"]["candidate"]["answer"]["status"] == 200


def _request(endpoint: str) -> tuple[str, dict, dict[str, str]]:
    text = "Describe the weather in Paris"
    if endpoint == "chat":
        return "/v1/chat/completions", chat_body(stream=True), AUTH
    if endpoint == "responses":
        return "/v1/responses", {"model": "mistral-medium-3-1", "input": text, "stream": True}, AUTH
    return "/v1/messages", {"model": "mistral-medium-3-1", "max_tokens": 100, "stream": True,
                            "messages": [{"role": "user", "content": text}]}, {
        "x-api-key": CLIENT_KEY, "anthropic-version": "2023-06-01"}


@pytest.mark.parametrize("how", ["fault", "closed_port"])
def test_failing_candidate_leaves_the_client_alone(tmp_path: Path, prim_sim: SimServer,
                                                   how: str) -> None:
    faulty = SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY},
                                 faults=FaultConfig(rate=1.0, kinds=("500",))))
    with faulty:
        url = faulty.url if how == "fault" else closed_port_url()
        providers = providers_file(tmp_path / "p.yaml", prim_sim.url, url)
        with start_proxy(tmp_path, providers) as proxy:
            r = httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(), headers=AUTH,
                           timeout=30)
            (pair,) = wait_pairs(tmp_path / "log", 1)
            stats = httpx.get(proxy.url + "/__shadow/stats").json()
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]
    answer = pair["arms"]["candidate"]["answer"]
    if how == "fault":
        assert answer["status"] == 500 and pair["skipped"] is None
    else:
        assert answer["status"] is None and answer["error_class"] == "connect"
        assert pair["skipped"] == "candidate_error"
    assert stats["candidate_errors"] == 1 and stats["mirrored"] == 1


def test_hanging_candidate_the_client_has_its_answer_first(tmp_path: Path,
                                                           prim_sim: SimServer) -> None:
    hanging = SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY},
                                  faults=FaultConfig(rate=1.0, kinds=("timeout",), hang_s=60)))
    with hanging:
        providers = providers_file(tmp_path / "p.yaml", prim_sim.url, hanging.url)
        with start_proxy(tmp_path, providers, shadow_timeout_s=60.0, grace_s=0.2) as proxy:
            r = httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(), headers=AUTH,
                           timeout=30)
            assert r.status_code == 200 and r.json()["choices"]
            during = httpx.get(proxy.url + "/__shadow/stats").json()
        final = proxy.final
    assert during["in_flight"] == 1 and during["pairs_written"] == 0  # candidate still out
    assert final is not None and final["shadow_cancelled"] == 1  # cut at shutdown (grace)


def test_slow_candidate_times_out_in_the_shadow_only(tmp_path: Path, prim_sim: SimServer) -> None:
    hanging = SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY},
                                  faults=FaultConfig(rate=1.0, kinds=("timeout",), hang_s=60)))
    with hanging:
        providers = providers_file(tmp_path / "p.yaml", prim_sim.url, hanging.url)
        with start_proxy(tmp_path, providers, shadow_timeout_s=0.5) as proxy:
            r = httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(), headers=AUTH,
                           timeout=30)
            (pair,) = wait_pairs(tmp_path / "log", 1)
        final = proxy.final
    assert r.status_code == 200
    assert pair["arms"]["candidate"]["answer"]["error_class"] == "shadow_timeout"
    assert pair["skipped"] == "candidate_timeout"
    assert final is not None and final["candidate_timeouts"] == 1


def test_sampling_and_queue_full_are_counted(tmp_path: Path, prim_sim: SimServer) -> None:
    hanging = SimServer(SimConfig(dialect="openai", api_keys={CAND_KEY},
                                  faults=FaultConfig(rate=1.0, kinds=("timeout",), hang_s=60)))
    with hanging:
        providers = providers_file(tmp_path / "p.yaml", prim_sim.url, hanging.url)
        with start_proxy(tmp_path, providers, sample=0.0) as proxy:
            for _ in range(3):
                assert httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(),
                                  headers=AUTH, timeout=30).status_code == 200
            unsampled = httpx.get(proxy.url + "/__shadow/stats").json()
        with start_proxy(tmp_path, providers, max_in_flight=1, grace_s=0.1) as proxy:
            for _ in range(3):
                assert httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(),
                                  headers=AUTH, timeout=30).status_code == 200
            full = httpx.get(proxy.url + "/__shadow/stats").json()
    assert unsampled["requests"] == 3 and unsampled["skipped_sampling"] == 3
    assert unsampled["mirrored"] == 0
    assert full["mirrored"] == 1 and full["skipped_queue_full"] == 2 and full["sampled"] == 3
    stats: list[dict] = []
    list(read_pairs(tmp_path / "log", stats))
    assert [s["skipped_queue_full"] for s in stats] == [0, 2]  # one stats line per proxy run


def test_secondary_noise_floor_and_no_key_in_a_hash_log(tmp_path: Path, prim_sim: SimServer,
                                                        cand_sim: SimServer) -> None:
    providers = providers_file(tmp_path / "p.yaml", prim_sim.url, cand_sim.url)
    prompt = "Say hello about the weather in Paris"
    with start_proxy(tmp_path, providers, content="hash", secondary_share=1.0) as proxy:
        r = httpx.post(proxy.url + "/v1/chat/completions", json=chat_body(), headers=AUTH,
                       timeout=30)
        (pair,) = wait_pairs(tmp_path / "log", 1)
    secondary = pair["arms"]["secondary"]
    assert secondary["answer"]["status"] == 200  # the client's key reused for the primary again
    assert pair["diffs"]["secondary"]["status"]["differs"] is False
    data = (tmp_path / "log" / "pairs.jsonl").read_bytes()
    for key in (CLIENT_KEY, CAND_KEY):
        assert key.encode() not in data
        assert base64.b64encode(key.encode()) not in data
        assert base64.b64encode(f"Bearer {key}".encode()) not in data
    content = r.json()["choices"][0]["message"]["content"]
    assert prompt.encode() not in data and content.encode() not in data  # hash: no text
    assert pair["arms"]["primary"]["answer"]["content"]["len"] == len(content)


def test_unmirrorable_paths_are_forwarded(tmp_path: Path, prim_sim: SimServer,
                                          cand_sim: SimServer) -> None:
    providers = providers_file(tmp_path / "p.yaml", prim_sim.url, cand_sim.url)
    with start_proxy(tmp_path, providers) as proxy:
        r = httpx.get(proxy.url + "/v1/models", headers=AUTH, timeout=30)
        stats = httpx.get(proxy.url + "/__shadow/stats").json()
    assert r.status_code == 200 and r.json()["data"]
    assert stats["not_mirrorable"] == 1 and stats["mirrored"] == 0
