"""Deterministic answer text, and the two ways generation ends early: stop and max_tokens.

An answer echoes the user's message (and names mentioned in earlier turns) (so a suite can ask "Count: one two three four five" and
stop at "four") followed by filler sentences picked by a seeded RNG, 30-80 words in all, long
enough that a small ``max_tokens`` truncates it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from harness.sim.request import estimate_tokens

ECHO_CHARS = 60

# Filler: plain words, no digits, so stop sequences in tests hit the echoed part first.
FILLER = (
    "This reply comes from the reference simulator rather than a real language model.",
    "It is deterministic when a seed is given, so repeated runs can be compared directly.",
    "Each sentence is chosen from a small fixed pool by a seeded random generator.",
    "The usage block estimates tokens from the number of characters in the text.",
    "Contract tests can rely on its shape while treating its wording as arbitrary.",
    "Latency, faults and rate limits are configured on the server, not by the prompt.",
    "Nothing here was produced by sampling a neural network of any kind.",
    "A real provider would answer the question with actual knowledge instead.",
    "The simulator keeps connections alive and answers many requests at once.",
    "Structured output, tool calls and streaming follow the dialect of the endpoint.",
    "Error envelopes are copied from recorded traffic of the providers it imitates.",
    "Tokens are estimated, never computed by a real tokenizer.",
)


@dataclass
class Text:
    """Produced text with its completion-token count and finish reason."""

    content: str
    tokens: int
    finish_reason: str = "stop"
    #: the stop sequence that ended the text, if one did
    stop_sequence: str | None = None


def context_names(texts: list[str], limit: int = 6) -> list[str]:
    """Capitalised words that do not start a sentence (names, places) in earlier turns."""
    names: list[str] = []
    for text in texts:
        for match in re.finditer(r"[A-Z][a-zA-Z'-]+", text):
            before = text[: match.start()]
            if before[-1:].isalnum() or not before.strip() or before.rstrip()[-1] in ".!?:":
                continue  # inside a word, or a sentence's first word
            if match.group(0) not in names:
                names.append(match.group(0))
    return names[:limit]


def compose_answer(
    prompt: str, rng: random.Random, context: list[str] | None = None, note: str = ""
) -> str:
    """ "Simulated answer to: <message start>. " [+ what it sees, e.g. "I see 1 image (64x64
    PNG). "] [+ names from earlier turns] + filler."""
    flat = " ".join(prompt.split())
    head = flat[:ECHO_CHARS] + ("..." if len(flat) > ECHO_CHARS else "")
    picks = rng.sample(FILLER, rng.randint(4, 6))
    seen = f"{note} " if note else ""
    recalled = f"Earlier in this conversation: {', '.join(context)}. " if context else ""
    return f"Simulated answer to: {head}. " + seen + recalled + " ".join(picks)


def tool_result_answer(tool_name: str, result: str, rng: random.Random) -> str:
    """A text answer built on a tool's result (the turn after a tool call)."""
    flat = " ".join(result.split())[:200]
    name = f" {tool_name}" if tool_name else ""
    return f"According to the tool{name}, the result is: {flat}. " + rng.choice(FILLER)


def apply_stop(text: str, stops: list[str]) -> tuple[str, str | None]:
    """Cut before the earliest stop sequence; -> (text, the stop sequence found or None)."""
    hits = [(i, s) for s in stops if s for i in (text.find(s),) if i >= 0]
    if not hits:
        return text, None
    cut, stop = min(hits, key=lambda hit: hit[0])
    return text[:cut], stop


def finish(text: str, stops: list[str], max_tokens: int | None, max_output: int) -> Text:
    """Apply stop sequences, then the token limit (finish_reason "length")."""
    text, stop = apply_stop(text, stops)
    limit = max_output if max_tokens is None else min(max_tokens, max_output)
    if estimate_tokens(text) > limit:
        return Text(text[: limit * 4], limit, "length")
    return Text(text, estimate_tokens(text), "stop", stop)
