"""Arms -> one pair record: the diffs (in memory, before any masking) and why a pair is short.

    diff_arms(primary, {"candidate": arm, "secondary": arm | None}) -> {role: {field: diff}}
                       the one seam over harness.shadow.diff.diff_answers (lazy import: a log
                       written before the diff exists keeps `null` diffs, `shadow report`
                       computes them from a `full` log)
    build_record(...)  -> PairRecord, with `skipped` set when an arm gave no answer at all
    skipped_reason(arm) "candidate_timeout" | "candidate_error" | "untranslatable" | None
    PairIds(prefix)    "p000001-3f2a9c": a counter and a per-process salt
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from harness.shadow.pairs import Arm, PairRecord, request_hash

__all__ = ["PairIds", "build_record", "diff_arms", "is_timeout", "now_iso", "skipped_reason"]

_NO_ANSWER = frozenset({"connect", "transport", "timeout", "shadow_timeout", "decoding",
                        "unsupported_endpoint", "untranslatable"})


class PairIds:
    """Unique pair ids within a log: prefix, a counter, a salt per process."""

    def __init__(self, prefix: str = "p") -> None:
        self.prefix = prefix
        self.salt = os.urandom(3).hex()
        self._count = itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self._count):06d}-{self.salt}"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _as_dict(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: _as_dict(v) for k, v in value.items()}
    return value


def diff_arms(primary: Arm, others: Mapping[str, Arm | None]) -> dict[str, dict[str, Any] | None]:
    """Each other arm's answer against the primary's, field by field (None: no arm, or no
    diff module yet)."""
    try:
        from harness.shadow.diff import diff_answers  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {role: None for role in others}
    return {role: (_as_dict(diff_answers(primary.answer, arm.answer)) if arm is not None else None)
            for role, arm in others.items()}


def is_timeout(arm: Arm | None) -> bool:
    return arm is not None and arm.answer.error_class in ("shadow_timeout", "timeout")


def skipped_reason(role: str, arm: Arm | None) -> str | None:
    """Why an arm leaves the pair incomplete: it gave no answer at all (an HTTP error status
    is an answer, diffed like any other)."""
    if arm is None:
        return None
    error = arm.answer.error_class
    if error is None or error not in _NO_ANSWER:
        return None
    if error == "untranslatable":
        return "untranslatable"
    return f"{role}_timeout" if is_timeout(arm) else f"{role}_error"


def build_record(pair_id: str, ts: str, source: str, body: Any, endpoint: str,
                 arms: Mapping[str, Arm | None]) -> PairRecord:
    """The pair record of `arms` (primary first), diffs computed on the unmasked answers."""
    primary = arms["primary"]
    assert primary is not None
    others = {role: arms.get(role) for role in ("candidate", "secondary")}
    skipped = next((why for role in ("primary", "candidate", "secondary")
                    if (why := skipped_reason(role, arms.get(role)))), None)
    stream = isinstance(body, Mapping) and body.get("stream") is True
    return PairRecord(pair_id=pair_id, ts=ts, source=source, endpoint=endpoint, stream=stream,
                      request=body, request_hash=request_hash(body), arms=dict(arms),
                      diffs=diff_arms(primary, others), skipped=skipped)
