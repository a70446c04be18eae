"""The parser: --version, "did you mean" for misspelt flags, subcommands and choices."""

from __future__ import annotations

import pytest

from harness import __version__
from harness.cli.main import build_parser, main


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: harness")
    assert "\n\n" not in err  # one paragraph
    return err.splitlines()[-1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"harness {__version__}\n"


def test_misspelt_flag(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["run", "--targt", "X"], capsys)
    assert line == "error: unrecognized argument --targt; did you mean --target?"


def test_misspelt_flag_of_another_command(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["validate", "x.yaml", "--max-jbs", "3"], capsys)
    assert line == "error: unrecognized argument --max-jbs; did you mean --max-jobs?"


def test_unknown_flag_without_a_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["run", "--zzzzzz"], capsys)
    assert line == "error: unrecognized argument --zzzzzz"


def test_misspelt_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["rnu"], capsys)
    assert line.startswith("error: argument COMMAND: invalid choice: 'rnu'")
    assert line.endswith("; did you mean run?")


def test_misspelt_choice(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(["run", "--mode", "repaly"], capsys)
    assert line.endswith("; did you mean replay?")


def test_every_command_has_a_description() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sub.choices
    missing = [name for name, p in sub.choices.items() if not p.description]  # type: ignore[union-attr]
    assert missing == []
