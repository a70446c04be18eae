"""`harness run` / `harness validate` with --case, --tag, --repeat."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli.main import main
from harness.engine.results import read_results

SUITE = """
suite: sel
defaults:
  request: {messages: [{role: user, content: hi}]}
  expect: [{status: 200}]
cases:
  - {id: alpha, tags: [fast]}
  - {id: beta, tags: [slow]}
  - {id: gamma, tags: [fast, flaky]}
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "sel.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return path


def _run(suite: Path, out: Path, *extra: str) -> list[dict]:  # type: ignore[type-arg]
    code = main(["run", str(suite), "--target", "mistral/mistral-medium-3.5", "--simulate",
                 "--sim-latency-ms", "0", "--out", str(out), "--run-id", "r", "-q", *extra])
    assert code == 0
    return read_results(out / "r" / "results.jsonl")


def test_run_selects_cases_and_repeats(suite: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    rows = _run(suite, tmp_path / "o", "--tag", "fast", "--tag", "not:flaky", "--repeat", "3")
    assert sorted((r["case"], r["repeat"]) for r in rows) == [("alpha", 0), ("alpha", 1),
                                                             ("alpha", 2)]
    rows = _run(suite, tmp_path / "o2", "--case", "sel::b*", "--case", "gamma")
    assert sorted(r["case"] for r in rows) == ["beta", "gamma"]


def test_run_selecting_nothing_is_a_usage_error(suite: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(suite), "--target", "mistral/mistral-medium-3.5", "--simulate",
                 "--out", str(tmp_path / "o"), "--case", "zeta", "--tag", "fast"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"error: no case matches --case 'zeta' --tag 'fast' in {suite}\n"
    assert not (tmp_path / "o").exists()


def test_validate_counts_the_selected_jobs(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(suite), "--tag", "fast", "--repeat", "4"]) == 0
    out = capsys.readouterr().out
    assert out == f"ok  {suite}: suite 'sel', 2 of 3 cases selected, 8 requests per target\n"
    assert main(["validate", str(suite), "--case", "nope"]) == 2
    assert "error: no case matches --case 'nope'" in capsys.readouterr().err
