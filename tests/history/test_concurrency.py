"""Several processes appending at once (different runs, and the same run twice) to one SQLite
file and to one PostgreSQL database: every run once, no error, the file intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.history.connect import open_store
from harness.history.spec import StoreSpec
from harness.history.sqlite import SqliteStore
from tests.history.support import night

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 6

APPEND = """
import sys
from pathlib import Path
from harness.history.append import add_run_dirs
from harness.history.spec import parse_spec
from harness.history.connect import open_store
with open_store(parse_spec(sys.argv[1])) as store:
    for result in add_run_dirs(store, [Path(p) for p in sys.argv[2:]]):
        print(result.outcome)
"""


def test_concurrent_appends_store_each_run_once(spec: StoreSpec, tmp_path: Path) -> None:
    dirs = [night(tmp_path, n, cases=tuple(f"c{i}" for i in range(40))) for n in range(1, 7)]
    procs = [
        subprocess.Popen([sys.executable, "-c", APPEND, spec.target, str(dirs[i]),
                          str(dirs[(i + 1) % len(dirs)])],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(WRITERS)
    ]
    outs = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0] * WRITERS, [err for _, err in outs]
    outcomes = [line for out, _ in outs for line in out.split()]
    # each run was offered by two writers: exactly one of them added it
    assert sorted(outcomes) == ["added"] * 6 + ["present"] * 6
    with open_store(spec) as store:
        runs = store.runs()
        assert sorted(r["run_id"] for r in runs) == [f"night-{n}" for n in range(1, 7)]
        rows = store.results([r["run_id"] for r in runs])
        assert len(rows) == 6 * 40
        if isinstance(store, SqliteStore):
            assert store.integrity() == "ok"
