"""The pair log: records round-trip, content modes mask text, secrets never reach the file."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.shadow.pairs import Answer, Arm, PairLog, PairRecord, read_pairs, request_hash

SECRET = "sk-shadow-CANARY-0123456789abcdef"


def _record() -> PairRecord:
    request = {"model": "m", "messages": [{"role": "user", "content": "my card is 4111"}]}
    answer = Answer(status=200, content='{"city": "Paris"}', json_output={"city": "Paris"},
                    tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
                    finish_reason="stop", usage={"prompt_tokens": 5}, latency_ms=12.5,
                    body='{"choices": []}')
    arm = Arm("p/m", "openai-chat", "chat", "openai", answer, request_sent=request,
              notes=["seed -> random_seed"])
    return PairRecord("p1", "2026-12-02T00:00:00Z", "proxy", "chat", False, request,
                      request_hash(request), {"primary": arm, "candidate": arm,
                                              "secondary": None},
                      diffs={"candidate": {"text": {"differs": False}}, "secondary": None})


def test_full_round_trips(tmp_path: Path) -> None:
    with PairLog(tmp_path, content="full") as log:
        log.write(_record())
        log.write_stats({"mirrored": 1})
    stats: list[dict] = []
    (data,) = read_pairs(tmp_path, stats)
    assert stats == [{"mirrored": 1}]
    back = PairRecord.from_dict(data)
    assert back.arms["primary"].answer.json_output == {"city": "Paris"}  # type: ignore[union-attr]
    assert back.arms["secondary"] is None and back.diffs["candidate"] == {"text": {"differs": False}}


def test_hash_keeps_no_text_but_structure(tmp_path: Path) -> None:
    with PairLog(tmp_path, content="hash") as log:
        log.write(_record())
    raw = (tmp_path / "pairs.jsonl").read_text()
    assert "4111" not in raw and "Paris" in raw  # JSON output / tool args are structure
    (data,) = read_pairs(tmp_path)
    msg = data["request"]["messages"][0]
    assert msg["role"] == "user" and msg["content"]["len"] == len("my card is 4111")
    assert data["arms"]["primary"]["answer"]["body"] is None
    assert data["arms"]["primary"]["answer"]["tool_calls"][0]["arguments"] == {"city": "Paris"}


def test_none_drops_values(tmp_path: Path) -> None:
    with PairLog(tmp_path, content="none") as log:
        log.write(_record())
    raw = (tmp_path / "pairs.jsonl").read_text()
    assert "Paris" not in raw and "4111" not in raw and "get_weather" in raw


def test_secrets_scrubbed_in_every_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOW_API_KEY", SECRET)
    rec = _record()
    rec.arms["primary"].answer.error_message = f"bad key {SECRET}"  # type: ignore[union-attr]
    with PairLog(tmp_path, content="full") as log:
        log.write(rec)
    raw = (tmp_path / "pairs.jsonl").read_text()
    assert SECRET not in raw
    assert base64.b64encode(SECRET.encode()).decode() not in raw


def test_bad_mode_and_bad_lines(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--log-content"):
        PairLog(tmp_path, content="some")
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"pair_id": "x"}) + "\nnot json\n")
    with pytest.raises(UsageError, match=r"pairs.jsonl:2: not a JSON line"):
        list(read_pairs(tmp_path))
