"""`harness shadow`: thin adapters. Usage errors exit 2 in one paragraph; the proxy stops
cleanly on SIGTERM with its stats line; replay --simulate runs end to end offline."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness.cli.main import main
from harness.shadow.pairs import read_pairs

ROOT = Path(__file__).resolve().parents[2]
PRIMARY, CANDIDATE = "mistral/mistral-medium-3.5", "empiriolabs/mistral-medium-3-1"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["shadow", "proxy", "--primary", PRIMARY, "--log", str(tmp_path)])
    assert exc.value.code == 2
    capsys.readouterr()
    code = main(["shadow", "replay", str(tmp_path / "t.jsonl"), "--primary", "nope/x",
                 "--candidate", CANDIDATE, "--log", str(tmp_path / "log"), "--simulate"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def test_candidate_key_missing_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("EMPIRIOLABS_API_KEY", raising=False)
    code = main(["shadow", "proxy", "--primary", PRIMARY, "--candidate", CANDIDATE,
                 "--log", str(tmp_path / "log"), "--port", "0"])
    assert code == 2 and "EMPIRIOLABS_API_KEY" in capsys.readouterr().err


def test_proxy_simulated_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "shadow", "proxy", "--primary", PRIMARY,
         "--candidate", CANDIDATE, "--simulate", "--sim-latency-ms", "0", "--port", "0",
         "--sample", "1", "--log", str(log), "--log-content", "none"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        body = {"model": "mistral-medium-3.5",
                "messages": [{"role": "user", "content": "hello"}]}
        r = httpx.post(url + "/v1/chat/completions", json=body,
                       headers={"Authorization": "Bearer sim-key"}, timeout=30)
        assert r.status_code == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "requests 1, mirrored 1" in out
    stats: list[dict] = []
    (pair,) = read_pairs(log, stats)
    assert stats[0]["pairs_written"] == 1 and pair["content"] == "none"
    assert json.loads((log / "run.json").read_text())["status"] == "complete"


def test_replay_simulated_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("harness.shadow.traffic")
    traffic = tmp_path / "traffic.jsonl"
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}
    bodies = [{"model": "mistral-medium-3.5", "random_seed": n, "tool_choice": "any",
               "tools": [tool], "messages": [{"role": "user", "content": f"question {n}"}]}
              for n in range(4)]
    traffic.write_text("".join(json.dumps(b) + "\n" for b in bodies), encoding="utf-8")
    log = tmp_path / "log"
    code = main(["shadow", "replay", str(traffic), "--primary", PRIMARY, "--candidate", CANDIDATE,
                 "--simulate", "--sim-latency-ms", "0", "--log", str(log),
                 "--secondary-share", "1"])
    assert code == 0, capsys.readouterr().err
    assert "replayed 4 item(s) -> 4 pair(s)" in capsys.readouterr().out
    pairs = list(read_pairs(log))
    assert len(pairs) == 4 and all(p["arms"]["candidate"]["answer"]["status"] == 200 for p in pairs)
    sent = sorted((p["arms"]["candidate"]["request_sent"] for p in pairs), key=lambda b: b["seed"])
    assert [b["seed"] for b in sent] == [0, 1, 2, 3]  # random_seed -> seed
    assert {b["tool_choice"] for b in sent} == {"required"}  # any -> required


def test_replay_then_report_a_same_provider_shadow_passes_and_a_migration_is_judged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole recipe offline: replay the bundled cassettes (every protocol) with a secondary,
    then `shadow report`. The primary against itself shows no difference beyond noise (exit 0);
    the migration to the gateway is judged by a gate file (exit 1 by default, 0 when its
    expected differences are ignored)."""
    same, moved = tmp_path / "same", tmp_path / "moved"
    for log, candidate in ((same, PRIMARY), (moved, CANDIDATE)):
        assert main(["shadow", "replay", str(ROOT / "cassettes"), "--primary", PRIMARY,
                     "--candidate", candidate, "--simulate", "--sim-latency-ms", "0",
                     "--log", str(log), "--secondary-share", "1", "--no-recorded"]) == 0
    capsys.readouterr()
    assert main(["shadow", "report", str(same)]) == 0
    assert capsys.readouterr().out.startswith("shadow report: PASS")
    assert main(["shadow", "report", str(moved), "-q"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("shadow report: FAIL") and "beyond noise" in out
    data = json.loads((moved / "shadow.json").read_text(encoding="utf-8"))
    flagged = [f["field"] for f in data["noise"]["fields"] if f["flagged"]]
    assert flagged and "tool_args" not in flagged
    gate = tmp_path / "gate.yaml"
    gate.write_text("fields:\n" + "".join(f"  {f}: {{ignore: true}}\n" for f in flagged),
                    encoding="utf-8")
    assert main(["shadow", "report", str(moved), "--gate", str(gate), "-q"]) == 0
    assert {p.name for p in moved.iterdir()} >= {"pairs.jsonl", "shadow.md", "shadow.json",
                                                 "report.html", "pairs.parquet"}


def _replay(traffic: Path, log: Path, *extra: str) -> int:
    return main(["shadow", "replay", str(traffic), "--primary", CANDIDATE, "--candidate",
                 PRIMARY, "--simulate", "--sim-latency-ms", "0", "--log", str(log), *extra])


def test_replay_from_a_batch_file_and_from_its_own_full_log(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An OpenAI Batch input file (chat and an Anthropic Messages line on the gateway), mirrored
    to Mistral (chat only: the Messages request becomes a chat completion); then the log it
    wrote (content full) replayed again, its primary answers standing for the primary."""
    lines = [
        {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "mistral-medium-3-1", "seed": 7, "max_tokens": 16,
                  "messages": [{"role": "user", "content": "hello"}]}},
        {"custom_id": "b", "method": "POST", "url": "/v1/messages",
         "body": {"model": "mistral-medium-3-1", "max_tokens": 32, "system": "Be brief.",
                  "stop_sequences": ["END"],
                  "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}},
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    first = tmp_path / "first"
    assert _replay(batch, first, "--log-content", "full") == 0, capsys.readouterr().err
    pairs = {p["endpoint"]: p for p in read_pairs(first)}
    assert set(pairs) == {"chat", "messages"}
    chat, msgs = pairs["chat"]["arms"]["candidate"], pairs["messages"]["arms"]["candidate"]
    assert chat["request_sent"]["random_seed"] == 7 and "seed -> random_seed" in chat["notes"]
    assert msgs["endpoint"] == "chat" and msgs["answer"]["status"] == 200
    assert msgs["request_sent"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert msgs["request_sent"]["stop"] == ["END"]
    again = tmp_path / "again"
    assert _replay(first, again) == 0
    assert "recorded primary 2" in capsys.readouterr().out
    assert len(list(read_pairs(again))) == 2


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigterm_drains_the_shadow_workers(tmp_path: Path) -> None:
    log = tmp_path / "log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "shadow", "proxy", "--primary", PRIMARY,
         "--candidate", CANDIDATE, "--simulate", "--sim-latency-ms", "50", "--port", "0",
         "--sample", "1", "--shadow-workers", "2", "--grace", "60", "--log", str(log)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split(" on ", 1)[1].split(" ", 1)[0]
        body = {"model": "mistral-medium-3.5", "messages": [{"role": "user", "content": "hi"}]}
        for _ in range(3):
            r = httpx.post(url + "/v1/chat/completions", json=body,
                           headers={"Authorization": "Bearer sim-key"}, timeout=30)
            assert r.status_code == 200
        workers = [c for c in _children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")]
        proc.send_signal(signal.SIGTERM)  # the shadows may still be out: the grace covers them
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert len(workers) == 2
    assert not any(Path(f"/proc/{w}").exists() and "spawn_main" in Path(
        f"/proc/{w}/cmdline").read_text(errors="replace") for w in workers)
    assert "requests 3, mirrored 3" in out and "pairs_written 3" in out
    stats: list[dict] = []
    assert len(list(read_pairs(log, stats))) == 3
    assert stats[0]["pairs_written"] == 3 and stats[0]["shadow_cancelled"] == 0
