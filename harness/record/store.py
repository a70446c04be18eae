"""The cassettes of one run: which job replays or records, lookups, staleness, and writing.

    store = CassetteStore(Path("cassettes"), run_id=..., source=...)
    store.plan(jobs, "auto")            -> ["replay" | "record" | "live", ...] per job
    store.begin(jobs, plans)            -> the jobs that record are counted per cassette
    store.lookup(job, key, turn)        -> Interaction, or a Miss (no_recording / stale_cassette)
    store.add(job, turn, interaction)   -> kept in memory
    await store.job_done(job)           -> the cassette is (re)written with every job done so far

One cassette per case, target and variant (`cassette_path`); its jobs (the repeats) are one
group. Loading is lazy (a cassette is read the first time one of its jobs needs it, once, and
parsed into an index: match key -> interactions in file order, and (repeat, turn) -> the
interaction recorded for it). Lookups are synchronous (no await between the check and the use,
so concurrent tasks of one event loop never interleave inside one); the asyncio lock per path
guards the only awaited step, the write.

Matching: method, URL without fragment and the normalised JSON body (`match_key`). Repeat r,
turn t of a job replays the interaction recorded for (r, t) when its request matches; a
cassette written by another tool (no repeat/turn marks) replays the r-th interaction matching
the request. Anything else is STALE (the suite changed since the recording): the error names
the closest recorded request (difflib ratio of the normalised bodies) and shows a short
unified diff. A stale cassette is never replayed, and `auto` does not silently re-record it:
re-recording is explicit (`--mode record`).

Recording: interactions are collected in memory per cassette, keyed by (repeat, turn), and the
cassette is rewritten each time one of its jobs is done (before that job's row is written, so
a row never names a cassette that is not on disk), ordered by repeat then turn (so replay
order never depends on which task finished first). Until every job of its group is done its
metadata says `complete: false` (with `jobs_recorded` / `jobs_planned`), so a run interrupted
while recording keeps every answer it got, and that cut-short cassette is never replayed as
if whole: replay calls it stale and `auto` records it again. The write is atomic (temp file +
rename) under an exclusive `flock` on the cassette's folder, so two processes (xdist workers)
never interleave; a cassette already written by the SAME run (another worker holding other
repeats of it, or the run being resumed) is merged, one from an earlier run is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.core.models import Job
from harness.core.modes import MODES
from harness.core.secrets import mask_url_secrets
from harness.record.cassette import (
    CASSETTE_FORMAT,
    SIM_SOURCE,
    Cassette,
    Interaction,
    cassette_path,
    load_cassette,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["MODES", "CassetteStore", "Miss", "record_hint"]

_DIFF_LINES = 24


@dataclass
class Miss:
    """Nothing to replay for a request: `error_class` and the message for the row."""

    error_class: str  # no_recording | stale_cassette | bad_cassette
    message: str


@dataclass
class _Loaded:
    cassette: Cassette
    by_key: dict[tuple[str, str, str], list[Interaction]]
    by_slot: dict[tuple[int, int], Interaction]


@dataclass
class _Group:
    jobs: int
    done: int = 0
    written: bool = False


def record_hint(job: Job, source: str | None = None, extra: str = "") -> str:
    """The command that (re-)records a job's cassette; `extra` carries the run's own
    --cassettes / --providers so the command writes where this run reads."""
    suite = job.case.loc.path if job.case.loc is not None else job.case.suite
    sim = " --simulate" if source == SIM_SOURCE else ""
    return f"`harness run {suite} --target {job.target.name} --mode record{sim}{extra}`"


class CassetteStore:
    """The cassettes of one run under `root` (see the module doc)."""

    def __init__(self, root: Path | str, *, run_id: str = "", source: str | None = None) -> None:
        self.root = Path(root)
        self.run_id = run_id
        self.source = source  # metadata `source` of the cassettes this run records
        self.hint_args = ""  # e.g. " --cassettes DIR --providers FILE", for record_hint
        self._paths: dict[tuple[str, str, str, str], Path] = {}
        self._loaded: dict[Path, _Loaded | Miss] = {}
        self._groups: dict[Path, _Group] = {}
        self._recorded: dict[Path, dict[tuple[int, int], Interaction]] = {}
        self._group_jobs: dict[Path, Job] = {}
        self._locks: dict[Path, asyncio.Lock] = {}
        self.sources: set[str] = set()  # `source` of every cassette replayed
        self.written: list[Path] = []
        self._written: set[Path] = set()

    # -- paths and plans ---------------------------------------------------------------------

    def path(self, job: Job) -> Path:
        key = (job.case.suite, job.case.id, job.target.name, job.variant)
        path = self._paths.get(key)
        if path is None:
            path = cassette_path(
                self.root, job.case.suite, job.case.id, job.target.name, job.variant
            )
            self._paths[key] = path
        return path

    def plan(self, jobs: Sequence[Job], mode: str) -> list[str]:
        """How each job runs: "live", "record" or "replay". `auto`: replay when the job's
        cassette exists, record otherwise (per cassette, so a group is never split). Pure:
        nothing is registered (see `begin`)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode != "auto":
            return [mode] * len(jobs)
        exists: dict[Path, bool] = {}
        plans: list[str] = []
        for job in jobs:
            path = self.path(job)
            found = exists.get(path)
            if found is None:
                found = exists[path] = path.is_file() and not self._cut_short(path, job)
            plans.append("replay" if found else "record")
        return plans

    def _cut_short(self, path: Path, job: Job) -> bool:
        """Whether a cassette was cut short while recording (`auto` records it again)."""
        loaded = self._load(path, job)
        if isinstance(loaded, _Loaded) and loaded.cassette.metadata.get("complete") is False:
            self._loaded.pop(path, None)
            return True
        return False

    def begin(self, jobs: Sequence[Job], plans: Sequence[str]) -> None:
        """Register the jobs about to record: a cassette is written when all the jobs
        registered for it are done (several run_jobs calls on one store add up)."""
        for job, how in zip(jobs, plans, strict=True):
            if how != "record":
                continue
            path = self.path(job)
            group = self._groups.get(path)
            if group is None or group.written:
                self._groups[path] = _Group(jobs=1)
                self._group_jobs[path] = job
            else:
                group.jobs += 1

    # -- replay ------------------------------------------------------------------------------

    def _load(self, path: Path, job: Job) -> _Loaded | Miss:
        loaded = self._loaded.get(path)
        if loaded is not None:
            return loaded
        try:
            cassette = load_cassette(path)
        except FileNotFoundError:
            result: _Loaded | Miss = Miss("no_recording", "")
        except Exception as exc:  # noqa: BLE001 - yaml.YAMLError, a wrong shape, OSError
            result = Miss(
                "bad_cassette",
                f"cassette {path} cannot be read ({type(exc).__name__}: "
                f"{str(exc)[:200]}); re-record it with {record_hint(job, extra=self.hint_args)}",
            )
        else:
            by_key: dict[tuple[str, str, str], list[Interaction]] = {}
            by_slot: dict[tuple[int, int], Interaction] = {}
            for inter in cassette.interactions:
                by_key.setdefault(inter.key, []).append(inter)
                if inter.repeat is not None:
                    by_slot.setdefault((inter.repeat, inter.turn or 1), inter)
            result = _Loaded(cassette, by_key, by_slot)
        self._loaded[path] = result
        return result

    def lookup(self, job: Job, key: tuple[str, str, str], turn: int = 1) -> Interaction | Miss:
        """The interaction to replay for turn `turn` of `job` whose request is `key`."""
        path = self.path(job)
        loaded = self._load(path, job)
        where = _where(job)
        if isinstance(loaded, Miss):
            if loaded.error_class == "no_recording":
                return Miss(
                    "no_recording",
                    f"no recording for case {job.case.id} on target {job.target.name}{where} "
                    f"(cassette {path}): record it with {record_hint(job, extra=self.hint_args)}",
                )
            return loaded
        source = loaded.cassette.metadata.get("source")
        if loaded.cassette.metadata.get("complete") is False:
            return self._partial(job, path, loaded.cassette.metadata)
        if source:
            self.sources.add(str(source))
        slot = loaded.by_slot.get((job.repeat, turn))
        if slot is not None and slot.key == key:
            return slot
        matches = loaded.by_key.get(key)
        if matches and not loaded.by_slot and job.repeat < len(matches):
            return matches[job.repeat]  # a cassette without repeat marks (another tool's)
        hint = record_hint(job, str(source) if source else None, self.hint_args)
        what = f"repeat {job.repeat}" + (f", turn {turn}" if turn > 1 else "")
        if matches:
            return Miss(
                "stale_cassette",
                f"stale cassette for case {job.case.id} on target {job.target.name}{where} "
                f"(cassette {path}): it holds {len(matches)} recording(s) of this request but "
                f"none for {what} (the case repeats or loops more than when recorded, or that "
                "repeat got no HTTP response then); re-record it with "
                f"{hint}",
            )
        return Miss(
            "stale_cassette",
            f"stale cassette for case {job.case.id} on target {job.target.name}{where} "
            f"(cassette {path}): the request the suite makes now ({what}) matches none of "
            f"the {len(loaded.cassette.interactions)} recorded; "
            f"{closest(key, loaded.cassette.interactions)}\nre-record it with {hint}",
        )

    def _partial(self, job: Job, path: Path, metadata: dict[str, Any]) -> Miss:
        source = metadata.get("source")
        hint = record_hint(job, str(source) if source else None, self.hint_args)
        return Miss(
            "stale_cassette",
            f"cassette {path} for case {job.case.id} on target {job.target.name}{_where(job)} "
            f"was cut short while recording (run {metadata.get('run_id')} stopped with "
            f"{metadata.get('jobs_recorded', '?')} of {metadata.get('jobs_planned', '?')} jobs "
            f"recorded): it is not replayed as if complete; `--mode auto` records it again, or "
            f"re-record it with {hint}",
        )

    # -- record ------------------------------------------------------------------------------

    def add(self, job: Job, turn: int, interaction: Interaction) -> None:
        """Keep a recorded interaction until its cassette's group is done."""
        interaction.repeat = job.repeat
        interaction.turn = turn
        self._recorded.setdefault(self.path(job), {})[(job.repeat, turn)] = interaction

    async def job_done(self, job: Job) -> Path | None:
        """Count a recorded job and write its cassette with every job done so far (marked
        `complete: false` until its whole group is done); None when nothing is on disk."""
        path = self.path(job)
        group = self._groups.get(path)
        if group is None:
            return None
        group.done += 1
        if group.written:
            return None
        return await self._write(path)

    async def flush(self) -> list[Path]:
        """Write every group whose jobs are all done and that is not written yet."""
        out = []
        for path, group in self._groups.items():
            if not group.written and group.done >= group.jobs:
                written = await self._write(path)
                if written is not None:
                    out.append(written)
        return out

    async def _write(self, path: Path) -> Path | None:
        lock = self._locks.setdefault(path, asyncio.Lock())
        async with lock:
            group = self._groups[path]
            if group.written:
                return None
            complete = group.done >= group.jobs
            group.written = complete
            recorded = (self._recorded.pop(path, {}) if complete
                        else dict(self._recorded.get(path, {})))
            if not recorded:
                return None  # nothing got an HTTP response: nothing to write
            job = self._group_jobs[path]
            metadata = self._metadata(job)
            if not complete:
                metadata = {"complete": False, "jobs_recorded": group.done,
                            "jobs_planned": group.jobs, **metadata}
            cassette = Cassette(path, [recorded[slot] for slot in sorted(recorded)], metadata)
            await asyncio.to_thread(_save_locked, cassette, self.run_id)
            self._loaded.pop(path, None)
            if path not in self._written:
                self._written.add(path)
                self.written.append(path)
            return path

    def _metadata(self, job: Job) -> dict[str, Any]:
        return {
            "suite": job.case.suite,
            "case": job.case.id,
            "target": job.target.name,
            "variant": job.variant,
            "source": self.source or
            f"recorded from {mask_url_secrets(job.target.provider.base_url)}",
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_id": self.run_id,
            "format": CASSETTE_FORMAT,
        }


def _where(job: Job) -> str:
    return f" (variant {job.variant})" if job.variant else ""


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive flock on a folder (released on exit); no lock file is left behind."""
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _save_locked(cassette: Cassette, run_id: str) -> None:
    """Write under the folder lock; merge with a cassette the same run already wrote."""
    with folder_lock(cassette.path.parent):
        if run_id and cassette.path.is_file():
            try:
                old = load_cassette(cassette.path)
            except Exception:  # noqa: BLE001 - an unreadable old file is simply replaced
                old = None
            if old is not None and old.metadata.get("run_id") == run_id:
                slots = {(i.repeat or 0, i.turn or 1): i for i in old.interactions}
                slots.update({(i.repeat or 0, i.turn or 1): i for i in cassette.interactions})
                cassette.interactions = [slots[s] for s in sorted(slots)]
        cassette.save()


# -- the closest recorded request -------------------------------------------------------------


def _pretty(body: str) -> list[str]:
    try:
        return json.dumps(json.loads(body), indent=1, sort_keys=True, ensure_ascii=False).splitlines()
    except ValueError:
        return body.splitlines() or [body]


def closest(key: tuple[str, str, str], interactions: Sequence[Interaction]) -> str:
    """'closest recorded request (#n, similarity 0.93): <diff>' for a key that matched none."""
    if not interactions:
        return "the cassette holds no interaction"
    method, uri, body = key

    def score(inter: Interaction) -> float:
        m, u, b = inter.key
        ratio = difflib.SequenceMatcher(None, b, body, autojunk=False).ratio()
        return ratio + (m == method) * 0.01 + (u == uri) * 0.01

    best_i, best = max(enumerate(interactions), key=lambda pair: score(pair[1]))
    m, u, b = best.key
    ratio = difflib.SequenceMatcher(None, b, body, autojunk=False).ratio()
    lines = [f"closest recorded request: interaction {best_i + 1} (similarity {ratio:.2f})"]
    if (m, u) != (method, uri):
        lines.append(f"  recorded {m} {u}, now {method} {uri}")
    diff = list(
        difflib.unified_diff(
            _pretty(b), _pretty(body), "recorded", "suite now", n=1, lineterm=""
        )
    )
    if len(diff) > _DIFF_LINES:
        diff = [*diff[:_DIFF_LINES], f"... ({len(diff) - _DIFF_LINES} more diff lines)"]
    lines += diff
    return "\n".join(lines)
