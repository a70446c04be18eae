"""Damaged run folders and mismatched runs: a one-paragraph usage error (exit 2), never a
traceback; a candidate that dropped jobs fails the compare gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run: the bundled basic suite replayed from the bundled cassettes."""
    out = tmp_path_factory.mktemp("runs")
    code = main(["run", str(ROOT / "suites" / "basic.yaml"), "--target", "mistral/mistral-medium-3.5",
                 "--mode", "replay", "--cassettes", str(ROOT / "cassettes"), "--out", str(out), "-q"])
    assert code == 0
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def _copy(run_dir: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / name
    shutil.copytree(run_dir, dst)
    return dst


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_corrupt_line_in_the_middle(run_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = _copy(run_dir, tmp_path, "bad")
    lines = (bad / "results.jsonl").read_text().splitlines()
    lines[1] = "{broken"
    (bad / "results.jsonl").write_text("\n".join(lines) + "\n")
    (bad / "results.parquet").unlink()
    err = _usage_error(["report", str(bad)], capsys)
    assert err.startswith(f"error: {bad / 'results.jsonl'}: line 2 is not valid JSON")
    err = _usage_error(["compare", str(run_dir), str(bad)], capsys)
    assert "line 2 is not valid JSON" in err


def test_a_line_that_is_not_a_result_row(run_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = _copy(run_dir, tmp_path, "bad")
    with open(bad / "results.jsonl", "a") as fh:
        fh.write('{"foo": 1}\n')
    err = _usage_error(["report", str(bad)], capsys)
    assert "row 6 is not a result row (no suite, case, target, passed)" in err


def test_corrupt_run_json(run_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = _copy(run_dir, tmp_path, "bad")
    (bad / "run.json").write_text("{")
    err = _usage_error(["report", str(bad)], capsys)
    assert f"{bad / 'run.json'}: not valid JSON" in err


def test_corrupt_parquet_falls_back_to_the_jsonl(run_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = _copy(run_dir, tmp_path, "bad")
    (bad / "results.parquet").write_text("garbage")
    assert main(["report", str(bad)]) == 0
    assert "PASS, 5/5 jobs passed" in (bad / "summary.md").read_text()
    capsys.readouterr()


def test_compare_runs_sharing_no_job(run_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other"
    assert main(["run", str(ROOT / "suites" / "json.yaml"), "--target", "mistral/mistral-medium-3.5",
                 "--mode", "replay", "--cassettes", str(ROOT / "cassettes"), "--out", str(other),
                 "-q"]) == 0
    (other_run,) = [p for p in other.iterdir() if p.is_dir()]
    err = _usage_error(["compare", str(run_dir), str(other_run), "--out", str(tmp_path)], capsys)
    assert "share no job" in err


def test_compare_gate_fails_when_the_candidate_dropped_jobs(run_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                            capsys) -> None:
    fewer = _copy(run_dir, tmp_path, "fewer")
    lines = (fewer / "results.jsonl").read_text().splitlines()
    (fewer / "results.jsonl").write_text("\n".join(lines[:3]) + "\n")
    (fewer / "results.parquet").unlink()
    assert main(["compare", str(run_dir), str(fewer), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 job(s) only in A (dropped by B), 0 only in B (new in B)" in out
    assert main(["compare", str(run_dir), str(fewer), "--out", str(tmp_path),
                 "--fail-on-regression"]) == 1
    out = capsys.readouterr().out  # the default gate: unexpected coverage loss fails
    assert "GATE FAIL: 1 of 12 thresholds failed (missing_cases)" in out
    assert "baseline cases the candidate did not run: 2, of which 0 expected" in out
    assert "Only in A (dropped by B)" in (tmp_path / "compare.md").read_text()


def test_missing_recording_hint_names_the_run_s_cassettes_folder(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from harness.engine.results import read_results

    empty = tmp_path / "my-cassettes"
    code = main(["run", str(ROOT / "suites" / "json.yaml"), "--target", "mistral/mistral-medium-3.5",
                 "--mode", "replay", "--cassettes", str(empty), "--out", str(tmp_path / "o"), "-q"])
    capsys.readouterr()
    assert code == 1
    (folder,) = list((tmp_path / "o").iterdir())
    rows = read_results(folder)
    assert {r["error_class"] for r in rows} == {"no_recording"}
    assert all(f"--mode record --cassettes {empty}`" in r["error_message"] for r in rows)


def test_audit_fails_on_a_damaged_cassette_but_skips_other_yaml(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "cass"
    folder.mkdir()
    good = ROOT / "cassettes" / "basic" / "haiku" / "mistral" / "mistral-medium-3.5.yaml"
    shutil.copy(good, folder / "good.yaml")
    (folder / "other.yaml").write_text("a: 1\n")
    assert main(["audit", str(folder), "--out", str(tmp_path / "o"), "-q"]) == 0
    (folder / "trunc.yaml").write_text(good.read_text()[:300])
    assert main(["audit", str(folder), "--out", str(tmp_path / "o"), "-q"]) == 1
    out = capsys.readouterr().out
    assert "1 damaged file(s) could not be read" in out


def test_tokens_per_s_only_where_tokens_were_spread_over_time(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from harness.engine.results import read_results

    code = main(["run", str(ROOT / "suites" / "streaming.yaml"), "--target",
                 "mistral/mistral-medium-3.5", "--mode", "replay", "--cassettes",
                 str(ROOT / "cassettes"), "--out", str(tmp_path), "-q"])
    capsys.readouterr()
    assert code == 0
    (folder,) = list(tmp_path.iterdir())
    rows = {r["case"]: r for r in read_results(folder)}
    # the whole tool call arrives in one event (as Mistral sends it): no speed to measure
    assert rows["chat_stream_tool_call"]["tokens_per_s"] is None
    essay = rows["chat_stream"]
    assert essay["stream_events"] > 3
    assert 10 < essay["tokens_per_s"] < 5000
