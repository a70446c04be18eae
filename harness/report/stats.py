"""The statistics of the reports, written out (no scipy): each function says what it computes.

- `wilson_interval(x, n)`: the 95% Wilson score interval of a proportion x/n.
- `paired_diff_interval(a, b, c, d)`: Newcombe's (1998) method 10 interval for the difference of
  two paired proportions (square-and-add of the two Wilson intervals, corrected for the
  correlation phi of the pairs), as in Fagerland, Lydersen & Laake, "Statistical Analysis of
  Contingency Tables" (2017), ch. 8: 59/6/16/80 -> -0.0621 (-0.1186 to -0.0046).
- `mcnemar_exact(b, c)`: McNemar's exact test, two-sided: 2 x P(X <= min(b, c)) with
  X ~ Binomial(b + c, 1/2), capped at 1. Question: "given the m = b + c pairs whose outcome
  changed, is the direction of change lopsided?"
- `mcnemar_interval(b, c, n)`: the interval that answers that same question, so that it
  excludes 0 exactly when `mcnemar_exact(b, c) < alpha`: the Clopper-Pearson interval of
  theta = c / m (the share of changed pairs that changed for the better), mapped to the net
  change (c - b) / n = (m / n)(2 theta - 1). It is conditional on m, as the test is: with no
  changed pair it is [0, 0]. The reports show this one next to McNemar's p (Newcombe's
  `paired_diff_interval` answers an unconditional question and can exclude 0 while the exact
  test says "not significant": -36.4 pp [-61.5, -0.7] with p = 0.07).
- `clopper_pearson(x, n)`: exact binomial interval (inverts the two one-sided binomial tests).
- `fisher_less(k1, n1, k2, n2)`: one-sided Fisher exact p that the second proportion is lower
  than the first (hypergeometric lower tail): the gate's per-case test on repeat counts.
- `percentile(values, q)`: numpy's default ('linear') percentile.
- `pass_at_k(n, c, k)`: the unbiased pass@k estimator of Chen et al. (2021),
  1 - C(n - c, k) / C(n, k).
- `bootstrap_median_ci(values)`: percentile bootstrap interval of a median, fixed seed; the
  values are sorted first, so the same values in any order give the same interval.
- `bootstrap_ratio(base, cand, q)`: paired bootstrap (resampling units, both sides together)
  of percentile_q(cand) / percentile_q(base), with the same determinism.

Every function is pure and deterministic; numpy is imported lazily (bootstrap only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20260101


def wilson_interval(x: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of x successes in n trials; None when n is 0.

    centre = (p + z^2 / 2n) / (1 + z^2 / n),
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2).
    """
    if n <= 0:
        return None
    if not 0 <= x <= n:
        raise ValueError(f"successes {x} outside 0..{n}")
    p = x / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    if x == 0:
        low = 0.0
    if x == n:
        high = 1.0
    return low, high


def paired_diff_interval(
    a: int, b: int, c: int, d: int, z: float = Z95
) -> tuple[float, float, float] | None:
    """Difference pB - pA of paired proportions with Newcombe's method 10 interval.

    a = both passed, b = A passed and B failed, c = A failed and B passed, d = both failed;
    pA = (a + b) / n, pB = (a + c) / n, D = pB - pA = (c - b) / n. With (lA, uA), (lB, uB) the
    Wilson intervals of pA and pB and phi = C / sqrt((a+b)(c+d)(a+c)(b+d)) (0 when a margin is
    empty), where C = ad - bc - n/2 when ad - bc > n/2, 0 when 0 <= ad - bc <= n/2, and
    ad - bc when it is negative (Newcombe's continuity-corrected phi):
        lower = D - sqrt((pB - lB)^2 - 2 phi (pB - lB)(uA - pA) + (uA - pA)^2)
        upper = D + sqrt((uB - pB)^2 - 2 phi (uB - pB)(pA - lA) + (pA - lA)^2)
    Returns (D, lower, upper), or None when there are no pairs.
    """
    n = a + b + c + d
    if n <= 0:
        return None
    pa, pb = (a + b) / n, (a + c) / n
    wa = wilson_interval(a + b, n, z)
    wb = wilson_interval(a + c, n, z)
    assert wa is not None and wb is not None
    la, ua = wa
    lb, ub = wb
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if cross > n / 2:
        corrected = cross - n / 2
    elif cross >= 0:
        corrected = 0.0
    else:
        corrected = float(cross)
    phi = corrected / math.sqrt(margins) if margins else 0.0
    diff = pb - pa
    low = diff - math.sqrt(
        max(0.0, (pb - lb) ** 2 - 2 * phi * (pb - lb) * (ua - pa) + (ua - pa) ** 2)
    )
    high = diff + math.sqrt(
        max(0.0, (ub - pb) ** 2 - 2 * phi * (ub - pb) * (pa - la) + (pa - la) ** 2)
    )
    return diff, max(-1.0, low), min(1.0, high)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value on the discordant pairs b and c (1.0 when none).

    Under H0 each discordant pair is equally likely to go either way, so min(b, c) is compared
    with Binomial(b + c, 1/2): p = min(1, 2 * sum_{i <= min(b, c)} C(b + c, i) / 2^(b + c)).
    """
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / 2**n)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default 'linear' method); None when empty."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): the chance that at least one of k samples drawn
    without replacement from n attempts (c of which passed) passes: 1 - C(n-c, k) / C(n, k)."""
    if not 0 <= c <= n:
        raise ValueError(f"passed {c} outside 0..{n}")
    if not 1 <= k <= n:
        raise ValueError(f"k={k} outside 1..{n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def bootstrap_median_ci(
    values: Sequence[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the median: `resamples` resamples (with replacement,
    numpy default_rng(seed)) of the values, the median of each, then the (1-level)/2 and
    (1+level)/2 linear percentiles of those medians. None with fewer than 2 values."""
    if len(values) < 2:
        return None
    import numpy as np

    data = np.asarray(sorted(values), dtype=float)  # any order of the same values: same answer
    rng = np.random.default_rng(seed)
    n = len(data)
    medians = np.empty(resamples)
    block = max(1, min(resamples, 2_000_000 // n))  # bound memory: block x n indices at once
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        medians[start:stop] = np.median(data[idx], axis=1)
    alpha = (1 - level) / 2
    low, high = np.percentile(medians, [100 * alpha, 100 * (1 - alpha)])
    return float(low), float(high)


# -- exact binomial intervals, consistent with the exact tests ----------------------------------


def _binom_tail(n: int, lo: int, hi: int) -> Any:
    """p -> P(lo <= X <= hi) for X ~ Binomial(n, p), in log space (no overflow for large n);
    the log binomial coefficients are computed once, each evaluation is one exp per term."""
    lgn = math.lgamma(n + 1)
    logc = [lgn - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(lo, hi + 1)]

    def tail(p: float) -> float:
        if p <= 0.0:
            return 1.0 if lo == 0 else 0.0
        if p >= 1.0:
            return 1.0 if hi == n else 0.0
        lp, lq = math.log(p), math.log1p(-p)
        return sum(math.exp(c + i * lp + (n - i) * lq) for i, c in enumerate(logc, lo))

    return tail


def _solve(f: Any, target: float) -> float:
    """The p in [0, 1] where the monotone f(p) crosses `target` (bisection, 1e-12)."""
    lo, hi = 0.0, 1.0
    rising = f(1.0) > f(0.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        if (f(mid) < target) == rising:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float] | None:
    """Exact (Clopper-Pearson) interval of a proportion: the p where P(X >= x) = alpha / 2
    and where P(X <= x) = alpha / 2; 0 and 1 at the edges. None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= x <= n:
        raise ValueError(f"successes {x} outside 0..{n}")
    low = 0.0 if x == 0 else _solve(_binom_tail(n, x, n), alpha / 2)
    high = 1.0 if x == n else _solve(_binom_tail(n, 0, x), alpha / 2)
    return low, high


def mcnemar_interval(
    b: int, c: int, n: int, alpha: float = 0.05
) -> tuple[float, float, float] | None:
    """Net change (c - b) / n with the exact conditional interval that agrees with McNemar.

    b: pairs worse on B (A passed, B failed), c: pairs better on B, n: all pairs. With
    m = b + c and (tL, tU) the Clopper-Pearson interval of c / m:
        (m / n)(2 tL - 1) <= (c - b) / n <= (m / n)(2 tU - 1).
    The interval excludes 0 exactly when tL > 1/2 or tU < 1/2, i.e. when one binomial tail at
    1/2 is below alpha / 2, i.e. when `mcnemar_exact(b, c) < alpha`. None when n is 0.
    """
    if n <= 0:
        return None
    m = b + c
    if m > n:
        raise ValueError(f"{m} discordant pairs out of {n}")
    diff = (c - b) / n
    if m == 0:
        return diff, 0.0, 0.0
    ci = clopper_pearson(c, m, alpha)
    assert ci is not None
    scale = m / n
    return diff, scale * (2 * ci[0] - 1), scale * (2 * ci[1] - 1)


def fisher_less(k1: int, n1: int, k2: int, n2: int) -> float:
    """One-sided Fisher exact p-value that group 2 (k2 passes of n2) passes less often than
    group 1 (k1 of n1): P(X <= k2) for X hypergeometric (N = n1 + n2, K = k1 + k2, n2 draws).
    1.0 when either group is empty."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    total, passes = n1 + n2, k1 + k2
    denom = math.comb(total, n2)
    lo = max(0, passes - n1)
    tail = sum(math.comb(passes, x) * math.comb(total - passes, n2 - x)
               for x in range(lo, k2 + 1))
    return min(1.0, tail / denom)


def bootstrap_ratio(
    base: Sequence[float],
    cand: Sequence[float],
    q: float = 50,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> tuple[float, float, float] | None:
    """percentile_q(cand) / percentile_q(base) over paired units (base[i] and cand[i] are one
    unit's values) with a paired percentile bootstrap interval: the same resampled units on both
    sides. The pairs are sorted first, so the same pairs in any order give the same answer.
    None with fewer than 2 pairs or a zero baseline percentile."""
    if len(base) != len(cand):
        raise ValueError("paired samples of different lengths")
    if len(base) < 2:
        return None
    import numpy as np

    pairs = np.asarray(sorted(zip(base, cand)), dtype=float)
    point_base = percentile(pairs[:, 0].tolist(), q)
    point_cand = percentile(pairs[:, 1].tolist(), q)
    if not point_base or point_cand is None:
        return None
    rng = np.random.default_rng(seed)
    n = len(pairs)
    idx = rng.integers(0, n, size=(resamples, n))
    top = np.percentile(pairs[:, 1][idx], q, axis=1)
    bottom = np.percentile(pairs[:, 0][idx], q, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.inf)
    alpha = (1 - level) / 2
    low, high = np.percentile(ratios, [100 * alpha, 100 * (1 - alpha)])
    return point_cand / point_base, float(low), float(high)
