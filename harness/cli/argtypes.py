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


def add_max_jobs(parser: argparse.ArgumentParser) -> None:
    """`--max-jobs N` (harness run, harness validate): the job limit of `suite/limits.py`."""
    from harness.suite.limits import MAX_CASE_JOBS, RUN_JOBS_FACTOR

    parser.add_argument(
        "--max-jobs", type=number(1, integer=True), default=MAX_CASE_JOBS, metavar="N",
        help=f"most jobs one case may expand to per target (matrix x repeat; default "
        f"{MAX_CASE_JOBS:,}); a run may hold {RUN_JOBS_FACTOR} x N",
    )
