"""Replay captured traffic through the arms: the same pair log as the proxy, from a file.

    stats = replay(traffic, roles, settings, ReplayOptions(...), content="hash")

    traffic    anything harness.shadow.traffic.read_traffic reads (a pair log, a JSONL of
               request bodies, an OpenAI batch input file, a folder of cassettes)
    roles      {"primary": T, "candidate": T, "secondary": T | None (default: the primary)}
    settings   RunSettings: concurrency, retries, timeout, --simulate, providers, out = the log

Per item, in a pool of `concurrency` workers on the session's loop and client (retries and
timeouts as `harness run`):

    primary    the item's recorded answer stands for the primary when it has one (read with
               arms.answer_from_recorded: the same normaliser, assembler and error classes as
               a live answer); `use_recorded=False` (--no-recorded) sends every item to the
               primary instead. An item without a recording is always sent.
    candidate  always sent, translated from the item's protocol to the candidate's
    secondary  the share `secondary_share` of the items is also sent to the secondary (the
               primary target again by default): the primary's noise floor, live

Pair ids are "r000001-<salt>"; the log's stats line counts items, pairs, recorded primaries,
errors and timeouts.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from harness.core.errors import UsageError
from harness.session.run import Run
from harness.session.settings import RunSettings
from harness.shadow.arms import ArmTarget, answer_from_recorded, send_arm
from harness.shadow.pairing import PairIds, build_record, is_timeout, now_iso
from harness.shadow.pairs import Arm, PairLog
from harness.shadow.session import shadow_run
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import get_protocol

__all__ = ["REPLAY_STATS", "ReplayOptions", "read_items", "replay", "replay_items"]

REPLAY_STATS = ("items", "pairs_written", "recorded_primary", "secondary_sent", "primary_errors",
                "candidate_errors", "candidate_timeouts", "secondary_errors")


@dataclass(frozen=True)
class ReplayOptions:
    limit: int | None = None
    use_recorded: bool = True
    secondary_share: float = 0.1
    deadline_s: float | None = None  # per arm, retries included (None: the engine's timeouts)
    seed: int | None = None


def read_items(path: str, limit: int | None = None) -> Iterator[Any]:
    """The traffic's items (harness.shadow.traffic.read_traffic)."""
    try:
        from harness.shadow.traffic import read_traffic  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise UsageError("harness shadow replay: reading traffic files is not available in "
                         "this build yet (harness.shadow.traffic is missing)") from None

    return iter(read_traffic(path, limit=limit))


class _Replay:
    """The workers' shared state: arms, log, counters."""

    def __init__(self, arms: Mapping[str, ArmTarget], log: PairLog, client: Any,
                 send_options: Any, options: ReplayOptions) -> None:
        self.arms = arms
        self.log = log
        self.client = client
        self.send_options = send_options
        self.options = options
        self.stats: dict[str, int] = dict.fromkeys(REPLAY_STATS, 0)
        self.ids = PairIds("r")
        self.rng = random.Random(options.seed)

    def source_protocol(self, item: Any) -> WireProtocol:
        dialect = getattr(item, "dialect", None) or self.arms["primary"].target.dialect
        return get_protocol(str(getattr(item, "endpoint", None) or "chat"), dialect)

    async def primary(self, item: Any, protocol: WireProtocol, body: dict[str, Any]) -> Arm:
        arm = self.arms["primary"]
        recorded = getattr(item, "recorded", None)
        if recorded is not None and self.options.use_recorded:
            self.stats["recorded_primary"] += 1
            answer = answer_from_recorded(protocol, recorded, arm.target, body)
            return Arm(target=arm.name, protocol=protocol.name, endpoint=protocol.endpoint,
                       dialect=arm.target.dialect, answer=answer, request_sent=body,
                       notes=[f"recorded answer ({getattr(item, 'ref', '')})"])
        return await send_arm(self.client, arm, protocol, body, self.send_options,
                              self.options.deadline_s)

    async def one(self, item: Any) -> None:
        body = getattr(item, "body", None)
        self.stats["items"] += 1
        if not isinstance(body, dict):
            return
        protocol = self.source_protocol(item)
        ts = now_iso()
        loop = asyncio.get_running_loop()
        tasks = {"candidate": loop.create_task(send_arm(
            self.client, self.arms["candidate"], protocol, body, self.send_options,
            self.options.deadline_s))}
        secondary = self.arms.get("secondary")
        if secondary is not None and self.rng.random() < self.options.secondary_share:
            self.stats["secondary_sent"] += 1
            tasks["secondary"] = loop.create_task(send_arm(
                self.client, secondary, protocol, body, self.send_options,
                self.options.deadline_s))
        arms: dict[str, Arm | None] = {"primary": await self.primary(item, protocol, body)}
        arms.update({role: await task for role, task in tasks.items()})
        arms.setdefault("secondary", None)
        self.count(arms)
        self.log.write(build_record(self.ids.next(), ts, "replay", body, protocol.endpoint, arms))
        self.stats["pairs_written"] += 1

    def count(self, arms: Mapping[str, Arm | None]) -> None:
        for role in ("primary", "candidate", "secondary"):
            arm = arms.get(role)
            if arm is None or arm.answer.error_class is None:
                continue
            key = "candidate_timeouts" if role == "candidate" and is_timeout(arm) else f"{role}_errors"
            self.stats[key] += 1


async def replay_items(items: Iterable[Any], state: _Replay, concurrency: int) -> dict[str, int]:
    """A pool of `concurrency` workers over `items` (read lazily: memory stays flat)."""
    source = iter(items)

    async def worker() -> None:
        for item in source:  # one iterator shared: each item goes to exactly one worker
            await state.one(item)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return state.stats


def replay(traffic: str | Iterable[Any], roles: Mapping[str, str | None], settings: RunSettings,
           options: ReplayOptions, content: str = "hash") -> dict[str, Any]:
    """Replay `traffic` (a path, or items already read) through the arms into the pair log
    under settings.out; the stats."""
    need = ["candidate"]
    if not options.use_recorded or options.secondary_share > 0:
        need.append("primary")
    with shadow_run(roles, settings, need=need) as (run, arms):
        if isinstance(traffic, str):
            items: Iterable[Any] = read_items(traffic, options.limit)
        else:
            items = itertools.islice(traffic, options.limit)
        secrets = [a.key for a in arms.values() if a.key]
        with PairLog(settings.out, content=content, secrets=secrets) as log:
            state = _Replay(arms, log, run.client, run.send_options, options)
            stats = _run(run, items, state, settings.concurrency)
            final = {**stats, "traffic": traffic if isinstance(traffic, str) else None, "primary": arms["primary"].name,
                     "candidate": arms["candidate"].name,
                     "secondary": arms["secondary"].name if "secondary" in arms else None,
                     "options": asdict(options)}
            log.write_stats(final)
            return final


def _run(run: Run, items: Iterable[Any], state: _Replay, concurrency: int) -> dict[str, int]:
    return run.run_async(replay_items(items, state, concurrency))  # type: ignore[no-any-return]
