"""argparse types that refuse out-of-range numbers (a usage error, exit 2, not a bad run)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number(lo: float | None = None, hi: float | None = None, *, integer: bool = False,
           lo_open: bool = False) -> Callable[[str], float]:
    """A type function: a number within [lo, hi] (or (lo, hi] with lo_open)."""

    def parse(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        too_low = lo is not None and (value <= lo if lo_open else value < lo)
        if too_low or (hi is not None and value > hi):
            if lo is not None and hi is not None:
                want = f"between {lo:g} and {hi:g}"
            elif lo is not None:
                want = f"{'>' if lo_open else '>='} {lo:g}"
            else:
                want = f"<= {hi:g}"
            raise argparse.ArgumentTypeError(f"must be {want}, got {text}")
        return value

    return parse


port = number(0, 65535, integer=True)
positive = number(0, lo_open=True)
non_negative = number(0)
fraction = number(0, 1)


def add_selection(parser: argparse.ArgumentParser) -> None:
    """`--case`, `--tag`, `--repeat`, `--plugin` (harness run, harness validate)."""
    parser.add_argument("--case", action="append", default=[], metavar="GLOB",
                        help="only the cases whose suite::case or case id matches this glob "
                        "(repeatable: any matches)")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="only the cases tagged TAG; not:TAG drops the cases tagged TAG "
                        "(repeatable: a case needs every TAG and none of the not:TAG)")
    parser.add_argument("--repeat", type=number(1, integer=True), default=None, metavar="N",
                        help="run every case N times (overrides the suites' repeat:)")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import this module (dotted name or .py file) before the suites "
                        "load, so the checks it registers can be named in them (repeatable)")


def add_max_jobs(parser: argparse.ArgumentParser) -> None:
    """`--max-jobs N` (harness run, harness validate): the job limit of `suite/limits.py`."""
    from harness.suite.limits import MAX_CASE_JOBS, RUN_JOBS_FACTOR

    parser.add_argument(
        "--max-jobs", type=number(1, integer=True), default=MAX_CASE_JOBS, metavar="N",
        help=f"most jobs one case may expand to per target (matrix x repeat; default "
        f"{MAX_CASE_JOBS:,}); a run may hold {RUN_JOBS_FACTOR} x N",
    )
