"""The simulated model: a validated `ChatRequest` -> choices and token counts.

Determinism: the answer is derived from a hash of (model, messages, tools, tool_choice,
response_format, seed). With a seed (``random_seed`` / ``seed``) or temperature 0 the same
request always gets the same answer; otherwise (temperature > 0 or omitted, which means the
provider default 0.3 / 0.7) a request counter is mixed in, so repeats differ like a real model.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from harness.sim.config import WEB_SEARCH_TOKENS, SimConfig
from harness.sim.content import (
    Text,
    compose_answer,
    context_names,
    finish,
    tool_result_answer,
)
from harness.sim.images import seen_note
from harness.sim.request import ChatRequest, content_text, estimate_tokens, last_user_text
from harness.sim.request import prompt_tokens as count_prompt
from harness.sim.schema_gen import generate_instance
from harness.sim.tools import choose_tool, tool_arguments

WEB_FOOTER = "\n\nSources:\n- https://example.com/search?q={q}\n- https://example.org/{slug}"


@dataclass
class ToolCallOut:
    name: str
    arguments: str


@dataclass
class ChoiceOut:
    index: int
    content: str
    tool_calls: list[ToolCallOut] = field(default_factory=list)
    finish_reason: str = "stop"
    tokens: int = 0
    stop_sequence: str | None = None


@dataclass
class Generation:
    choices: list[ChoiceOut]
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0


class PromptCache:
    """Remembers message prefixes, so a resent history reports cached prompt tokens."""

    def __init__(self, granularity: int, minimum: int, maxsize: int = 8192) -> None:
        self.granularity = granularity
        self.minimum = minimum
        self.maxsize = maxsize
        self._seen: OrderedDict[str, None] = OrderedDict()

    def cached(self, req: ChatRequest, prompt: int) -> int:
        head = json.dumps([req.model, [t.name for t in req.tools]], sort_keys=True)
        digest = hashlib.sha256(head.encode())
        best = 0
        for k, msg in enumerate(req.messages, start=1):
            digest.update(json.dumps(msg, sort_keys=True, default=str).encode())
            key = digest.copy().hexdigest()
            if key in self._seen:
                self._seen.move_to_end(key)
                best = k
            else:
                self._seen[key] = None
                if len(self._seen) > self.maxsize:
                    self._seen.popitem(last=False)
        if not best or prompt < self.minimum:
            return 0
        tokens = min(count_prompt(req.messages[:best], req.tools), prompt - 1)
        return max(0, tokens // self.granularity * self.granularity)


class Generator:
    """Holds the request counter and the prompt cache of one server."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self._counter = itertools.count()
        mistral = cfg.dialect == "mistral"
        self.cache = PromptCache(32 if mistral else 128, 0 if mistral else 1024)

    def _rng(self, req: ChatRequest, index: int, salt: str) -> random.Random:
        basis = json.dumps(
            [
                req.model,
                req.messages,
                [t.name for t in req.tools],
                req.tool_choice,
                req.response_format,
                req.seed,
                index,
            ],
            sort_keys=True,
            default=str,
        )
        return random.Random(hashlib.sha256((basis + salt).encode()).digest())

    def run(self, req: ChatRequest) -> Generation:
        temperature = (
            req.temperature if req.temperature is not None else self.cfg.default_temperature
        )
        deterministic = req.seed is not None or temperature == 0
        salt = "" if deterministic else f"#{next(self._counter)}"
        prompt = count_prompt(req.messages, req.tools)
        if req.web_search:
            prompt += WEB_SEARCH_TOKENS
        choices = [self.choice(req, i, self._rng(req, i, salt)) for i in range(max(1, req.n))]
        completion = sum(c.tokens for c in choices)
        return Generation(choices, prompt, completion, self.cache.cached(req, prompt))

    def choice(self, req: ChatRequest, index: int, rng: random.Random) -> ChoiceOut:
        message = last_user_text(req.messages)
        last = req.messages[-1] if req.messages else {}
        # After a tool result the model answers in text, unless tool_choice forces a call
        # (required / any / a named function): then it must call again, as the real APIs do.
        forced = req.tool_choice in ("required", "any") or isinstance(req.tool_choice, dict)
        if last.get("role") == "tool" and not (forced and req.tools):
            text = tool_result_answer(
                _tool_name(req.messages), content_text(last.get("content")), rng
            )
            return self._text_choice(req, index, text)
        tool = choose_tool(req.tools, req.tool_choice, message)
        if tool is not None:
            args = tool_arguments(tool, message, req.dialect)
            tokens = estimate_tokens(tool.name + args) + 3
            return ChoiceOut(index, "", [ToolCallOut(tool.name, args)], "tool_calls", tokens)
        return self._text_choice(req, index, self._text(req, message, rng))

    def _text(self, req: ChatRequest, message: str, rng: random.Random) -> str:
        fmt = (req.response_format or {}).get("type")
        earlier = [
            content_text(m.get("content")) for m in req.messages[:-1] if m.get("role") != "system"
        ]
        if fmt == "json_schema":
            schema = ((req.response_format or {}).get("json_schema") or {}).get("schema") or {}
            return _dump(generate_instance(schema, message), req.dialect)
        if fmt == "json_object":
            answer = " ".join(compose_answer(message, rng).split()[:24])
            return _dump({"answer": answer}, req.dialect)
        return compose_answer(message, rng, context_names(earlier), _last_user_note(req))

    def _text_choice(self, req: ChatRequest, index: int, raw: str) -> ChoiceOut:
        assert self.cfg.max_output is not None
        out: Text = finish(raw, req.stop, req.max_tokens, self.cfg.max_output)
        content = out.content
        if req.web_search and not req.disable_formatting:
            words = last_user_text(req.messages).split()[:4]
            q = urllib.parse.quote_plus(" ".join(words)) or "query"
            slug = urllib.parse.quote("-".join(w.lower() for w in words)) or "news"
            content += WEB_FOOTER.format(q=q, slug=slug)
        return ChoiceOut(index, content, [], out.finish_reason, out.tokens, out.stop_sequence)


def _dump(value: Any, dialect: str) -> str:
    """Mistral pretty-prints JSON answers (with odd whitespace); OpenAI sends them compact."""
    if dialect == "mistral":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _last_user_note(req: ChatRequest) -> str:
    """What the model "sees" in the last user message's images ("" without images)."""
    for msg in reversed(req.messages):
        if msg.get("role") == "user":
            return seen_note(msg.get("content"))
    return ""


def _tool_name(messages: list[dict[str, Any]]) -> str:
    """The name of the function whose result is the last (tool) message."""
    last = messages[-1]
    if last.get("name"):
        return str(last["name"])
    call_id = last.get("tool_call_id")
    for msg in reversed(messages[:-1]):
        for call in msg.get("tool_calls") or []:
            if isinstance(call, dict) and (call_id is None or call.get("id") == call_id):
                return str((call.get("function") or {}).get("name") or "")
    return ""
