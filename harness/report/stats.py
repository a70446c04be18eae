"""The statistics of the reports, written out (no scipy): each function says what it computes.

- `wilson_interval(x, n)`: the 95% Wilson score interval of a proportion x/n.
- `paired_diff_interval(a, b, c, d)`: Newcombe's (1998) method 10 interval for the difference of
  two paired proportions (square-and-add of the two Wilson intervals, corrected for the
  correlation phi of the pairs), as in Fagerland, Lydersen & Laake, "Statistical Analysis of
  Contingency Tables" (2017), ch. 8: 59/6/16/80 -> -0.0621 (-0.1186 to -0.0046).
- `mcnemar_exact(b, c)`: McNemar's exact test, two-sided: 2 x P(X <= min(b, c)) with
  X ~ Binomial(b + c, 1/2), capped at 1.
- `percentile(values, q)`: numpy's default ('linear') percentile.
- `pass_at_k(n, c, k)`: the unbiased pass@k estimator of Chen et al. (2021),
  1 - C(n - c, k) / C(n, k).
- `bootstrap_median_ci(values)`: percentile bootstrap interval of a median, fixed seed.

Every function is pure and deterministic; numpy is imported lazily (bootstrap only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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

    data = np.asarray(values, dtype=float)
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
