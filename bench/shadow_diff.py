"""diff_answers throughput on realistic answers (it runs inside the proxy, once per request).

    .venv/bin/python bench/shadow_diff.py [--pairs 20000] [--rounds 3]

Set-up: --pairs synthetic (primary, candidate) answer pairs, seeded, in four shapes that a chat
API returns (a quarter each):

    chat text   ~1,200 characters of prose on both sides, the candidate rephrased (a share of
                its words changed, a sentence dropped or added)
    tool call   one or two tool calls with 3-6 JSON arguments, sometimes a changed value
    JSON mode   a 10-20 key object with a nested list and object, sometimes a dropped key
    error       429 / 500 on one side

Every pair also carries usage, cost and latency. Prints, best of --rounds: pairs per second and
microseconds per pair, overall and per shape,.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.shadow.diff import diff_answers
from harness.shadow.pairs import Answer

WORDS = ("the", "a", "model", "answer", "weather", "city", "Paris", "London", "rain", "sunny",
         "degrees", "forecast", "tomorrow", "request", "account", "balance", "invoice",
         "customer", "order", "shipping", "delayed", "refund", "policy", "please", "note",
         "that", "we", "can", "cannot", "help", "with", "this", "your", "their", "today", "week")


def _prose(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    while sum(map(len, out)) + len(out) < chars:
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize()
                   + ".")
    return " ".join(out)


def _rephrase(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(len(words) // 8):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def _figures(rng: random.Random) -> dict[str, object]:
    tokens = rng.randint(20, 400)
    return {"usage": {"prompt_tokens": rng.randint(50, 900), "completion_tokens": tokens},
            "latency_ms": rng.uniform(150, 3000), "cost_usd": tokens * 2e-6}


def _pair(rng: random.Random, shape: str) -> tuple[Answer, Answer]:
    if shape == "text":
        text = _prose(rng, 1200)
        return (Answer(status=200, content=text, finish_reason="stop", **_figures(rng)),
                Answer(status=200, content=_rephrase(rng, text), finish_reason="stop",
                       **_figures(rng)))
    if shape == "tool":
        calls = [{"name": f"tool_{i}", "arguments": {f"arg{j}": rng.choice(WORDS)
                                                     for j in range(rng.randint(3, 6))}}
                 for i in range(rng.randint(1, 2))]
        other = [{"name": c["name"], "arguments": dict(c["arguments"])} for c in calls]
        if rng.random() < 0.3:
            other[0]["arguments"]["arg0"] = "changed"
        return (Answer(status=200, tool_calls=calls, finish_reason="tool_calls", **_figures(rng)),
                Answer(status=200, tool_calls=other, finish_reason="tool_calls",
                       **_figures(rng)))
    if shape == "json":
        obj = {f"key{i}": rng.choice(WORDS) for i in range(rng.randint(10, 20))}
        obj["items"] = [{"id": i, "qty": rng.randint(1, 9)} for i in range(5)]
        obj["meta"] = {"source": "db", "ok": True}
        other = {k: v for k, v in obj.items() if not (k == "key3" and rng.random() < 0.3)}
        return (Answer(status=200, content=json.dumps(obj), json_output=obj,
                       finish_reason="stop", **_figures(rng)),
                Answer(status=200, content=json.dumps(other), json_output=other,
                       finish_reason="stop", **_figures(rng)))
    return (Answer(status=200, content=_prose(rng, 300), finish_reason="stop", **_figures(rng)),
            Answer(status=rng.choice((429, 500)), error_class="rate_limit", latency_ms=40.0))


def _time(pairs: list[tuple[Answer, Answer]], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for a, b in pairs:
            diff_answers(a, b)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(20261202)
    shapes = ("text", "tool", "json", "error")
    by_shape = {s: [_pair(rng, s) for _ in range(args.pairs // len(shapes))] for s in shapes}
    everything = [p for s in shapes for p in by_shape[s]]
    rng.shuffle(everything)
    total = _time(everything, args.rounds)
    print(f"diff_answers: {len(everything)} pairs, best of {args.rounds}")
    print(f"  all shapes  {len(everything) / total:>10,.0f} pairs/s  "
          f"{1e6 * total / len(everything):7.1f} us/pair")
    for shape in shapes:
        t = _time(by_shape[shape], args.rounds)
        n = len(by_shape[shape])
        print(f"  {shape:<10}  {n / t:>10,.0f} pairs/s  {1e6 * t / n:7.1f} us/pair")


if __name__ == "__main__":
    main()
