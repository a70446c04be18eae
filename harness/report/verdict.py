"""The one-word verdict of a run's reports, and the sentence on an incomplete run.

    PASS                    every job of the plan ran and passed
    FAIL                    every job ran, at least one failed
    INCOMPLETE (88/1000)    the run did not do its whole plan (engine/completeness.py):
                            interrupted, killed, or fewer rows than planned; pass or fail
                            of the jobs that ran says nothing about the others
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["incomplete_note", "is_complete", "verdict"]


def is_complete(completeness: Mapping[str, Any] | None) -> bool:
    """Whether a run did its whole plan (None: not known, taken as complete)."""
    return completeness is None or bool(completeness.get("complete"))


def verdict(failed: int, completeness: Mapping[str, Any] | None) -> str:
    """PASS, FAIL or INCOMPLETE (done/planned) (see the module doc)."""
    if not is_complete(completeness):
        c = completeness or {}
        planned = c.get("jobs_planned")
        return f"INCOMPLETE ({c.get('jobs_done')}/{planned if planned is not None else '?'})"
    return "PASS" if failed == 0 else "FAIL"


def incomplete_note(completeness: Mapping[str, Any] | None) -> str:
    """One sentence on an incomplete run ("" for a complete or unknown one)."""
    c = completeness or {}
    if is_complete(completeness):
        return ""
    planned, done = c.get("jobs_planned"), c.get("jobs_done") or 0
    unrun = (f"{planned - done} of {planned} planned jobs were not run"
             if isinstance(planned, int) else "the number of planned jobs is unknown")
    return f"Incomplete run ({c.get('reason') or c.get('state')}): {unrun}."
