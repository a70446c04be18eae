"""A whole run meeting one hostile answer (over real HTTP to the simulator): the other rows are
all on disk, the hostile one is a classified row, every report is written, and the exit code
says "a job failed" (1), not "crashed". And --deadline: the jobs it leaves get rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from harness.core.row import check_row
from harness.engine.results import read_results
from harness.engine.transport import AiohttpTransport
from harness.session import Run, RunSettings, plan_run

SUITE = """suite: s
cases:
  - id: many
    repeat: {repeat}
    request: {{messages: [{{role: user, content: "hi"}}], max_tokens: 8}}
    expect:
      - status: 200
"""
TARGET = ("empiriolabs/mistral-medium-3-1",)


class OneHostile(httpx.AsyncBaseTransport):
    """Real HTTP, with the simulator's fault `kind` asked for on the `nth` request only."""

    def __init__(self, kind: str, nth: int) -> None:
        self.inner = AiohttpTransport(limit=16)
        self.kind, self.nth, self.seen = kind, nth, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen == self.nth:
            request.headers["x-sim-fault"] = self.kind
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _run(tmp_path: Path, repeat: int, transport: Any = None, **changes: Any) -> Any:
    suite = tmp_path / "s.yaml"
    suite.write_text(SUITE.format(repeat=repeat), encoding="utf-8")
    settings = RunSettings(suites=(str(suite),), targets=TARGET, simulate=True, mode="live",
                           sim_latency_ms=0, out=str(tmp_path / "out"), retries=0,
                           concurrency=8).but(**changes)
    with Run(plan_run(settings), transport=transport) as run:
        run.run_all()
        return run.finish()


def test_one_hostile_answer_in_300_is_one_row_and_the_run_goes_on(tmp_path: Path) -> None:
    outcome = _run(tmp_path, 300, OneHostile("deep_json", 150))
    rows = read_results(outcome.run_dir / "results.jsonl")
    assert len(rows) == 300 == len(outcome.rows)
    classes = [r["error_class"] for r in rows]
    assert classes.count("too_deep") == 1
    assert sum(r["passed"] for r in rows) == 299
    assert all(check_row(r) == [] for r in rows)
    assert outcome.exit_code == 1  # a failed job, not a crash
    for name in ("results.parquet", "results.csv", "summary.md", "report.html", "junit.xml"):
        assert (outcome.run_dir / name).exists(), name
    deep = next(r for r in rows if r["error_class"] == "too_deep")
    assert len(json.dumps(deep)) < 20_000  # the body is kept as an excerpt, never parsed
    assert json.loads((outcome.run_dir / "run.json").read_text())["status"] == "complete"


def test_exhausted_retries_count_as_errors_in_the_summary(tmp_path: Path) -> None:
    outcome = _run(tmp_path, 3, OneHostile("429_long", 2), retries=2)
    [stats] = outcome.written.report.targets
    assert (stats.jobs, stats.passed, stats.errors) == (3, 2, 1)
    row = next(r for r in outcome.rows if r["retries_exhausted"])
    assert (row["error_class"], row["attempts"]) == ("rate_limit", 1)


def test_the_run_deadline_gives_rows_to_the_jobs_it_left(tmp_path: Path) -> None:
    outcome = _run(tmp_path, 20, sim_latency_ms=400, concurrency=1, deadline_s=0.5)
    rows = outcome.rows
    assert len(rows) == 20 == len(read_results(outcome.run_dir / "results.jsonl"))
    late = [r for r in rows if r["error_class"] == "deadline"]
    assert late and all(not r["passed"] for r in late)
    assert any(r["error_message"].startswith("not run: the run's --deadline 0.5 s") for r in late)
    assert any(r["turns"] == 0 and r["attempts"] == 0 for r in late)
    assert outcome.exit_code == 1
    assert all(check_row(r) == [] for r in rows)
