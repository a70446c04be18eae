"""Arms: a wire body sent to a target over real HTTP becomes an Answer (normalised, streams
assembled, errors classified, priced); recorded answers read the same way."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.core.loop import run as run_loop
from harness.engine.retry import RetryPolicy
from harness.engine.send import SendOptions
from harness.engine.transport import make_client
from harness.providers.catalogue import load_catalogue
from harness.shadow.arms import ArmTarget, answer_from_recorded, mirror, send_arm
from harness.shadow.pairs import Arm
from harness.sim import SimServer
from harness.wire.protocols import MESSAGES, MISTRAL_CHAT, OPENAI_CHAT
from tests.shadow.conftest import CAND_KEY, chat_body, closed_port_url, providers_file

OPTIONS = SendOptions(policy=RetryPolicy(max_attempts=1), timeout_s=10.0)


def _arm(tmp_path: Path, url: str, role: str = "candidate", key: str | None = CAND_KEY) -> ArmTarget:
    catalogue = load_catalogue([str(providers_file(tmp_path / "p.yaml", url, url))])
    return ArmTarget(role, catalogue.resolve("cand/mistral-medium-3-1"), key)


def _send(arm: ArmTarget, body: dict, deadline: float | None = None) -> Arm:
    async def go() -> Arm:
        client = make_client(timeout=10.0, max_connections=4)
        try:
            return await send_arm(client, arm, MISTRAL_CHAT, body, OPTIONS, deadline)
        finally:
            await client.aclose()

    return run_loop(go())


@pytest.mark.parametrize("stream", [False, True])
def test_an_arm_answer_is_normalised_and_priced(tmp_path: Path, cand_sim: SimServer,
                                                stream: bool) -> None:
    arm = _send(_arm(tmp_path, cand_sim.url), chat_body(stream=stream, random_seed=3))
    answer = arm.answer
    assert arm.protocol == "openai-chat" and arm.request_sent["model"] == "mistral-medium-3-1"
    assert arm.request_sent["seed"] == 3 and arm.notes
    assert answer.status == 200 and answer.error_class is None and answer.content
    assert answer.finish_reason == "stop" and answer.usage and answer.usage["prompt_tokens"]
    assert answer.cost_usd is not None and answer.cost_usd > 0  # the catalogue's price
    assert answer.latency_ms is not None and answer.ttft_ms is not None
    assert answer.stream is stream
    if stream:
        assert answer.stream_events and answer.stream_events > 2
        assert json.loads(answer.body or "")["choices"][0]["message"]["content"] == answer.content


def test_errors_are_classified(tmp_path: Path, cand_sim: SimServer) -> None:
    bad_key = _send(_arm(tmp_path, cand_sim.url, key="wrong-key-000000"), chat_body())
    assert bad_key.answer.status == 401 and bad_key.answer.error_class == "auth"
    down = _send(_arm(tmp_path, closed_port_url()), chat_body())
    assert down.answer.status is None and down.answer.error_class == "connect"


def test_untranslatable_and_unsupported(tmp_path: Path, cand_sim: SimServer) -> None:
    catalogue = load_catalogue([str(providers_file(tmp_path / "p.yaml", cand_sim.url, cand_sim.url))])
    mistral_only = ArmTarget("candidate", catalogue.resolve("prim/mistral-medium-3.5"), "k")

    async def go() -> Arm:
        client = make_client(timeout=10.0, max_connections=2)
        try:
            body = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
            return await send_arm(client, mistral_only, MESSAGES, body, OPTIONS)
        finally:
            await client.aclose()

    arm = run_loop(go())
    assert arm.answer.error_class in ("untranslatable", "auth", "validation", None)
    assert arm.protocol == "mistral-chat"  # the provider serves chat only: the target protocol


def test_same_protocol_mirror_replaces_the_model_only() -> None:
    body = chat_body(tool_choice="required", seed=1)
    done = mirror(body, OPENAI_CHAT, OPENAI_CHAT, "other-model")
    assert done.body == {**body, "model": "other-model"}
    assert mirror(body, OPENAI_CHAT, OPENAI_CHAT, None).body == body


def test_recorded_answers_read_like_live_ones(cand_sim: SimServer) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {CAND_KEY}"}
    for stream in (False, True):
        body = {**chat_body(stream=stream), "model": "mistral-medium-3-1"}
        r = httpx.post(cand_sim.url + "/chat/completions", json=body, headers=headers, timeout=10)
        rec = SimpleNamespace(status=r.status_code, headers=dict(r.headers), body=r.content,
                              latency_ms=12.0)
        answer = answer_from_recorded(OPENAI_CHAT, rec)
        assert answer.status == 200 and answer.content and answer.error_class is None
        assert answer.stream is stream and answer.latency_ms == 12.0
    error = SimpleNamespace(status=429, headers={}, body=b'{"error": {"message": "slow down", '
                            b'"type": "rate_limit_exceeded"}}', latency_ms=None)
    assert answer_from_recorded(OPENAI_CHAT, error).error_class == "rate_limit"
