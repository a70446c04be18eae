"""Thread-safe request counters of a running simulator."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StatsSnapshot:
    """Counts at one moment: requests received, by path, by x-sim-key, by status, by fault."""

    total: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    by_status: dict[int, int] = field(default_factory=dict)
    by_fault: dict[str, int] = field(default_factory=dict)


class SimStats:
    """Updated from the server's loop thread, read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._paths: Counter[str] = Counter()
            self._keys: Counter[str] = Counter()
            self._statuses: Counter[int] = Counter()
            self._faults: Counter[str] = Counter()

    def request(self, path: str, key: str | None) -> None:
        with self._lock:
            self._total += 1
            self._paths[path] += 1
            if key is not None:
                self._keys[key] += 1

    def status(self, status: int) -> None:
        with self._lock:
            self._statuses[status] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(
                self._total,
                dict(self._paths),
                dict(self._keys),
                dict(self._statuses),
                dict(self._faults),
            )
