"""The shadow report over a pair log: counts, per-field rates against the noise floor, the worst
pairs side by side, latency and cost deltas, and a verdict usable as a gate.

    shadow_report(log, out=None, gate=None, quiet=False) -> (ShadowVerdict, terminal text)

writes into `out` (default: the log's folder) `shadow.md`, `shadow.json`, `report.html` (a
self-contained page whose `<section id="shadow">` is `render.html_section`) and
`pairs.parquet` (`parquet.write_parquet`: one row per pair, per-arm columns).

Counts: "mirrored" is the number of records (pairs) in the log; "skipped" sums the log's stats
lines (one per proxy or replay session: `{"stats": {...}}`) under the keys `SKIP_KEYS` names,
plus the records that carry a `skipped` reason (incomplete pairs, e.g. "candidate_error").
Latency: p50 / p95 per arm over the answers with an HTTP response; the paired ratio is
candidate / primary at p50 and p95 over the pairs where both have one, with the paired
bootstrap interval of report.stats. Cost: over the pairs priced on both arms (unpriced pairs
counted apart, never as 0): the sums, their delta, and the mean delta per pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.report.stats import bootstrap_ratio, percentile
from harness.shadow.gate import ShadowVerdict, judge, load_gate
from harness.shadow.noise import NoiseResult, diffs_of, judge_diffs
from harness.shadow.pairs import PAIRS_FILE, read_pairs

__all__ = ["ROLES", "SKIP_KEYS", "ArmFigures", "ShadowReport", "WorstPair", "build_report",
           "shadow_report"]

ROLES = ("primary", "candidate", "secondary")
# stats-line keys (any of the aliases) -> the skip reason shown
SKIP_KEYS: dict[str, tuple[str, ...]] = {
    "sampling": ("sampled_out", "skipped_sampling", "not_sampled", "sampling"),
    "queue_full": ("queue_full", "skipped_queue_full", "dropped_queue_full"),
    "candidate_errors": ("candidate_errors", "candidate_error", "shadow_errors"),
    "timeouts": ("candidate_timeouts", "shadow_timeouts", "timeouts"),
    "not_mirrorable": ("not_mirrorable",),
    "cancelled": ("shadow_cancelled",),
}
MAX_WORST = 10
EXCERPT = 400


@dataclass(frozen=True)
class ArmFigures:
    role: str
    target: str
    answers: int
    errors: int  # answers without a 2xx status
    latency_p50: float | None
    latency_p95: float | None


@dataclass(frozen=True)
class WorstPair:
    """One pair shown side by side: its differing fields and each arm's answer excerpt."""

    pair_id: str
    ts: str
    flagged: list[str]  # the differing fields that are flagged beyond noise
    fields: list[dict[str, Any]]  # {field, kind, detail, paths}: the candidate's differences
    arms: dict[str, dict[str, Any]]  # role -> excerpt (text or digest, tools, JSON, status)

    def to_dict(self) -> dict[str, Any]:
        return {"pair_id": self.pair_id, "ts": self.ts, "flagged": self.flagged,
                "fields": self.fields, "arms": self.arms}


@dataclass
class ShadowReport:
    """Everything the writers show, computed once from the records."""

    log: str
    pairs: int
    content: list[str]
    targets: dict[str, str]
    stats: dict[str, Any]
    skipped: dict[str, int]
    noise: NoiseResult
    arms: list[ArmFigures]
    latency_ratio: dict[str, tuple[float, float, float] | None]
    cost: dict[str, Any]
    worst: list[WorstPair]
    verdict: ShadowVerdict | None = None
    notes: list[str] = field(default_factory=list)

    def other_stats(self) -> dict[str, Any]:
        """The stats lines' counts that are not skip counts (requests seen, ...)."""
        known = {k for keys in SKIP_KEYS.values() for k in keys}
        return {k: v for k, v in self.stats.items() if k not in known
                and isinstance(v, (int, float)) and not isinstance(v, bool)}

    def to_dict(self) -> dict[str, Any]:
        return {"format": "harness-shadow-report/1", "log": self.log, "pairs": self.pairs,
                "content": self.content, "targets": self.targets, "stats": self.stats,
                "skipped": self.skipped, "noise": self.noise.to_dict(),
                "arms": [vars(a) for a in self.arms],
                "latency_ratio": {q: (None if v is None else
                                      {"ratio": v[0], "low": v[1], "high": v[2]})
                                  for q, v in self.latency_ratio.items()},
                "cost": self.cost, "worst": [w.to_dict() for w in self.worst],
                "verdict": self.verdict.to_dict() if self.verdict else None,
                "notes": self.notes}


def _answer(record: Mapping[str, Any], role: str) -> Mapping[str, Any] | None:
    arm = (record.get("arms") or {}).get(role)
    if not isinstance(arm, Mapping) or not isinstance(arm.get("answer"), Mapping):
        return None
    return arm["answer"]


def _sum_stats(stats: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line in stats:
        for key, value in line.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[key] = out.get(key, 0) + value
            else:
                out.setdefault(key, value)
    return out


def _skipped(stats: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    out = {reason: int(sum(stats.get(k) or 0 for k in keys
                           if isinstance(stats.get(k), (int, float))))
           for reason, keys in SKIP_KEYS.items()}
    incomplete = Counter(str(r["skipped"]) for r in records if r.get("skipped"))
    for reason, n in incomplete.items():
        out[f"incomplete: {reason}"] = n
    return out


def _arm_figures(records: Sequence[Mapping[str, Any]], role: str) -> ArmFigures | None:
    answers = [a for r in records if (a := _answer(r, role)) is not None]
    if not answers:
        return None
    target = next((str(r["arms"][role].get("target")) for r in records
                   if _answer(r, role) is not None), "")
    lat = [float(a["latency_ms"]) for a in answers
           if a.get("latency_ms") is not None and a.get("status") is not None]
    errors = sum(1 for a in answers if not (isinstance(a.get("status"), int)
                                            and 200 <= a["status"] < 300))
    return ArmFigures(role, target, len(answers), errors, percentile(lat, 50),
                      percentile(lat, 95))


def _paired(records: Sequence[Mapping[str, Any]], key: str
            ) -> tuple[list[float], list[float], int]:
    """(primary values, candidate values) over the pairs with the figure on both; and how many
    pairs lacked it on either side."""
    base, cand, missing = [], [], 0
    for r in records:
        p, c = _answer(r, "primary"), _answer(r, "candidate")
        if p is None or c is None:
            continue
        a, b = p.get(key), c.get(key)
        if key == "latency_ms" and (p.get("status") is None or c.get("status") is None):
            a = b = None  # no response: not a latency figure
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            base.append(float(a))
            cand.append(float(b))
        else:
            missing += 1
    return base, cand, missing


def _cost(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    base, cand, unpriced = _paired(records, "cost_usd")
    n = len(base)
    return {"pairs_priced": n, "unpriced_pairs": unpriced, "primary_usd": sum(base),
            "candidate_usd": sum(cand), "delta_usd": sum(cand) - sum(base),
            "delta_per_pair_usd": (sum(cand) - sum(base)) / n if n else None,
            "ratio": sum(cand) / sum(base) if sum(base) else None}


def _excerpt(answer: Mapping[str, Any] | None, content: str) -> dict[str, Any]:
    if answer is None:
        return {"status": None, "missing": True}
    text = answer.get("content")
    out: dict[str, Any] = {"status": answer.get("status"),
                           "error_class": answer.get("error_class"),
                           "finish_reason": answer.get("finish_reason"),
                           "tool_calls": answer.get("tool_calls") or [],
                           "json_output": answer.get("json_output")}
    if isinstance(text, str):
        out["text"] = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
        out["text_len"] = len(text)
    elif isinstance(text, Mapping):  # hash / none log: digest and length only
        out["text_sha256"] = text.get("sha256")
        out["text_len"] = text.get("len")
    out["content_mode"] = content
    return out


def _worst(records: Sequence[Mapping[str, Any]], cand_diffs: Sequence[Any],
           flagged: set[str]) -> list[WorstPair]:
    scored = []
    for i, (r, diffs) in enumerate(zip(records, cand_diffs)):
        if not diffs:
            continue
        differing = [name for name, fd in diffs.items() if isinstance(fd, Mapping)
                     and fd.get("differs")]
        if differing:
            hot = [name for name in differing if name in flagged]
            scored.append((-len(hot), -len(differing), i, hot, differing))
    out = []
    for _, _, i, hot, differing in sorted(scored)[:MAX_WORST]:
        r, diffs = records[i], cand_diffs[i]
        mode = str(r.get("content") or "full")
        fields = [{"field": name, "kind": diffs[name].get("kind"),
                   "detail": diffs[name].get("detail"),
                   "paths": list(diffs[name].get("paths") or [])[:8]} for name in differing]
        arms = {role: _excerpt(_answer(r, role), mode) for role in ("primary", "candidate")}
        out.append(WorstPair(str(r.get("pair_id")), str(r.get("ts") or ""), hot, fields, arms))
    return out


def build_report(records: Iterable[Mapping[str, Any]], stats: Sequence[Mapping[str, Any]] = (),
                 log: str = "", gate_noise: Any = None) -> ShadowReport:
    """A ShadowReport from pair records (read_pairs dicts) and the log's stats lines;
    `gate_noise` is the NoiseConfig to judge with (default: Diffy's thresholds)."""
    recs = list(records)
    both = [diffs_of(r) for r in recs]
    noise = judge_diffs(both, gate_noise)
    flagged = {f.field for f in noise.flagged}
    summed = _sum_stats(stats)
    arms = [f for role in ROLES if (f := _arm_figures(recs, role)) is not None]
    targets = {a.role: a.target for a in arms}
    base, cand, _ = _paired(recs, "latency_ms")
    ratio = {f"p{q}": bootstrap_ratio(base, cand, q) for q in (50, 95)}
    notes = [noise.note()]
    modes = sorted({str(r.get("content") or "full") for r in recs})
    if any(m != "full" for m in modes):
        notes.append("the log keeps hashes and lengths of text (content "
                     f"{'/'.join(modes)}): pairs show digests, not text; diffs were computed "
                     "on the full answers")
    return ShadowReport(log, len(recs), modes, targets, summed, _skipped(summed, recs), noise,
                        arms, ratio, _cost(recs), _worst(recs, [c for c, _ in both], flagged),
                        notes=notes)


def shadow_report(log: str | Path, out: str | Path | None = None,
                  gate: str | Path | None = None, *, quiet: bool = False
                  ) -> tuple[ShadowVerdict, str]:
    """Read the pair log at `log` (a folder or its pairs.jsonl), judge it with the shadow gate
    file `gate` (default thresholds when None), write shadow.md, shadow.json, report.html and
    pairs.parquet into `out` (default: the log's folder); return (verdict, terminal text).
    Bad input (no log, a bad gate file) is a UsageError naming the file."""
    from harness.shadow import parquet, render

    spec = load_gate(gate)  # first: a bad gate file fails before any reading
    path = Path(log)
    folder = path if path.is_dir() or path.suffix != ".jsonl" else path.parent
    stats: list[dict[str, Any]] = []
    records = list(read_pairs(path, stats))
    report = build_report(records, stats, str(folder / PAIRS_FILE if path.is_dir() else path),
                          spec.noise_config())
    report.verdict = judge(report.noise, spec)
    target = Path(out) if out is not None else folder
    target.mkdir(parents=True, exist_ok=True)
    (target / "shadow.md").write_text(render.markdown(report), encoding="utf-8")
    (target / "shadow.json").write_text(render.json_text(report), encoding="utf-8")
    (target / "report.html").write_text(render.html_page(report), encoding="utf-8")
    parquet.write_parquet(records, target / "pairs.parquet")
    return report.verdict, render.terminal(report, quiet=quiet, out=target)
