"""Trend figures, drift and the regression rule on synthetic nights, through the store of each
kind and the `harness history` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.history.append import add_run_dirs
from harness.history.connect import open_store
from harness.history.regressions import regressions
from harness.history.shapes import top_keys
from harness.history.spec import StoreSpec
from harness.history.views import list_view, regression_report, trend_points
from tests.history.support import night
from tests.report.support import row, write_run


def test_regressions_date_each_case_from_its_last_pass(spec: StoreSpec, tmp_path: Path) -> None:
    dirs = [night(tmp_path, 1, {"c": "never worked"}),
            night(tmp_path, 2, {"c": "never worked"}),
            night(tmp_path, 3, {"a": "a broke", "c": "never worked"}),
            night(tmp_path, 4, {"a": "a still broken", "b": "b broke", "c": "never worked"}),
            night(tmp_path, 5, {"b": "b broke again", "c": "never worked"}),
            night(tmp_path, 6, {"a": "a broke twice", "c": "never worked"})]
    with open_store(spec) as store:
        add_run_dirs(store, dirs)
        report = regression_report(store)
        window = regression_report(store, last=2)
    assert report.lines == [
        ("night 3 (run night-3): s::a on p/a started failing (passed in run night-2, night 2): "
         "[contains] a broke; passes again since night 5 (run night-5)"),
        ("night 4 (run night-4): s::b on p/a started failing (passed in run night-3, night 3): "
         "[contains] b broke; passes again since night 6 (run night-6)"),
        ("night 6 (run night-6): s::a on p/a started failing (passed in run night-5, night 5): "
         "[contains] a broke twice; still failing"),
        "never passed in these runs (not regressions): p/a: s::c",
    ]
    assert [r.case for r in report.open] == ["s::a"]
    assert [(r.night, r.case) for r in window.found] == [(6, "s::a")]  # numbered in the series


def test_a_case_fails_in_a_run_when_any_of_its_jobs_fails() -> None:
    runs = [{"run_id": "r1"}, {"run_id": "r2"}]
    by_run = {"r1": [row("a", passed=True)], "r2": [row("a", passed=False, repeat=1)]}
    found, never = regressions("p/a", runs, by_run)
    assert [(r.night, r.passed_night) for r in found] == [(2, 1)] and never == []
    # a case fails when any one of its repeats fails
    by_run["r1"].append(row("a", passed=False, repeat=2, repeats=3))
    assert regressions("p/a", runs, by_run) == ([], ["s::a"])


def test_trend_figures_case_and_check_filters(spec: StoreSpec, tmp_path: Path) -> None:
    dirs = [night(tmp_path, 1), night(tmp_path, 2, {"b": "broke"}),
            night(tmp_path, 3, status="interrupted")]
    with open_store(spec) as store:
        add_run_dirs(store, dirs)
        points = trend_points(store, "p/a")
        one = trend_points(store, "p/a", case="s::b", last=2)
        check = trend_points(store, "p/a", check="status")
        listing = list_view(store, target="p/a", last=2)
        with pytest.raises(Exception, match="no run of p/zz"):
            trend_points(store, "p/zz")
    assert [(p.run_id, p.cases_passed, p.cases, p.status) for p in points] == [
        ("night-1", 3, 3, "complete"), ("night-2", 2, 3, "complete"),
        ("night-3", 3, 3, "interrupted")]
    assert points[1].pass_rate == pytest.approx(2 / 3)
    assert points[0].p50_ms == pytest.approx(110.0) and points[2].p95_ms == pytest.approx(130.0)
    assert points[0].ttft_p50_ms == pytest.approx(27.5)
    assert points[0].cost_per_case == pytest.approx(0.001)
    assert [(p.run_id, p.pass_rate) for p in one] == [("night-2", 0.0), ("night-3", 1.0)]
    assert [p.pass_rate for p in check] == [1.0, 1.0, 1.0]  # the failure is a contains check
    lines = listing.splitlines()
    assert lines[0].split()[:3] == ["run", "started", "status"]
    assert [ln.split()[0] for ln in lines[1:]] == ["night-2", "night-3"]
    assert "66.7%" in lines[1] and "interrupted" in lines[2]


def _shaped(case: str, body: dict, **extra: object) -> dict:
    return row(case, response_excerpt=json.dumps(body), **extra)


def test_drift_of_error_envelopes_and_response_keys(spec: StoreSpec, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ok1 = {"id": "x", "choices": [], "usage": {}}
    ok2 = {"id": "x", "choices": [], "service_tier": "auto"}
    err = {"error": {"message": "bad"}}
    meta = {"fingerprints": {"suites": "f", "prices": "p", "plan": "q"}}
    write_run(tmp_path, "r1", [_shaped("a", ok1), _shaped("b", err, status_code=422,
                                                             error_variant="mistral.flat")],
              started_at="2026-12-01T00:00:00+00:00", **meta)
    write_run(tmp_path, "r2", [_shaped("a", ok2), _shaped("b", err, status_code=422,
                                                             error_variant="openai.error")],
              started_at="2026-12-02T00:00:00+00:00", **meta)
    history = str(tmp_path / "h.sqlite") if spec.kind == "sqlite" else spec.target
    assert main(["history", "add", str(tmp_path), "--history", history]) == 0
    capsys.readouterr()
    assert main(["history", "trend", "--target", "p/a", "--history", history]) == 0
    out = capsys.readouterr().out
    assert "run r2: error envelopes new openai.error (1 jobs); no more mistral.flat" in out
    assert "run r2: chat response keys +service_tier -usage" in out
    assert top_keys('{"id": 1, "choices": [{"message": {"content": "cut sh') == {"id", "choices"}
    assert top_keys("data: {}") is None and top_keys('{"a": 1}') == {"a"}


def test_history_cli_errors_and_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARNESS_HISTORY", raising=False)
    assert main(["history", "list"]) == 2
    assert "no history at reports/history.sqlite" in capsys.readouterr().err
    night(tmp_path / "reports", 1)
    night(tmp_path / "reports", 2, status="running")
    assert main(["history", "add", "reports"]) == 1  # the running one is refused
    out = capsys.readouterr().out
    assert "added run night-1 to the history reports/history.sqlite" in out
    assert "run night-2 not added: run.json says it is still running" in out
    assert (tmp_path / "reports" / "history.sqlite").is_file()
    monkeypatch.setenv("HARNESS_HISTORY", str(tmp_path / "env.sqlite"))
    assert main(["history", "add", "reports/night-1"]) == 0
    assert f"added run night-1 to the history {tmp_path / 'env.sqlite'}" in capsys.readouterr().out
    assert main(["history", "list", "--history", "mysql://u:pw12345678@h/db"]) == 2
    err = capsys.readouterr().err
    assert "unknown store" in err and "pw12345678" not in err
    assert main(["run", "x.yaml", "--target", "p/a", "--history", "ftp://h/x"]) == 2
    assert "--history: unknown store" in capsys.readouterr().err


def test_history_help_imports_no_database_driver() -> None:
    import subprocess
    import sys

    code = ("import sys, contextlib, io\nfrom harness.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    for argv in (['--help'], ['history', '--help'], ['history', 'trend', '--help']):\n"
            "        try: main(argv)\n        except SystemExit: pass\n"
            "print(','.join(m for m in ('psycopg', 'pandas', 'httpx') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_harness_history_env_is_the_store_of_a_run(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import harness

    suite = tmp_path / "s.yaml"
    suite.write_text("suite: s\ncases:\n  - id: a\n    request: {messages: [{role: user, "
                     "content: hi}]}\n    expect: [{status: 200}]\n", encoding="utf-8")
    monkeypatch.setenv("HARNESS_HISTORY", str(tmp_path / "env.sqlite"))
    result = harness.run(suite, targets="mistral/mistral-medium-3.5", simulate=True,
                         sim_latency_ms=0, out=tmp_path / "out", run_id="r-env")
    assert f"added run r-env to the history {tmp_path / 'env.sqlite'}" in result.lines
    from harness.history.spec import parse_spec

    with open_store(parse_spec(str(tmp_path / "env.sqlite"))) as store:
        [run] = store.runs()
    assert run["run_id"] == "r-env" and run["runner"] == "api" and run["suites_fp"]
