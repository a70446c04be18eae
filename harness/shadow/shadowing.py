"""One shadow: the candidate (+ secondary) arms of a handed-off request, the pair written.

    handoff = HandOff(pair_id, ts, body, "mistral-chat", url, client_key, secondary=True)
    shadower = Shadower(arms, log, client, send_options, shadow_timeout_s)
    counts = await shadower.run(handoff, capture)   # capture: awaitable of the primary's
                                                    # forward.Capture, once it finished

The same code runs in the proxy's process (`--shadow-workers 0`) and in each shadow worker
(worker.py): the proxy only samples, takes a slot and hands the request off; everything the
shadow costs (the arms' sends, answer normalisation, diffs, the pair log's JSON and
scrubbing) happens here. `run` returns the counters it moved (WORKER_KEYS); a cancelled
shadow raises CancelledError, counted `shadow_cancelled` by its caller.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.shadow.arms import ArmTarget, answer_of, send_arm, shadow_job
from harness.shadow.forward import Capture
from harness.shadow.pairing import build_record, is_timeout
from harness.shadow.pairs import Arm, PairLog
from harness.wire.protocol import WireProtocol
from harness.wire.protocols import protocols

__all__ = ["WORKER_KEYS", "HandOff", "Shadower"]

# the counters the shadow moves (the proxy's own are in proxy.STAT_KEYS)
WORKER_KEYS = ("secondary_sent", "candidate_errors", "candidate_timeouts", "secondary_errors",
               "pairs_written", "shadow_cancelled")


@dataclass(frozen=True)
class HandOff:
    """What the proxy hands to the shadow for one sampled request: small and picklable."""

    pair_id: str
    ts: str
    body: bytes  # the client's JSON body as it came (a dict: checked by the proxy)
    protocol: str  # the primary's wire protocol name
    url: str  # the primary's URL the request was forwarded to
    client_key: str | None
    secondary: bool


class Shadower:
    """Sends the shadow arms of hand-offs and writes their pairs (see the module doc)."""

    def __init__(self, arms: Mapping[str, ArmTarget], log: PairLog, client: Any,
                 send_options: Any, shadow_timeout_s: float) -> None:
        self.primary = arms["primary"]
        self.candidate = arms["candidate"]
        self.secondary = arms.get("secondary")
        self.log = log
        self.client = client
        self.send_options = send_options
        self.deadline = shadow_timeout_s

    def _secondary_key(self, client_key: str | None) -> str | None:
        sec = self.secondary
        assert sec is not None
        if sec.key:
            return sec.key
        same = sec.target.provider.name == self.primary.target.provider.name
        return client_key if same else None

    def _send(self, h: HandOff, protocol: WireProtocol, body: dict[str, Any]
              ) -> dict[str, asyncio.Task[Arm]]:
        loop = asyncio.get_running_loop()
        tasks = {"candidate": loop.create_task(send_arm(
            self.client, self.candidate, protocol, body, self.send_options, self.deadline))}
        if h.secondary and self.secondary is not None:
            same = self.secondary.target.name == self.primary.target.name
            tasks["secondary"] = loop.create_task(send_arm(
                self.client, self.secondary, protocol, body, self.send_options, self.deadline,
                keep_model=same, key=self._secondary_key(h.client_key)))
        return tasks

    async def run(self, h: HandOff, capture: Awaitable[Capture]) -> dict[str, int]:
        """The pair of `h`: arms sent, the primary's capture awaited, diffs, one log line."""
        self.log.add_secret(h.client_key)
        protocol = next(p for p in protocols() if p.name == h.protocol)
        body = json.loads(h.body)
        counts = dict.fromkeys(WORKER_KEYS, 0)
        tasks = self._send(h, protocol, body)
        counts["secondary_sent"] = int("secondary" in tasks)
        try:
            primary = await capture
            arms: dict[str, Arm | None] = {r: await t for r, t in tasks.items()}
        except asyncio.CancelledError:
            for t in tasks.values():
                t.cancel()
            raise
        arms["primary"] = self._primary_arm(protocol, body, h.url, primary)
        self._count(arms, counts)
        record = build_record(h.pair_id, h.ts, "proxy", body, protocol.endpoint,
                              {"primary": arms["primary"], "candidate": arms["candidate"],
                               "secondary": arms.get("secondary")})
        if primary.client_gone:
            record.skipped = "client_disconnected"
        self.log.write(record)
        counts["pairs_written"] = 1
        return counts

    def _primary_arm(self, protocol: WireProtocol, body: dict[str, Any], url: str,
                     capture: Capture) -> Arm:
        target = self.primary.target
        job = shadow_job(target, protocol, body, case_id="shadow-primary")
        return Arm(target=target.name, protocol=protocol.name, endpoint=protocol.endpoint,
                   dialect=target.dialect, answer=answer_of(job, capture.exchange(url, body)),
                   request_sent=body, notes=[])

    @staticmethod
    def _count(arms: Mapping[str, Arm | None], counts: dict[str, int]) -> None:
        for role in ("candidate", "secondary"):
            arm = arms.get(role)
            if arm is None or arm.answer.error_class is None:
                continue
            if role == "candidate" and is_timeout(arm):
                counts["candidate_timeouts"] += 1
            else:
                counts[f"{role}_errors"] += 1
