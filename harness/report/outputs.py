"""Write every report of a run folder: the one entry point of `harness run` and `harness report`.

    results.parquet, results.csv   the rows as tables (frame.write_tables)
    summary.md                     head-to-head, pairwise, variants, repeats, failures
    summary.json                   the same figures, machine-readable (analysis.RunReport)
    report.html                    self-contained page with plots and the table of all jobs
    junit.xml                      one testcase per job (the jobs not run: skipped)

`completeness` (engine/completeness.py): an incomplete run's reports all say INCOMPLETE
(done/planned), and junit.xml lists its unrun jobs as skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.report.analysis import RunReport, analyze, prepare

if TYPE_CHECKING:
    import pandas as pd

SUMMARY_MD = "summary.md"
SUMMARY_JSON = "summary.json"
REPORT_HTML = "report.html"
JUNIT_XML = "junit.xml"


@dataclass
class Written:
    report: RunReport
    frame: pd.DataFrame
    paths: list[Path]


def _atomic_write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_reports(
    out_dir: Path | str,
    *,
    rows: Iterable[Mapping[str, Any]] | None = None,
    frame: pd.DataFrame | None = None,
    meta: Mapping[str, Any] | None = None,
    tables: bool = True,
    completeness: Any = None,
) -> Written:
    """Analyse the rows (or frame) and write every report file into out_dir."""
    from harness.report.frame import to_frame, write_tables
    from harness.report.html import render_html
    from harness.report.junit import render_junit
    from harness.report.summary import records, render_markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    df = frame if frame is not None else to_frame(rows or [])
    report = analyze(df, meta)
    report.completeness = completeness.to_dict() if completeness is not None else None
    unrun = [u.as_row() for u in completeness.unrun] if completeness is not None else []
    why = "" if completeness is None else "not run: " + (
        "interrupted" if completeness.state == "interrupted" else completeness.reason)
    paths: list[Path] = []
    if tables:
        paths += write_tables(df, out)
    d = prepare(df)
    rows_ = records(d)
    paths.append(_atomic_write(out / SUMMARY_MD, render_markdown(report, d, rows_)))
    paths.append(_atomic_write(
        out / SUMMARY_JSON,
        json.dumps(report.to_dict(), indent=1, ensure_ascii=False, default=str) + "\n"))
    paths.append(_atomic_write(out / REPORT_HTML, render_html(report, d, rows_)))
    paths.append(_atomic_write(out / JUNIT_XML, render_junit(d, report.run_id, rows_,
                                                                  unrun, why) + "\n"))
    return Written(report=report, frame=df, paths=paths)
