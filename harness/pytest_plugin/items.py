"""Collection nodes: a suite file (pytest.File) and one item per job.

    suites/tools.yaml::auto_calls_tool[mistral/mistral-medium-3.5]
    suites/params.yaml::temperature_range[mistral/mistral-medium-3.5-temperature=0.2]
    suites/params.yaml::seed_reproducible[empiriolabs/mistral-medium-3-1-r2]

The brackets hold the target, then the matrix variant (as in the row's `variant` column),
then `rN` (the 0-based `repeat` column) when the case repeats, joined by "-".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.core.models import Job
    from harness.pytest_plugin.plugin import HarnessRun

#: where the plugin keeps its per-process state (a HarnessRun) on the pytest config
STATE: pytest.StashKey[HarnessRun] = pytest.StashKey()

SUITE_SUFFIXES = (".yaml", ".yml")
_CASES_KEY = re.compile(r"^cases\s*:", re.MULTILINE)
_EXCERPT_MAX_LINES = 40
_BODY_MAX_LINES = 60
_STRING_MAX = 300
_VALUE_MAX = 1500


def looks_like_suite(path: Path) -> bool:
    """A YAML file with a top-level `cases:` key (even a broken one: its errors are shown).

    Providers files, cassettes and other YAML have none and are left alone; so are files whose
    name starts with '_' or '.', as in `harness run` on a folder."""
    if path.suffix not in SUITE_SUFFIXES or path.name.startswith(("_", ".")):
        return False
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return False
    return _CASES_KEY.search(text) is not None


_REPEAT_SUFFIX = re.compile(r"-r\d+\]$")
_SUITE_ITEM = re.compile(r"^[^:]+\.ya?ml::[^\[\]]+\[.*\]$")


def repeat_scope(nodeid: str) -> str:
    """The id shared by the repeats of one case, target and variant (the id without `-rN`);
    any other node id is its own scope."""
    if _SUITE_ITEM.match(nodeid):
        return _REPEAT_SUFFIX.sub("]", nodeid)
    return nodeid


def item_name(job: Job) -> str:
    parts = [job.target.name]
    if job.variant:
        parts.append(job.variant)
    if job.case.repeat > 1:
        parts.append(f"r{job.repeat}")
    return f"{job.case.id}[{'-'.join(parts)}]"


class CaseFailed(Exception):
    """A job ran and a check failed (or no usable answer came): the row says why."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        super().__init__(f"{row.get('job_id')}: failed")
        self.row = row


class SuiteFile(pytest.File):
    """A suite YAML file: loaded with harness.suite, expanded over the plugin's targets."""

    def collect(self) -> Iterator[pytest.Item]:
        from harness.core.errors import UsageError

        state = self.config.stash[STATE]
        try:
            jobs = state.jobs_of(self.path, self._display())
        except UsageError as exc:
            raise self.CollectError(str(exc)) from None
        for job, how in jobs:
            yield CaseItem.from_parent(self, name=item_name(job), job=job, how=how)

    def _display(self) -> str:
        try:
            return str(self.path.relative_to(self.config.invocation_params.dir))
        except ValueError:
            return str(self.path)


class CaseItem(pytest.Item):
    """One job: a case on a target, for one matrix variant and one repeat."""

    def __init__(self, *, job: Job, how: str = "live", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.how = how  # live | record | replay, decided at collection
        self.row: dict[str, Any] | None = None
        for tag in job.case.tags:
            self.add_marker(tag)

    def runtest(self) -> None:
        row = self.config.stash[STATE].submit(self.job)
        self.row = row
        if not row.get("passed"):
            raise CaseFailed(row)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from harness.core.errors import UsageError

        if isinstance(excinfo.value, CaseFailed):
            return format_failure(self.job, excinfo.value.row, Path(self.path))
        if isinstance(excinfo.value, UsageError):
            return f"{type(excinfo.value).__name__}: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        loc = self.job.case.loc
        return self.path, (loc.line - 1 if loc else None), f"{self.job.case.suite}::{self.name}"


# -- the failure text ---------------------------------------------------------------------------


def format_failure(job: Job, row: Mapping[str, Any], path: Path) -> str:
    """What a failing item shows instead of a traceback: the failed checks (expected vs
    received), the case's YAML, the request actually sent (key masked), the reproduce line
    and the start of the response."""
    out: list[str] = []
    status = row.get("status_code")
    head = f"HTTP {status}" if status is not None else "no HTTP response"
    if row.get("latency_ms") is not None:
        head += f" in {row['latency_ms']:.0f} ms"
    if (row.get("attempts") or 1) > 1:
        head += f" after {row['attempts']} attempts"
    out.append(f"harness case {row.get('job_id')} failed: {head}")
    error = str(row.get("error_message") or "")
    if row.get("error_class"):
        out.append(f"error: {row['error_class']}: {error}".rstrip())
    failures = row.get("failures") or []
    if failures:
        out.append("")
        out.append("failed checks:")
        for f in failures:
            title = _unrepeat(str(f.get("title", "")), error)
            out.append(f"  [{f.get('check', '?')}] {title}")
            out.append(f"    expected: {_unrepeat(_value(f.get('expected')), error)}")
            out.append(f"    received: {_unrepeat(_value(f.get('received')), error)}")
    out.append("")
    out.extend(yaml_excerpt(job, path))
    out.append("")
    out.append("request sent:")
    out.extend("  " + line for line in _body_lines(row.get("request_sent")))
    if row.get("reproduce"):
        out.append("")
        out.append("reproduce:")
        out.append("  " + str(row["reproduce"]))
    excerpt = row.get("response_excerpt")
    if excerpt:
        out.append("")
        out.append("response (excerpt):")
        out.extend("  " + line for line in str(excerpt)[:_VALUE_MAX].splitlines()[:20])
    notes = row.get("request_notes") or []
    if notes:
        out.append("")
        out.append("request notes: " + "; ".join(str(n) for n in notes))
    return "\n".join(out)


def yaml_excerpt(job: Job, path: Path) -> list[str]:
    """The case as written (lines of its YAML node), with line numbers."""
    loc = job.case.loc
    if loc is None:
        return [f"case {job.case.id} ({path})"]
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return [f"case {job.case.id} ({loc})"]
    start = max(loc.line, 1)
    end = min(max(loc.end_line or start, start), len(lines))
    shown_end = min(end, start + _EXCERPT_MAX_LINES - 1)
    width = len(str(shown_end))
    where = f"line {start}" if end == start else f"lines {start}-{end}"
    out = [f"case {job.case.suite}::{job.case.id} ({loc.path}, {where}; suite defaults apply):"]
    for n in range(start, shown_end + 1):
        out.append(f"  {n:>{width}} | {lines[n - 1]}".rstrip())
    if shown_end < end:
        out.append(f"  ... {end - shown_end} more line(s)")
    return out


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _STRING_MAX:
        return f"{value[:120]}... ({len(value)} chars)"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _body_lines(body: Any) -> list[str]:
    if isinstance(body, str):
        text = body if len(body) <= _VALUE_MAX else body[:_VALUE_MAX] + "..."
    else:
        text = json.dumps(_shorten(body), ensure_ascii=False, indent=2, default=str)
    lines = text.splitlines() or [""]
    if len(lines) > _BODY_MAX_LINES:
        lines = [*lines[:_BODY_MAX_LINES], f"... {len(lines) - _BODY_MAX_LINES} more line(s)"]
    return lines


def _unrepeat(text: str, error: str) -> str:
    """A check's text without the row's error message in it again (shown once, above)."""
    if error and len(error) > 40:
        for form in (error, " ".join(error.split())):
            text = text.replace(form, "(the error above)")
    return text


def _value(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(_shorten(value), ensure_ascii=False, separators=(", ", ": "),
                          default=str)
    text = " ".join(text.split())
    return text if len(text) <= _VALUE_MAX else text[: _VALUE_MAX - 3] + "..."
