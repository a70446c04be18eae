"""`harness validate` reports every error of every file, then exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.main import main

GOOD = "cases:\n  - id: a\n    request: {messages: [{role: user, content: hi}]}\n"


def test_every_bad_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "a_bad.yaml").write_text(GOOD.replace("request", "reqest"), encoding="utf-8")
    (folder / "b_good.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "c_bad.yaml").write_text("cases: [\n", encoding="utf-8")
    code = main(["validate", str(folder), str(tmp_path / "missing.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == f"ok  {folder / 'b_good.yaml'}: suite 'b_good', 1 cases, 1 requests per target\n"
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert [line.split(":")[1].strip() for line in lines] == [
        str(folder / "a_bad.yaml"), str(folder / "c_bad.yaml"), str(tmp_path / "missing.yaml")]
    assert "did you mean 'request'?" in lines[0]
    assert err.endswith("3 error(s)\n")


def test_duplicate_suite_names_across_files(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("x.yaml", "y.yaml"):
        (tmp_path / name).write_text("suite: same\n" + GOOD, encoding="utf-8")
    assert main(["validate", str(tmp_path / "x.yaml"), str(tmp_path / "y.yaml")]) == 2
    assert "suite name 'same' is already used by" in capsys.readouterr().err
