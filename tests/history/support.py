"""Run folders for the history tests (rows shaped like the engine's, run.json with
fingerprints), and a night-by-night helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.report.support import row, write_run

FPS = {"suites": "suitesfp00000001", "prices": "pricesfp00000001", "plan": "planfp0000000001"}


def night(out: Path, n: int, failing: dict[str, str] | None = None, *,
          cases: tuple[str, ...] = ("a", "b", "c"), target: str = "p/a",
          status: str = "complete", **meta: Any) -> Path:
    """Run folder `night-N` started on day N: every case passes but those in `failing`
    (case -> failure title)."""
    failing = failing or {}
    rows = []
    for case in cases:
        failures = ([{"check": "contains", "title": failing[case], "expected": "x",
                      "received": "y"}] if case in failing else None)
        rows.append(row(case, target, passed=case not in failing, failures=failures,
                        latency_ms=100.0 + 10 * n, started_at=f"2026-12-0{n}T03:00:00+00:00"))
    meta.setdefault("fingerprints", FPS)
    return write_run(out, f"night-{n}", rows, status=status,
                     started_at=f"2026-12-0{n}T03:00:00.000+00:00",
                     finished_at=f"2026-12-0{n}T03:10:00.000+00:00", **meta)
