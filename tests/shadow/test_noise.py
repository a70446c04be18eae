"""The noise rule over many synthetic records (seeded): an identical or as-random candidate
flags nothing; a changed tool argument, a dropped JSON key, a changed finish reason are
flagged; without a secondary the floor is unknown and taken as 0."""

from __future__ import annotations

import pytest

from harness.shadow.noise import NoiseConfig, Rate, judge_diffs, judge_noise
from tests.shadow.synth import dicts, make_records

N = 1200


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_identical_candidate_flags_nothing(seed: int) -> None:
    result = judge_noise(dicts(make_records(N, seed, "identical")))
    assert result.flagged == []
    assert all(f.candidate.differs == 0 for f in result.fields)
    assert result.noise_known and result.pairs == N


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_candidate_as_random_as_the_primary_flags_nothing(seed: int) -> None:
    result = judge_noise(dicts(make_records(N, seed, "random")))
    assert result.flagged == []
    noisy = result.by_name()["text"]
    assert noisy.candidate.rate and noisy.candidate.rate > 0.3  # it is noisy, and still not flagged
    assert noisy.noise is not None and noisy.noise.rate and noisy.noise.rate > 0.3


@pytest.mark.parametrize(("change", "field", "kind"), [
    ("tool_arg", "tool_args", "value"),
    ("drop_key", "json", "missing"),
    ("finish", "finish_reason", "value"),
])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_real_change_is_flagged_and_only_it(change: str, field: str, kind: str,
                                              seed: int) -> None:
    result = judge_noise(dicts(make_records(N, seed, change)))
    assert [f.field for f in result.flagged] == [field]
    flagged = result.flagged[0]
    assert flagged.excess_low > 0 and flagged.kinds.get(kind, 0) > 0
    assert "pp" in flagged.reason


def test_a_secondary_on_a_share_of_the_pairs_is_enough() -> None:
    result = judge_noise(dicts(make_records(N, 4, "tool_arg", secondary_share=0.2)))
    assert 150 < result.with_secondary < 330
    assert [f.field for f in result.flagged] == ["tool_args"]


def test_without_a_secondary_the_floor_is_unknown_and_zero() -> None:
    result = judge_noise(dicts(make_records(400, 5, "random", secondary_share=0.0)))
    assert not result.noise_known and "UNKNOWN" in result.note()
    text = result.by_name()["text"]
    assert text.noise is None and not text.noise_known and text.flagged  # any noise is flagged
    assert "noise unknown" in text.reason
    same = judge_noise(dicts(make_records(400, 5, "identical", secondary_share=0.0)))
    assert same.flagged == []


def _diffs(field: str, differs: bool) -> dict:
    return {field: {"differs": differs, "kind": "value" if differs else None, "detail": "",
                    "score": None, "paths": []}}


def test_both_thresholds_must_be_beaten() -> None:
    # noise 10%, candidate 11%: +1 pp beats the absolute threshold but not 20% relative
    pairs = [(_diffs("x", i < 110), _diffs("x", i < 100)) for i in range(1000)]
    (fx,) = judge_diffs(pairs).fields
    assert not fx.flagged and "20%" in fx.reason
    # 0 noise, 0.02% difference: below the absolute 0.03%
    pairs = [(_diffs("x", i < 2), _diffs("x", False)) for i in range(10000)]
    (fx,) = judge_diffs(pairs).fields
    assert not fx.flagged and "absolute" in fx.reason
    (fx,) = judge_diffs(pairs, NoiseConfig(absolute_threshold=0.0001)).fields
    assert not fx.flagged and "interval" in fx.reason  # 2 vs 0 in 10,000 each: chance
    (fx,) = judge_diffs([(d, None) for d, _ in pairs], NoiseConfig(absolute_threshold=0.0001)
                        ).fields
    assert fx.flagged  # against an unknown floor (taken as exactly 0), 2 differences count
    # beyond both on point rates, but 3 pairs prove nothing
    pairs = [(_diffs("x", i < 2), _diffs("x", i < 1)) for i in range(3)]
    (fx,) = judge_diffs(pairs).fields
    assert not fx.flagged and "not beyond sampling noise" in fx.reason
    (fx,) = judge_diffs(pairs, NoiseConfig(require_significance=False)).fields
    assert fx.flagged


def test_absent_fields_are_not_counted_and_rates_have_wilson_intervals() -> None:
    pairs = [(_diffs("json", True) if i < 10 else {}, None) for i in range(100)]
    (fj,) = judge_diffs(pairs).fields
    assert fj.candidate == Rate(10, 10) and fj.candidate.interval == (pytest.approx(0.722,
                                                                                    abs=1e-3), 1.0)
    d = fj.to_dict()
    assert d["candidate"]["rate"] == 1.0 and d["noise"] is None and d["flagged"]
