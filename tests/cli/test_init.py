"""`harness init`: the scaffold validates, runs against the simulator, its HARNESS.md steps and
its workflow's harness lines run as written (live lines against the simulator), and existing
files are kept unless --force."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from harness.cli.init_files import FILES, TARGET
from harness.cli.main import main
from tests.examples.test_workflows import harness_lines


@pytest.fixture
def scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Path:
    """A project made by `harness init new` in a fresh folder, the current folder inside it."""
    for var in ("MYLLM_API_KEY", "MYLLM_BASE_URL", "HARNESS_HISTORY", "HARNESS_TARGETS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "new"]) == 0
    assert "next steps: new/HARNESS.md" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path / "new")
    return tmp_path / "new"


def _run(command: str, capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    argv = shlex.split(command)[1:]
    code = main([*argv, *extra] if argv[0] == "run" else argv)
    out = capsys.readouterr()
    assert code == 0, f"`{command}` exited {code}\n{out.out[-3000:]}{out.err[-2000:]}"


def test_the_scaffold_validates_and_runs_offline(scaffold: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert sorted(p.relative_to(scaffold).as_posix() for p in scaffold.rglob("*")
                  if p.is_file()) == sorted(FILES)
    assert main(["validate", "suites/", "providers.yaml"]) == 0
    assert "3 cases" in capsys.readouterr().out
    _run(f"harness run suites/ --target {TARGET} --providers providers.yaml --simulate",
         capsys, "--sim-latency-ms", "0", "-q")


def test_the_guide_and_the_workflow_run_as_written(scaffold: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    guide = [line.strip() for line in (scaffold / "HARNESS.md").read_text().splitlines()
             if line.startswith("       harness ")]
    assert len(guide) == 5
    for command in guide:  # the record step from the simulator: no key here
        extra = ["--simulate"] if "--mode record" in command else []
        _run(command, capsys, *extra, "--sim-latency-ms", "0", "-q")
    assert (scaffold / "baselines" / "main" / "run.json").is_file()
    (scaffold / "reports" / "candidate").rename(scaffold / "reports" / "guide-candidate")
    workflow = yaml.safe_load((scaffold / ".github/workflows/harness.yml").read_text())
    assert set(workflow[True]) == {"pull_request", "schedule", "workflow_dispatch"}  # on:
    lines = list(harness_lines(workflow))
    assert [job for job, _ in lines] == ["replay-gate", "replay-gate", "nightly"]
    assert "--mode replay" in lines[0][1] and "--mode live" in lines[2][1]
    for _, command in lines:  # the live nightly against the simulator
        extra = ["--simulate"] if "--mode live" in command else []
        _run(command, capsys, *extra, "--sim-latency-ms", "0", "-q")
    assert (scaffold / "reports" / "candidate" / "gate.md").is_file()


def test_existing_files_are_a_usage_error_unless_force(
    scaffold: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (scaffold / "providers.yaml").write_text("# mine\n", encoding="utf-8")
    (scaffold / "HARNESS.md").unlink()
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert ("error: harness init: suites/smoke.yaml, providers.yaml, "
            ".github/workflows/harness.yml already exist; pass --force to overwrite") in err
    assert (scaffold / "providers.yaml").read_text() == "# mine\n"
    assert not (scaffold / "HARNESS.md").exists()  # nothing written
    assert main(["init", "--force"]) == 0
    assert (scaffold / "providers.yaml").read_text() == FILES["providers.yaml"]


def test_a_file_in_place_of_the_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "f").write_text("", encoding="utf-8")
    assert main(["init", str(tmp_path / "f")]) == 2
    assert "is not a folder" in capsys.readouterr().err
