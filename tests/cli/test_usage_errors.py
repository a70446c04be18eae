"""Usage errors exit 2 with one paragraph on stderr and no traceback; nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
BASIC = str(ROOT / "suites" / "basic.yaml")


def _err(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_broken_suite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - id: a\n    request:\n      temprature: 1\n      messages: []\n",
                   encoding="utf-8")
    err = _err(["run", str(bad), "--target", "mistral/mistral-medium-3.5"], capsys)
    assert err.startswith(
        f"error: {bad}: line 4: unknown key 'temprature' in case 'a' request; "
        "did you mean 'temperature'?")
    err = _err(["validate", str(bad)], capsys)
    assert "did you mean 'temperature'?" in err


def test_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    err = _err(["run", BASIC, "--target", "mistral/mistral-medium-3.6"], capsys)
    assert err.startswith(
        "error: provider 'mistral' has no model 'mistral-medium-3.6' (did you mean 'mistral-medium-3.5'?)")


def test_no_target(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_TARGETS", raising=False)
    err = _err(["run", BASIC], capsys)
    assert err.startswith("error: no target given: pass --target provider/model")


def test_missing_key_names_the_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    err = _err(["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--out", str(tmp_path),
                "--mode", "live"], capsys)
    assert err.startswith("error: missing API key: set MISTRAL_API_KEY (for mistral) in the environment.")
    assert not any(tmp_path.iterdir())  # nothing started


def test_no_key_and_no_recordings_is_the_missing_key_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    err = _err(["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--out", str(tmp_path / "o"),
                "--cassettes", str(tmp_path / "none")], capsys)
    assert err.startswith("error: missing API key: set MISTRAL_API_KEY (for mistral) in the environment.")
    assert not any(tmp_path.iterdir())  # nothing started


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--concurrency", "0"],
         "argument -c/--concurrency: expected a positive integer, got '0'"),
        (["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--shard", "3/2"],
         "--shard expects K/N with 1 <= K <= N, got '3/2'"),
        (["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--bogus"],
         "unrecognized argument --bogus"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        (["run", "no/such/dir", "--target", "mistral/mistral-medium-3.5"], "no/such/dir"),
    ],
)
def test_bad_flags(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", "x")
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_providers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("providers: {x: {base_url: 'http://a', dialect: klingon}}", encoding="utf-8")
    err = _err(["targets", "--providers", str(p)], capsys)
    assert f"{p}: line 1: provider 'x' dialect must be one of openai, mistral, anthropic" in err


def test_targets_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    assert "empiriolabs/mistral-medium-3-1" in out and "web_search $0.013" in out
    assert "mistral/mistral-medium-3.5" in out and "$1.5" in out and "$7.5" in out


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "suites")]) == 0
    assert "ok  " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--port", "99999"], "argument --port: must be between 0 and 65535, got 99999"),
        (["simulate", "--fault-rate", "1.5"], "argument --fault-rate: must be between 0 and 1, got 1.5"),
        (["simulate", "--latency-ms", "-5"], "argument --latency-ms: must be >= 0, got -5"),
        (["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--timeout", "-1"],
         "argument --timeout: must be > 0, got -1"),
        (["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--timeout", "soon"],
         "argument --timeout: expected a number, got 'soon'"),
    ],
)
def test_numbers_out_of_range(argv: list[str], message: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_unwritable_out_folder(capsys: pytest.CaptureFixture[str]) -> None:
    err = _err(["run", BASIC, "--target", "mistral/mistral-medium-3.5", "--mode", "replay",
                "--out", "/proc/no-such-place"], capsys)
    assert "error: cannot create the output folder /proc/no-such-place" in err


def test_simulate_on_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        err = _err(["simulate", "--port", str(busy)], capsys)
    assert f"cannot listen on 127.0.0.1:{busy}" in err
