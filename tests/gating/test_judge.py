"""judge_rows: every threshold passing and failing, the regression rule, pairing, determinism."""

from __future__ import annotations

import random
from typing import Any

import pytest

from harness.core.errors import UsageError
from harness.gating import GateSpec, judge_rows
from harness.gating.spec import Match
from harness.report import stats
from tests.report.support import row

BASE, CAND = "mistral/m", "empiriolabs/m"


def _run(target: str, n: int = 89, **kw: Any) -> list[dict[str, Any]]:
    return [row(f"c{i:02d}", target, run_id=target, **kw) for i in range(n)]


def _repeats(case: str, target: str, passes: list[bool]) -> list[dict[str, Any]]:
    return [row(case, target, passed=ok, repeat=r, repeats=len(passes), run_id=target)
            for r, ok in enumerate(passes)]


def _status(verdict: Any, name: str) -> str:
    return str(verdict.result(name).status)


def test_identical_runs_pass_every_threshold() -> None:
    verdict = judge_rows(_run(CAND), _run(BASE))
    assert verdict.passed and verdict.exit_code == 0
    assert {r.status for r in verdict.results} <= {"PASS", "SKIP"}
    assert [r.name for r in verdict.results if r.status == "SKIP"] == [
        "pass_rate", "ttft_p50_ratio", "ttft_p95_ratio", "must_pass", "budget_usd"]
    assert verdict.common_cases == 89 and verdict.flips == []


def test_three_of_89_stable_regressions_fail_the_default_gate() -> None:
    cand = _run(CAND)
    for r in cand[10:13]:
        r["passed"] = False
    verdict = judge_rows(cand, _run(BASE))
    assert not verdict.passed
    assert [r.name for r in verdict.failed] == ["regressions"]
    reg = verdict.result("regressions")
    assert reg.value == 3
    assert reg.items == [f"s::c{i}: 1/1 -> 0/1 (stable regression)" for i in (10, 11, 12)]
    # McNemar cannot be significant on 3 discordant pairs, and its interval agrees
    drop = verdict.result("pass_rate_drop")
    assert drop.status == "PASS" and stats.mcnemar_exact(3, 0) == 0.25
    assert drop.shown_value.startswith("-3.4 pp [-3.4, +")


def test_noise_within_a_flaky_cases_spread_does_not_fail() -> None:
    base = _repeats("flaky", BASE, [True, True, False]) + _run(BASE, 5)
    cand = _repeats("flaky", CAND, [True, False, False]) + _run(CAND, 5)
    verdict = judge_rows(cand, base)
    assert verdict.passed
    (flip,) = verdict.flips
    assert (flip.case, flip.kind, flip.baseline, flip.candidate) == ("s::flaky", "noise",
                                                                      "2/3", "1/3")
    assert "1 within noise" in verdict.result("regressions").detail


def test_a_significant_drop_of_a_flaky_case_counts() -> None:
    base = _repeats("flaky", BASE, [True] * 5 + [False])
    cand = _repeats("flaky", CAND, [False] * 6)
    verdict = judge_rows(cand, base)
    (flip,) = verdict.flips
    assert flip.kind == "regression"  # not stable: the baseline failed once
    assert flip.p_value == pytest.approx(stats.fisher_less(5, 6, 0, 6)) and flip.p_value < 0.05
    assert _status(verdict, "regressions") == "FAIL"


def test_a_stable_flip_with_repeats_and_improvements() -> None:
    base = _repeats("a", BASE, [True] * 3) + _repeats("b", BASE, [False] * 3)
    cand = _repeats("a", CAND, [False] * 3) + _repeats("b", CAND, [True] * 3)
    verdict = judge_rows(cand, base)
    assert [(f.case, f.kind) for f in verdict.flips] == [
        ("s::a", "stable regression"), ("s::b", "stable improvement")]
    assert verdict.result("regressions").value == 1


def _with(rows: list[dict[str, Any]], n: int = 0, **changes: Any) -> list[dict[str, Any]]:
    """The rows with `changes` applied to the first n (all when n is 0); callables get the
    old value."""
    out = []
    for i, r in enumerate(rows):
        r = dict(r)
        if not n or i < n:
            for key, value in changes.items():
                r[key] = value(r[key]) if callable(value) else value
        out.append(r)
    return out


FAILING = [{"check": "contains", "title": "no zebra"}]
CASES: list[tuple[str, dict[str, Any], dict[str, Any], int, str]] = [
    # threshold, spec, candidate changes, first n rows (0: all), expected status
    ("pass_rate", {"min_pass_rate": 0.9}, {"passed": False, "failures": FAILING}, 5, "PASS"),
    ("pass_rate", {"min_pass_rate": 0.96}, {"passed": False, "failures": FAILING}, 5, "FAIL"),
    ("pass_rate", {"min_pass_rate": 0.9, "min_pass_rate_on": "wilson_low"},
     {"passed": False, "failures": FAILING}, 5, "FAIL"),  # 84/89: Wilson low 0.876
    ("pass_rate_drop", {}, {"passed": False}, 10, "FAIL"),  # 10 worse, p = 0.002
    ("pass_rate_drop", {"max_pass_rate_drop": 0.12}, {"passed": False}, 10, "PASS"),
    ("pass_rate_drop", {"max_pass_rate_drop": 0.03}, {"passed": False}, 10, "FAIL"),  # [-11.2, -4.3]
    ("regressions", {"max_regressions": 10}, {"passed": False}, 10, "PASS"),
    ("regressions", {"max_regressions": 9}, {"passed": False}, 10, "FAIL"),
    ("latency_p50_ratio", {}, {"latency_ms": lambda v: v * 18}, 0, "FAIL"),
    ("latency_p95_ratio", {}, {"latency_ms": lambda v: v * 18}, 0, "FAIL"),
    ("latency_p50_ratio", {}, {"latency_ms": lambda v: v * 1.2}, 0, "PASS"),
    ("latency_p50_ratio", {"max_latency_ratio": None}, {"latency_ms": lambda v: v * 18}, 0,
     "SKIP"),
    ("cost_ratio", {}, {"cost_usd": lambda v: v * 2}, 0, "FAIL"),
    ("cost_ratio", {}, {"cost_usd": lambda v: v * 1.2}, 0, "PASS"),
    ("must_pass", {"must_pass": (Match("check", "contains"),)},
     {"passed": False, "failures": FAILING}, 1, "FAIL"),
    ("must_pass", {"must_pass": (Match("check", "tool_*"),)},
     {"passed": False, "failures": FAILING}, 1, "PASS"),
    ("must_pass", {"must_pass": (Match("tag", "t1"),)}, {"passed": False}, 1, "FAIL"),
    ("must_pass", {"must_pass": (Match("case", "s::c0*"),)}, {"passed": False}, 1, "FAIL"),
    ("must_pass", {"must_pass": (Match("case", "other::*"),)}, {"passed": False}, 1, "PASS"),
    ("budget_usd", {"budget_usd": 0.1}, {}, 0, "PASS"),  # 89 x 0.001
    ("budget_usd", {"budget_usd": 0.05}, {}, 0, "FAIL"),
]


@pytest.mark.parametrize(("name", "spec", "changes", "n", "expected"), CASES)
def test_every_threshold_passes_and_fails(name: str, spec: dict[str, Any],
                                          changes: dict[str, Any], n: int,
                                          expected: str) -> None:
    verdict = judge_rows(_with(_run(CAND), n, **changes), _run(BASE), GateSpec(**spec))
    assert _status(verdict, name) == expected, verdict.result(name)
    assert verdict.passed == (not verdict.failed)


def test_latency_noise_within_the_interval_does_not_fail() -> None:
    rng = random.Random(7)
    base = _with(_run(BASE, 40), latency_ms=lambda v: v * rng.uniform(0.5, 3))
    cand = _with(_run(CAND, 40), latency_ms=lambda v: v * rng.uniform(0.5, 3))
    result = judge_rows(cand, base).result("latency_p95_ratio")
    assert result.status == "PASS"


def test_ttft_over_streamed_common_cases() -> None:
    base = _with(_run(BASE, 10), stream=True)
    slow = _with(_run(CAND, 10), stream=True, ttft_ms=lambda v: v * 18)
    assert _status(judge_rows(slow, base), "ttft_p50_ratio") == "FAIL"
    assert _status(judge_rows(_with(_run(CAND, 10), stream=True), base),
                   "ttft_p95_ratio") == "PASS"


def test_cost_ratio_is_per_common_case_and_counts_unknown_costs() -> None:
    # the candidate ran 50 extra cases: totals would say 2x, per common case it is 1x
    cand = _run(CAND, 100) + [row(f"x{i}", CAND, run_id=CAND) for i in range(50)]
    base = _with(_run(BASE, 100), 1, cost_usd=None)
    result = judge_rows(cand, base).result("cost_ratio")
    assert result.value == pytest.approx(1.0) and result.status == "PASS"
    assert "99 common cases" in result.detail and "1 with an unknown cost" in result.detail


def test_coverage_loss_fails_unless_expected() -> None:
    base = _run(BASE, 5) + [row("safe_prompt", BASE, suite="basic", tags=["mistral"])]
    verdict = judge_rows(_run(CAND, 5), base)
    assert _status(verdict, "missing_cases") == "FAIL"
    assert verdict.result("missing_cases").items == ["basic::safe_prompt"]
    for match in (Match("case", "basic::safe_*"), Match("tag", "mistral")):
        verdict = judge_rows(_run(CAND, 5), base, GateSpec(expected_differences=(match,)))
        assert verdict.passed, verdict.result("missing_cases")
        assert "1 expected" in verdict.result("missing_cases").detail
    assert _status(judge_rows(_run(CAND, 5), base, GateSpec(max_missing_cases=1)),
                   "missing_cases") == "PASS"


def test_new_cases_may_not_fail() -> None:
    cand = _run(CAND, 5) + [row("new", CAND, passed=False)]
    verdict = judge_rows(cand, _run(BASE, 5))
    assert verdict.result("new_failures").items == ["s::new: 0/1"]
    assert not verdict.passed
    assert judge_rows(_run(CAND, 5) + [row("new", CAND)], _run(BASE, 5)).passed


def test_budget_flags_unknown_costs_without_failing() -> None:
    cand = _with(_run(CAND, 10), 2, cost_usd=None)
    result = judge_rows(cand, _run(BASE, 10), GateSpec(budget_usd=1.0)).result("budget_usd")
    assert result.status == "PASS" and "2 job(s) with an unknown cost" in result.detail
    assert result.value == pytest.approx(0.008)


def test_one_target_per_side_chosen_when_several() -> None:
    cand = _run(CAND, 3) + _run("other/x", 3)
    with pytest.raises(UsageError, match="holds 2 targets .*empiriolabs/m, other/x.*--target"):
        judge_rows(cand, _run(BASE, 3))
    with pytest.raises(UsageError, match="no target 'nope/x'"):
        judge_rows(cand, _run(BASE, 3), target="nope/x")
    verdict = judge_rows(cand, _run(BASE, 3), target="other/x")
    assert verdict.candidate.target == "other/x" and verdict.passed


def test_the_verdict_does_not_depend_on_row_order() -> None:
    cand = _with(_run(CAND, 30), latency_ms=lambda v: v * random.Random(1).uniform(1, 2))
    cand += _repeats("flaky", CAND, [True, False, False])
    base = _run(BASE, 30) + _repeats("flaky", BASE, [True, True, False])
    shuffled = cand[:]
    random.Random(3).shuffle(shuffled)
    assert judge_rows(shuffled, base[::-1]).to_dict() == judge_rows(cand, base).to_dict()


def test_unbilled_errors_do_not_tilt_the_cost_ratio() -> None:
    base = [row("c", BASE, repeat=r, repeats=3) for r in range(3)]
    cand = [row("c", CAND, repeat=r, repeats=3, **({"status_code": None, "cost_usd": None,
                                                    "passed": False} if r == 0 else {}))
            for r in range(3)]
    assert judge_rows(cand, base).result("cost_ratio").value == pytest.approx(1.0)
