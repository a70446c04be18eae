"""The store, the same tests on SQLite and PostgreSQL: append, idempotence, round trip,
refusals, schema version, new columns, secrets, masked passwords."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.core.columns import COLUMN_NAMES
from harness.core.errors import UsageError
from harness.engine.results import read_results
from harness.history.append import add_run_dirs, find_run_dirs
from harness.history.connect import open_store
from harness.history.queries import last_good_run, rows_of
from harness.history.schema import SCHEMA_VERSION
from harness.history.spec import HistoryError, StoreSpec, mask_url, parse_spec
from tests.history.support import FPS, night


def test_append_round_trips_every_column_and_is_idempotent(spec: StoreSpec,
                                                           tmp_path: Path) -> None:
    run_dir = night(tmp_path, 1, {"b": "content does not contain 'zebra'"})
    with open_store(spec) as store:
        [first] = add_run_dirs(store, [run_dir])
        [again] = add_run_dirs(store, [run_dir])
        assert (first.outcome, again.outcome) == ("added", "present")
        assert "already in the history" in again.line(store.display)
        [run] = store.runs()
        back = rows_of(store, "night-1")
    assert run["run_id"] == "night-1" and run["status"] == "complete"
    assert (run["jobs"], run["passed"], run["failed"]) == (3, 2, 1)
    assert (run["suites_fp"], run["prices_fp"], run["plan_fp"]) == (
        FPS["suites"], FPS["prices"], FPS["plan"])
    assert run["targets"] == ["p/a"] and run["meta"]["fingerprints"] == FPS
    assert run["p50_ms"] == pytest.approx(110.0) and run["cost_usd"] == pytest.approx(0.003)
    original = {r["job_id"]: r for r in read_results(run_dir)}
    assert len(back) == 3
    for r in back:
        assert list(r) == ["run_id", "job_id", *[c for c in COLUMN_NAMES
                                                 if c not in ("run_id", "job_id")]]
        want = original[r["job_id"]]
        for name in COLUMN_NAMES:
            assert r[name] == want[name], name  # bools, ints, floats, json lists/dicts alike
    assert isinstance(back[0]["passed"], bool) and isinstance(back[0]["failures"], list)


def test_a_running_run_is_refused_and_an_interrupted_one_flagged(spec: StoreSpec,
                                                                 tmp_path: Path) -> None:
    running = night(tmp_path, 1, status="running")
    interrupted = night(tmp_path, 2, status="interrupted")
    good = night(tmp_path, 3)
    with open_store(spec) as store:
        results = add_run_dirs(store, [running, interrupted, good])
        assert [r.outcome for r in results] == ["refused", "added", "added"]
        assert "still running" in results[0].line(store.display)
        assert "flagged interrupted" in results[1].line(store.display)
        assert [r["run_id"] for r in store.runs()] == ["night-2", "night-3"]
        # an interrupted run is never a baseline, whatever its rows say
        assert last_good_run(store, "p/a", FPS["suites"], before="night-3") is None
        found = last_good_run(store, "p/a", FPS["suites"])
    assert found is not None and found[0] == "night-3" and len(found[1]) == 3


def test_last_good_run_is_the_newest_all_passing_run_before_the_candidate(
        spec: StoreSpec, tmp_path: Path) -> None:
    dirs = [night(tmp_path, 1), night(tmp_path, 2), night(tmp_path, 3, {"a": "broke"}),
            night(tmp_path, 4, fingerprints={**FPS, "suites": "othersuites00001"})]
    with open_store(spec) as store:
        add_run_dirs(store, dirs)
        assert last_good_run(store, "p/a", FPS["suites"])[0] == "night-2"  # type: ignore[index]
        assert last_good_run(store, "p/a", FPS["suites"], before="night-2")[0] == "night-1"  # type: ignore[index]
        assert last_good_run(store, "p/a", FPS["suites"], before="night-1") is None
        assert last_good_run(store, "p/b", FPS["suites"]) is None
        assert last_good_run(store, "p/a", "othersuites00001")[0] == "night-4"  # type: ignore[index]


def test_reopening_keeps_the_schema_version_and_adds_new_columns(
        spec: StoreSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(spec) as store:
        add_run_dirs(store, [night(tmp_path, 1)])
    from harness.history import schema

    monkeypatch.setattr(schema, "COLUMN_TYPES", {**schema.COLUMN_TYPES, "new_col": "int"})
    run_dir = night(tmp_path, 2)
    with open_store(spec) as store:
        _, found = store._query("SELECT version FROM schema_version")
        assert [v for (v,) in found] == [SCHEMA_VERSION]
        store.add({"run_id": "x", "status": "complete", "started_at": "z"},
                  [{"job_id": "j", "new_col": 7, "passed": True}])
        assert store.results(["x"], columns=["new_col"])[0]["new_col"] == 7
        assert add_run_dirs(store, [run_dir])[0].outcome == "added"


def test_a_newer_schema_is_refused(spec: StoreSpec) -> None:
    with open_store(spec) as store, store._write() as cur:
        cur.execute(store.sql("INSERT INTO schema_version VALUES (?, ?)"), (SCHEMA_VERSION + 1,
                                                                             "later"))
    with pytest.raises(HistoryError, match="newer than this harness"):
        open_store(spec)


def test_stored_text_is_scrubbed_of_environment_secrets(
        spec: StoreSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-test-ECHOED-0123456789abcdef"
    monkeypatch.setenv("SOME_PROVIDER_API_KEY", secret)
    run_dir = night(tmp_path, 1, {"a": f"body echoed the key {secret}"})
    with open_store(spec) as store:
        add_run_dirs(store, [run_dir])
        rows = rows_of(store, "night-1")
        _, raw = store._query("SELECT failures FROM results")
    assert secret not in repr(rows) and secret not in repr(raw)
    assert any("echoed the key ***" in r["failures"][0]["title"] for r in rows if r["failures"])


def test_find_run_dirs_takes_run_folders_and_folders_of_them(tmp_path: Path) -> None:
    a, b = night(tmp_path, 1), night(tmp_path, 2)
    assert find_run_dirs([tmp_path]) == [a, b]
    assert find_run_dirs([b, tmp_path]) == [b, a]
    with pytest.raises(UsageError, match="no such run folder"):
        find_run_dirs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="holds no run folder"):
        find_run_dirs([tmp_path / "empty"])


def test_specs_and_masked_passwords() -> None:
    assert parse_spec("reports/history.sqlite") == StoreSpec(
        "sqlite", "reports/history.sqlite", "reports/history.sqlite")
    assert parse_spec("sqlite:///h.sqlite").target == "h.sqlite"
    assert parse_spec("sqlite:////abs/h.sqlite").target == "/abs/h.sqlite"
    pg = parse_spec("postgresql://ci:hunter2pass@db.example:5432/hist")
    assert pg.kind == "postgres" and pg.display == "postgresql://ci:***@db.example:5432/hist"
    assert mask_url("postgres://u@h/db?password=hunter2pass&x=1") == (
        "postgres://u@h/db?password=***&x=1")
    with pytest.raises(UsageError, match="unknown store 'mysql://u:\\*\\*\\*@h/db'"):
        parse_spec("mysql://u:hunter2pass@h/db")


def test_an_unreachable_postgres_error_never_shows_the_password() -> None:
    pytest.importorskip("psycopg")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = parse_spec(f"postgresql://ci:hunter2pass@127.0.0.1:{port}/hist")
    with pytest.raises(HistoryError) as info:
        open_store(spec)
    assert "hunter2pass" not in str(info.value) and "ci:***@127.0.0.1" in str(info.value)


def test_last_good_baselines_of_a_candidate_run_json(spec: StoreSpec, tmp_path: Path) -> None:
    from harness.engine.results import read_meta
    from harness.history.queries import last_good_baselines

    dirs = [night(tmp_path, 1), night(tmp_path, 2, {"a": "broke"}), night(tmp_path, 3)]
    with open_store(spec) as store:
        add_run_dirs(store, dirs[:2])  # the candidate (night 3) is not in the history
        found = last_good_baselines(store, read_meta(dirs[2]))
        assert list(found) == ["p/a"] and found["p/a"] is not None
        assert found["p/a"][0] == "night-1" and len(found["p/a"][1]) == 3
        add_run_dirs(store, dirs[2:])  # now it is: still only older runs, never itself
        assert last_good_baselines(store, read_meta(dirs[2]))["p/a"][0] == "night-1"  # type: ignore[index]
        assert last_good_baselines(store, read_meta(dirs[0])) == {"p/a": None}


def test_a_complete_run_with_fewer_rows_than_planned_is_flagged(spec: StoreSpec,
                                                                tmp_path: Path) -> None:
    short = night(tmp_path, 1, jobs_planned=10)  # 3 rows of 10 planned, run.json "complete"
    with open_store(spec) as store:
        (result,) = add_run_dirs(store, [short])
        assert "flagged interrupted: 3 of 10 planned jobs" in result.line(store.display)
        assert [r["status"] for r in store.runs()] == ["interrupted"]
        assert last_good_run(store, "p/a", FPS["suites"]) is None


def test_a_killed_run_is_stored_as_interrupted(spec: StoreSpec, tmp_path: Path) -> None:
    """run.json still says running, but the process it names (this host) is gone: SIGKILL."""
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    killed = night(tmp_path, 1, status="running", pid=int(dead.stdout), host=socket.gethostname())
    alive = night(tmp_path, 2, status="running", pid=os.getpid(), host=socket.gethostname())
    with open_store(spec) as store:
        results = add_run_dirs(store, [killed, alive])
        assert [r.outcome for r in results] == ["added", "refused"]
        assert "killed" in results[0].line(store.display)
        (run,) = store.runs()
        assert run["run_id"] == "night-1" and run["status"] == "interrupted"
        assert last_good_run(store, "p/a", FPS["suites"]) is None
