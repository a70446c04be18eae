"""End to end: `harness run` over real HTTP against the reference simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.engine.results import read_results
from tests.cli.conftest import SECRET, faulty_sim

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "suites"
TARGETS = ["--target", "m/mistral-medium-3.5", "--target", "g/mistral-medium-3-1"]


def _run_dir(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def test_bundled_suites_pass_on_both_targets_and_no_secret_is_written(
    tmp_path: Path, providers_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    code = main(["run", str(SUITES), *TARGETS, "--providers", str(providers_file),
                 "--out", str(out), "-q", "--concurrency", "16"])
    printed = capsys.readouterr()
    assert code == 0, printed.out
    run_dir = _run_dir(out)
    rows = read_results(run_dir / "results.jsonl")
    assert {r["target"] for r in rows} == {"m/mistral-medium-3.5", "g/mistral-medium-3-1"}
    assert all(r["passed"] for r in rows)
    # translation is visible in what was sent
    seeded = [r for r in rows if r["case"] == "seed_reproducible"]
    assert {("random_seed" in r["request_sent"], r["dialect"]) for r in seeded} == {
        (True, "mistral"), (False, "openai")}
    forced = [r for r in rows if r["case"] == "required_forces_call"]
    assert {r["request_sent"]["tool_choice"] for r in forced} == {"any", "required"}
    # cost present and computed from the price book
    basic = next(r for r in rows if r["case"] == "haiku" and r["dialect"] == "mistral")
    assert basic["cost_usd"] == pytest.approx(
        basic["prompt_tokens"] * 1.5e-6 + basic["completion_tokens"] * 7.5e-6)
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "complete"
    assert (run_dir / "summary.md").exists()
    # the key given to the run appears nowhere in what the run wrote or printed
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in printed.out + printed.err
    assert "Bearer $TEST_PROVIDER_KEY" in basic["reproduce"]


def test_summary_table_is_printed(tmp_path: Path, providers_file: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SUITES / "basic.yaml"), "--target", "m/mistral-medium-3.5",
                 "--providers", str(providers_file), "--out", str(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("target"))
    assert header.split() == ["target", "cases", "jobs", "passed", "failed", "errors", "p50",
                              "ms", "p95", "ms", "tokens", "in", "tokens", "out", "cost", "USD"]
    assert lines[-1].startswith("PASS: 5/5 jobs passed; run folder ")


def test_failed_check_exits_1_and_lists_the_failure(
    tmp_path: Path, providers_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = tmp_path / "fail.yaml"
    suite.write_text(
        "cases:\n  - id: wants_zebra\n    request:\n      messages: [{role: user, content: hi}]\n"
        "    expect:\n      - contains: zebra\n",
        encoding="utf-8",
    )
    code = main(["run", str(suite), "--target", "g/mistral-medium-3-1",
                 "--providers", str(providers_file), "--out", str(tmp_path / "o"), "-q"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL fail::wants_zebra::g/mistral-medium-3-1: [contains]" in out
    rows = read_results(_run_dir(tmp_path / "o") / "results.jsonl")
    assert rows[0]["failures"][0]["check"] == "contains"
    assert rows[0]["failures"][0]["expected"]


def test_retries_are_counted_against_the_simulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with faulty_sim(rate=0.3) as sim:
        monkeypatch.setenv("FAULTY_URL", sim.url)
        monkeypatch.setenv("TEST_PROVIDER_KEY", SECRET)
        providers = tmp_path / "p.yaml"
        providers.write_text(
            "providers:\n  f:\n    extends: empiriolabs\n    base_url: ${FAULTY_URL}\n"
            "    api_key_env: TEST_PROVIDER_KEY\n", encoding="utf-8")
        suite = tmp_path / "r.yaml"
        suite.write_text(
            "cases:\n  - id: hello\n    repeat: 40\n    request:\n"
            "      messages: [{role: user, content: hi}]\n", encoding="utf-8")
        code = main(["run", str(suite), "--target", "f/mistral-medium-3-1", "--providers",
                     str(providers), "--out", str(tmp_path / "o"), "-q", "--retries", "6",
                     "--seed", "1"])
        capsys.readouterr()
        received = sim.stats.total
    rows = read_results(_run_dir(tmp_path / "o") / "results.jsonl")
    assert len(rows) == 40
    assert sum(r["attempts"] for r in rows) == received
    assert received > 40  # some requests were retried
    assert max(r["attempts"] for r in rows) > 1
    assert code == 0


def test_no_retry_on_400(tmp_path: Path, providers_file: Path, sims, capsys) -> None:  # type: ignore[no-untyped-def]
    suite = tmp_path / "bad.yaml"
    suite.write_text(
        "cases:\n  - id: too_hot\n    request:\n      temperature: 9\n"
        "      messages: [{role: user, content: hi}]\n    expect:\n      - status: 400\n",
        encoding="utf-8",
    )
    code = main(["run", str(suite), "--target", "g/mistral-medium-3-1", "--providers",
                 str(providers_file), "--out", str(tmp_path / "o"), "-q"])
    capsys.readouterr()
    rows = read_results(_run_dir(tmp_path / "o") / "results.jsonl")
    assert code == 0
    assert rows[0]["attempts"] == 1 and rows[0]["error_class"] == "validation"


def test_live_simulate_renames_targets_and_passes(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(SUITES / "basic.yaml"), "--target", "mistral/mistral-medium-3.5",
                 "--target", "empiriolabs/mistral-medium-3-1", "--simulate", "--mode", "live",
                 "--out", str(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = read_results(_run_dir(tmp_path) / "results.jsonl")
    assert {r["target"] for r in rows} == {"sim-mistral/mistral-medium-3.5",
                                           "sim-empiriolabs/mistral-medium-3-1"}
    assert {r["mode"] for r in rows} == {"live"} and all(r["passed"] for r in rows)


def test_a_wrong_key_s_masked_echo_is_not_written(tmp_path: Path, providers_file: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """OpenAI-style APIs echo a wrong key as 'sk-live-*****7061': even that never lands."""
    wrong = "sk-live-WRONGKEY-0a1b2c3d4e5f7061"
    monkeypatch.setenv("TEST_PROVIDER_KEY", wrong)
    suite = tmp_path / "w.yaml"
    suite.write_text("cases:\n  - id: wrong_key\n    request:\n"
                     "      messages: [{role: user, content: hi}]\n"
                     "    expect:\n      - status: 401\n      - error_envelope: {class: auth}\n",
                     encoding="utf-8")
    out = tmp_path / "o"
    code = main(["run", str(suite), "--target", "g/mistral-medium-3-1", "--providers",
                 str(providers_file), "--out", str(out), "-q"])
    printed = capsys.readouterr()
    assert code == 0, printed.out
    rows = read_results(_run_dir(out) / "results.jsonl")
    assert "Incorrect API key provided: ***" in rows[0]["response_excerpt"]
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert wrong.encode() not in data and b"*****7061" not in data, path
    assert "7061" not in printed.out + printed.err


def test_tool_loop_that_never_ends_fails_at_max_turns_over_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tool_choice required forces a call on every turn (as the real APIs do), so the loop
    hits max_turns: a failed case, counted turn by turn, against the simulator over HTTP."""
    suite = tmp_path / "loop.yaml"
    suite.write_text(
        """
cases:
  - id: forever
    tool_loop: {results: {get_weather: {temp_c: 31}}, max_turns: 3}
    request:
      tool_choice: required
      tools:
        - type: function
          function:
            name: get_weather
            parameters: {type: object, properties: {city: {type: string}}, required: [city]}
      messages: [{role: user, content: "Weather in Lagos?"}]
""",
        encoding="utf-8",
    )
    code = main(["run", str(suite), "--target", "empiriolabs/mistral-medium-3-1", "--simulate",
                 "--mode", "live", "--out", str(tmp_path / "o"), "-q"])
    capsys.readouterr()
    assert code == 1
    (row,) = read_results(_run_dir(tmp_path / "o") / "results.jsonl")
    assert row["turns"] == 3 and len(row["turn_latencies_ms"]) == 3
    assert row["failures"][0]["check"] == "tool_loop"
    assert row["failures"][0]["expected"] == "an answer without tool calls by turn 3"


def test_run_id_names_the_folder_and_is_never_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", str(SUITES / "basic.yaml"), "--target", "mistral/mistral-medium-3.5",
            "--simulate", "--sim-latency-ms", "0", "--out", str(tmp_path), "--run-id", "pr-42"]
    assert main(argv) == 0
    assert json.loads((tmp_path / "pr-42" / "run.json").read_text())["run_id"] == "pr-42"
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"run folder {tmp_path / 'pr-42'} already exists" in err
    assert len(read_results(tmp_path / "pr-42")) == 5  # the first run's rows, untouched
