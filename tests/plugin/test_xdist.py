"""The plugin under pytest-xdist (in a subprocess), and its rows against `harness run`'s.

One scenario, three runs over the bundled suites on two targets (simulators):
  1. `pytest suites -n 2 --harness-mode record`: two workers record the cassettes (the repeats
     of a case may land on different workers) and write their rows; the run folder ends with
     every row in one results.jsonl;
  2. `pytest suites -n 2 --harness-mode replay` on those cassettes;
  3. `harness run suites --mode replay` on the same cassettes;
and the rows of 2 and 3 are the same, but for run_id, started_at, the measured timings and
the order of the jobs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.cli.main import main
from harness.engine.results import read_results
from tests.plugin.conftest import KEY, ROOT, TARGETS, harness_args, run_dirs

pytest_plugins = ["pytester"]

# measured now, so different in every run; recorded_latency_ms (from the cassette) is compared
MEASURED = ("run_id", "started_at", "latency_ms", "ttft_ms", "ttfb_ms", "itl_ms",
            "tokens_per_s", "turn_latencies_ms")


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [{k: v for k, v in row.items() if k not in MEASURED} for row in rows]
    return sorted(out, key=lambda r: (r["job_id"]))


def _one_run(out: Path) -> tuple[Path, list[dict[str, Any]], dict[str, Any]]:
    (run_dir,) = run_dirs(out)
    assert not list(run_dir.glob("results-*.jsonl")), "worker files are merged and removed"
    meta = json.loads((run_dir / "run.json").read_text())
    return run_dir, read_results(run_dir), meta


def test_xdist_runs_write_every_row_and_match_harness_run_on_the_same_cassettes(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "suites", project.path / "suites")
    common = ("suites", "-n", "2", "--harness-cassettes", "cassettes")

    # 1. record with two workers
    result = project.runpytest_subprocess(
        *harness_args(*common, "-v", "--harness-mode", "record", out="recorded"), timeout=90)
    assert result.ret == 0, result.stdout.str()
    items = result.parseoutcomes()["passed"]
    assert items > 100
    # the repeats of a case on one target run in one worker (the plugin's xdist scheduler)
    workers: dict[str, set[str]] = {}
    for line in result.outlines:
        m = re.match(r"\[(gw\d)\].* PASSED (suites/params.yaml::seed_reproducible\[.*)-r\d\]",
                     line)
        if m:
            workers.setdefault(m.group(2), set()).add(m.group(1))
    assert len(workers) == 2 and all(len(w) == 1 for w in workers.values()), workers
    _, rows, meta = _one_run(project.path / "recorded")
    assert len(rows) == items == meta["jobs"]
    assert len({r["job_id"] for r in rows}) == items
    assert {r["mode"] for r in rows} == {"record"}
    assert (meta["status"], meta["workers"], meta["passed"]) == ("complete", 2, items)
    for path in [*project.path.joinpath("cassettes").rglob("*"),
                 *project.path.joinpath("recorded").rglob("*")]:
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path

    # 2. replay with two workers
    result = project.runpytest_subprocess(
        *harness_args(*common, "-q", "--harness-mode", "replay", out="pytest"), timeout=90)
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=items)
    _, plugin_rows, meta = _one_run(project.path / "pytest")
    assert len(plugin_rows) == items and meta["workers"] == 2
    assert {r["mode"] for r in plugin_rows} == {"replay"}

    # 3. the CLI on the same cassettes
    code = main(["run", "suites", "--target", TARGETS[0], "--target", TARGETS[1],
                 "--providers", "providers.yaml", "--mode", "replay", "--cassettes",
                 "cassettes", "--out", "cli", "-q"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    _, cli_rows, _ = _one_run(project.path / "cli")

    assert _comparable(plugin_rows) == _comparable(cli_rows)
