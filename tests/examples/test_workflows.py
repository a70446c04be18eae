"""The GitHub Actions examples cannot rot: every `harness` command line of every workflow in
examples/github-actions/ runs here, in order, job by job (matrix expanded), in a copy of the
project: the PR gate and the sharded run replay the bundled cassettes as written; the live
nightly runs against reference simulators standing in for the two providers (a providers file
aims `mistral` and `empiriolabs` at them, under their real names) with HARNESS_HISTORY pointing
at a local SQLite file instead of the team's PostgreSQL secret."""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli.main import main
from harness.sim import SimConfig, SimServer

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / "examples" / "github-actions").glob("*.yml"))
EXPR = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")
KEY = "sk-nightly-TESTKEY-0f1e2d3c4b5a6978"


def harness_lines(workflow: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(job, command) for every `harness ...` command of every `run:` step, matrix expanded."""
    for job_name, job in workflow["jobs"].items():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        keys = list(matrix)
        combos = list(itertools.product(*(matrix[k] for k in keys))) or [()]
        for combo in combos:
            values = dict(zip(keys, combo, strict=True))
            for step in job["steps"]:
                for part in re.split(r"&&|\n", str(step.get("run") or "")):
                    command = EXPR.sub(lambda m, v=values: str(v[m.group(1)]), part.strip())
                    if command.startswith("harness "):
                        yield job_name, command


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("suites", "cassettes", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for var in ("MISTRAL_API_KEY", "EMPIRIOLABS_API_KEY", "HARNESS_HISTORY", "HARNESS_TARGETS"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def simulated_providers(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """mistral and empiriolabs aimed at simulators (real names, keys from the environment)."""
    with SimServer(SimConfig(dialect="mistral", api_keys={KEY})) as m, SimServer(
        SimConfig(dialect="openai", api_keys={KEY})
    ) as g:
        path = project / "providers.yaml"
        path.write_text(f"providers:\n  mistral:\n    extends: mistral\n    base_url: {m.url}\n"
                        f"  empiriolabs:\n    extends: empiriolabs\n    base_url: {g.url}\n",
                        encoding="utf-8")
        monkeypatch.setenv("MISTRAL_API_KEY", KEY)
        monkeypatch.setenv("EMPIRIOLABS_API_KEY", KEY)
        monkeypatch.setenv("HARNESS_HISTORY", str(project / "reports" / "history.sqlite"))
        yield path


def _run(command: str, extra: list[str]) -> int:
    argv = shlex.split(command)[1:]
    if argv[0] == "run":
        argv += extra
    return main(argv)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_every_harness_line_of_the_workflow_runs(
    path: Path, project: Path, request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = list(harness_lines(workflow))
    assert lines, f"{path.name} has no harness command"
    extra: list[str] = []
    if "--mode live" in " ".join(c for _, c in lines):
        providers = request.getfixturevalue("simulated_providers")
        extra = ["--providers", str(providers), "--sim-latency-ms", "0"]
    for job, command in lines:
        code = _run(command, extra)
        out = capsys.readouterr()
        assert code == 0, f"{path.name} job {job}: `{command}` exited {code}\n{out.out[-3000:]}{out.err[-2000:]}"
    if path.stem == "sharded":
        assert (project / "merged" / "summary.md").is_file()
    if path.stem == "pr-gate":
        assert (project / "reports" / "candidate" / "gate.md").is_file()
    if path.stem == "nightly":
        assert (project / "reports" / "history.sqlite").is_file()
        assert (project / "reports" / "trend.html").is_file()


def test_the_workflows_are_the_three_recipes() -> None:
    assert [p.stem for p in WORKFLOWS] == ["nightly", "pr-gate", "sharded"]
    shard = yaml.safe_load((ROOT / "examples/github-actions/sharded.yml").read_text())
    assert shard["jobs"]["merge"]["needs"] == "shard"
    assert shutil.which  # (the workflows install with requirements.lock, as make does)
