"""engine/stop.py: a stop request ends dispatching; the jobs in flight finish within the grace
period or are cancelled (no row), and the rows that finished are returned and on disk."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from aiohttp import web

from harness.engine.results import ResultWriter, read_results
from harness.engine.stop import Stop
from tests.engine.runs import run_jobs

from .support import chat_body, fake_evaluate, fake_prepare, local_server, make_job, make_provider


def _stopped_run(tmp_path: Path, grace_s: float, hang_from: int,
                 second: bool = False) -> tuple[list[dict], Stop]:
    """40 jobs, concurrency 4; jobs >= `hang_from` hang until released; stop after 4 rows."""
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        if int(request.headers["x-job"].rsplit("::r", 1)[1]) >= hang_from:
            await release.wait()
        return web.json_response(chat_body())

    stop = Stop(grace_s)

    async def main() -> list[dict]:
        async with local_server(handler) as base:
            provider = make_provider("p", base)
            jobs = [make_job(provider, repeat=i, repeats=40) for i in range(40)]
            count = 0

            def on_result(_row: dict) -> None:
                nonlocal count
                count += 1
                if count == 4:
                    stop.request(signal.SIGTERM)
                    if second:
                        stop.request(signal.SIGTERM)

            with ResultWriter(tmp_path) as writer:
                try:
                    return await run_jobs(jobs, run_id="r", writer=writer, concurrency=4,
                                          on_result=on_result, prepare_fn=fake_prepare,
                                          evaluate_fn=fake_evaluate, stop=stop)
                finally:
                    release.set()

    return asyncio.run(main()), stop


def test_jobs_in_flight_finish_within_the_grace_period(tmp_path: Path) -> None:
    rows, stop = _stopped_run(tmp_path, grace_s=60, hang_from=1000)
    assert stop.signal == "SIGTERM" and stop.cancelled == 0
    assert 4 <= len(rows) <= 4 + 3  # the 3 others in flight may finish too; nothing new starts
    assert len(read_results(tmp_path)) == len(rows)


def test_jobs_still_in_flight_after_the_grace_period_are_cancelled(tmp_path: Path) -> None:
    rows, stop = _stopped_run(tmp_path, grace_s=0.05, hang_from=4)
    # the workers that finished jobs 0-2 took jobs 4-6 and hang; the 4th row asked to stop,
    # so its worker took nothing more
    assert len(rows) == 4 and stop.cancelled == 3
    assert sorted(r["job_id"][-2:] for r in read_results(tmp_path)) == ["r0", "r1", "r2", "r3"]


def test_a_second_request_cancels_at_once(tmp_path: Path) -> None:
    rows, stop = _stopped_run(tmp_path, grace_s=3600, hang_from=4, second=True)
    assert len(rows) == 4 and stop.cancelled == 3
