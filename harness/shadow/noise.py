"""The noise floor: which fields differ beyond the primary's disagreement with itself.

Over the records of a pair log, for each field of `diff.FIELDS`:

    candidate rate  pairs where the candidate's FieldDiff differs / pairs where the field
                    applies (the diff's rule: a field absent from a pair's diffs does not apply)
    noise rate      the same for the secondary (a second call to the primary), over the records
                    that have one
    excess          candidate rate - noise rate, with the interval of a difference of two
                    independent proportions (Newcombe's square-and-add of the Wilson intervals:
                    low = d - sqrt((c - lc)^2 + (us - s)^2), high = d + sqrt((uc - c)^2 +
                    (s - ls)^2)), at the level 1 - alpha / k for the k fields judged
                    (Bonferroni: alpha = 0.05 is the chance of any field flagged by chance)

Diffy's rule: a field is FLAGGED only when the excess beats BOTH thresholds,

    excess > absolute_threshold   (default 0.0003: 0.03 percentage points)
    excess > relative_threshold x noise rate   (default 0.2: 20% more than the noise)

and, with `require_significance` (the default), the excess's interval lies above 0. Both rates
are samples: on point rates alone a candidate exactly as random as the primary beats the noise
by chance (tests/shadow/synth.py's random model, 300 pairs, a secondary on half: some field
flagged in 92 of 100 seeds); with the interval, in 0 of 200, while a changed tool argument, a
dropped JSON key or a changed finish reason on 1,200 pairs is flagged in 30 of 30 seeds.

Without a secondary (or when the field never applied on a record with one) the noise floor is
UNKNOWN: the noise rate is taken as exactly 0, so any difference above the absolute threshold
is flagged, and `noise_known` is False so the report says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from harness.report.stats import wilson_interval
from harness.shadow.diff import FIELDS, DiffConfig, diff_answers
from harness.shadow.pairs import Answer

__all__ = ["FieldNoise", "NoiseConfig", "NoiseResult", "Rate", "diffs_of", "judge_diffs",
           "judge_noise"]

Diffs = Mapping[str, Mapping[str, Any]]  # field -> FieldDiff


@dataclass(frozen=True)
class NoiseConfig:
    """Diffy's thresholds (configurable from the shadow gate file)."""

    relative_threshold: float = 0.2
    absolute_threshold: float = 0.0003
    require_significance: bool = True
    alpha: float = 0.05  # family-wise: split over the fields judged (Bonferroni)


@dataclass(frozen=True)
class Rate:
    """`differs` of `n` pairs, with the 95% Wilson interval."""

    differs: int
    n: int

    @property
    def rate(self) -> float | None:
        return self.differs / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.differs, self.n)

    def interval_at(self, z: float) -> tuple[float, float]:
        return wilson_interval(self.differs, self.n, z) or (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        ci = self.interval
        return {"differs": self.differs, "n": self.n, "rate": self.rate,
                "low": ci[0] if ci else None, "high": ci[1] if ci else None}


@dataclass(frozen=True)
class FieldNoise:
    """One field's rates and the rule's decision."""

    field: str
    candidate: Rate
    noise: Rate | None  # None: the noise floor of this field is unknown (taken as 0)
    excess: float
    excess_low: float
    excess_high: float
    flagged: bool
    reason: str
    kinds: dict[str, int]  # candidate's Diffy kinds, counted

    @property
    def noise_known(self) -> bool:
        return self.noise is not None and self.noise.n > 0

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "candidate": self.candidate.to_dict(),
                "noise": self.noise.to_dict() if self.noise is not None else None,
                "noise_known": self.noise_known, "excess": self.excess,
                "excess_low": self.excess_low, "excess_high": self.excess_high,
                "flagged": self.flagged, "reason": self.reason, "kinds": dict(self.kinds)}


@dataclass
class NoiseResult:
    """Every field's `FieldNoise` (in FIELDS order, the fields that applied at least once)."""

    fields: list[FieldNoise]
    pairs: int  # records with candidate diffs
    with_secondary: int  # of those, records with secondary diffs
    config: NoiseConfig

    @property
    def noise_known(self) -> bool:
        return self.with_secondary > 0

    @property
    def flagged(self) -> list[FieldNoise]:
        """The beyond-noise differences, largest excess first."""
        return sorted((f for f in self.fields if f.flagged), key=lambda f: (-f.excess, f.field))

    def by_name(self) -> dict[str, FieldNoise]:
        return {f.field: f for f in self.fields}

    def note(self) -> str:
        if self.noise_known:
            return (f"noise floor: a secondary (the primary again) on {self.with_secondary} of "
                    f"{self.pairs} pairs")
        return ("noise floor UNKNOWN: no pair has a secondary, so every field is compared "
                "against 0 noise (any difference above the absolute threshold is flagged); "
                "mirror with --secondary to measure it")

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "with_secondary": self.with_secondary,
                "noise_known": self.noise_known, "note": self.note(),
                "relative_threshold": self.config.relative_threshold,
                "absolute_threshold": self.config.absolute_threshold,
                "require_significance": self.config.require_significance,
                "fields": [f.to_dict() for f in self.fields],
                "flagged": [f.field for f in self.flagged]}


def _answer(arm: Any) -> Answer | None:
    if not isinstance(arm, Mapping) or not isinstance(arm.get("answer"), Mapping):
        return None
    return Answer.from_dict(arm["answer"])


def diffs_of(record: Mapping[str, Any], config: DiffConfig | None = None
             ) -> tuple[Diffs | None, Diffs | None]:
    """(candidate diffs, secondary diffs) of a record (a read_pairs dict): the logged ones, or
    computed from the logged answers when the log has none (a hashed log compares text by
    digest only)."""
    logged = record.get("diffs") or {}
    arms = record.get("arms") or {}
    primary = _answer(arms.get("primary"))
    out: list[Diffs | None] = []
    for role in ("candidate", "secondary"):
        diffs = logged.get(role)
        if not isinstance(diffs, Mapping) or not diffs:
            other = _answer(arms.get(role))
            diffs = (diff_answers(primary, other, config)
                     if primary is not None and other is not None else None)
        out.append(diffs)
    return out[0], out[1]


def _tally(diffs: Diffs, counts: dict[str, list[int]], kinds: dict[str, Counter[str]] | None
           ) -> None:
    for name, fd in diffs.items():
        if not isinstance(fd, Mapping):
            continue
        slot = counts.setdefault(name, [0, 0])
        slot[1] += 1
        if fd.get("differs"):
            slot[0] += 1
            if kinds is not None:
                kinds.setdefault(name, Counter())[str(fd.get("kind"))] += 1


def judge_diffs(pairs: Iterable[tuple[Diffs | None, Diffs | None]],
                config: NoiseConfig | None = None) -> NoiseResult:
    """The rule over (candidate diffs, secondary diffs) pairs (None: that arm is missing)."""
    cfg = config or NoiseConfig()
    cand: dict[str, list[int]] = {}
    noise: dict[str, list[int]] = {}
    kinds: dict[str, Counter[str]] = {}
    n = with_secondary = 0
    for cand_diffs, sec_diffs in pairs:
        if cand_diffs is None:
            continue
        n += 1
        _tally(cand_diffs, cand, kinds)
        if sec_diffs is not None:
            with_secondary += 1
            _tally(sec_diffs, noise, None)
    names = [name for name in FIELDS if name in cand]
    names += sorted(name for name in cand if name not in FIELDS)  # a newer diff's fields
    z = NormalDist().inv_cdf(1 - cfg.alpha / (2 * max(1, len(names))))
    fields = [_judge_field(name, Rate(*cand[name]), Rate(*noise[name]) if name in noise else
                           None, dict(kinds.get(name, {})), cfg, z) for name in names]
    return NoiseResult(fields, n, with_secondary, cfg)


def judge_noise(records: Iterable[Mapping[str, Any]], config: NoiseConfig | None = None,
                diff_config: DiffConfig | None = None) -> NoiseResult:
    """The rule over the records of a pair log (`read_pairs` dicts)."""
    return judge_diffs((diffs_of(r, diff_config) for r in records), config)


def _judge_field(name: str, cand: Rate, noise: Rate | None, kinds: dict[str, int],
                 cfg: NoiseConfig, z: float) -> FieldNoise:
    c = cand.rate or 0.0
    c_low, c_high = cand.interval_at(z)
    if noise is not None and noise.n:
        s = noise.rate or 0.0
        s_low, s_high = noise.interval_at(z)
    else:
        s = s_low = s_high = 0.0  # unknown: taken as exactly 0
    d = c - s
    low = d - math.sqrt((c - c_low) ** 2 + (s_high - s) ** 2)
    high = d + math.sqrt((c_high - c) ** 2 + (s - s_low) ** 2)
    floor = "noise" if noise is not None and noise.n else "0 (noise unknown)"
    if d <= cfg.absolute_threshold:
        flagged, reason = False, (f"excess {100 * d:+.2f} pp is within the absolute threshold "
                                  f"{100 * cfg.absolute_threshold:.2f} pp over {floor}")
    elif d <= cfg.relative_threshold * s:
        flagged, reason = False, (f"excess {100 * d:+.2f} pp is within "
                                  f"{100 * cfg.relative_threshold:.0f}% of the noise rate")
    elif cfg.require_significance and low <= 0:
        flagged, reason = False, (f"excess {100 * d:+.2f} pp but its interval reaches "
                                  f"{100 * low:+.2f} pp: not beyond sampling noise")
    else:
        flagged, reason = True, (f"candidate {100 * c:.2f}% vs {floor} {100 * s:.2f}%: "
                                 f"{100 * d:+.2f} pp [{100 * low:+.2f}, {100 * high:+.2f}]")
    return FieldNoise(name, cand, noise, d, low, high, flagged, reason, kinds)
