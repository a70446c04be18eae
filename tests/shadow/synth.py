"""Synthetic pair logs: a seeded "random model" answering prompts, and candidates that are
identical, as random, or changed in one way (a tool argument, a dropped JSON key, the finish
reason). Records are built as the proxy builds them (PairRecord + diff_answers)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from harness.shadow.diff import diff_answers
from harness.shadow.pairs import Answer, Arm, PairLog, PairRecord, request_hash

CITIES = ("Paris", "Rome", "Oslo", "Lima", "Kyiv", "Pune")
PHRASES = ("The forecast for {c} is sunny and mild, around 21 degrees.",
           "In {c} expect sunshine today with mild temperatures near 21 degrees.",
           "Sorry, I do not have live weather data, but {c} is usually mild in spring.")


def random_answer(rng: random.Random, prompt: int) -> Answer:
    """One sample of the random model for prompt number `prompt` (its task is fixed by it)."""
    city = CITIES[prompt % len(CITIES)]
    task = prompt % 4
    tokens = rng.randint(30, 60)
    figures: dict[str, Any] = {"usage": {"prompt_tokens": 50, "completion_tokens": tokens},
                               "latency_ms": rng.uniform(300, 700), "cost_usd": tokens * 1e-6}
    if rng.random() < 0.01:
        return Answer(status=500, error_class="server_error", latency_ms=figures["latency_ms"])
    finish = "length" if rng.random() < 0.03 else "stop"
    if task == 0:  # a tool call; the unit is sometimes chosen otherwise
        args = {"city": city, "unit": "f" if rng.random() < 0.2 else "c"}
        return Answer(status=200, tool_calls=[{"name": "get_weather", "arguments": args}],
                      finish_reason="tool_calls", **figures)
    if task == 1:  # JSON mode
        out = {"city": city, "temp": rng.choice((20, 21)), "meta": {"source": "model"}}
        return Answer(status=200, content=str(out), json_output=out, finish_reason=finish,
                      **figures)
    text = rng.choice(PHRASES).format(c=city)
    return Answer(status=200, content=text, finish_reason=finish, **figures)


def change_tool_arg(a: Answer) -> Answer:
    calls = [{"name": c["name"], "arguments": {**c["arguments"], "city": "Atlantis"}}
             for c in a.tool_calls]
    return replace(a, tool_calls=calls)


def drop_json_key(a: Answer) -> Answer:
    if not isinstance(a.json_output, dict):
        return a
    return replace(a, json_output={k: v for k, v in a.json_output.items() if k != "meta"})


def change_finish(rng: random.Random) -> Callable[[Answer], Answer]:
    def change(a: Answer) -> Answer:
        if a.finish_reason == "stop" and rng.random() < 0.25:
            return replace(a, finish_reason="length")
        return a
    return change


def make_records(n: int, seed: int, candidate: str = "random", secondary_share: float = 1.0,
                 content: str = "full", text: Callable[[int], str] | None = None
                 ) -> list[PairRecord]:
    """`n` pair records. candidate: identical | random | tool_arg | drop_key | finish."""
    rng = random.Random(seed)
    changes: dict[str, Callable[[Answer], Answer]] = {
        "tool_arg": change_tool_arg, "drop_key": drop_json_key, "finish": change_finish(rng)}
    out = []
    for i in range(n):
        prompt = rng.randrange(1000)
        primary = random_answer(rng, prompt)
        if text is not None and primary.content is not None:
            primary = replace(primary, content=text(i))
        if candidate == "identical":
            cand = replace(primary)
        else:
            cand = changes.get(candidate, lambda a: a)(random_answer(rng, prompt))
        second = random_answer(rng, prompt) if rng.random() < secondary_share else None
        out.append(_record(i, prompt, primary, cand, second, content))
    return out


def _arm(role: str, answer: Answer) -> Arm:
    target = "openai/gpt-x" if role == "candidate" else "mistral/medium"
    return Arm(target, "chat", "chat", "openai" if role == "candidate" else "mistral", answer,
               request_sent={"messages": [{"role": "user", "content": "weather?"}]},
               notes=["random_seed -> seed"] if role == "candidate" else [])


def _record(i: int, prompt: int, primary: Answer, cand: Answer, second: Answer | None,
            content: str) -> PairRecord:
    request = {"model": "m", "messages": [{"role": "user", "content": f"weather {prompt}?"}]}
    arms: dict[str, Arm | None] = {"primary": _arm("primary", primary),
                                   "candidate": _arm("candidate", cand),
                                   "secondary": _arm("secondary", second) if second else None}
    diffs: dict[str, Any] = {"candidate": diff_answers(primary, cand),
                             "secondary": diff_answers(primary, second) if second else None}
    skipped = "candidate_error" if cand.status is not None and cand.status >= 500 else None
    return PairRecord(f"p{i:06d}", "2026-12-02T10:00:00Z", "proxy", "chat", False, request,
                      request_hash(request), arms, diffs, content, skipped)


def dicts(records: list[PairRecord]) -> list[dict[str, Any]]:
    """The records as read_pairs gives them back (written with their content mode)."""
    return [r.to_dict() for r in records]


def write_log(folder: Any, records: list[PairRecord], content: str = "full",
              stats: dict[str, Any] | None = None) -> None:
    with PairLog(folder, content=content) as log:
        for r in records:
            log.write(r)
        if stats is not None:
            log.write_stats(stats)
