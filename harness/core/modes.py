"""The run modes, in one place.

    live     call the providers; nothing read or written under cassettes/
    record   call them, and write what they answered to cassettes
    replay   answer from the cassettes: no network, no key
    auto     replay a job whose cassette exists, record one whose cassette does not

A job runs in one of JOB_MODES; `auto` is decided per job (per cassette) when a run is planned.
"""

from __future__ import annotations

__all__ = ["JOB_MODES", "MODES", "check_mode"]

MODES = ("live", "record", "replay", "auto")
JOB_MODES = ("live", "record", "replay")


def check_mode(mode: str, flag: str = "--mode") -> str:
    """`mode` when it is one of MODES, else a ValueError naming the flag and the choices."""
    if mode not in MODES:
        raise ValueError(f"{flag} must be live, record, replay or auto, got {mode!r}")
    return mode
