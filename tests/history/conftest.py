"""History fixtures: a temporary PostgreSQL server (Debian's postgresql binaries, started here)
and `spec`, a fresh store of each kind (SQLite file, PostgreSQL database) for the same tests.

The server: a cluster made with initdb in a temporary folder, listening on 127.0.0.1 on a free
port with its unix socket in that folder, fsync off, trust authentication; as root it runs as
the `postgres` user (postgres refuses to run as root), created when missing. `make test`
installs the postgresql package when it is missing (Makefile target `postgres`); without the
binaries, or as root without runuser, the PostgreSQL tests are skipped and say why.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.history.spec import StoreSpec, parse_spec

PG_TOOLS = ("initdb", "pg_ctl", "postgres")
_counter = itertools.count()


def pg_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: on PATH, else Debian's versioned folder."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / tool).exists() for tool in PG_TOOLS):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """The command as the postgres user when we are root (created if missing)."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    if subprocess.run(["id", "postgres"], capture_output=True, check=False).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A running PostgreSQL server's base URL (`postgresql://postgres@127.0.0.1:PORT`)."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (no initdb/pg_ctl/postgres on PATH or in "
                    "/usr/lib/postgresql/*/bin): `make test` installs Debian's postgresql")
    pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.lock)")
    base = Path(tempfile.mkdtemp(prefix="harness-pg-"))  # under /tmp: reachable by postgres
    data, sock, log = base / "data", base / "sock", base / "log"
    sock.mkdir()
    if os.geteuid() == 0:
        _as_postgres(["true"])
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                     "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]),
                       check=True, capture_output=True)
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                                     "-w", "-t", "60", "-o",
                                     f"-F -h 127.0.0.1 -p {port} -k {sock}", "start"]),
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        text = (exc.stderr or b"").decode(errors="replace")[-500:]
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start PostgreSQL from {bindir}: {text}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's server."""
    import psycopg

    name = f"h_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSpec:
    """A fresh store of each kind: the same tests run against both."""
    if request.param == "sqlite":
        return parse_spec(str(tmp_path / "reports" / "history.sqlite"))
    return parse_spec(request.getfixturevalue("postgres_url"))
