"""`harness gate CANDIDATE --against last-good` (and `harness history gate`): the baseline is
the last good run of the same target and suites in the history, never the candidate itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.gating.against import gate_against_history
from harness.history.spec import StoreSpec, parse_spec
from tests.history.conftest import postgres_server, postgres_url  # noqa: F401 (fixtures)
from tests.history.support import FPS, night


def _history(tmp_path: Path, *nights: Path) -> Path:
    store = tmp_path / "history.sqlite"
    assert main(["history", "add", *map(str, nights), "--history", str(store)]) == 0
    return store


def test_a_new_failure_fails_against_the_last_good_night(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n1, n2 = night(tmp_path, 1), night(tmp_path, 2)
    n3 = night(tmp_path, 3, {"b": "content does not contain 'zebra'"})
    store = _history(tmp_path, n1, n2, n3)  # the candidate is in the history already
    capsys.readouterr()
    assert main(["gate", str(n3), "--against", "last-good", "--history", str(store)]) == 1
    out = capsys.readouterr().out
    assert "vs baseline night-2 (p/a, 3 cases)" in out
    assert "FAIL regressions" in out and "s::b" in out
    assert f"last good run of p/a in the history {store}: night-2" in out
    data = json.loads((n3 / "gate.json").read_text())
    assert data["baseline"]["run_id"] == "night-2" and data["passed"] is False


def test_a_failed_night_is_never_the_baseline(tmp_path: Path) -> None:
    n1 = night(tmp_path, 1)
    n2 = night(tmp_path, 2, {"a": "boom"})
    n3 = night(tmp_path, 3)
    store = _history(tmp_path, n1, n2)
    verdict, base = gate_against_history(n3, parse_spec(str(store)), write=False)
    assert base == "night-1" and verdict.passed
    assert verdict.baseline.run_id == "night-1"


def test_other_suites_or_newer_runs_are_not_baselines(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    other = night(tmp_path, 1, fingerprints={**FPS, "suites": "othersuites00001"})
    n3 = night(tmp_path, 3)
    later = night(tmp_path, 4)
    store = _history(tmp_path, other, later)
    capsys.readouterr()
    assert main(["gate", str(n3), "--against", "last-good", "--history", str(store)]) == 2
    err = capsys.readouterr().err
    assert "holds no good run of p/a with the candidate's suites" in err
    assert "older than night-3" in err and "--baseline RUN" in err
    assert not (n3 / "gate.json").exists()


def test_history_gate_is_the_same_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    n1 = night(tmp_path, 1)
    n2 = night(tmp_path, 2, {"c": "status 500"})
    store = _history(tmp_path, n1)
    out_dir = tmp_path / "gate-out"
    code = main(["history", "gate", str(n2), "--history", str(store), "--out", str(out_dir),
                 "-q"])
    assert code == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("GATE FAIL")
    assert {p.name for p in out_dir.iterdir()} == {"gate.md", "gate.json", "gate-junit.xml"}


@pytest.mark.parametrize("argv, message", [
    (["--baseline", "x", "--against", "last-good"], "not both"),
    (["--against", "last-good", "--baseline-target", "p/a"], "--baseline-target goes with"),
    (["--against", "last-good", "--history", "{missing}"], "no history at"),
])
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                      message: str) -> None:
    n1 = night(tmp_path, 1)
    argv = [a.replace("{missing}", str(tmp_path / "none.sqlite")) for a in argv]
    if "--history" not in argv:
        argv += ["--history", str(_history(tmp_path, n1))]
    capsys.readouterr()
    assert main(["gate", str(n1), *argv]) == 2
    assert message in capsys.readouterr().err


def test_against_a_postgresql_history(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    url = postgres_url.replace("postgres@", "postgres:pw-s3cret-9@", 1)  # trust auth: unused
    n1, n2 = night(tmp_path, 1), night(tmp_path, 2, {"a": "boom"})
    assert main(["history", "add", str(n1), "--history", url]) == 0
    spec: StoreSpec = parse_spec(url)
    verdict, base = gate_against_history(n2, spec, write=False)
    assert base == "night-1" and not verdict.passed
    assert "pw-s3cret-9" not in verdict.notes[-1] and "postgres:***@" in verdict.notes[-1]
