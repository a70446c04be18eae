"""Head-to-head figures on synthetic rows whose every number is known in advance."""

from __future__ import annotations

import pytest

from harness.report import stats
from harness.report.analysis import analyze
from harness.report.frame import to_frame
from tests.report.support import row

STATUS_FAIL = [{"check": "status", "title": "HTTP 500, expected 2xx", "expected": "2xx",
                "received": 500}]
BOTH_FAIL = [*STATUS_FAIL, {"check": "contains", "title": "no zebra", "expected": "zebra",
                            "received": "horse"}]


def _two_targets() -> list[dict]:
    """A passes c0..c8 and fails c9; B fails c0..c3 (c3: no response) and passes c4..c9.
    B is twice as slow on every case and costs 3x; B's c9 has no price (unknown cost)."""
    rows = []
    for i in range(10):
        rows.append(row(f"c{i}", "p/a", passed=i != 9, latency_ms=100.0 + 10 * i,
                        cost_usd=0.001))
        b_passed = i >= 4
        rows.append(row(
            f"c{i}", "p/b", passed=b_passed,
            status_code=None if i == 3 else (200 if b_passed else 500),
            latency_ms=2 * (100.0 + 10 * i),
            cost_usd=None if i in (3, 9) else 0.003,
            failures=None if b_passed else (BOTH_FAIL if i == 0 else STATUS_FAIL),
        ))
    return rows


def test_per_target_figures() -> None:
    report = analyze(to_frame(_two_targets()), {"targets": ["p/a", "p/b"], "run_id": "r"})
    a, b = report.targets
    assert (a.target, b.target) == ("p/a", "p/b")
    assert (a.cases, a.jobs, a.passed, a.failed, a.errors) == (10, 10, 9, 1, 0)
    assert (b.cases, b.jobs, b.passed, b.failed, b.errors) == (10, 10, 6, 3, 1)
    assert (b.pass_low, b.pass_high) == pytest.approx(stats.wilson_interval(6, 10))
    assert b.failures_by_check == {"status": 4, "contains": 1}  # the error too
    assert a.failures_by_check == {"contains": 1}
    assert b.error_classes == {"validation": 3, "transport": 1}  # see support.row
    lat_a = [100.0 + 10 * i for i in range(10)]
    assert a.p50_ms == pytest.approx(145.0)
    assert a.p90_ms == pytest.approx(181.0)
    assert a.p99_ms == pytest.approx(stats.percentile(lat_a, 99))
    assert b.latency_n == 9  # the job with no response is left out
    assert a.mean_tokens == 30 and a.total_tokens == 300
    # cost: unknown is counted apart, never as 0
    assert b.cost_usd == pytest.approx(8 * 0.003)
    assert (b.cost_known, b.cost_unknown) == (8, 1)
    assert b.cost_per_job == pytest.approx(0.003)
    assert b.cost_per_pass == pytest.approx(8 * 0.003 / 5)  # c4..c8: passed and priced
    assert b.cost_per_case == pytest.approx(0.003)
    assert a.cost_per_pass == pytest.approx(0.010 / 9)
    assert a.ttft_p50_ms is None  # nothing streamed


def test_pairwise_between_targets() -> None:
    report = analyze(to_frame(_two_targets()), {"targets": ["p/a", "p/b"]})
    (p,) = report.pairs
    assert (p.a, p.b, p.n) == ("p/a", "p/b", 10)
    assert (p.both, p.a_only, p.b_only, p.neither) == (5, 4, 1, 0)
    assert p.p_value == pytest.approx(12 / 32)  # 2 * (C(5,0) + C(5,1)) / 2^5
    assert p.diff == pytest.approx(-0.3)
    # one repeat: units are jobs; the interval is the one that agrees with McNemar
    assert (p.units, p.units_worse, p.units_better) == (10, 4, 1)
    expected = stats.mcnemar_interval(4, 1, 10)
    assert (p.diff, p.diff_low, p.diff_high) == pytest.approx(expected)
    assert p.diff_low < 0 < p.diff_high  # not significant, and the interval says the same
    assert p.latency_ratio == pytest.approx(2.0)
    assert (p.ratio_low, p.ratio_high) == pytest.approx((2.0, 2.0))
    assert p.latency_units == 9
    assert p.cost_pairs == 8 and p.cost_ratio == pytest.approx(3.0)
    assert p.a_only_jobs == ["s::c0", "s::c1", "s::c2", "s::c3"]
    assert p.b_only_jobs == ["s::c9"]
    assert not p.regression  # p = 0.375


def test_target_order_follows_the_run_then_appearance() -> None:
    report = analyze(to_frame(_two_targets()), {"targets": ["p/b", "p/a"]})
    assert [t.target for t in report.targets] == ["p/b", "p/a"]
    assert (report.pairs[0].a, report.pairs[0].b) == ("p/b", "p/a")


def test_repeats_flakiness_and_pass_at_k() -> None:
    rows = []
    for r, ok in enumerate([True, False, True, True]):
        rows.append(row("rep", "p/a", passed=ok, repeat=r, repeats=4))
        rows.append(row("rep", "p/b", passed=False, repeat=r, repeats=4))
        rows.append(row("steady", "p/a", passed=True, repeat=r, repeats=4))
        rows.append(row("steady", "p/b", passed=True, repeat=r, repeats=4))
    rows.append(row("once", "p/a"))
    report = analyze(to_frame(rows))
    a, b = report.targets
    assert (a.repeated_units, a.flaky_units) == (2, 1)
    assert (b.repeated_units, b.flaky_units) == (2, 0)
    assert a.pass_at_1 == pytest.approx((3 / 4 + 1) / 2)
    assert a.pass_at_n == 1.0 and a.n_repeats == 4
    assert b.pass_at_1 == pytest.approx(0.5) and b.pass_at_n == pytest.approx(0.5)
    assert [(f.target, f.case, f.passed, f.n) for f in report.flaky] == [("p/a", "rep", 3, 4)]


def test_matrix_variants_compared_within_a_target() -> None:
    rows = []
    for r in range(3):
        rows.append(row("m", "p/a", variant="t=0", repeat=r, repeats=3, latency_ms=100.0))
        rows.append(row("m", "p/a", variant="t=1", repeat=r, repeats=3, passed=r == 0,
                        latency_ms=150.0))
        rows.append(row("m", "p/a", variant="t=2", repeat=r, repeats=3, latency_ms=100.0))
    report = analyze(to_frame(rows))
    assert [(v.scope, v.a, v.b) for v in report.variants] == [
        ("p/a", "t=0", "t=1"), ("p/a", "t=0", "t=2")]
    v1 = report.variants[0]
    assert (v1.n, v1.a_only, v1.b_only) == (3, 2, 0)
    # the three repeats of case m are one unit: one unit worse, not three independent jobs
    assert (v1.units, v1.units_worse, v1.units_better) == (1, 1, 0)
    assert v1.p_value == 1.0 and not v1.regression
    assert v1.latency_ratio == pytest.approx(1.5)
    assert v1.a_only_jobs == ["s::m::r1", "s::m::r2"]


def test_streamed_ttft_and_tokens_per_second_when_present() -> None:
    rows = [row(f"c{i}", stream=True, ttft_ms=10.0 * (i + 1), tokens_per_s=50.0 + i)
            for i in range(5)]
    rows.append(row("plain", stream=False, ttft_ms=999.0))
    (t,) = analyze(to_frame(rows)).targets
    assert t.streamed == 5
    assert t.ttft_p50_ms == pytest.approx(30.0)
    assert t.ttft_p95_ms == pytest.approx(stats.percentile([10, 20, 30, 40, 50], 95))
    assert t.tokens_per_s == pytest.approx(52.0)


def test_empty_and_old_rows_do_not_crash() -> None:
    empty = analyze(to_frame([]))
    assert empty.jobs == 0 and empty.targets == []
    old = analyze(to_frame([{"suite": "s", "case": "c", "target": "p/m", "passed": True}]))
    (t,) = old.targets
    assert t.jobs == 1 and t.p50_ms is None and t.cost_per_job is None


def test_head_to_head_also_over_the_cases_every_target_ran() -> None:
    # p/b also ran a slow case p/a did not: its p50 over all its jobs is not like with like
    rows = [row(f"c{i}", t, latency_ms=100.0) for i in range(3) for t in ("p/a", "p/b")]
    rows += [row(f"slow{i}", "p/b", latency_ms=5000.0) for i in range(4)]
    report = analyze(to_frame(rows), {"targets": ["p/a", "p/b"]})
    assert report.target("p/b").p50_ms == 5000.0
    assert report.common_cases == 3
    assert [(t.target, t.jobs, t.p50_ms) for t in report.common] == [
        ("p/a", 3, 100.0), ("p/b", 3, 100.0)]
    same = analyze(to_frame(rows[:6]))
    assert same.common == [] and same.common_cases == 3
