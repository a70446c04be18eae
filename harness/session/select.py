"""Which cases a run keeps and how often each repeats: `--case GLOB`, `--tag TAG`,
`--repeat N` (RunSettings `cases`, `tags`, `repeat`), applied to the loaded suites before they
are expanded into jobs, by `harness run` and `harness validate` alike.

  --case GLOB   fnmatch on `suite::case` and on `case`; repeatable: a case matching any is kept
  --tag TAG     a case is kept when it has every positive tag and none of the `not:TAG` ones
  --repeat N    every kept case runs N times (its `repeat:` ignored)

A selection that keeps no case is a usage error naming the filters.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from harness.core.errors import UsageError
from harness.core.models import Case

if TYPE_CHECKING:
    from harness.suite.loader import Suite

__all__ = ["Selection"]

_NOT = "not:"


@dataclass(frozen=True)
class Selection:
    """Case globs, tags (`not:TAG` excludes) and a repeat override; empty keeps everything."""

    cases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    repeat: int | None = None
    flag_prefix: str = "--"

    def __post_init__(self) -> None:
        if self.repeat is not None and self.repeat < 1:
            raise UsageError(f"{self.flag_prefix}repeat must be >= 1, got {self.repeat}")
        for tag in self.tags:
            if not tag.removeprefix(_NOT):
                raise UsageError(f"{self.flag_prefix}tag expects TAG or not:TAG, got {tag!r}")

    @property
    def filters(self) -> bool:
        return bool(self.cases or self.tags)

    def keeps(self, case: Case) -> bool:
        """Whether `case` passes the case globs and the tags."""
        if self.cases and not any(
            fnmatch.fnmatchcase(f"{case.suite}::{case.id}", g) or fnmatch.fnmatchcase(case.id, g)
            for g in self.cases
        ):
            return False
        has = set(case.tags)
        wanted = {t for t in self.tags if not t.startswith(_NOT)}
        excluded = {t.removeprefix(_NOT) for t in self.tags if t.startswith(_NOT)}
        return wanted <= has and not (excluded & has)

    def apply(self, suites: Sequence[Suite], *, require: bool = True) -> list[Suite]:
        """The suites with only the kept cases (suites left empty dropped), repeat applied;
        nothing kept is a UsageError naming the filters (unless `require` is False: the pytest
        plugin selects file by file, where one file may well keep nothing)."""
        if not self.filters and self.repeat is None:
            return list(suites)
        out = []
        for suite in suites:
            cases = [self._repeated(c) for c in suite.cases if self.keeps(c)]
            if cases:
                out.append(replace(suite, cases=cases))
        if not out and self.filters and require:
            raise UsageError(f"no case matches {self.describe()} in "
                             f"{', '.join(s.path for s in suites) or 'the suites'}")
        return out

    def _repeated(self, case: Case) -> Case:
        return case if self.repeat is None else replace(case, repeat=self.repeat)

    def describe(self) -> str:
        """The filters as flags: `--case 'tools::*' --tag smoke`."""
        return " ".join([f"{self.flag_prefix}case {g!r}" for g in self.cases]
                        + [f"{self.flag_prefix}tag {t!r}" for t in self.tags])
