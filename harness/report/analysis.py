"""The numbers of every report: per-target head-to-head, pairwise comparisons, flakiness.

One function, `analyze(df)`, feeds the terminal summary of `harness run`, summary.md,
report.html, junit.xml's properties and `harness compare`, so they always agree.

Definitions (a job is one row; a unit is suite + case + variant within a target):
- cases: distinct suite + case; jobs: rows; passed: `passed` is true; errors: no HTTP response
  (status_code empty: timeout, connect, deadline, ...) or retries exhausted (`retries_exhausted`:
  a 429 / 5xx still refused at the last attempt); failed: a response arrived but a check failed.
- pass rate: passed / jobs, with the 95% Wilson interval.
- latency percentiles: over jobs that got an HTTP response (errors excluded), numpy's linear
  method. TTFT: over streamed jobs (stream true) with a ttft_ms. tokens/s: median of the
  `tokens_per_s` column over streamed jobs, when that column exists.
- cost: `cost_usd` summed over jobs whose cost is known. A 2xx job with no cost is "unknown"
  (price or usage missing) and counted separately, never as 0; a job with no cost and no 2xx
  (an error, not billed) is neither. cost per job = known total / priced jobs; cost per case =
  mean over cases with no unknown-cost job of the case's summed cost (all variants, repeats);
  cost per passed job = known total / passed jobs among those not unknown.
- repeats: a unit run n >= 2 times with c passes is flaky when 0 < c < n; pass@1 and pass@n
  are the means over such units of Chen et al.'s unbiased estimator (pass@n: at least one of
  the n passed).
- pairs (targets, variants, runs): rows of A and B joined on suite + case + variant + repeat
  (variants: suite + case + repeat; see `harness compare` for runs). both / A only / B only /
  neither passed count jobs (for listing). The test and the interval count cases (units), so
  that the repeats of one case are one observation, not independent jobs: a unit is worse on B
  when its pass fraction over its repeats is lower on B than on A, better when higher. The
  difference is the net change (better - worse) / units (with one repeat: pB - pA), with
  McNemar's exact p-value on (worse, better) and the exact conditional interval of
  `stats.mcnemar_interval`, which excludes 0 exactly when p < 0.05: "significant" is one
  decision, whichever of the two is read. Latency ratio B/A: per unit (suite + case + variant) the median
  latency of its repeats on each side, ratio B/A, then the median of those ratios with a
  percentile bootstrap 95% interval (2,000 resamples of the units, fixed seed); only jobs with
  an HTTP response on both sides. Cost ratio: total B / total A over pairs priced on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from harness.report import stats
from harness.report.records import FlakyUnit, PairStats, RunReport, TargetStats

if TYPE_CHECKING:
    import pandas as pd

PAIR_KEYS = ("suite", "case", "variant", "repeat")
VARIANT_KEYS = ("suite", "case", "repeat")
MAX_VARIANT_PAIRS = 60  # per target
MAX_LISTED = 50  # discordant jobs listed per pair


# -- helpers ------------------------------------------------------------------------------------


def _floats(series: pd.Series) -> list[float]:
    return [float(v) for v in series.dropna().tolist()]


def _passed(df: pd.DataFrame) -> pd.Series:
    return df["passed"].fillna(False).astype(bool)


def _has_response(df: pd.DataFrame) -> pd.Series:
    return df["status_code"].notna()


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A column, or an all-missing one when the frame lacks it (older or newer formats)."""
    import pandas as pd

    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object, name=name)


def _int_sum(series: pd.Series) -> int:
    s = series.dropna()
    return int(s.sum()) if len(s) else 0


def _cost_unknown(df: pd.DataFrame) -> pd.Series:
    status = _col(df, "status_code")
    ok = status.notna() & (status.fillna(0) >= 200) & (status.fillna(0) < 300)
    return (_col(df, "cost_usd").isna() & ok).astype(bool)


def target_order(df: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> list[str]:
    """Targets in run.json's order (as given on the command line), then by first appearance."""
    present = list(dict.fromkeys(str(t) for t in df["target"].dropna().tolist()))
    given = [str(t) for t in (meta or {}).get("targets", []) if str(t) in present]
    return list(dict.fromkeys([*given, *present]))


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with the key columns every analysis needs filled in (tolerates old rows)."""
    out = df.copy()
    for name, default in (("suite", ""), ("case", ""), ("variant", ""), ("target", "")):
        out[name] = _col(out, name).astype("string").fillna(default)
    out["repeat"] = _col(out, "repeat").astype("Int64").fillna(0)
    if "passed" not in out.columns:
        out["passed"] = False
    if "status_code" not in out.columns:
        out["status_code"] = None
    return out


# -- per target -----------------------------------------------------------------------------------


def target_stats(target: str, t: pd.DataFrame) -> TargetStats:
    """Every per-target figure of the reports, from that target's rows."""
    passed_mask = _passed(t)
    response = _has_response(t)
    return TargetStats(
        target=target,
        cases=int(t[["suite", "case"]].drop_duplicates().shape[0]),
        **_outcomes(t, passed_mask, response),
        **_timings(t, response),
        **_tokens_and_cost(t, passed_mask),
        **_repeats(t, passed_mask),
    )


def _outcomes(t: pd.DataFrame, passed_mask: pd.Series, response: pd.Series) -> dict[str, Any]:
    """Jobs passed / failed / errored, the pass rate's Wilson interval, what failed."""
    jobs = len(t)
    passed = int(passed_mask.sum())
    # an error: no HTTP response, or a response whose retries were all used up (a 429 that
    # never let us in is not a contract failure of the answer, it is no answer)
    exhausted = _col(t, "retries_exhausted").fillna(False).astype(bool)
    errors = int(((~response | exhausted) & ~passed_mask).sum())
    ci = stats.wilson_interval(passed, jobs)
    by_check: dict[str, int] = {}
    for failures in _col(t, "failures")[~passed_mask].tolist():
        if not isinstance(failures, list):
            continue
        for name in dict.fromkeys(
            str(f.get("check", "?")) for f in failures if isinstance(f, dict)
        ):
            by_check[name] = by_check.get(name, 0) + 1
    classes = _col(t, "error_class").dropna()
    return {
        "jobs": jobs,
        "passed": passed,
        "failed": jobs - passed - errors,
        "errors": errors,
        "pass_rate": passed / jobs if jobs else None,
        "pass_low": ci[0] if ci else None,
        "pass_high": ci[1] if ci else None,
        "failures_by_check": dict(sorted(by_check.items(), key=lambda kv: (-kv[1], kv[0]))),
        "error_classes": {str(k): int(v) for k, v in classes.value_counts().items()},
    }


def _timings(t: pd.DataFrame, response: pd.Series) -> dict[str, Any]:
    """Latency percentiles over jobs with a response; TTFT and tokens/s over streamed ones."""
    lat = _floats(_col(t, "latency_ms")[response])
    stream = _col(t, "stream").fillna(False).astype(bool)
    streamed = t[stream & response]
    ttft = _floats(_col(streamed, "ttft_ms"))
    tps = _floats(_col(streamed, "tokens_per_s")) if "tokens_per_s" in t.columns else []
    return {
        "latency_n": len(lat),
        "p50_ms": stats.percentile(lat, 50),
        "p90_ms": stats.percentile(lat, 90),
        "p95_ms": stats.percentile(lat, 95),
        "p99_ms": stats.percentile(lat, 99),
        "streamed": len(streamed),
        "ttft_p50_ms": stats.percentile(ttft, 50),
        "ttft_p95_ms": stats.percentile(ttft, 95),
        "tokens_per_s": stats.median(tps),
    }


def _tokens_and_cost(t: pd.DataFrame, passed_mask: pd.Series) -> dict[str, Any]:
    """Token sums and costs; unknown costs are counted apart, never as 0."""
    total_tokens = _col(t, "total_tokens").dropna()
    cost = _col(t, "cost_usd")
    known = cost.notna()
    unknown = _cost_unknown(t)
    cost_total = float(cost[known].sum()) if known.any() else 0.0
    passed_priced = int((passed_mask & ~unknown).sum())
    return {
        "mean_tokens": float(total_tokens.mean()) if len(total_tokens) else None,
        "prompt_tokens": _int_sum(_col(t, "prompt_tokens")),
        "completion_tokens": _int_sum(_col(t, "completion_tokens")),
        "total_tokens": _int_sum(_col(t, "total_tokens")),
        "cost_usd": cost_total,
        "cost_known": int(known.sum()),
        "cost_unknown": int(unknown.sum()),
        "cost_per_job": cost_total / int(known.sum()) if known.any() else None,
        "cost_per_case": _cost_per_case(t, cost, unknown) if known.any() else None,
        "cost_per_pass": cost_total / passed_priced if known.any() and passed_priced else None,
    }


def _cost_per_case(t: pd.DataFrame, cost: pd.Series, unknown: pd.Series) -> float | None:
    """Mean cost of the cases whose every job is priced (None when there is no such case)."""
    g = t.assign(_cost=cost, _unknown=unknown).groupby(["suite", "case"], sort=False)
    per_case = g.agg(total=("_cost", "sum"), unknown=("_unknown", "sum"),
                     priced=("_cost", "count"))
    full = per_case[(per_case["unknown"] == 0) & (per_case["priced"] > 0)]
    return float(full["total"].mean()) if len(full) else None


def _repeats(t: pd.DataFrame, passed_mask: pd.Series) -> dict[str, Any]:
    """Cases run more than once: how many, how many flaky, pass@1 and pass@n."""
    units = t.assign(_p=passed_mask).groupby(["suite", "case", "variant"], sort=False)["_p"]
    counts = units.agg(["count", "sum"])
    repeated = counts[counts["count"] >= 2]
    flaky = int(((repeated["sum"] > 0) & (repeated["sum"] < repeated["count"])).sum())
    at1 = at_n = None
    n_rep: int | None = None
    if len(repeated):
        ns = [int(x) for x in repeated["count"].tolist()]
        cs = [int(x) for x in repeated["sum"].tolist()]
        at1 = sum(stats.pass_at_k(n, c, 1) for n, c in zip(ns, cs)) / len(ns)
        at_n = sum(stats.pass_at_k(n, c, n) for n, c in zip(ns, cs)) / len(ns)
        n_rep = ns[0] if len(set(ns)) == 1 else None
    return {
        "repeated_units": len(repeated),
        "flaky_units": flaky,
        "pass_at_1": at1,
        "pass_at_n": at_n,
        "n_repeats": n_rep,
    }


def flaky_units(df: pd.DataFrame, targets: Sequence[str]) -> list[FlakyUnit]:
    out: list[FlakyUnit] = []
    d = df.assign(_p=_passed(df))
    g = d.groupby(["target", "suite", "case", "variant"], sort=False)["_p"].agg(["count", "sum"])
    g = g[(g["count"] >= 2) & (g["sum"] > 0) & (g["sum"] < g["count"])]
    order = {t: i for i, t in enumerate(targets)}
    for (target, suite, case, variant), row in g.iterrows():
        out.append(FlakyUnit(str(target), str(suite), str(case), str(variant),
                             int(row["count"]), int(row["sum"])))
    out.sort(key=lambda f: (order.get(f.target, 1 << 30), f.passed / f.n, f.suite, f.case))
    return out


# -- pairs ----------------------------------------------------------------------------------------


def _job_label(row: Mapping[str, Any], keys: Sequence[str], repeated: bool) -> str:
    """suite::case[::variant][::rN] (rN when the case has repeats), target first if a key."""
    parts = []
    for k in keys:
        v = row.get(k)
        if k == "repeat":
            if repeated:
                parts.append(f"r{v}")
        elif k == "variant":
            if v:
                parts.append(str(v))
        else:
            parts.append(str(v))
    return "::".join(parts)


def compare_pair(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    kind: str,
    a: str,
    b: str,
    keys: Sequence[str] = PAIR_KEYS,
    scope: str = "",
) -> PairStats:
    """Join A's and B's rows on `keys` (rows without a partner are left out) and compare."""
    keys = list(keys)
    m = _joined(left, right, keys)
    pa = m["passed_a"].fillna(False).astype(bool)
    pb = m["passed_b"].fillna(False).astype(bool)
    both = int((pa & pb).sum())
    a_only = int((pa & ~pb).sum())
    b_only = int((~pa & pb).sum())
    neither = int((~pa & ~pb).sum())
    units, worse, better = _unit_signs(left, right, [k for k in keys if k != "repeat"])
    diff = stats.mcnemar_interval(worse, better, units)
    ratios = _latency_ratios(m, [k for k in keys if k != "repeat"])
    ci = stats.bootstrap_median_ci(ratios)
    repeated = _repeated_cases(m, keys)
    return PairStats(
        kind=kind,
        a=a,
        b=b,
        scope=scope,
        n=len(m),
        a_passed=int(pa.sum()),
        b_passed=int(pb.sum()),
        both=both,
        a_only=a_only,
        b_only=b_only,
        neither=neither,
        diff=diff[0] if diff else None,
        diff_low=diff[1] if diff else None,
        diff_high=diff[2] if diff else None,
        p_value=stats.mcnemar_exact(worse, better) if units else None,
        units=units,
        units_worse=worse,
        units_better=better,
        latency_units=len(ratios),
        latency_ratio=stats.median(ratios),
        ratio_low=ci[0] if ci else None,
        ratio_high=ci[1] if ci else None,
        **_pair_costs(m),
        a_only_jobs=_listed(m, keys, pa & ~pb, repeated),
        b_only_jobs=_listed(m, keys, ~pa & pb, repeated),
    )


_PAIR_COLUMNS = ["passed", "status_code", "latency_ms", "cost_usd"]


def _joined(left: pd.DataFrame, right: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per job both sides ran (the last row of a key on each side), columns `_a`/`_b`."""
    sides = []
    for side in (left, right):
        s = side.drop_duplicates(keys, keep="last")
        sides.append(s.assign(**{c: _col(s, c) for c in _PAIR_COLUMNS})[keys + _PAIR_COLUMNS])
    return sides[0].merge(sides[1], on=keys, how="inner", suffixes=("_a", "_b"), sort=False)


def _unit_signs(left: pd.DataFrame, right: pd.DataFrame, unit_keys: list[str]
                ) -> tuple[int, int, int]:
    """(units on both sides, units worse on B, units better on B): each unit's pass fraction
    over its repeats on each side (the repeats of one case are not independent jobs)."""
    fractions = []
    for side in (left, right):
        if not len(side):
            return 0, 0, 0
        s = side.assign(_p=_passed(side)).groupby(unit_keys, sort=False)["_p"].mean()
        fractions.append(s)
    m = fractions[0].rename("a").to_frame().join(fractions[1].rename("b"), how="inner")
    worse = int((m["b"] < m["a"]).sum())
    better = int((m["b"] > m["a"]).sum())
    return len(m), worse, better


def _latency_ratios(m: pd.DataFrame, unit_keys: list[str]) -> list[float]:
    """B/A of each unit's median latency, over jobs with a response and a latency both sides."""
    ok = (m["status_code_a"].notna() & m["status_code_b"].notna()
          & m["latency_ms_a"].notna() & m["latency_ms_b"].notna())
    lat = m[ok]
    ratios: list[float] = []
    if len(lat):
        med = lat.groupby(unit_keys, sort=False)[["latency_ms_a", "latency_ms_b"]].median()
        for la, lb in zip(med["latency_ms_a"].tolist(), med["latency_ms_b"].tolist()):
            if la and la > 0:
                ratios.append(float(lb) / float(la))
    return ratios


def _pair_costs(m: pd.DataFrame) -> dict[str, Any]:
    """Cost sums over the pairs priced on both sides, and B/A."""
    priced = m[m["cost_usd_a"].notna() & m["cost_usd_b"].notna()]
    cost_a = float(priced["cost_usd_a"].sum()) if len(priced) else None
    cost_b = float(priced["cost_usd_b"].sum()) if len(priced) else None
    return {
        "cost_pairs": len(priced),
        "cost_a": cost_a,
        "cost_b": cost_b,
        "cost_ratio": cost_b / cost_a if cost_a and cost_b is not None else None,
    }


def _repeated_cases(m: pd.DataFrame, keys: list[str]) -> set[Any]:
    """(suite, case) of the joined cases run more than once (their labels get an rN)."""
    if "repeat" not in keys or not len(m):
        return set()
    top = m.groupby(["suite", "case"], sort=False)["repeat"].max()
    return {k for k, v in top.items() if v and v > 0}


def _listed(m: pd.DataFrame, keys: list[str], mask: pd.Series, repeated: set[Any]) -> list[str]:
    """Labels of the first MAX_LISTED joined jobs in `mask` (rN only for repeated cases)."""
    rows = m.loc[mask, keys].head(MAX_LISTED).to_dict("records")
    return [_job_label(r, keys, (r.get("suite"), r.get("case")) in repeated) for r in rows]


def target_pairs(df: pd.DataFrame, targets: Sequence[str]) -> list[PairStats]:
    out = []
    by_target = {t: df[df["target"] == t] for t in targets}
    # Pairs that share no job have nothing to compare: skip them cheaply (an audit of many
    # providers' cassettes has hundreds of such pairs).
    jobs = {
        t: set(zip(*(frame[k].astype(str) for k in PAIR_KEYS), strict=True))
        for t, frame in by_target.items()
    }
    for i, a in enumerate(targets):
        for b in targets[i + 1:]:
            if jobs[a].isdisjoint(jobs[b]):
                continue
            out.append(compare_pair(by_target[a], by_target[b], kind="targets", a=a, b=b))
    return out


def variant_pairs(df: pd.DataFrame, targets: Sequence[str]) -> list[PairStats]:
    """Within each target, each matrix variant against its case's first variant (the baseline,
    the matrix's first values), on the same case + repeat; cases sharing the same two variant
    labels are pooled into one comparison."""
    out = []
    for target in targets:
        t = df[(df["target"] == target) & (df["variant"] != "")]
        if t.empty:
            continue
        seen: dict[tuple[str, str], None] = {}
        for _, variants in t.groupby(["suite", "case"], sort=False)["variant"]:
            vs = list(dict.fromkeys(variants.tolist()))
            for vb in vs[1:]:
                seen.setdefault((vs[0], vb), None)
        for va, vb in list(seen)[:MAX_VARIANT_PAIRS]:
            out.append(compare_pair(t[t["variant"] == va], t[t["variant"] == vb],
                                    kind="variants", a=va, b=vb, keys=VARIANT_KEYS,
                                    scope=target))
    return out


UNIT_KEYS = ("suite", "case", "variant")


def common_units(frames: Sequence[pd.DataFrame]) -> set[tuple[str, ...]]:
    """(suite, case, variant) that every frame ran."""
    sets = [set(zip(*(f[k].astype(str) for k in UNIT_KEYS), strict=True)) for f in frames]
    return set.intersection(*sets) if sets else set()


def on_units(d: pd.DataFrame, units: set[tuple[str, ...]]) -> pd.DataFrame:
    """The rows of `d` whose (suite, case, variant) is in `units`."""
    keys = list(zip(*(d[k].astype(str) for k in UNIT_KEYS), strict=True))
    return d[[k in units for k in keys]]


def common_stats(d: pd.DataFrame, targets: Sequence[str]) -> tuple[list[TargetStats], int]:
    """Each target's figures over the cases every target ran; ([], n) when no target ran a
    case the others did not (the head-to-head is like with like already)."""
    frames = [d[d["target"] == t] for t in targets]
    if len(frames) < 2:
        return [], 0
    common = common_units(frames)
    if all(len(common_units([f])) == len(common) for f in frames):
        return [], len(common)
    shared = on_units(d, common)
    return [target_stats(t, shared[shared["target"] == t]) for t in targets], len(common)


def analyze(df: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> RunReport:
    """Every figure of the reports, from a results DataFrame (see `frame.to_frame`)."""
    meta = dict(meta or {})
    d = prepare(df)
    targets = target_order(d, meta)
    per_target = [target_stats(t, d[d["target"] == t]) for t in targets]
    run_ids = list(dict.fromkeys(str(r) for r in _col(d, "run_id").dropna().tolist()))
    run_id = str(meta.get("run_id") or (run_ids[0] if len(run_ids) == 1 else "+".join(run_ids)))
    common, common_cases = common_stats(d, targets)
    return RunReport(
        run_id=run_id,
        meta=meta,
        jobs=len(d),
        passed=int(_passed(d).sum()),
        targets=per_target,
        pairs=target_pairs(d, targets),
        variants=variant_pairs(d, targets),
        flaky=flaky_units(d, targets),
        common=common,
        common_cases=common_cases,
    )
