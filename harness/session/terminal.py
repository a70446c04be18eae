"""What a run says on the terminal when it ends, the same for `harness run`, the pytest plugin
and `harness.run(...)`: failures, the per-target table, the comparison, cassettes, verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.session.run import Outcome

__all__ = ["REPLAY_MISSES", "cassette_lines", "resume_lines", "summary_lines", "verdict_line"]

REPLAY_MISSES = ("no_recording", "stale_cassette", "bad_cassette")


def _miss_lines(rows: Sequence[dict[str, Any]], limit: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    misses = [r for r in rows if r.get("error_class") in REPLAY_MISSES]
    for r in misses:
        if r["cassette"] in seen:
            continue
        seen.add(r["cassette"])
        if len(seen) > limit:
            out.append(f"... and more replay misses ({len(misses)} jobs in all; see summary.md)")
            break
        out.append(f"{r['error_class'].upper()} {r['job_id']}: {r['error_message']}")
    return out


def cassette_lines(rows: Sequence[dict[str, Any]], store: Any, pace: bool,
                   limit: int = 10) -> list[str]:
    """Replay misses (each cassette once, in full), recorded latency, the source of the
    recordings, cassettes written. Nothing for a live run (`store` None)."""
    if store is None:
        return []
    from harness.record.cassette import SIM_SOURCE

    out = _miss_lines(rows, limit)
    replayed = sum(1 for r in rows
                   if r.get("mode") == "replay" and r.get("error_class") not in REPLAY_MISSES)
    if replayed:
        how = ("paced: timings measured as streams were re-played at their recorded offsets; "
               "recorded_latency_ms holds the recorded latency") if pace else (
               "latency, TTFB and TTFT as recorded (recorded_latency_ms)")
        out.append(f"replayed {replayed} job(s) from {store.root}/: {how}")
    recorded = sum(1 for r in rows if r.get("mode") == "record")
    if recorded:
        out.append(f"recorded {recorded} job(s): {len(store.written)} cassette(s) written under "
                   f"{store.root}/")
        lost = [r["job_id"] for r in rows if r.get("mode") == "record" and r["status_code"] is None]
        if lost:
            out.append(f"not recorded ({len(lost)} job(s) got no HTTP response: "
                       f"{', '.join(lost[:3])}{', ...' if len(lost) > 3 else ''})")
    if SIM_SOURCE in store.sources or (recorded and store.source == SIM_SOURCE):
        out.append(f"cassettes from the {SIM_SOURCE}")
    return out


def verdict_line(outcome: Outcome) -> str:
    """PASS / FAIL / INCOMPLETE (done/planned, why): n/m jobs passed; run folder DIR"""
    rows = outcome.rows
    verdict = "PASS" if not outcome.failed else "FAIL"
    done = outcome.completeness
    if done is not None and not done.complete:
        verdict = f"{done.label[:-1]}, {done.reason})"
    return (f"{verdict}: {len(rows) - outcome.failed}/{len(rows)} jobs passed; run folder "
            f"{outcome.run_dir}")


def resume_lines(outcome: Outcome, argv0: str = "harness") -> list[str]:
    """How to finish an interrupted run: nothing for a complete one."""
    done = outcome.completeness
    if done is None or done.complete:
        return []
    missing = (done.planned - done.done) if done.planned is not None else None
    what = f"the {missing} job(s) not run" if missing is not None else "the jobs not run"
    return [f"{done.reason}: {done.done}/{done.planned} jobs done; run folder {outcome.run_dir}",
            (f"run {what} (appended to this run folder) with: "
            f"{argv0} run --resume {outcome.run_dir}")]


def summary_lines(outcome: Outcome, *, failures: bool = True) -> list[str]:
    """The failures (one line each), the per-target table, the head-to-head pairs, and the
    report files written."""
    from harness.report.summary import failure_lines, render_pairs_text, render_text

    report = outcome.written.report
    lines = list(failure_lines(outcome.rows)) if failures else []
    lines += render_text(report.targets).splitlines()
    if report.pairs:
        lines += ["", *render_pairs_text(report.pairs).splitlines()]
    if outcome.history:
        lines.append(outcome.history)
    lines.append("reports: " + ", ".join(p.name for p in outcome.written.paths))
    return lines
