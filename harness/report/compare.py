"""Compare two runs (a baseline A and a candidate B) on their common jobs: `harness compare`.

Rows are paired on suite + case + variant + repeat, and on the target as follows:
- both runs have the same set of targets: each target of A with the same target of B
  (plus, with several targets, one overall comparison pairing on the target too);
- the runs have as many targets but different ones (a migration: provider X -> provider Y):
  target by target in the order the run gave them (run.json, i.e. the command line);
- otherwise: every target of A against every target of B.
Each comparison has the statistics of `analysis.compare_pair` (exact interval of the pass-
rate difference, McNemar exact p, latency ratio with bootstrap interval, cost ratio).
A regression: McNemar p < 0.05 and more jobs passing only on A than only on B.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from harness.report import fmt
from harness.report.analysis import (
    PAIR_KEYS,
    PairStats,
    RunReport,
    TargetStats,
    analyze,
    common_units,
    compare_pair,
    on_units,
    prepare,
    target_order,
    target_stats,
)
from harness.report.summary import (
    H2H_HEADER,
    PAIR_MD_HEADER,
    PAIR_NOTE,
    _md_table,
    _table_text,
    head_to_head_rows,
    pair_rows,
)

if TYPE_CHECKING:
    import pandas as pd

SAME_TARGETS = "same targets"
IN_ORDER = "target by target, in the order given"
ALL_VS_ALL = "all targets of A vs all targets of B"


@dataclass
class Comparison:
    a: RunReport
    b: RunReport
    pairing: str
    pairs: list[PairStats]
    only_a: list[str] = field(default_factory=list)  # jobs A ran and B did not (dropped)
    only_b: list[str] = field(default_factory=list)  # jobs B ran and A did not (new)
    # each run's targets over the cases (suite, case, variant) both runs ran
    common_a: list[TargetStats] = field(default_factory=list)
    common_b: list[TargetStats] = field(default_factory=list)
    common_cases: int = 0
    targets: list[tuple[str, str]] = field(default_factory=list)  # (A target, B target) paired

    @property
    def regressions(self) -> list[PairStats]:
        return [p for p in self.pairs if p.regression]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_a": self.a.run_id,
            "run_b": self.b.run_id,
            "pairing": self.pairing,
            "regression": bool(self.regressions),
            "only_a": self.only_a,
            "only_b": self.only_b,
            "pairs": [{**asdict(p), "significant": p.significant, "regression": p.regression}
                      for p in self.pairs],
            "common_cases": self.common_cases,
            "common_a": [asdict(t) for t in self.common_a],
            "common_b": [asdict(t) for t in self.common_b],
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
        }


def compare_runs(
    df_a: pd.DataFrame,
    df_b: pd.DataFrame,
    meta_a: Mapping[str, Any] | None = None,
    meta_b: Mapping[str, Any] | None = None,
) -> Comparison:
    da, db = prepare(df_a), prepare(df_b)
    report_a, report_b = analyze(df_a, meta_a), analyze(df_b, meta_b)
    ta, tb = target_order(da, meta_a), target_order(db, meta_b)
    pairs: list[PairStats] = []

    def one(a: str, b: str) -> PairStats:
        return compare_pair(da[da["target"] == a], db[db["target"] == b], kind="runs",
                            a=f"A {a}", b=f"B {b}")

    if set(ta) == set(tb):
        pairing = SAME_TARGETS
        targets = [(t, t) for t in ta]
        pairs = [one(t, t) for t in ta]
        if len(ta) > 1:
            pairs.append(compare_pair(da, db, kind="runs", a="A all targets",
                                      b="B all targets", keys=("target", *PAIR_KEYS)))
    elif len(ta) == len(tb):
        pairing = IN_ORDER
        targets = list(zip(ta, tb))
        pairs = [one(a, b) for a, b in targets]
    else:
        pairing = ALL_VS_ALL
        targets = [(a, b) for a in ta for b in tb]
        pairs = [one(a, b) for a, b in targets]
    keys_a, keys_b = _job_keys(da), _job_keys(db)
    common = common_units([da, db])
    sa, sb = on_units(da, common), on_units(db, common)
    return Comparison(a=report_a, b=report_b, pairing=pairing, pairs=pairs,
                      only_a=sorted(keys_a - keys_b), only_b=sorted(keys_b - keys_a),
                      common_a=[target_stats(t, sa[sa["target"] == t]) for t in ta],
                      common_b=[target_stats(t, sb[sb["target"] == t]) for t in tb],
                      common_cases=len(common), targets=targets)


def _job_keys(d: pd.DataFrame) -> set[str]:
    """suite::case[::variant][::rN] of every job, whatever the target."""
    out = set()
    for suite, case, variant, repeat in zip(d["suite"], d["case"], d["variant"], d["repeat"],
                                            strict=True):
        label = f"{suite}::{case}"
        if isinstance(variant, str) and variant:
            label += f"::{variant}"
        out.add(f"{label}::r{repeat}")
    return out


def _coverage(c: Comparison) -> str:
    return (f"{len(c.only_a)} job(s) only in A (dropped by B), "
            f"{len(c.only_b)} only in B (new in B)")


def _verdict(c: Comparison) -> str:
    if c.regressions:
        names = ", ".join(f"{p.a} vs {p.b}" for p in c.regressions)
        return f"REGRESSION: B passes significantly less often than A ({names})"
    if any(p.significant and p.units_better > p.units_worse for p in c.pairs):
        return "IMPROVEMENT: B passes significantly more often than A"
    # one procedure decides this and draws the interval: every interval shown includes 0
    return ("no significant difference in pass rate (exact McNemar on cases, p >= 0.05; "
            "every interval includes 0)")


def render_compare_text(c: Comparison) -> str:
    rows = [(p.a, p.b, str(p.n), str(p.a_only), str(p.b_only),
             fmt.diff_ci(p.diff, p.diff_low, p.diff_high), fmt.pvalue(p.p_value),
             fmt.ratio_ci(p.latency_ratio, p.ratio_low, p.ratio_high), fmt.ratio(p.cost_ratio))
            for p in c.pairs]
    header = ("A", "B", "pairs", "A only", "B only", "B-A pass", "McNemar p", "latency B/A",
              "cost B/A")
    return "\n".join([
        f"A = {c.a.run_id} (baseline), B = {c.b.run_id} (candidate); pairing: {c.pairing}",
        _table_text(header, rows) if rows else "no common target pairing",
        _coverage(c),
        _verdict(c),
    ])


def render_compare_markdown(c: Comparison) -> str:
    out = [f"# Compare {c.a.run_id} (A, baseline) with {c.b.run_id} (B, candidate)", "",
           f"**{fmt.md_cell(_verdict(c))}**", "",
           f"Pairing: {c.pairing}; jobs paired on suite, case, variant and repeat.", ""]
    out += ["## Pass rate, latency and cost", ""]
    if c.pairs:
        out += [_md_table(PAIR_MD_HEADER, pair_rows(c.pairs)), "",
                ("A only: jobs passed on A and failed on B; B only: the reverse. "
                 + PAIR_NOTE + "; latency "
                 "B/A: median of per-case ratios, bootstrap 95% interval; cost B/A: totals "
                 "over jobs priced on both sides."), ""]
    else:
        out += ["No comparison: the runs have no target pairing.", ""]
    out += [f"Coverage: {_coverage(c)}.", ""]
    for title, jobs in (("Only in A (dropped by B)", c.only_a), ("Only in B (new)", c.only_b)):
        if jobs:
            out += [f"{title}:", ""] + [f"- {fmt.md_code(j)}" for j in jobs[:200]] + [""]
    rows = [("A", *r) for r in head_to_head_rows(c.a.targets)]
    rows += [("B", *r) for r in head_to_head_rows(c.b.targets)]
    out += ["## Each run", "", _md_table(("run", *H2H_HEADER), rows), ""]
    if c.only_a or c.only_b:
        rows = [("A", *r) for r in head_to_head_rows(c.common_a)]
        rows += [("B", *r) for r in head_to_head_rows(c.common_b)]
        out += [f"### Each run over the {c.common_cases} cases both ran", "",
                _md_table(("run", *H2H_HEADER), rows), "",
                "The runs ran different cases: compare latency and cost on this table.", ""]
    for p in c.pairs:
        if not (p.a_only_jobs or p.b_only_jobs):
            continue
        out += [f"### {fmt.md_cell(p.a)} vs {fmt.md_cell(p.b)}", ""]
        if p.a_only_jobs:
            out += [f"Regressions (passed on A, failed on B): {p.a_only}", ""]
            out += [f"- {fmt.md_code(j)}" for j in p.a_only_jobs]
            out += [""]
        if p.b_only_jobs:
            out += [f"Fixed (failed on A, passed on B): {p.b_only}", ""]
            out += [f"- {fmt.md_code(j)}" for j in p.b_only_jobs]
            out += [""]
    return "\n".join(out)
