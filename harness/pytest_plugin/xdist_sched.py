"""The xdist scheduler of the plugin (imported only when pytest-xdist runs the session).

`--dist load` (what `-n N` uses) hands items to workers one by one, so the repeats of a case
could run in different processes; `same_across_repeats` keeps its reference answer per process
and would compare fewer repeats than `harness run` does. This is xdist's LoadScopeScheduling
with one scope per case, target and variant (the item id without `-rN`); every other item is
its own scope, i.e. plain load scheduling. (xdist's own `loadgroup` marks do not work with
pytest 9.2: xdist 3.8 rewrites `item._nodeid`, which pytest no longer reads.)
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

from harness.pytest_plugin.items import repeat_scope


class RepeatGroupScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return repeat_scope(nodeid)
