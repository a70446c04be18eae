"""`harness compare RUN_A RUN_B` on two simulator runs with a known difference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.engine.results import read_results
from harness.report.stats import fisher_less, mcnemar_exact
from tests.cli.conftest import SECRET, faulty_sim
from tests.report.support import row, write_run

SUITE = """
suite: cmp
cases:
  - id: hello
    repeat: 6
    request:
      messages: [{role: user, content: hi}]
  - id: haiku
    repeat: 6
    request:
      messages: [{role: user, content: write a haiku}]
"""


def _providers(path: Path, url: str) -> Path:
    path.write_text("providers:\n  f:\n    extends: empiriolabs\n    base_url: " + url
                    + "\n    api_key_env: TEST_PROVIDER_KEY\n", encoding="utf-8")
    return path


def _run(tmp_path: Path, name: str, suite: Path, providers: Path) -> Path:
    out = tmp_path / name
    main(["run", str(suite), "--target", "f/mistral-medium-3-1", "--providers", str(providers),
          "--out", str(out), "-q", "--retries", "0", "--concurrency", "1"])
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def test_compare_finds_the_injected_failures(
    tmp_path: Path, sims, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TEST_PROVIDER_KEY", SECRET)
    suite = tmp_path / "cmp.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    run_a = _run(tmp_path, "a", suite, _providers(tmp_path / "a.yaml", sims["openai"].url))
    with faulty_sim(rate=0.6, seed=3) as sim:
        run_b = _run(tmp_path, "b", suite, _providers(tmp_path / "b.yaml", sim.url))
    capsys.readouterr()
    rows_a, rows_b = read_results(run_a), read_results(run_b)
    assert all(r["passed"] for r in rows_a)
    broken = sum(not r["passed"] for r in rows_b)
    assert 3 <= broken < 12  # the simulator's seeded faults

    code = main(["compare", str(run_a), str(run_b), "--fail-on-regression"])
    out = capsys.readouterr().out
    data = json.loads((run_b / "compare.json").read_text())
    (pair,) = data["pairs"]
    assert data["pairing"] == "same targets"
    assert (pair["n"], pair["a_only"], pair["b_only"]) == (12, broken, 0)
    # the test counts cases, the six repeats of a case being one observation
    per_case = {c: sum(r["passed"] for r in rows_b if r["case"] == c) for c in ("hello", "haiku")}
    worse = sum(k < 6 for k in per_case.values())
    assert (pair["units"], pair["units_worse"], pair["units_better"]) == (2, worse, 0)
    assert pair["p_value"] == pytest.approx(mcnemar_exact(worse, 0))
    assert pair["diff"] == pytest.approx(-worse / 2)
    assert pair["regression"] is False  # two cases can never make a significant test
    # --fail-on-regression is the default gate: a case falling from 6/6 counts when it fails
    # every repeat or its drop is significant on the repeat counts (one-sided Fisher)
    gate = json.loads((run_b / "gate.json").read_text())
    regressions = next(t for t in gate["thresholds"] if t["name"] == "regressions")
    expected = sum(k == 0 or fisher_less(6, 6, k, 6) < 0.05 for k in per_case.values())
    assert regressions["value"] == expected
    assert code == gate["exit_code"] == (0 if gate["passed"] else 1)
    assert ("GATE FAIL" if code else "GATE PASS") in out and "A f/mistral-medium-3-1" in out
    md = (run_b / "compare.md").read_text()
    assert f"Regressions (passed on A, failed on B): {broken}" in md
    failed = {f"cmp::{r['case']}::r{r['repeat']}" for r in rows_b if not r["passed"]}
    assert {line[3:-1] for line in md.splitlines() if line.startswith("- `cmp::")} == failed

    # without the flag: exit 0; swapped (B as baseline) the candidate improved
    out_dir = tmp_path / "cmp-out"
    code = main(["compare", str(run_b), str(run_a), "--out", str(out_dir),
                 "--fail-on-regression"])
    swapped = json.loads((out_dir / "gate.json").read_text())
    verdicts = {t["name"]: t["status"] for t in swapped["thresholds"]}
    # the pass-rate side improved; the latency thresholds compare two live simulator runs
    # (a loaded machine can slow one of them), so only their consistency is asserted
    assert verdicts["regressions"] == verdicts["pass_rate_drop"] == "PASS"
    assert code == swapped["exit_code"]
    assert all(s == "PASS" or n.startswith(("latency", "ttft")) for n, s in verdicts.items()
               if s != "SKIP")
    assert (out_dir / "compare.md").exists() and (out_dir / "compare.json").exists()


def test_compare_different_targets_pairs_them_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_run(tmp_path, "a", [row(f"c{i}", t, latency_ms=100.0)
                                  for i in range(5) for t in ("x/1", "y/1")])
    b = write_run(tmp_path, "b", [row(f"c{i}", t, latency_ms=300.0, passed=i > 0)
                                  for i in range(5) for t in ("x/2", "y/2")])
    # c0 passed on A and fails on B: a stable regression (McNemar alone said p = 1); and B
    # is certainly 3x slower: the default gate fails both, for each paired target
    assert main(["compare", str(a), str(b), "--fail-on-regression"]) == 1
    out = capsys.readouterr().out
    assert out.count("GATE FAIL: 3 of 12 thresholds failed (regressions, latency_p50_ratio, "
                     "latency_p95_ratio)") == 2
    assert "  - s::c0: 1/1 -> 0/1 (stable regression)" in out
    data = json.loads((b / "compare.json").read_text())
    assert data["pairing"] == "target by target, in the order given"
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [("A x/1", "B x/2"), ("A y/1", "B y/2")]
    assert data["pairs"][0]["latency_ratio"] == pytest.approx(3.0)
    c = write_run(tmp_path, "c", [row(f"c{i}", "z/1") for i in range(5)])
    assert main(["compare", str(a), str(c)]) == 0
    capsys.readouterr()
    data = json.loads((c / "compare.json").read_text())
    assert data["pairing"] == "all targets of A vs all targets of B"
    assert [(p["a"], p["b"]) for p in data["pairs"]] == [("A x/1", "B z/1"), ("A y/1", "B z/1")]
