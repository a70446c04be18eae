"""`harness run --mode live|record|replay|auto`, `--cassettes`, `--pace`, and the default mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.engine.results import read_results
from harness.record.cassette import SIM_SOURCE, load_cassette
from harness.session import run as session_run

SUITES = Path(__file__).resolve().parents[2] / "suites"
BASIC = str(SUITES / "basic.yaml")
MISTRAL = "mistral/mistral-medium-3.5"


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("MISTRAL_API_KEY", "EMPIRIOLABS_API_KEY", "HARNESS_TARGETS"):
        monkeypatch.delenv(env, raising=False)


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return int(exc.code or 0)


def _run_dirs(out: Path) -> list[Path]:
    """Run folders, oldest first (run ids of the same second sort randomly; the last file a
    run writes is its run.json)."""
    return sorted((p for p in out.iterdir() if p.is_dir()),
                  key=lambda p: (p / "run.json").stat().st_mtime_ns)


def test_simulate_auto_records_under_real_names_then_replays_without_a_simulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cas, out = tmp_path / "cas", tmp_path / "out"
    argv = ["run", BASIC, "--target", MISTRAL, "--simulate", "--mode", "auto",
            "--cassettes", str(cas), "--out", str(out), "-q"]
    assert _code(argv) == 0
    printed = capsys.readouterr().out
    assert "recorded 5 job(s): 5 cassette(s) written under" in printed
    assert f"cassettes from the {SIM_SOURCE}" in printed
    path = cas / "basic" / "haiku" / "mistral" / "mistral-medium-3.5.yaml"
    cassette = load_cassette(path)
    assert cassette.metadata["source"] == SIM_SOURCE
    assert cassette.metadata["target"] == MISTRAL
    assert cassette.interactions[0].uri == "https://api.mistral.ai/v1/chat/completions"
    (first,) = _run_dirs(out)
    rows = read_results(first)
    assert {(r["target"], r["mode"]) for r in rows} == {(MISTRAL, "record")}

    # everything is recorded now: no simulator is started, nothing is sent
    def no_sim(*a: object, **k: object) -> None:
        raise AssertionError("a simulator was started for a run that only replays")

    monkeypatch.setattr(session_run, "start_simulators", no_sim)
    assert _code(argv) == 0
    printed = capsys.readouterr().out
    assert "replayed 5 job(s) from" in printed and "as recorded" in printed
    second = _run_dirs(out)[1]
    replayed = read_results(second)
    assert {r["mode"] for r in replayed} == {"replay"}
    excerpts = {r["job_id"]: r["response_excerpt"] for r in rows}
    assert {r["job_id"]: r["response_excerpt"] for r in replayed} == excerpts
    meta = json.loads((second / "run.json").read_text())
    assert (meta["mode"], meta["jobs_by_mode"], meta["cassette_sources"]) == (
        "auto", {"replay": 5}, [SIM_SOURCE])
    summary = (second / "summary.md").read_text()
    assert "replayed from cassettes, latency as recorded" in summary
    assert f"cassettes: {SIM_SOURCE}" in summary

    # without a key the default mode is replay (and it says so); --pace is accepted
    assert _code(["run", BASIC, "--target", MISTRAL, "--cassettes", str(cas),
                  "--out", str(out), "-q", "--pace"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("mode replay: MISTRAL_API_KEY (for mistral) not set, so the run "
                          "replays the "
                          f"cassettes under {cas}/ (no network)")
    assert {r["mode"] for r in read_results(_run_dirs(out)[2])} == {"replay"}


def test_replay_names_the_missing_cassette_and_how_to_record_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cas = tmp_path / "empty"
    code = _code(["run", BASIC, "--target", MISTRAL, "--mode", "replay", "--simulate",
                  "--cassettes", str(cas), "--out", str(tmp_path / "o"), "-q"])
    printed = capsys.readouterr()
    assert code == 1
    assert "note: --simulate has no effect with --mode replay (nothing is sent)" in printed.err
    assert (
        "NO_RECORDING basic::haiku::mistral/mistral-medium-3.5: no recording for case haiku on "
        f"target mistral/mistral-medium-3.5 (cassette {cas}/basic/haiku/mistral/"
        f"mistral-medium-3.5.yaml): record it with `harness run {BASIC} --target "
        f"mistral/mistral-medium-3.5 --mode record --cassettes {cas}`"
    ) in printed.out.splitlines()
    (run_dir,) = _run_dirs(tmp_path / "o")
    rows = read_results(run_dir)
    assert {(r["error_class"], r["passed"], r["status_code"]) for r in rows} == {
        ("no_recording", False, None)}


def test_a_stale_cassette_is_reported_not_replayed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cas = tmp_path / "cas"
    suite = tmp_path / "basic.yaml"
    suite.write_text((SUITES / "basic.yaml").read_text())
    base = ["run", str(suite), "--target", MISTRAL, "--cassettes", str(cas), "-q"]
    assert _code([*base, "--simulate", "--mode", "record", "--out", str(tmp_path / "a")]) == 0
    suite.write_text(suite.read_text().replace("about the ocean", "about the sea"))
    capsys.readouterr()
    assert _code([*base, "--mode", "replay", "--out", str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("STALE_CASSETTE"))
    assert line == (
        "STALE_CASSETTE basic::haiku::mistral/mistral-medium-3.5: stale cassette for case haiku "
        f"on target mistral/mistral-medium-3.5 (cassette {cas}/basic/haiku/mistral/"
        "mistral-medium-3.5.yaml): the request the suite makes now (repeat 0) matches none of "
        "the 1 recorded; closest recorded request: interaction 1 (similarity 0.99)"
    )
    assert '-   "content": "Write a haiku about the ocean.",' in out
    assert '+   "content": "Write a haiku about the sea.",' in out
    # the command records into this run's own cassettes folder
    assert (f"re-record it with `harness run {suite} --target mistral/mistral-medium-3.5 "
            f"--mode record --simulate --cassettes {cas}`") in out
    rows = read_results(_run_dirs(tmp_path / "b")[0])
    assert [r["passed"] for r in rows].count(False) == 1  # the other four still replay
    assert next(r for r in rows if not r["passed"])["error_class"] == "stale_cassette"


def test_without_a_key_and_without_cassettes_the_key_is_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _code(["run", BASIC, "--target", MISTRAL, "--cassettes", str(tmp_path / "none"),
                  "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: missing API key: set MISTRAL_API_KEY (for mistral) in the "
                          "environment. "
                          "Keys are read from environment variables only. Without a key a run "
                          "replays recorded cassettes, but ")
    assert not out.exists() or not any(out.iterdir())
    # live (and record) never fall back to replaying: the key is needed
    for mode in ("live", "record"):
        assert _code(["run", BASIC, "--target", MISTRAL, "--mode", mode,
                      "--out", str(out)]) == 2
        assert "missing API key: set MISTRAL_API_KEY (for mistral)" in capsys.readouterr().err


def test_bad_mode_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _code(["run", BASIC, "--target", MISTRAL, "--mode", "playback"]) == 2
    assert "argument --mode: invalid choice: 'playback'" in capsys.readouterr().err
