"""The statistics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.report import stats


def test_wilson_8_of_10_by_hand() -> None:
    # p = 0.8, z^2 = 3.8415: centre = (0.8 + 0.19207) / 1.38415 = 0.71674,
    # half = 1.95996 / 1.38415 * sqrt(0.016 + 0.0096037) = 0.22658
    low, high = stats.wilson_interval(8, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_edges() -> None:
    # 0/5: centre = half = (z^2 / 10) / (1 + z^2 / 5) = 0.21724; upper = 0.43448
    assert stats.wilson_interval(0, 5) == pytest.approx((0.0, 0.43448), abs=1e-5)
    assert stats.wilson_interval(5, 5) == pytest.approx((0.56552, 1.0), abs=1e-5)
    assert stats.wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson_interval(6, 5)


def test_mcnemar_exact_by_hand() -> None:
    # b=1, c=8: n=9, P(X <= 1) = (1 + 9) / 512, two-sided = 20 / 512
    assert stats.mcnemar_exact(1, 8) == 0.0390625
    assert stats.mcnemar_exact(8, 1) == 0.0390625
    assert stats.mcnemar_exact(0, 0) == 1.0
    assert stats.mcnemar_exact(3, 3) == 1.0  # capped
    assert stats.mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    # 2 vs 10: 2 * (1 + 12 + 66) / 4096
    assert stats.mcnemar_exact(2, 10) == pytest.approx(158 / 4096)
    # large counts stay exact and finite
    assert 0 < stats.mcnemar_exact(400, 600) < 1e-9


def test_paired_difference_matches_the_textbook_example() -> None:
    # Fagerland, Lydersen & Laake (2017), ch. 8: table 59/6/16/80, Newcombe square-and-add:
    # estimate -0.0621 (95% CI -0.1186 to -0.0046) for p1 - p2; ours is pB - pA = the negative.
    d, low, high = stats.paired_diff_interval(59, 6, 16, 80)  # type: ignore[misc]
    assert d == pytest.approx(10 / 161)
    assert low == pytest.approx(0.0046, abs=5e-5)
    assert high == pytest.approx(0.1186, abs=5e-5)


def test_paired_difference_edges() -> None:
    assert stats.paired_diff_interval(0, 0, 0, 0) is None
    d, low, high = stats.paired_diff_interval(10, 0, 0, 0)  # type: ignore[misc]
    assert d == 0 and low < 0 < high
    d, low, high = stats.paired_diff_interval(0, 4, 0, 0)  # type: ignore[misc]
    assert d == -1 and low == -1 and high < 0


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy_linear(q: float) -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 10, 101):
        values = rng.exponential(200, n).tolist()
        assert stats.percentile(values, q) == pytest.approx(np.percentile(values, q))
    assert stats.percentile([], 50) is None


def test_pass_at_k_small_cases() -> None:
    assert stats.pass_at_k(5, 2, 1) == pytest.approx(0.4)  # = c / n
    assert stats.pass_at_k(5, 2, 5) == 1.0
    assert stats.pass_at_k(5, 0, 5) == 0.0
    assert stats.pass_at_k(10, 3, 2) == pytest.approx(1 - math.comb(7, 2) / math.comb(10, 2))
    assert stats.pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    assert stats.pass_at_k(3, 3, 1) == 1.0
    with pytest.raises(ValueError):
        stats.pass_at_k(3, 1, 4)


def test_bootstrap_is_reproducible_and_sensible() -> None:
    values = [0.8, 0.9, 1.0, 1.1, 1.2, 1.25, 0.95, 1.05, 1.15, 0.85]
    first = stats.bootstrap_median_ci(values)
    assert first == stats.bootstrap_median_ci(values)
    assert first is not None
    low, high = first
    assert low <= stats.median(values) <= high  # type: ignore[operator]
    assert min(values) <= low and high <= max(values)
    assert stats.bootstrap_median_ci([1.0]) is None
    # constant data: a degenerate interval
    assert stats.bootstrap_median_ci([2.0] * 5) == (2.0, 2.0)


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_the_interval_excludes_zero_exactly_when_mcnemar_is_significant(alpha: float) -> None:
    # the interval shown and the test used answer one question: on every (b, c, n) table
    # "interval excludes 0" <=> "p < alpha"
    checked = 0
    for n in (*range(1, 31, 3), 30, 89):
        for b in range(min(n, 30) + 1):
            for c in range(min(n - b, 30) + 1):
                d, low, high = stats.mcnemar_interval(b, c, n, alpha)  # type: ignore[misc]
                assert low <= d <= high
                assert (low > 0 or high < 0) == (stats.mcnemar_exact(b, c) < alpha), (b, c, n)
                checked += 1
    assert checked > 3_000


def test_the_issue_table_is_no_longer_contradictory() -> None:
    # 4 of 11 worse, none better: -36.4 pp; Newcombe said [-61.5, -0.7] while p = 0.125
    d, low, high = stats.mcnemar_interval(4, 0, 11)  # type: ignore[misc]
    assert d == pytest.approx(-4 / 11)
    assert stats.mcnemar_exact(4, 0) == 0.125
    assert low <= d and high > 0
    # 0 changed pairs: conditional on m = 0 the net change is 0
    assert stats.mcnemar_interval(0, 0, 5) == (0.0, 0.0, 0.0)


def test_clopper_pearson_by_reference() -> None:
    # 3/10: 0.0667 to 0.6525 (the usual tables); edges are 0 and 1
    low, high = stats.clopper_pearson(3, 10)  # type: ignore[misc]
    assert (low, high) == pytest.approx((0.06674, 0.65245), abs=1e-4)
    assert stats.clopper_pearson(0, 4)[0] == 0.0  # type: ignore[index]
    assert stats.clopper_pearson(4, 4)[1] == 1.0  # type: ignore[index]
    # 0/4: upper solves (1 - p)^4 = 0.025
    assert stats.clopper_pearson(0, 4)[1] == pytest.approx(1 - 0.025 ** 0.25)  # type: ignore[index]


def test_fisher_less_by_hand() -> None:
    # 3/3 then 0/3: P(X <= 0), N=6, K=3, 3 draws = 1 / C(6, 3)
    assert stats.fisher_less(3, 3, 0, 3) == pytest.approx(1 / 20)
    # 6/6 then 2/6: K = 8 passes of N = 12, x = 2 only: C(8, 2) C(4, 4) / C(12, 6)
    assert stats.fisher_less(6, 6, 2, 6) == pytest.approx(28 / 924)
    # 2/3 then 2/3: x in 1..2: (C(4,1) C(2,2) + C(4,2) C(2,1)) / C(6,3) = 16 / 20
    assert stats.fisher_less(2, 3, 2, 3) == pytest.approx(0.8)
    assert stats.fisher_less(1, 1, 0, 1) == 0.5  # one repeat can never be significant
    assert stats.fisher_less(0, 0, 0, 3) == 1.0


def test_bootstraps_do_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(1)
    base = rng.lognormal(5, 0.5, 40).tolist()
    cand = [b * 1.3 for b in base]
    order = rng.permutation(40)
    shuffled_base = [base[i] for i in order]
    shuffled_cand = [cand[i] for i in order]
    assert stats.bootstrap_median_ci(base) == stats.bootstrap_median_ci(shuffled_base)
    first = stats.bootstrap_ratio(base, cand, 95)
    assert first == stats.bootstrap_ratio(shuffled_base, shuffled_cand, 95)
    ratio, low, high = first  # type: ignore[misc]
    assert ratio == pytest.approx(1.3) and low == pytest.approx(1.3) and high == pytest.approx(1.3)
    assert stats.bootstrap_ratio([1.0], [2.0]) is None
