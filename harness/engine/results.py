"""The run folder: `<out>/<run_id>/results.jsonl` (one row per line) and `run.json` (meta).

    reports/20261122-051530-ab12/
        results.jsonl   one JSON object per line, appended and flushed as each row is known
        run.json        format_version, started_at, finished_at, status, targets, suites, argv, counts

Rows are written the moment they are known, one line each, flushed per line, so a run that is
interrupted (Ctrl-C, CI timeout, crash) leaves every finished row on disk; `read_results`
skips the possibly truncated last line of such a file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from harness.core.columns import FORMAT_VERSION
from harness.core.errors import RunFileError, UsageError
from harness.core.secrets import Scrubber, mask_argv

__all__ = [
    "META_FILE",
    "RESULTS_FILE",
    "ResultWriter",
    "RunDir",
    "create_run_dir",
    "iter_results",
    "mask_argv",
    "new_run_id",
    "read_meta",
    "read_results",
    "utc_now_iso",
    "write_meta",
]

RESULTS_FILE = "results.jsonl"
META_FILE = "run.json"
RUN_STATUSES = ("running", "complete", "interrupted", "failed")


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_run_id(now: float | None = None) -> str:
    """`YYYYMMDD-HHMMSS-xxxx` in UTC with 4 random hex digits, e.g. 20261122-051530-ab12."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{secrets.token_hex(2)}"


_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def create_run_dir(out: Path | str, run_id: str | None = None) -> Path:
    """Create and return `out/<run_id>/` (a fresh generated id unless one is given).

    A given run id that already has a folder is a usage error: rows of two runs never mix.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the output folder {out}: {exc.strerror or exc} (choose another --out)"
        ) from None
    if run_id is not None:
        if not _RUN_ID_RE.match(run_id):
            raise UsageError(
                f"run id {run_id!r} is not a valid folder name (letters, digits, '.', '_', '-')"
            )
        path = out / run_id
        try:
            path.mkdir()
        except FileExistsError:
            raise UsageError(f"run folder {path} already exists; choose another run id") from None
        return path
    for _ in range(100):
        path = out / new_run_id()
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"could not create a fresh run folder under {out}")  # pragma: no cover


@dataclass(frozen=True)
class RunDir:
    """Paths of one run folder."""

    path: Path

    @classmethod
    def create(cls, out: Path | str, run_id: str | None = None) -> RunDir:
        return cls(create_run_dir(out, run_id))

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def results(self) -> Path:
        return self.path / RESULTS_FILE

    @property
    def meta(self) -> Path:
        return self.path / META_FILE

    def writer(self) -> ResultWriter:
        return ResultWriter(self.results)


def _results_path(path: Path | str) -> Path:
    path = Path(path)
    return path / RESULTS_FILE if path.is_dir() else path


class ResultWriter:
    """Appends rows to results.jsonl, one JSON line each, flushed per line.

    `write` is a short synchronous call (encode + one write of a few KB to the page cache), fine
    to call from the event loop. No fsync per row: after a process crash or Ctrl-C the OS still
    has every flushed line; only a power cut can lose the tail, and read_results tolerates that.
    Accepts the run folder or the file path.
    """

    def __init__(self, path: Path | str, scrubber: Scrubber | None = None) -> None:
        self.path = _results_path(path)
        # every row goes through the run's scrubber (default: the environment's secrets)
        # before it is written, in place, so on_result and the terminal see it clean too
        self.scrubber = scrubber if scrubber is not None else Scrubber()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # buffering=1: line buffered, so every row (one "\n"-terminated write) is flushed.
        self._fh: IO[str] | None = open(self.path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        self.count = 0

    def write(self, row: Mapping[str, Any]) -> None:
        fh = self._fh
        if fh is None:
            raise ValueError("ResultWriter is closed")
        if isinstance(row, dict):
            self.scrubber.scrub_row(row)
        # json escapes newlines inside strings, so a row is exactly one line.
        fh.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
        self.count += 1

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            fh.close()

    @property
    def closed(self) -> bool:
        return self._fh is None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_results(path: Path | str) -> Iterator[dict[str, Any]]:
    """Rows of a results.jsonl (or of a run folder), in file order.

    A last line that does not parse (a run killed mid-write) is skipped; a bad line elsewhere
    is corruption: RunFileError (a ValueError) naming it.
    """
    path = _results_path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        pending: tuple[int, str] | None = None
        for lineno, line in enumerate(fh, 1):
            if pending is not None:
                raise RunFileError(
                    f"{path}: line {pending[0]} is not valid JSON: {pending[1][:80]!r}"
                )
            stripped = line.strip()
            if not stripped:
                continue
            try:
                row = json.loads(stripped)
            except ValueError:
                pending = (lineno, stripped)  # fine only if it turns out to be the last line
                continue
            if not isinstance(row, dict):
                raise RunFileError(f"{path}: line {lineno} is not a JSON object")
            yield row


def read_results(path: Path | str) -> list[dict[str, Any]]:
    """All rows of a results.jsonl (or of a run folder); see iter_results."""
    return list(iter_results(path))


# -- run.json ---------------------------------------------------------------------------------

# mask_argv lives in harness.core.secrets (re-exported here)


def read_meta(run_dir: Path | str) -> dict[str, Any]:
    path = Path(run_dir) / META_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise RunFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RunFileError(f"{path}: not a JSON object")
    return data


def write_meta(run_dir: Path | str, meta: Mapping[str, Any],
               scrubber: Scrubber | None = None) -> dict[str, Any]:
    """Write (atomically) `run.json`, merged over what is already there; returns the result.

    Call it at the start with {"status": "running", "targets": [...], "suites": [...],
    "argv": sys.argv} and at the end with {"status": "complete" | "interrupted" | "failed",
    "counts": {...}} (finished_at is filled in when a final status is written).
    `format_version` is always FORMAT_VERSION; `argv` is always masked (never keys).
    """
    run_dir = Path(run_dir)
    data = read_meta(run_dir)
    data.update(meta)
    data["format_version"] = FORMAT_VERSION
    data.setdefault("run_id", run_dir.name)
    data.setdefault("started_at", utc_now_iso())
    status = data.setdefault("status", "running")
    if status not in RUN_STATUSES:
        raise ValueError(f"run status {status!r} is not one of {RUN_STATUSES}")
    if status != "running" and not data.get("finished_at"):
        data["finished_at"] = utc_now_iso()
    data.setdefault("finished_at", None)
    if "argv" in meta and meta["argv"] is not None:
        data["argv"] = mask_argv(meta["argv"])
    for key in ("targets", "suites", "counts"):
        data.setdefault(key, {} if key == "counts" else [])
    data = (scrubber if scrubber is not None else Scrubber()).scrub_obj(data)
    path = run_dir / META_FILE
    tmp = run_dir / f".{META_FILE}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, default=str, ensure_ascii=False, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
    return data
